"""--animate, --frames-dir and --speed without torch (--no-verify: the window without numbers): every file parses,
has a title and a description, as many steps as the output has positions, the window where the stride puts it in
each still and at each moment of the loop, and the refusals in one line. The numbers are test_animation_torch.py's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run
from svgs import SVG, at, classes, keyframes, page_svg, parse, style, timed, translate

from cnncalc.views.svg import HOLD, PALETTE

# (arguments, steps): a window's positions (output H·W), a transposed convolution's input cells, an RNN's t.
LAYERS = [
    (("conv", "--w", "7", "--f", "3", "--s", "2"), 3 * 3),
    (("conv", "--input", "64x20x20", "--k", "128", "--f", "5", "--s", "2", "--p", "2"), 10 * 10),
    (("conv", "--input", "3x12", "--k", "4", "--f", "3", "--dilation", "2", "--p", "1"), 10),
    (("conv", "--input", "2x9x8", "--f", "2x3", "--s", "3x2", "--p", "same-tf"), 3 * 4),
    (("conv", "--input", "1x4x5", "--f", "3", "--s", "2", "--p", "1", "--transposed", "--output-padding", "1"), 4 * 5),
    (("pool", "--input", "3x9x9", "--f", "3", "--s", "2", "--p", "1", "--ceil", "--type", "avg"), 5 * 5),
    (("pool", "--input", "1x10", "--f", "3", "--s", "2", "--dilation", "2", "--ceil"), 4),
    (("pool", "--input", "2x6x6", "--f", "2", "--type", "lp", "--norm", "3"), 3 * 3),
    (("lstm", "--hidden", "64", "--input", "32", "--seq", "5"), 5),
    (("lstm", "--hidden", "8", "--input", "4", "--seq", "3", "--cell", "gru", "--bidirectional"), 3),
    (("lstm", "--hidden", "8", "--input", "4", "--seq", "8", "--cell", "rnn", "--proj", "0"), 8),
    (("lstm", "--hidden", "8", "--input", "4", "--seq", "1", "--proj", "3", "--layers", "2"), 1),
]


def animate(cnncalc: Run, tmp_path: Path, *args: str) -> tuple[Path, Path]:
    svg, frames = tmp_path / "a.svg", tmp_path / "frames"
    code, out, err = cnncalc(*args, "--no-verify", "--animate", str(svg), "--frames-dir", str(frames))
    assert (code, err) == (0, ""), err
    assert out.startswith("cnncalc ")  # the table is printed as ever
    return svg, frames


@pytest.mark.parametrize(("args", "steps"), LAYERS)
def test_every_animation_is_svg_with_a_title_a_description_and_a_step_per_position(
    cnncalc: Run, tmp_path: Path, args: tuple[str, ...], steps: int
) -> None:
    svg, frames = animate(cnncalc, tmp_path, *args)
    root = parse(svg)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and "animated" in title.text
    assert desc is not None and desc.text
    assert (f"t = 1 to {steps}" if args[0] == "lstm" else f"{steps} steps") in desc.text
    assert root.get("role") == "img" and root.get("aria-labelledby") == "title desc"
    assert root.get("data-steps") == str(steps)
    assert all((t.text or "").strip() for t in root.iter(f"{SVG}text")), "a text element without words"
    assert "<script" not in svg.read_text()
    # one still a step, each a picture of its own, without the loop's keyframes
    stills = sorted(frames.iterdir())
    assert [p.name for p in stills] == [f"step-{i:03d}.svg" for i in range(1, steps + 1)]
    for i, still in enumerate(stills, start=1):
        root = parse(still)
        assert root.get("data-step") == str(i)
        assert root.findtext(f"{SVG}title", "").endswith(f"step {i} of {steps}")
        assert "@keyframes" not in style(root)


def window_origin(root: object) -> tuple[float, float, float]:
    """The padded input's corner and the cell's side, from the input's outline (the `edge` rectangle)."""
    import xml.etree.ElementTree as ElementTree

    assert isinstance(root, ElementTree.Element)
    edge = next(r for r in root.iter(f"{SVG}rect") if "edge" in classes(r))
    return float(edge.get("x", 0)), float(edge.get("y", 0)), float(edge.get("width", 0))


