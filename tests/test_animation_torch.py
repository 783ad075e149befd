"""The animation's numbers are torch's: read back out of the SVG (the seeded input, the weights, every output value
written), the output is computed again here with torch.nn.functional from what the picture shows, and compared.
Plus the written sums, max pooling's picks, the step counts with numbers, sizes, golden files, and the README's
animation kept in step with the command that makes it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import Run
from svgs import SVG, cells, number, parse, timed

from cnncalc.core.steps import ConvTerm
from cnncalc.views.svg import BASELINE

ROOT = Path(__file__).parent.parent


def animate(cnncalc: Run, tmp_path: Path, *args: str) -> Path:
    svg = tmp_path / "a.svg"
    code, _, err = cnncalc(*args, "--animate", str(svg))
    assert (code, err) == (0, ""), err
    return svg


def tensor(values: dict[tuple[int, ...], float]) -> torch.Tensor:
    """The values by index, as a float64 tensor of the shape their indices span."""
    shape = tuple(max(index[i] for index in values) + 1 for i in range(len(next(iter(values)))))
    out = torch.zeros(shape, dtype=torch.float64)
    for index, value in values.items():
        out[index] = value
    assert len(values) == out.numel(), "a cell the picture does not show"
    return out


def written(root: object) -> dict[tuple[int, ...], float]:
    return cells(root, "out")  # type: ignore[arg-type]


# (cnncalc's options, the same layer in torch.nn.functional on what the picture shows, 1D?)
CONVS = [
    (("--w", "7", "--f", "3", "--s", "2"), lambda x, w, b: F.conv2d(x, w, b, stride=2), False),
    (
        ("--input", "3x5x6", "--k", "2", "--f", "3", "--s", "2", "--p", "1", "--dilation", "2"),
        lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, dilation=2),
        False,
    ),
    (
        ("--input", "2x6x6", "--k", "2", "--f", "2x3", "--groups", "2", "--no-bias", "--p", "same"),
        lambda x, w, b: F.conv2d(x, w, None, padding="same", groups=2),
        False,
    ),
    (
        ("--input", "1x7x6", "--f", "3", "--s", "2", "--p", "same-tf"),  # uneven: ZeroPad first
        lambda x, w, b: F.conv2d(F.pad(x, (0, 1, 1, 1)), w, b, stride=2),
        False,
    ),
    (("--input", "3x7", "--k", "2", "--f", "3", "--s", "2"), lambda x, w, b: F.conv1d(x, w, b, stride=2), True),
]
TRANSPOSED = [
    (
        ("--input", "1x3x3", "--f", "3", "--s", "2", "--p", "1", "--output-padding", "1"),
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        False,
    ),
    (
        ("--input", "2x3x2", "--k", "2", "--f", "2", "--s", "3", "--groups", "2", "--dilation", "2"),
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=3, groups=2, dilation=2),
        False,
    ),
    (("--input", "2x4", "--f", "3", "--s", "2"), lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2), True),
]


@pytest.mark.parametrize(("args", "layer", "one_row"), CONVS + TRANSPOSED)
def test_the_numbers_shown_are_the_layers_output_on_the_input_shown(
    cnncalc: Run, tmp_path: Path, args: tuple[str, ...], layer: Callable[..., torch.Tensor], one_row: bool
) -> None:
    transposed = args in [t[0] for t in TRANSPOSED]
    root = parse(animate(cnncalc, tmp_path, "conv", *args, *(("--transposed",) if transposed else ())))
    x, w = tensor(cells(root, "in")), tensor(cells(root, "w"))
    biases = cells(root, "b")
    b = tensor(biases) if biases else None
    assert set(x.flatten().tolist()) <= {0, 1, 2, 3} and set(w.flatten().tolist()) <= {-1, 0, 1}  # seeded, small
    if one_row:  # the picture draws a 1D layer as one row
        x, w = x[:, 0], w[:, :, 0]
    want = layer(x.unsqueeze(0), w, b)[0]
    got = tensor(written(root))
    assert got.reshape(want.shape).tolist() == want.tolist()


POOLS = [
    (("--input", "2x5x6", "--f", "3", "--s", "2", "--p", "1", "--dilation", "2"),
     lambda x: F.max_pool2d(x, 3, 2, 1, 2), False),
    (("--input", "1x7x7", "--f", "2", "--s", "2", "--ceil"), lambda x: F.max_pool2d(x, 2, 2, ceil_mode=True), False),
    (("--input", "1x5x5", "--f", "3", "--s", "2", "--p", "1", "--ceil", "--type", "avg"),
     lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), False),
    (("--input", "3x5x4", "--f", "3", "--s", "2", "--p", "1", "--ceil", "--type", "avg", "--no-count-pad"),
     lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), False),
    (("--input", "1x5x5", "--f", "2", "--s", "2", "--ceil", "--type", "lp", "--norm", "3"),
     lambda x: F.lp_pool2d(x, 3.0, 2, 2, ceil_mode=True), False),
    (("--input", "2x7", "--f", "3", "--s", "2", "--p", "1", "--type", "avg"), lambda x: F.avg_pool1d(x, 3, 2, 1), True),
]  # fmt: skip


@pytest.mark.parametrize(("args", "layer", "one_row"), POOLS)
def test_pooled_numbers_are_torchs_to_the_hundredth(
    cnncalc: Run, tmp_path: Path, args: tuple[str, ...], layer: Callable[..., torch.Tensor], one_row: bool
) -> None:
    root = parse(animate(cnncalc, tmp_path, "pool", *args))
    x = tensor(cells(root, "in"))
    if one_row:  # the picture draws a 1D layer as one row
        x = x[:, 0]
    want = layer(x.unsqueeze(0))[0].flatten().tolist()
    got = [value for _, value in sorted(written(root).items())]
    assert got == pytest.approx(want, abs=0.005)  # written to two decimals


def test_max_pooling_marks_the_cell_holding_each_maximum(cnncalc: Run, tmp_path: Path) -> None:
    root = parse(animate(cnncalc, tmp_path, "pool", "--input", "2x6x6", "--f", "3", "--s", "2", "--p", "1"))
    inputs = cells(root, "in")
    texts = {
        (round(float(t.get("x", 0))), round(float(t.get("y", 0)))): number(t.text or "")
        for t in root.iter(f"{SVG}text")
        if t.get("data-in")
    }
    picks = [
        (rect, step)
        for rect, step, names in timed(root)
        if rect.tag == f"{SVG}rect" and "pk" in names and step is not None
    ]  # the legend's swatch is always shown
    out = written(root)
    assert len(picks) == 3 * 3 * 2 and len(inputs) == 2 * 36
    pitch = 26
    for pick, step in picks:
        x, y = float(pick.get("x", 0)) - 3, float(pick.get("y", 0)) - 3  # the mark sits 3 inside its cell
        centre = (round(x + pitch / 2), round(y + pitch / 2 + BASELINE))
        value = texts[centre]
        r, c = divmod(step, 3)
        assert value in (out[0, r, c], out[1, r, c])  # the cell it marks holds its channel's maximum


def test_each_step_writes_its_sum_and_the_sum_is_the_value(cnncalc: Run, tmp_path: Path) -> None:
    root = parse(animate(cnncalc, tmp_path, "conv", "--input", "1x5x5", "--k", "2", "--f", "3", "--p", "1"))
    lines = [(t, step) for t, step, _ in timed(root) if re.match(r"out\d+\[", t.text or "")]
    out = written(root)
    assert len(lines) == 2 * 25 == int(root.get("data-steps", 0))  # filter by filter, a window position each
    for n, (line, step) in enumerate(lines):
        assert step == n
        head, sums, value = (line.text or "").split(" = ")
        k, r, c = divmod(step, 25)[0], *divmod(step % 25, 5)
        assert head == f"out{k}[{r}, {c}]"
        terms = sums.replace(" (bias)", "").split(" + ")
        assert len(terms) == 9 + 1  # nine products and the bias
        total = sum(number(a.strip("()")) * number(b.strip("()")) for a, b in (t.split("·") for t in terms[:-1]))
        assert total + number(terms[-1].strip("()")) == number(value) == out[k, r, c]


def test_a_disagreement_between_the_windows_and_torch_is_a_bug_exit_3(
    cnncalc: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cnncalc.confirm import numbers

    def off_by_one(*args: object) -> list[ConvTerm]:
        from cnncalc.core.steps import conv_terms

        terms = conv_terms(*args)  # type: ignore[arg-type]
        first = terms[0]
        return [
            ConvTerm(first.filter, first.row, first.col, first.channels, first.partials, first.bias + 1),
            *terms[1:],
        ]

    monkeypatch.setattr(numbers, "conv_terms", off_by_one)
    svg = tmp_path / "a.svg"
    code, out, err = cnncalc("conv", "--w", "5", "--f", "3", "--animate", str(svg))
    assert (code, out) == (3, "") and not svg.exists()
    assert err.startswith(
        "cnncalc: error: cnncalc and torch disagree on the animation's output [0][0, 0]: cnncalc says "
    )


def test_numbers_are_for_small_layers_and_larger_ones_animate_without(cnncalc: Run, tmp_path: Path) -> None:
    small = parse(animate(cnncalc, tmp_path, "conv", "--input", "3x7x7", "--k", "2", "--f", "3"))
    assert small.get("data-steps") == str(2 * 25) and len(written(small)) == 2 * 25
    for args in (("--input", "4x7x7", "--k", "2"), ("--input", "3x8x7", "--k", "2"), ("--input", "3x7x7", "--k", "3")):
        root = parse(animate(cnncalc, tmp_path, "conv", *args, "--f", "3"))
        assert not written(root)
        text = "".join(root.itertext())
        assert "no numbers: they are written for inputs up to 7 a side, 3 channels and 2 filters" in text
        height, width = (int(n) for n in args[1].split("x")[1:])
        assert root.get("data-steps") == str((height - 2) * (width - 2))  # positions only: one output plane


@pytest.mark.parametrize(
    ("args", "limit"),
    [
        (("conv", "--w", "7", "--f", "3", "--s", "2"), 100_000),  # the bound for the seed's layer
        (("conv", "--input", "3x7x7", "--k", "2", "--f", "3", "--p", "1"), 100_000),  # the largest with numbers
        (("conv", "--input", "3x7x7", "--k", "2", "--f", "3", "--s", "2", "--transposed"), 100_000),
    ],
)
def test_animations_with_numbers_stay_small(cnncalc: Run, tmp_path: Path, args: tuple[str, ...], limit: int) -> None:
    svg = animate(cnncalc, tmp_path, *args)
    assert svg.stat().st_size < limit


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("conv", "--input", "1x5x5", "--f", "3", "--s", "2", "--p", "1"), "anim_conv_numbers.svg"),
        (("pool", "--input", "2x4x5", "--f", "2", "--s", "2", "--p", "1", "--ceil"), "anim_maxpool_numbers.svg"),
        (("pool", "--input", "1x5", "--f", "3", "--s", "2", "--p", "1", "--type", "avg"), "anim_avgpool_numbers.svg"),
        (
            ("conv", "--input", "1x2x3", "--f", "3", "--s", "2", "--p", "1", "--transposed"),
            "anim_transposed_numbers.svg",
        ),
    ],
)
def test_golden_animations_with_numbers(
    cnncalc: Run, tmp_path: Path, golden: Callable[..., str], args: tuple[str, ...], name: str
) -> None:
    svg = animate(cnncalc, tmp_path, *args)
    assert svg.read_text() == golden(name, svg.read_text())


def test_the_readme_s_animation_is_what_the_command_makes(cnncalc: Run, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    assert "cnncalc conv --w 7 --f 3 --s 2 --animate docs/conv-7x7-f3-s2.svg" in readme
    assert "](docs/conv-7x7-f3-s2.svg)" in readme
    svg = animate(cnncalc, tmp_path, "conv", "--w", "7", "--f", "3", "--s", "2")
    assert (ROOT / "docs" / "conv-7x7-f3-s2.svg").read_text() == svg.read_text()


def test_an_lp_line_scales_the_whole_sum_of_a_window_ceil_mode_cuts_short(cnncalc: Run, tmp_path: Path) -> None:
    """torch computes LP pooling as (F·avg(x^p))^(1/p): a cut window's sum is scaled as a whole, and the line says
    so with brackets; its value is the line's arithmetic."""
    svg = animate(cnncalc, tmp_path, "pool", "--input", "1x5x5", "--f", "2", "--s", "2", "--ceil", "--type", "lp",
                  "--norm", "3")  # fmt: skip
    lines = [t.text or "" for t, _, _ in timed(parse(svg)) if (t.text or "").startswith("out0[0, 2]")]
    assert lines, "the cut window's line"
    found = re.fullmatch(r"out0\[0, 2\] = \(\(([^)]*)\) · (\d+)/(\d+)\)\^\(1/3\) = ([\d.]+) \(torch scales.*", lines[0])
    assert found, lines[0]
    powers = [number(term.split("^")[0]) for term in found[1].split(" + ")]
    assert len(powers) == 2
    scaled = sum(v**3 for v in powers) * int(found[2]) / int(found[3])
    assert round(scaled ** (1 / 3), 2) == float(found[4])


def test_two_filters_numbered_within_the_step_bound_or_drawn_without_numbers(cnncalc: Run, tmp_path: Path) -> None:
    """With numbers a convolution goes filter by filter: 2 filters at 169 positions would be 338 steps, past the
    256 an animation shows, so the picture is drawn without numbers and says why."""
    root = parse(animate(cnncalc, tmp_path, "conv", "--input", "3x7x7", "--k", "2", "--f", "7", "--p", "6"))
    assert int(root.get("data-steps", 0)) == 169
    assert any("filter by filter they would take 338 steps, past the 256" in (t.text or "") for t in root.iter())
    root = parse(animate(cnncalc, tmp_path, "conv", "--input", "3x7x7", "--k", "2", "--f", "3", "--p", "1"))
    assert int(root.get("data-steps", 0)) == 2 * 49  # within the bound: numbered, filter by filter
