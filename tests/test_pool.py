"""Unit tests of the pooling formulas and torch's edge rules."""

import inspect
import itertools

import pytest

from cnncalc.commands.base import CLI
from cnncalc.core.pool import (
    AdaptiveAxis,
    adaptive_windows,
    make_adaptive,
    make_pool_spec,
    pool_geometry,
    pool_output_size,
)
from cnncalc.errors import InvalidParameter

KEYWORDS = set(inspect.signature(make_pool_spec).parameters) | set(inspect.signature(make_adaptive).parameters)


@pytest.mark.parametrize(
    ("w", "f", "s", "p", "ceil", "expected"),
    [
        (224, 2, 2, 0, False, 112),  # the seed: W1 = (W − F)/S + 1
        (5, 2, 2, 0, False, 2),  # MaxPool2d(2, 2) on 5
        (5, 2, 2, 0, True, 3),  # ... and 3 with ceil_mode
        (6, 2, 4, 1, True, 2),  # ceil_mode would start a window in the right padding: 2, not 3
        (6, 2, 4, 1, False, 2),
        (7, 3, 2, 1, True, 4),  # the partial last window is kept: it starts inside the input
        (112, 3, 2, 1, False, 56),  # ResNet's max pool
        (2, 3, 2, 0, True, 1),  # a window larger than the input fits once with ceil_mode
    ],
)
def test_pool_output_size(w: int, f: int, s: int, p: int, ceil: bool, expected: int) -> None:
    assert pool_output_size(w, f, s, p=p, ceil_mode=ceil) == expected


def test_stride_defaults_to_the_kernel() -> None:
    assert pool_output_size(9, 3) == 3


def test_channels_pass_through_and_there_are_no_parameters() -> None:
    geometry = pool_geometry(make_pool_spec(size=(224, 224), channels=64, kernel=2, stride=2))
    assert geometry.output_shape == (64, 112, 112)
    assert geometry.params == 0


def test_ceil_drop_is_recorded() -> None:
    axis = pool_geometry(make_pool_spec(size=(6,), kernel=2, stride=4, padding=1, ceil_mode=True)).axes[0]
    assert axis.ceil_dropped and axis.output == 2


@pytest.mark.parametrize(
    ("w", "o", "windows"),
    [
        (5, 3, ((0, 2), (1, 4), (3, 5))),
        (6, 3, ((0, 2), (2, 4), (4, 6))),
        (2, 4, ((0, 1), (0, 1), (1, 2), (1, 2))),
        (7, 1, ((0, 7),)),
    ],
)
def test_adaptive_windows(w: int, o: int, windows: tuple[tuple[int, int], ...]) -> None:
    assert adaptive_windows(w, o) == windows


def test_adaptive_window_sizes_formula_matches_listing() -> None:
    for w, o in itertools.product(range(1, 40), range(1, 40)):
        axis = AdaptiveAxis("W", w, o)
        widths = {end - start for start, end in axis.windows()}
        assert axis.window_sizes == tuple(sorted(widths)), (w, o)
        overlaps = any(axis.window(i + 1)[0] < axis.window(i)[1] for i in range(o - 1))
        assert axis.overlapping == overlaps, (w, o)


def test_avg_corner_counts_padding_in_the_divisor() -> None:
    geometry = pool_geometry(make_pool_spec(size=(5, 5), kind="avg", kernel=3, stride=2, padding=1))
    assert geometry.corner is not None
    assert (geometry.corner.input_cells, geometry.corner.counted_cells) == (4, 9)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"size": (5, 5), "kernel": 0}, "f"),
        ({"size": (5, 5), "kernel": 2, "stride": 0}, "s"),
        ({"size": (5, 5), "kernel": 3, "padding": 2}, "p"),
        ({"size": (5, 5), "kernel": 2, "padding": -1}, "p"),
        ({"size": (5, 5), "kernel": 2, "dilation": 0}, "dilation"),
        ({"size": (5, 5), "kind": "avg", "kernel": 2, "dilation": 2}, "dilation"),
        ({"size": (5, 5), "kind": "lp", "kernel": 2, "padding": 1}, "p"),
        ({"size": (5, 5), "kind": "lp", "kernel": 2, "norm": 0}, "norm"),
        ({"size": (5, 5), "kind": "max", "kernel": 2, "norm": 2}, "norm"),
        ({"size": (5, 5), "kind": "sum", "kernel": 2}, "type"),
        ({"size": (5, 5), "kernel": "2x2x2"}, "f"),
        ({"size": (5, 5), "kernel": 2, "count_include_pad": False}, "no_count_pad"),
    ],
)
def test_bad_options_name_their_parameter(kwargs: dict[str, object], param: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        pool_geometry(make_pool_spec(**kwargs))  # type: ignore[arg-type]
    assert caught.value.param in KEYWORDS  # the keyword the caller passed…
    assert CLI.key(caught.value.param) == param  # …which the command line calls this


def test_window_larger_than_the_input() -> None:
    with pytest.raises(InvalidParameter) as caught:
        pool_geometry(make_pool_spec(size=(3, 3), kernel=5))
    assert CLI.key(caught.value.param) == "f"
    assert "output size is too small" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"size": (5, 5), "output": 0}, "adaptive"),
        ({"size": (5, 5), "output": "2x2x2"}, "adaptive"),
        ({"size": (5, 5), "output": 2, "kind": "lp"}, "type"),
    ],
)
def test_bad_adaptive_options(kwargs: dict[str, object], param: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_adaptive(**kwargs)  # type: ignore[arg-type]
    assert caught.value.param in KEYWORDS  # the keyword the caller passed…
    assert CLI.key(caught.value.param) == param  # …which the command line calls this