# Layers drawn without numbers, and where their window should be: (rows, cols) stride, padding, dilation, output.
WINDOWS = [
    (("--input", "1x6x7", "--f", "3", "--s", "2", "--p", "1"), (2, 2), (1, 1), (1, 1), (3, 4), (6, 7)),
    (("--input", "1x9x9", "--f", "2", "--s", "3", "--dilation", "2"), (3, 3), (0, 0), (2, 2), (3, 3), (9, 9)),
    (("--input", "1x11", "--f", "3", "--s", "4", "--p", "2"), (1, 4), (0, 2), (1, 1), (1, 4), (1, 11)),
]


@pytest.mark.parametrize(("args", "stride", "pad", "dilation", "out", "size"), WINDOWS)
def test_each_still_and_each_moment_of_the_loop_put_the_window_where_the_stride_does(
    cnncalc: Run, tmp_path: Path, args: tuple[str, ...], stride: tuple[int, int], pad: tuple[int, int],
    dilation: tuple[int, int], out: tuple[int, int], size: tuple[int, int],
) -> None:  # fmt: skip
    svg, frames = animate(cnncalc, tmp_path, "conv", *args)
    root = parse(svg)
    ex, ey, width = window_origin(root)
    pitch = width / size[1]
    corner = (ex - pad[1] * pitch, ey - pad[0] * pitch)  # the padded input's first cell
    positions = [(r, c) for r in range(out[0]) for c in range(out[1])]
    for i, (r, c) in enumerate(positions):
        still = parse(frames / f"step-{i + 1:03d}.svg")
        window = next(g for g in still.iter(f"{SVG}g") if any("win" in classes(x) for x in g))
        x, y = translate(window.get("transform", ""))
        assert (x, y) == pytest.approx((corner[0] + c * stride[1] * pitch, corner[1] + r * stride[0] * pitch))
        taps = sorted(float(t.get(axis, 0)) for t in window for axis in "yx")
        kernel = int(args[args.index("--f") + 1])
        rows = range(kernel) if size[0] > 1 else range(1)
        want = sorted(
            v for a in rows for b in range(kernel) for v in (a * dilation[0] * pitch, b * dilation[1] * pitch)
        )
        assert taps == pytest.approx(want)
    # the animation: the window's keyframes hold each step's place for that step, and hide it for the hold
    css = style(root)
    mover = next(g for g in root.iter(f"{SVG}g") if any("win" in classes(x) for x in g))
    assert translate(next(g for g in root.iter(f"{SVG}g") if mover in list(g)).get("transform", "")) == corner
    stops = keyframes(css, classes(mover)[0])
    loop = len(positions) + HOLD
    for i, (r, c) in enumerate(positions):
        middle = 100 * (i + 0.5) / loop
        assert translate(at(stops, middle, "transform") or "translate(0,0)") == pytest.approx(
            (c * stride[1] * pitch, r * stride[0] * pitch)
        )
        assert at(stops, middle, "opacity") == "1"
    assert at(stops, 100 * (len(positions) + 0.5) / loop, "opacity") == "0"
    # and the output fills in the same order, a cell a step
    filled = [(rect, step) for rect, step, names in timed(root) if "od" in names]
    assert [step or 0 for _, step in filled] == list(range(len(positions)))  # the first shows from the start
    spots = [(float(rect.get("y", 0)), float(rect.get("x", 0))) for rect, _ in filled]
    assert spots == sorted(spots)  # row by row


def test_speed_sets_the_seconds_a_step(cnncalc: Run, tmp_path: Path) -> None:
    svg = tmp_path / "a.svg"
    code, _, _ = cnncalc("conv", "--w", "5", "--f", "3", "--no-verify", "--animate", str(svg), "--speed", "2.5")
    css = style(parse(svg))
    assert code == 0 and parse(svg).get("data-speed") == "2.5"
    assert f"animation-duration:{(9 + HOLD) * 2.5:g}s" in css
    assert ".t1{animation-delay:2.5s}" in css and ".t8{animation-delay:20s}" in css


def test_an_html_page_holds_the_same_svg(cnncalc: Run, tmp_path: Path) -> None:
    page, svg = tmp_path / "a.html", tmp_path / "a.svg"
    for path in (page, svg):
        assert cnncalc("pool", "--w", "6", "--f", "2", "--no-verify", "--animate", str(path))[0] == 0
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<title>2D max pooling, animated</title>" in html
    assert page_svg(html).get("data-steps") == "9"
    assert html[html.index("<svg") : html.index("</svg>") + 6] == svg.read_text().strip()


