"""The animation's steps and window arithmetic (cnncalc/core/steps.py) against convolution and pooling written out
the textbook way here: out[o] = Σ_j x[o·S − P + j·d]·w[j], and for a transposed convolution
out[i·S − P + j·d] += x[i]·w[j]. Pure: torch's own numbers are held to them in test_animation_torch.py."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.core.conv import conv_geometry, make_conv_spec
from cnncalc.core.pool import make_pool_spec, pool_geometry
from cnncalc.core.steps import (
    avg_divisor,
    cell_kind,
    conv_terms,
    plane,
    pool_terms,
    positions,
    reach,
    read_cells,
    scatter_output,
    scatters,
    window_cells,
)


def ints(rng: random.Random, *shape: int, low: int = -3, high: int = 3) -> tuple:  # type: ignore[type-arg]
    if len(shape) == 1:
        return tuple(rng.randint(low, high) for _ in range(shape[0]))
    return tuple(ints(rng, *shape[1:], low=low, high=high) for _ in range(shape[0]))


@st.composite
def forward_layers(draw: st.DrawFn) -> dict[str, int]:
    layer = {
        "h": draw(st.integers(1, 6)), "w": draw(st.integers(1, 6)), "f": draw(st.integers(1, 3)),
        "s": draw(st.integers(1, 3)), "p": draw(st.integers(0, 2)), "d": draw(st.integers(1, 2)),
        "groups": draw(st.sampled_from([1, 2])), "seed": draw(st.integers(0, 10**6)),
    }  # fmt: skip
    span = layer["d"] * (layer["f"] - 1) + 1
    if span > min(layer["h"], layer["w"]) + 2 * layer["p"]:
        layer["p"] = span  # padding enough for the window to fit
    return layer


@given(forward_layers())
def test_conv_terms_are_the_textbook_sum(layer: dict[str, int]) -> None:
    rng = random.Random(layer["seed"])
    g = layer["groups"]
    channels, filters = 2 * g, 2 * g
    spec = make_conv_spec(
        size=(layer["h"], layer["w"]), in_channels=channels, out_channels=filters, kernel=layer["f"],
        stride=layer["s"], padding=layer["p"], dilation=layer["d"], groups=g,
    )  # fmt: skip
    rows, cols = plane(conv_geometry(spec).axes)
    x = ints(rng, channels, layer["h"], layer["w"])
    w = ints(rng, filters, channels // g, layer["f"], layer["f"])
    bias = ints(rng, filters)
    got = {(t.filter, t.row, t.col): t.value for t in conv_terms(x, w, bias, rows, cols, g)}
    s, p, d, f = layer["s"], layer["p"], layer["d"], layer["f"]
    for k in range(filters):
        group = k // (filters // g)
        for r, c in positions(rows, cols):
            want = bias[k]
            for j in range(channels // g):
                for a in range(f):
                    for b in range(f):
                        y, z = r * s - p + a * d, c * s - p + b * d
                        if 0 <= y < layer["h"] and 0 <= z < layer["w"]:
                            want += x[group * (channels // g) + j][y][z] * w[k][j][a][b]
            assert got[k, r, c] == want
    # filter by filter, each over the positions in order
    assert list(got) == [(k, r, c) for k in range(filters) for r, c in positions(rows, cols)]


@given(forward_layers())
def test_a_transposed_convolution_scatters_what_the_textbook_gathers(layer: dict[str, int]) -> None:
    rng = random.Random(layer["seed"])
    g, f, s, d = layer["groups"], layer["f"], layer["s"], layer["d"]
    p = min(layer["p"], (d * (f - 1)) // 2)  # keeps the output at least 1
    channels, filters = 2 * g, 2 * g
    spec = make_conv_spec(
        size=(layer["h"], layer["w"]), in_channels=channels, out_channels=filters, kernel=f, stride=s, padding=p,
        dilation=d, groups=g, transposed=True,
    )  # fmt: skip
    rows, cols = plane(conv_geometry(spec).axes)
    x = ints(rng, channels, layer["h"], layer["w"])
    w = ints(rng, channels, filters // g, f, f)  # torch's layout: [in][out/g]
    bias = ints(rng, filters)
    steps = scatters(x, w, bias, rows, cols, g, filters)
    assert [(st.row, st.col) for st in steps] == [(r, c) for r in range(layer["h"]) for c in range(layer["w"])]
    want = [[[bias[k]] * cols.output for _ in range(rows.output)] for k in range(filters)]
    per_in, per_out = channels // g, filters // g
    for channel in range(channels):
        for j in range(per_out):
            k = channel // per_in * per_out + j
            for i in range(layer["h"]):
                for i2 in range(layer["w"]):
                    for a in range(f):
                        for b in range(f):
                            y, z = i * s - p + a * d, i2 * s - p + b * d
                            if 0 <= y < rows.output and 0 <= z < cols.output:
                                want[k][y][z] += x[channel][i][i2] * w[channel][j][a][b]
    got = scatter_output(steps, bias, (filters, rows.output, cols.output))
    assert got == tuple(tuple(tuple(row) for row in plane_) for plane_ in want)


def test_each_scatter_step_carries_the_running_totals_of_the_cells_it_reaches() -> None:
    # 1D, kernel 3, stride 2: input cell 1's patch overlaps cell 0's at output 2
    spec = make_conv_spec(size=(2,), kernel=3, stride=2, transposed=True)
    rows, cols = plane(conv_geometry(spec).axes)
    steps = scatters((((1, 10),),), ((((1, 2, 3),),),), (100,), rows, cols, 1, 1)
    assert [dict(step.totals) for step in steps] == [
        {(0, 0, 0): 101, (0, 0, 1): 102, (0, 0, 2): 103},
        {(0, 0, 2): 113, (0, 0, 3): 120, (0, 0, 4): 130},
    ]


@pytest.mark.parametrize("kind", ["max", "avg", "lp"])
@given(layer=forward_layers(), ceil=st.booleans(), include=st.booleans())
def test_pool_terms_are_each_window_reduced(kind: str, layer: dict[str, int], ceil: bool, include: bool) -> None:
    rng = random.Random(layer["seed"])
    f = max(layer["f"], 2 * layer["p"]) if kind != "lp" else layer["f"]
    p = 0 if kind == "lp" else layer["p"]
    d = layer["d"] if kind == "max" else 1
    size = (max(layer["h"], d * (f - 1) + 1), max(layer["w"], d * (f - 1) + 1))
    spec = make_pool_spec(
        size=size, channels=2, kind=kind, kernel=f, stride=layer["s"], padding=p, dilation=d, ceil_mode=ceil,
        count_include_pad=include or kind != "avg", norm=3 if kind == "lp" else None,
    )  # fmt: skip
    rows, cols = plane(pool_geometry(spec).axes)
    x = ints(rng, 2, *size, low=0, high=9)
    terms = pool_terms(kind, x, rows, cols, spec.count_include_pad, spec.norm)
    assert [(t.row, t.col, t.channel) for t in terms] == [(r, c, ch) for r, c in positions(rows, cols) for ch in (0, 1)]
    s = layer["s"]
    for t in terms:
        inside = [
            x[t.channel][r - p][q - p]
            for r in range(t.row * s, t.row * s + d * (f - 1) + 1, d)
            for q in range(t.col * s, t.col * s + d * (f - 1) + 1, d)
            if p <= r < p + size[0] and p <= q < p + size[1]
        ]
        assert sorted(t.values) == sorted(inside)
        if kind == "max":
            assert t.value == max(inside)
        elif kind == "avg":
            # torch's divisor: the window cut at the padded input's end; without count_include_pad, its input cells
            ends = [min(i * s + f, n + 2 * p) - i * s for i, n in ((t.row, size[0]), (t.col, size[1]))]
            divisor = ends[0] * ends[1] if spec.count_include_pad else len(inside)
            assert t.divisor == divisor == avg_divisor(rows, cols, t.row, t.col, spec.count_include_pad)
            assert t.value == pytest.approx(sum(inside) / divisor)
        else:  # LP: (Σ xᵖ · F²/n)^(1/p), torch's average-times-area, n the cells of a cut window
            assert t.value == pytest.approx((sum(v**3 for v in inside) * f * f / len(inside)) ** (1 / 3))


def test_cells_are_input_padding_or_past_the_padded_input() -> None:
    # 4 wide, padding 1, kernel 3, stride 2, ceil_mode: padded 6, and the third window reads 4, 5 and 6
    (axis,) = pool_geometry(make_pool_spec(size=(4,), kernel=3, stride=2, padding=1, ceil_mode=True)).axes
    assert (axis.output, reach(axis)) == (3, 7)
    assert [cell_kind(axis, i) for i in range(7)] == ["pad", *["input"] * 4, "pad", "outside"]
    rows, cols = plane((axis,))
    assert window_cells(rows, cols, 0, 2) == [(0, 4), (0, 5), (0, 6)]


def test_read_cells_are_every_window_s_cells() -> None:
    # kernel 2, stride 3, dilation 2 over 9: windows read 0, 2 and 3, 5 and 6, 8
    rows, cols = plane(conv_geometry(make_conv_spec(size=(4, 9), kernel=2, stride=3, dilation=2)).axes)
    every = {cell for r, c in positions(rows, cols) for cell in window_cells(rows, cols, r, c)}
    assert read_cells(rows, cols) == every
    assert sorted({x for _, x in every}) == [0, 2, 3, 5, 6, 8]
