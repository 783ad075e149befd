"""--show pictures (golden, colour off), their limits, and SVG/HTML export."""

import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run

from cnncalc.core.conv import conv_geometry, make_conv_spec
from cnncalc.views.pictures import UNREAD, window_frames, window_picture


@pytest.mark.parametrize(
    ("args", "name", "width"),
    [
        (("conv", "--input", "1x5x6", "--f", "3", "--s", "2", "--p", "1", "--show"), "conv_show.txt", "100"),
        (("pool", "--input", "1x5", "--f", "2", "--show", "--frames"), "pool_frames.txt", "100"),
        (("lstm", "--hidden", "8", "--input", "4", "--show"), "lstm_show.txt", "120"),
    ],
)
def test_golden_pictures(
    cnncalc: Run, golden: Callable[..., str], args: tuple[str, ...], name: str, width: str
) -> None:
    code, out, err = cnncalc(*args, "--no-verify", env={"COLUMNS": width})
    assert (code, err) == (0, "")
    assert out == golden(name, out)


def test_unread_cells_are_the_ones_no_window_reads() -> None:
    # 7 wide, kernel 2, stride 3: windows read 0-1 and 3-4; cells 2, 5 and 6 are never read.
    axes = conv_geometry(make_conv_spec(size=(7,), kernel=2, stride=3)).axes
    row = window_picture(axes)[2]
    assert row.split()[1:8] == ["■", "■", UNREAD, "■", "■", UNREAD, UNREAD]  # the output grid follows


def test_one_frame_per_window_position() -> None:
    axes = conv_geometry(make_conv_spec(size=(6, 5), kernel=3, stride=1)).axes
    frames = window_frames(axes)
    assert len(frames) == 4 * 3
    assert frames[-1][0] == "frame 12/12: output (3, 2)"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("conv", "--w", "20", "--f", "3", "--show"),
            "--show got H = 20 padded, expected at most 16 cells a side to draw: try a smaller --w/--h: "
            "the arithmetic is the same",
        ),
        (
            ("conv", "--input", "1x4x4x4", "--f", "3", "--show"),
            "--show got 3D, expected a 1D or 2D input: a 3D one does not fit a flat picture",
        ),
        (
            ("pool", "--w", "8", "--adaptive", "2", "--show"),
            "--show got adaptive pooling, expected conv, a pool with a window (--f) or lstm: drop --show",
        ),
    ],
)
def test_pictures_refuse_what_does_not_fit(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    code, out, err = cnncalc(*args, "--no-verify")
    assert (code, out, err) == (2, "", f"cnncalc: error: {line}\n")


def test_svg_and_html_export(cnncalc: Run, tmp_path: Path) -> None:
    svg, html = tmp_path / "conv.svg", tmp_path / "conv.html"
    code, out, _ = cnncalc(
        "conv", "--w", "5", "--f", "3", "--show", "--no-verify", "--svg", str(svg), "--html", str(html)
    )
    assert code == 0 and "Window positions" in out
    root = ElementTree.parse(svg).getroot()  # well-formed XML
    assert root.tag.endswith("svg")
    text = "".join(root.itertext()).replace("\xa0", " ")
    assert "cnncalc" in text and "padded" in text
    assert "Window positions" in html.read_text()