def test_json_and_quiet_still_animate(cnncalc: Run, tmp_path: Path) -> None:
    svg = tmp_path / "a.svg"
    code, out, _ = cnncalc("conv", "--w", "7", "--f", "3", "--json", "--no-verify", "--animate", str(svg))
    assert code == 0 and out.startswith("{") and parse(svg).get("data-steps") == "25"
    code, out, _ = cnncalc("lstm", "--hidden", "4", "--input", "2", "-q", "--animate", str(svg), "--no-verify")
    assert (code, out) == (0, "1x1x4\n")


def test_without_torch_there_are_no_numbers_and_the_picture_says_why(cnncalc: Run, tmp_path: Path) -> None:
    svg, _ = animate(cnncalc, tmp_path, "conv", "--w", "5", "--f", "3")
    text = svg.read_text()
    assert "no numbers: they are torch's, and --no-verify builds no torch layer" in text
    assert "data-out" not in text and "data-in" not in text


@pytest.mark.parametrize(
    ("args", "steps", "limit"),
    [
        # at the bounds: 32 cells a side padded, 225 window positions; a transposed scatter of 256 input cells
        (("conv", "--input", "64x28x28", "--k", "64", "--f", "3", "--s", "2", "--p", "2"), 225, 100_000),
        (("conv", "--input", "8x16x16", "--f", "3", "--transposed"), 256, 100_000),
        (("pool", "--input", "1x32", "--f", "2", "--s", "1", "--ceil"), 31, 20_000),
    ],
)
def test_animations_stay_small(cnncalc: Run, tmp_path: Path, args: tuple[str, ...], steps: int, limit: int) -> None:
    svg, _ = animate(cnncalc, tmp_path, *args)
    assert parse(svg).get("data-steps") == str(steps)
    assert svg.stat().st_size < limit


