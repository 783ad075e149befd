"""Unit tests of the conv formulas, the seed's examples first."""

import inspect

import pytest

from cnncalc import (
    InvalidParameter,
    conv_geometry,
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    make_conv_spec,
)
from cnncalc.commands.base import CLI

KEYWORDS = set(inspect.signature(make_conv_spec).parameters)


@pytest.mark.parametrize(
    ("w", "f", "s", "p", "dilation", "expected"),
    [
        (7, 3, 1, 0, 1, 5),  # the seed: 7×7 input, 3×3 filter, stride 1 → 5×5
        (7, 3, 2, 0, 1, 3),  # stride 2 → 3×3
        (227, 11, 4, 0, 1, 55),  # AlexNet's first layer
        (224, 7, 2, 3, 1, 112),  # ResNet stem
        (8, 3, 2, 0, 1, 3),  # 5/2 floored
        (7, 3, 1, 0, 2, 3),  # dilated span 5
        (5, 5, 1, 0, 1, 1),
        (10**12, 3, 1, 0, 1, 10**12 - 2),  # exact at any size
    ],
)
def test_conv_output_size(w: int, f: int, s: int, p: int, dilation: int, expected: int) -> None:
    assert conv_output_size(w, f, s=s, p=p, dilation=dilation) == expected


@pytest.mark.parametrize(
    ("w", "f", "s", "p", "dilation", "output_padding", "expected"),
    [
        (3, 3, 2, 0, 1, 0, 7),
        (3, 3, 2, 1, 1, 1, 6),
        (7, 3, 1, 0, 2, 1, 12),
        (1, 1, 1, 0, 1, 0, 1),
    ],
)
def test_conv_transpose_output_size(
    w: int, f: int, s: int, p: int, dilation: int, output_padding: int, expected: int
) -> None:
    assert conv_transpose_output_size(w, f, s=s, p=p, dilation=dilation, output_padding=output_padding) == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"f": 3, "d": 3, "k": 16}, 448),  # F·F·D·K + K = 3·3·3·16 + 16
        ({"f": 3, "d": 3, "k": 16, "bias": False}, 432),
        ({"f": 3, "d": 4, "k": 16, "groups": 2}, 304),  # 3·3·(4/2)·16 + 16
        ({"f": 11, "d": 3, "k": 96}, 34_944),  # AlexNet conv1
        ({"f": "3x5", "d": 2, "k": 4}, 124),
        ({"f": 3, "d": 2, "k": 4, "dims": 3}, 220),
        ({"f": 3, "d": 4, "k": 6, "groups": 2, "transposed": True}, 114),  # weight (4, 3, 3, 3)
    ],
)
def test_conv_params(kwargs: dict[str, object], expected: int) -> None:
    assert conv_params(**kwargs) == expected  # type: ignore[arg-type]


def test_geometry_reports_the_floor_and_the_uncovered_edge() -> None:
    geometry = conv_geometry(make_conv_spec(size=(8, 7), kernel=3, stride=2))
    h, w = geometry.axes
    assert (h.numerator, h.remainder, h.uncovered_input, h.output) == (5, 1, 1, 3)
    assert (w.numerator, w.remainder, w.uncovered_input, w.output) == (4, 0, 0, 3)
    assert not h.exact and w.exact


def test_uncovered_cells_are_padding_first() -> None:
    # Padded 8 + 2 = 10, span 3, stride 4: 7/4 leaves 3 cells; the last is padding.
    axis = conv_geometry(make_conv_spec(size=(8,), kernel=3, stride=4, padding=1)).axes[0]
    assert (axis.remainder, axis.uncovered_input, axis.gap) == (3, 2, 1)


def test_same_padding_puts_the_odd_cell_after() -> None:
    spec = make_conv_spec(size=(9, 9), kernel=(4, 3), padding="same", dilation=(1, 2))
    assert spec.padding == ((1, 2), (2, 2))
    assert conv_geometry(spec).output_shape == (1, 9, 9)


def test_macs_forward_and_transposed() -> None:
    forward = conv_geometry(make_conv_spec(size=(7, 7), in_channels=3, out_channels=16, kernel=3, stride=2))
    assert forward.macs == 16 * 3 * 3 * (3 * 3 * 3)
    transposed = conv_geometry(
        make_conv_spec(size=(3, 3), in_channels=16, out_channels=3, kernel=3, stride=2, transposed=True)
    )
    assert transposed.macs == 16 * 3 * 3 * (3 * 3 * 3)  # every input element meets K·F·F weights


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"size": (7, 7), "stride": 0}, "s"),
        ({"size": (7, 7), "kernel": 0}, "f"),
        ({"size": (7, 7), "padding": -1}, "p"),
        ({"size": (7, 7), "dilation": 0}, "dilation"),
        ({"size": (7, 7), "in_channels": 3, "groups": 2}, "groups"),
        ({"size": (7, 7), "in_channels": 4, "out_channels": 6, "groups": 4}, "groups"),
        ({"size": (7, 7), "stride": 2, "padding": "same"}, "p"),
        ({"size": (7, 7), "padding": "full"}, "p"),
        ({"size": (7, 7), "kernel": "3x3x3"}, "f"),
        ({"size": (7, 7), "output_padding": 1}, "output_padding"),
        ({"size": (7, 7), "stride": 2, "output_padding": 2, "transposed": True}, "output_padding"),
        ({"size": (7, 7), "padding": "same", "transposed": True}, "p"),
        ({"size": (7, 7), "stride": "two"}, "s"),
    ],
)
def test_bad_options_name_their_parameter(kwargs: dict[str, object], param: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        conv_geometry(make_conv_spec(**kwargs))  # type: ignore[arg-type]
    assert caught.value.param in KEYWORDS  # the keyword the caller passed…
    assert CLI.key(caught.value.param) == param  # …which the command line calls this


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"size": (7, 7), "kernel": 9}, "f"),
        ({"size": (7, 7), "kernel": 3, "dilation": 4}, "f"),
        ({"size": (3,), "kernel": 1, "padding": 5, "transposed": True}, "p"),
    ],
)
def test_impossible_geometry(kwargs: dict[str, object], param: str) -> None:
    spec = make_conv_spec(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter) as caught:
        conv_geometry(spec)
    assert caught.value.param in KEYWORDS  # the keyword the caller passed…
    assert CLI.key(caught.value.param) == param  # …which the command line calls this


def test_kernel_too_large_suggests_the_padding_that_fits() -> None:
    with pytest.raises(InvalidParameter) as caught:
        conv_geometry(make_conv_spec(size=(7, 7), kernel=9))
    assert caught.value.describe(CLI) == (
        "--f got 9, expected a kernel no larger than the padded input on axis H, 7 + 0 = 7 "
        "(torch: kernel size can't be greater than actual input size): use --p 1 or more, or a kernel of at most 7"
    )
    # and the suggestion is right: with it the layer fits
    assert conv_output_size(7, 9, p=1) == 1
