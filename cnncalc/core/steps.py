"""The steps of an animated layer, as numbers: the padded cells each window position reads (convolution,
pooling), the output cells each input cell writes (transposed convolution), in the order the output fills; and
the window arithmetic on small integers that the animation's numbers, torch's, are checked against.

Pure: no torch, no drawing. A 1D input is one row of a 2D plane (``plane``), so every picture is a grid.

>>> rows, cols = plane((slide("W", 7, 3, 2),))
>>> positions(rows, cols)
[(0, 0), (0, 1), (0, 2)]
>>> window_cells(rows, cols, 0, 2)
[(0, 4), (0, 5), (0, 6)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .window import AxisGeometry, slide, window_taps

# [channel][row][column]: a layer's input or output on seeded integers, 1D ones as a single row.
Plane = tuple[tuple[int, ...], ...]
Planes = tuple[Plane, ...]
Values = tuple[tuple[tuple[float, ...], ...], ...]
Cell = tuple[int, int]

# The row axis of a 1D input: one cell, one window.
ONE_ROW = slide("rows", 1, 1, 1)

CellKind = Literal["input", "pad", "outside"]


def plane(axes: tuple[AxisGeometry, ...]) -> tuple[AxisGeometry, AxisGeometry]:
    """(rows, columns) of a 1D or 2D layer: a 1D one is a single row. Callers refuse 3D first."""
    if len(axes) == 1:
        return ONE_ROW, axes[0]
    return axes[0], axes[-1]


def positions(rows: AxisGeometry, cols: AxisGeometry) -> list[Cell]:
    """The window's positions in the order the output fills: row by row."""
    return [(r, c) for r in range(rows.output) for c in range(cols.output)]


def reach(axis: AxisGeometry) -> int:
    """The cells a drawing of this axis needs: the padded input, and past it ceil_mode's last window."""
    return max(axis.padded_size, (axis.output - 1) * axis.stride + axis.span)


def cell_kind(axis: AxisGeometry, i: int) -> CellKind:
    """Padded cell i: the input, its padding, or past the padded input (where ceil_mode's window hangs)."""
    if axis.pad_before <= i < axis.pad_before + axis.size:
        return "input"
    return "pad" if i < axis.padded_size else "outside"


def window_cells(rows: AxisGeometry, cols: AxisGeometry, r: int, c: int) -> list[Cell]:
    """The padded cells the window at output (r, c) reads, row by row (dilated taps apart)."""
    return [(y, x) for y in window_taps(rows, r) for x in window_taps(cols, c)]


def read_cells(rows: AxisGeometry, cols: AxisGeometry) -> frozenset[Cell]:
    """Every padded cell some window reads: the cells read along each axis, crossed."""
    ys = {y for r in range(rows.output) for y in window_taps(rows, r)}
    xs = {x for c in range(cols.output) for x in window_taps(cols, c)}
    return frozenset((y, x) for y in ys for x in xs)


def avg_divisor(rows: AxisGeometry, cols: AxisGeometry, r: int, c: int, count_include_pad: bool) -> int:
    """What average pooling divides window (r, c) by, as torch does: the window cut at the end of the padded input,
    then its input cells only without count_include_pad. ceil_mode's extra window is cut too.

    >>> axis = slide("W", 4, 2, 2, 1, 1, ceil_mode=True)  # padded 6: windows at 0, 2, 4
    >>> [(avg_divisor(ONE_ROW, axis, 0, c, True), avg_divisor(ONE_ROW, axis, 0, c, False)) for c in range(3)]
    [(2, 1), (2, 2), (2, 1)]
    """
    divisor = 1
    for axis, i in ((rows, r), (cols, c)):
        start = i * axis.stride
        end = min(start + axis.kernel, axis.padded_size)
        if count_include_pad:
            divisor *= end - start
        else:
            divisor *= min(end, axis.pad_before + axis.size) - max(start, axis.pad_before)
    return divisor