def _contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_is_readable_on_every_cell_and_background_in_either_scheme(scheme: str) -> None:
    light, _, dark = PALETTE.partition("@media (prefers-color-scheme:dark){")
    rules = light if scheme == "light" else light + dark  # dark overrides light where it says so

    def fill(selector: str) -> str:
        rule = r"(?:^|\})\s*" + re.escape(selector) + r"\{[^}]*?fill:(#[0-9a-f]{6})"
        found: list[str] = re.findall(rule, rules, re.MULTILINE)
        return found[-1]

    text, muted = fill("text"), fill(".m")
    for cell in (".bg", ".i", ".p", ".u", ".o", ".w", ".box", ".gate", ".op"):  # what numbers and labels sit on
        assert _contrast(text, fill(cell)) >= 7, (scheme, cell)  # WCAG AAA for the numbers and labels
    assert _contrast(muted, fill(".bg")) >= 4.5, scheme  # AA for the captions


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("conv", "--w", "7", "--f", "3", "--animate", "a.png"),
         "--animate got a.png, expected a file ending .svg or .html: name it FILE.svg, or FILE.html for a page "
         "with it"),
        (("conv", "--w", "7", "--f", "3", "--speed", "2"),
         "--speed got 2, expected --animate with it: the seconds each step of the animation shows: "
         "add --animate FILE.svg"),
        (("conv", "--w", "7", "--f", "3", "--animate", "a.svg", "--speed", "0"),
         "--speed got 0, expected a number of seconds a step from 0.05 to 60"),
        (("conv", "--w", "7", "--f", "3", "--animate", "a.svg", "--speed", "-1"),
         "--speed got -1, expected a number of seconds a step from 0.05 to 60"),
        (("conv", "--w", "7", "--f", "3", "--animate", "a.svg", "--speed", "nan"),
         "--speed got nan, expected a number of seconds a step from 0.05 to 60"),
        (("conv", "--w", "7", "--f", "3", "--animate", "a.svg", "--speed", "61"),
         "--speed got 61, expected a number of seconds a step from 0.05 to 60"),
        (("conv", "--w", "7", "--f", "3", "--animate", "a.svg", "--speed", "fast"),
         "--speed got fast, expected a number of seconds a step from 0.05 to 60"),
        (("conv", "--w", "7", "--f", "3", "--animate", "/nonexistent/a.svg"),
         "--animate got /nonexistent/a.svg, expected a file cnncalc can write: check the folder exists"),
        (("conv", "--w", "7", "--f", "3", "--frames-dir", "/nonexistent/a/b"),
         "--frames-dir got /nonexistent/a/b, expected a folder cnncalc can write, or make in an existing one: "
         "check the path"),
        (("conv", "--w", "31", "--f", "3", "--p", "1", "--animate", "a.svg"),
         "--animate got H = 33 padded, expected at most 32 cells a side to animate: try a smaller --w/--h: "
         "the arithmetic is the same"),
        (("conv", "--w", "17", "--f", "1", "--animate", "a.svg"),
         "--animate got 289 window positions, expected at most 256 steps to animate: try a smaller --w/--h or a "
         "larger --s: the arithmetic is the same"),
        (("conv", "--w", "17", "--f", "1", "--transposed", "--animate", "a.svg"),
         "--animate got 289 input cells to scatter, expected at most 256 steps to animate: try a smaller --w/--h: "
         "the arithmetic is the same"),
        (("conv", "--w", "9", "--f", "9", "--s", "3", "--transposed", "--animate", "a.svg"),
         "--animate got H = 33 before cropping, expected at most 32 cells a side to animate: try a smaller --w/--h: "
         "the arithmetic is the same"),
        (("pool", "--input", "1x4x4x4", "--f", "2", "--animate", "a.svg"),
         "--animate got 3D, expected a 1D or 2D input: a 3D one does not fit a flat picture"),
        (("pool", "--w", "8", "--global", "--animate", "a.svg"),
         "--animate got adaptive pooling, expected conv, a pool with a window (--f) or lstm: drop --animate"),
        (("conv", "--w", "224", "--target", "112", "--animate", "a.svg"),
         "--animate got a.svg, expected no --animate with --target: --target solves for the window alone: kernel, "
         "stride, padding, dilation: drop --animate"),
        (("pool", "--w", "224", "--target", "112", "--frames-dir", "d"),
         "--frames-dir got d, expected no --frames-dir with --target: --target solves for the window alone: kernel, "
         "stride, padding, dilation: drop --frames-dir"),
        (("lstm", "--hidden", "8", "--input", "4", "--seq", "9", "--animate", "a.svg"),
         "--animate got a sequence of 9, expected at most 8 steps (t = 1…8) to animate: give --seq 8 or less: "
         "every step runs the same cell"),
    ],
)  # fmt: skip
def test_refusals_are_one_line_before_anything_is_written(
    cnncalc: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = cnncalc(*args, "--no-verify")
    assert (code, out, err) == (2, "", f"cnncalc: error: {line}\n")
    assert list(tmp_path.iterdir()) == []


def test_a_frames_dir_that_is_a_file_or_an_animation_that_is_a_folder_is_refused(cnncalc: Run, tmp_path: Path) -> None:
    afile, folder = tmp_path / "f.svg", tmp_path / "d.svg"
    afile.write_text("")
    folder.mkdir()
    code, _, err = cnncalc("conv", "--w", "5", "--f", "3", "--frames-dir", str(afile), "--no-verify")
    assert (code, err) == (2, f"cnncalc: error: --frames-dir got {afile}, expected a folder, not a file: name a new "
                              "or existing folder\n")  # fmt: skip
    code, _, err = cnncalc("conv", "--w", "5", "--f", "3", "--animate", str(folder), "--no-verify")
    assert (code, err) == (2, f"cnncalc: error: --animate got {folder}, expected a file cnncalc can write: check "
                              "the folder exists\n")  # fmt: skip


def test_frames_dir_is_made_when_missing_and_may_go_without_animate(cnncalc: Run, tmp_path: Path) -> None:
    frames = tmp_path / "slides"
    code, _, err = cnncalc("pool", "--input", "1x4", "--f", "2", "--frames-dir", str(frames), "--no-verify")
    assert (code, err) == (0, "")
    assert sorted(p.name for p in frames.iterdir()) == ["step-001.svg", "step-002.svg"]


def test_the_lstm_figure_labels_its_edges_with_their_shapes(cnncalc: Run, tmp_path: Path) -> None:
    svg, frames = animate(cnncalc, tmp_path, "lstm", "--hidden", "64", "--input", "32", "--seq", "3", "--batch", "2")
    root = parse(svg)
    words = [t.text or "" for t in root.iter(f"{SVG}text")]
    for label in (
        "[2, 32]",
        "[2, 96]",
        "f_t [2, 64]",
        "i_t [2, 64]",
        "c̃_t [2, 64]",
        "o_t [2, 64]",
        "i_t ⊙ c̃_t [2, 64]",
    ):
        assert label in words, label
    for gate in ("W_f [64, 96], b_f → σ", "W_i [64, 96], b_i → σ", "W_c [64, 96], b_c → tanh", "W_o [64, 96], b_o → σ"):
        assert gate in words, gate
    assert {"⊙", "+", "tanh", "h_(t−1)", "x_t", "c_(t−1)", "c_t", "h_t", "[h_(t−1), x_t]"} <= set(words)
    # the state arrows carry h_t and c_t round, and flow while the loop plays
    carried = [p for p in root.iter(f"{SVG}path") if "state" in classes(p)]
    assert len(carried) == 2 and ".state{animation:flow" in style(root)
    # each step renames the states: at t = 2, h_(t−1) is h_1 and x_t is x_2
    still = [t.text for t in parse(frames / "step-002.svg").iter(f"{SVG}text")]
    assert {"= h_1", "= x_2", "= c_1", "= h_2", "= c_2"} <= set(still)
    assert "= h_0 = 0" in [t.text for t in parse(frames / "step-001.svg").iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("conv", "--input", "2x6x5", "--k", "8", "--f", "3", "--s", "2", "--p", "1", "--dilation", "2"),
         "anim_conv_plain.svg"),
        (("conv", "--input", "1x3x4", "--f", "2", "--s", "2", "--transposed"), "anim_transposed_plain.svg"),
        (("lstm", "--hidden", "8", "--input", "4", "--seq", "3"), "anim_lstm.svg"),
    ],
)  # fmt: skip
def test_golden_animations(
    cnncalc: Run, tmp_path: Path, golden: Callable[..., str], args: tuple[str, ...], name: str
) -> None:
    svg, _ = animate(cnncalc, tmp_path, *args)
    assert svg.read_text() == golden(name, svg.read_text())


def test_an_empty_frames_dir_is_refused_before_anything_is_written(cnncalc: Run, tmp_path: Path) -> None:
    svg = tmp_path / "a.svg"
    code, out, err = cnncalc("conv", "--w", "7", "--f", "3", "--no-verify", "--animate", str(svg), "--frames-dir", "")
    assert (code, out) == (2, "") and not svg.exists()
    assert err == "cnncalc: error: --frames-dir got nothing, expected a folder's path: name a new or existing folder\n"


@pytest.mark.parametrize(("first", "second"), [("--animate", "--html"), ("--animate", "--svg"), ("--svg", "--html")])
def test_two_options_may_not_write_one_file(cnncalc: Run, tmp_path: Path, first: str, second: str) -> None:
    path = tmp_path / "same.svg"
    code, out, err = cnncalc("conv", "--w", "7", "--f", "3", "--no-verify", first, str(path), second, str(path))
    assert (code, out) == (2, "") and not path.exists()
    kept, blamed = sorted((first, second), key=["--svg", "--html", "--animate"].index)  # checked in this order
    assert err == (
        f"cnncalc: error: {blamed} got {path}, expected a file of its own: {kept} writes it too: "
        f"name another file for {blamed}\n"
    )


def test_a_reused_frames_dir_holds_only_this_layer_s_stills(cnncalc: Run, tmp_path: Path) -> None:
    frames = tmp_path / "frames"
    (frames).mkdir()
    (frames / "notes.txt").write_text("mine")
    for width, steps in (("7", 25), ("5", 9)):
        code, _, err = cnncalc("conv", "--w", width, "--f", "3", "--no-verify", "--frames-dir", str(frames))
        assert (code, err) == (0, "")
        assert sorted(p.name for p in frames.glob("step-*.svg")) == [f"step-{n:03d}.svg" for n in range(1, steps + 1)]
    assert (frames / "notes.txt").read_text() == "mine"  # only cnncalc's own stills are replaced