def canvas_size(axis: AxisGeometry) -> int:
    """A transposed convolution's full scatter along one axis, (W − 1)·S + d·(F − 1) + 1, before the padding
    crops P from each end; output padding may reach past it (those cells get the bias alone)."""
    return max((axis.size - 1) * axis.stride + axis.span, axis.pad_before + axis.output)


def output_index(axis: AxisGeometry, canvas: int) -> int | None:
    """The output cell a transposed convolution's canvas cell becomes, or None where the padding crops it."""
    o = canvas - axis.pad_before
    return o if 0 <= o < axis.output else None


@dataclass(frozen=True)
class ConvTerm:
    """One filter at one window position: each channel's Σ x·w over the window, and the bias."""

    filter: int
    row: int
    col: int
    channels: tuple[int, ...]
    partials: tuple[int, ...]
    bias: int

    @property
    def value(self) -> int:
        return sum(self.partials) + self.bias


def _padded(x: Plane, rows: AxisGeometry, cols: AxisGeometry, y: int, x_: int) -> int | None:
    """The input at padded cell (y, x_), or None in the padding (and past it)."""
    if cell_kind(rows, y) == "input" and cell_kind(cols, x_) == "input":
        return x[y - rows.pad_before][x_ - cols.pad_before]
    return None


def conv_terms(
    x: Planes, weight: tuple[Planes, ...], bias: tuple[int, ...] | None, rows: AxisGeometry, cols: AxisGeometry,
    groups: int,
) -> list[ConvTerm]:  # fmt: skip
    """A convolution worked by hand, filter after filter, each over the window's positions in order: filter k reads
    the channels of its group, padding reads 0.

    >>> x = (((1, 2, 3),),)
    >>> [t.value for t in conv_terms(x, ((((1, -1),),),), (5,), ONE_ROW, slide("W", 3, 2, 1), 1)]
    [4, 4]
    """
    filters, per_in = len(weight), len(x) // groups
    per_out = filters // groups
    terms = []
    for k in range(filters):
        channels = tuple(range(k // per_out * per_in, (k // per_out + 1) * per_in))
        for r, c in positions(rows, cols):
            partials = []
            for j, channel in enumerate(channels):
                total = 0
                for a, y in enumerate(window_taps(rows, r)):
                    for b, x_ in enumerate(window_taps(cols, c)):
                        value = _padded(x[channel], rows, cols, y, x_)
                        total += 0 if value is None else value * weight[k][j][a][b]
                partials.append(total)
            terms.append(ConvTerm(k, r, c, channels, tuple(partials), bias[k] if bias else 0))
    return terms


@dataclass(frozen=True)
class PoolTerm:
    """One channel's window at one position: the input cells it reads (tap order), how many padding cells it
    covers, what it divides by (average: torch's divisor; LP: the cells read, which torch scales by) and the value."""

    channel: int
    row: int
    col: int
    values: tuple[int, ...]
    padding: int
    divisor: int
    value: float


def pool_terms(
    kind: str, x: Planes, rows: AxisGeometry, cols: AxisGeometry, count_include_pad: bool = True,
    norm: float | None = None,
) -> list[PoolTerm]:  # fmt: skip
    """Pooling worked by hand, position after position, every channel at each. Max pads with −∞ (padding never
    wins), average divides by ``avg_divisor``, and LP computes (Σ xᵖ)^(1/p) as torch does: from an average
    over the window cut at the input, times the kernel's area, so a window ceil_mode cuts short is scaled up.

    >>> [t.value for t in pool_terms("max", (((1, 5, 2, 0),),), ONE_ROW, slide("W", 4, 2, 2))]
    [5.0, 2.0]
    """
    area = rows.kernel * cols.kernel
    terms = []
    for r, c in positions(rows, cols):
        for channel, grid in enumerate(x):
            read = [_padded(grid, rows, cols, y, x_) for y, x_ in window_cells(rows, cols, r, c)]
            values = tuple(v for v in read if v is not None)
            padding = sum(1 for (y, x_) in window_cells(rows, cols, r, c) if _is_pad(rows, cols, y, x_))
            if kind == "max":
                divisor, value = 0, float(max(values))
            elif kind == "avg":
                divisor = avg_divisor(rows, cols, r, c, count_include_pad)
                value = sum(values) / divisor
            else:
                p = 2.0 if norm is None else norm
                divisor = len(values)
                value = (sum(v**p for v in values) * area / divisor) ** (1 / p)
            terms.append(PoolTerm(channel, r, c, values, padding, divisor, value))
    return terms


def _is_pad(rows: AxisGeometry, cols: AxisGeometry, y: int, x: int) -> bool:
    kinds = (cell_kind(rows, y), cell_kind(cols, x))
    return "outside" not in kinds and "pad" in kinds


@dataclass(frozen=True)
class Scatter:
    """One input cell of a transposed convolution: its value in each channel, and the running totals of the output
    cells its patch reaches (cells the padding crops are left out), ((filter, row, column), total)."""

    row: int
    col: int
    values: tuple[int, ...]
    totals: tuple[tuple[tuple[int, int, int], int], ...]


def scatters(
    x: Planes, weight: tuple[Planes, ...], bias: tuple[int, ...] | None, rows: AxisGeometry, cols: AxisGeometry,
    groups: int, filters: int,
) -> list[Scatter]:  # fmt: skip
    """A transposed convolution worked by hand: every output cell starts at its bias; input cell by input cell,
    channel c adds x·W[c, j] over the kernel-sized patch at (r·S, c·S), its taps d apart, into filter
    g·(K/g) + j of its group g; overlapping patches sum.

    >>> from cnncalc.core.conv import conv_geometry, make_conv_spec
    >>> (axis,) = conv_geometry(make_conv_spec(size=(2,), kernel=2, transposed=True)).axes
    >>> [s.totals for s in scatters((((1, 2),),), ((((1, 1),),),), (0,), ONE_ROW, axis, 1, 1)]
    [(((0, 0, 0), 1), ((0, 0, 1), 1)), (((0, 0, 1), 3), ((0, 0, 2), 2))]
    """
    per_in, per_out = len(x) // groups, filters // groups
    totals = {
        (k, r, c): bias[k] if bias else 0
        for k in range(filters)
        for r in range(rows.output)
        for c in range(cols.output)
    }
    steps = []
    for r in range(rows.size):
        for c in range(cols.size):
            touched: dict[tuple[int, int, int], int] = {}
            for channel, grid in enumerate(x):
                for j in range(per_out):
                    k = channel // per_in * per_out + j
                    for a, y in enumerate(window_taps(rows, r)):
                        for b, x_ in enumerate(window_taps(cols, c)):
                            oy, ox = output_index(rows, y), output_index(cols, x_)
                            if oy is not None and ox is not None:
                                totals[k, oy, ox] += grid[r][c] * weight[channel][j][a][b]
                                touched[k, oy, ox] = totals[k, oy, ox]
            steps.append(Scatter(r, c, tuple(grid[r][c] for grid in x), tuple(sorted(touched.items()))))
    return steps


def scatter_output(steps: list[Scatter], bias: tuple[int, ...] | None, shape: tuple[int, int, int]) -> Planes:
    """The output the scatters leave: each cell's last total, or its bias where no patch reached it."""
    filters, height, width = shape
    out = [[[bias[k] if bias else 0 for _ in range(width)] for _ in range(height)] for k in range(filters)]
    for step in steps:
        for (k, r, c), total in step.totals:
            out[k][r][c] = total
    return tuple(tuple(tuple(row) for row in grid) for grid in out)


@dataclass(frozen=True)
class WindowNumbers:
    """A layer run on seeded small integers: the input and weights as torch held them, and its output.

    ``weight`` is torch's layout: [filter][channel in group][row][column] for a convolution, [input
    channel][filter in group][row][column] for a transposed one. ``chosen`` is max pooling's pick for each output
    cell, as torch's indices give it: (row, column) of the unpadded input.
    """

    layer: str  # the torch call that computed them
    input: Planes
    output: Values
    weight: tuple[Planes, ...] | None = None
    bias: tuple[int, ...] | None = None
    chosen: tuple[tuple[tuple[Cell, ...], ...], ...] | None = None
    seed: int = 0
