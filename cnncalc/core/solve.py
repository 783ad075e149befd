"""Solving for a target size: which kernel, stride, padding and dilation take
an input of W to an output of T — the designer's question, the calculator's
run backwards. No torch here.

Every candidate within the bounds is computed with the calculator's own
arithmetic (``window.slide`` and the transposed formula), so a solution is
exactly what the calculator, and torch, would say of that layer.

>>> [(s.f, s.s, s.p, s.dilation) for s in solve_axis(224, 112, SolveBounds(max_f=3))][:3]
[(2, 2, 0, 1), (3, 2, 1, 1), (3, 2, 3, 3)]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidParameter, Name
from .values import IntLike, parse_int
from .window import AXIS_LABELS, slide, unread_cells


@dataclass(frozen=True)
class SolveBounds:
    """How far the search goes (each from 1, padding from 0)."""

    max_f: int = 11
    max_s: int = 4
    max_p: int = 5
    max_dilation: int = 3


@dataclass(frozen=True)
class Solution:
    """One way along one axis from W to T."""

    f: int
    s: int
    p: int
    dilation: int
    output_padding: int = 0
    unread: int | None = 0  # input cells no tap of any window reads (None: too many windows to count)
    exact: bool = True  # the stride divides the room to slide (no rounding), as an axis's exact says

    @property
    def reads_every_input(self) -> bool:
        """Every input cell is read by some window: the far edge, the gaps between
        windows and between dilated taps included."""
        return self.unread == 0

    @property
    def many_to_one(self) -> bool:
        """With a stride above 1, several input sizes give this output."""
        return self.s > 1


# The bounds' options, as a fix names them: "--max-f, --max-s, --max-p or --max-dilation".
_BOUNDS = (Name("max_f"), ", ", Name("max_s"), ", ", Name("max_p"), " or ", Name("max_dilation"))
# Every (F, S, P, d) within the bounds is tried, about 2 µs each: a million is two seconds an axis.
MAX_CANDIDATES = 1_000_000


def make_bounds(max_f: IntLike = 11, max_s: IntLike = 4, max_p: IntLike = 5, max_dilation: IntLike = 3) -> SolveBounds:
    bounds = SolveBounds(
        parse_int(max_f, "max_f", 1, "a largest kernel of at least 1"),
        parse_int(max_s, "max_s", 1, "a largest stride of at least 1"),
        parse_int(max_p, "max_p", 0, "a largest padding of at least 0"),
        parse_int(max_dilation, "max_dilation", 1, "a largest dilation of at least 1"),
    )
    candidates = bounds.max_f * bounds.max_s * (bounds.max_p + 1) * bounds.max_dilation
    if candidates > MAX_CANDIDATES:
        raise InvalidParameter(
            "max_f",
            bounds.max_f,
            f"bounds that leave at most {MAX_CANDIDATES:,} windows to try, but F·S·(P + 1)·d = "
            f"{bounds.max_f:,}·{bounds.max_s:,}·{bounds.max_p + 1:,}·{bounds.max_dilation:,} = {candidates:,}",
            ("lower ", *_BOUNDS),
        )
    return bounds


def _rank(solution: Solution) -> tuple[int, ...]:
    # What people usually want: no input wasted, no dilation, then the smallest
    # kernel, the least padding and the smallest stride.
    return (
        not solution.reads_every_input,
        solution.dilation,
        solution.f,
        solution.p,
        solution.s,
        solution.output_padding,
    )


def solve_axis(size: int, target: int, bounds: SolveBounds = SolveBounds(), pooling: bool = False) -> list[Solution]:
    """Every (F, S, P, d) within ``bounds`` that takes ``size`` to ``target``, best first.

    With ``pooling``, torch's pooling rule applies too: padding at most half the kernel.
    """
    found = []
    for f in range(1, bounds.max_f + 1):
        for d in range(1, bounds.max_dilation + 1):
            if f == 1 and d > 1:
                continue  # a 1-tap kernel has nothing to dilate
            for p in range(bounds.max_p + 1):
                if pooling and p > f // 2:
                    break
                for s in range(1, bounds.max_s + 1):
                    axis = slide("W", size, f, s, p, p, d)
                    if axis.span > axis.padded_size or axis.output != target:
                        continue
                    found.append(Solution(f, s, p, d, 0, unread_cells(size, f, s, p, d, target), axis.exact))
    return sorted(found, key=_rank)


def solve_transposed_axis(size: int, target: int, bounds: SolveBounds = SolveBounds()) -> list[Solution]:
    """Every (F, S, P, d, output_padding) of a transposed convolution from ``size`` to ``target``.

    output_padding is what torch's ``output_size=`` argument would pick: the
    extra 0 … max(S, d) − 1 cells that make the size come out exactly.
    """
    found = []
    for f in range(1, bounds.max_f + 1):
        for d in range(1, bounds.max_dilation + 1):
            if f == 1 and d > 1:
                continue
            for p in range(bounds.max_p + 1):
                for s in range(1, bounds.max_s + 1):
                    base = (size - 1) * s - 2 * p + d * (f - 1) + 1
                    op = target - base
                    if 0 <= op < max(s, d):
                        found.append(Solution(f, s, p, d, op))
    return sorted(found, key=_rank)


@dataclass(frozen=True)
class AxisSolutions:
    label: str
    size: int
    target: int
    solutions: tuple[Solution, ...]


@dataclass(frozen=True)
class SolveResult:
    """Every way to the target, per axis (axes that share size and target share one list)."""

    kind: str  # "conv", "transposed conv", "max pool", ...
    channels: int
    out_channels: int
    axes: tuple[AxisSolutions, ...]
    bounds: SolveBounds

    @property
    def uniform(self) -> bool:
        """All axes go from the same size to the same target: one list serves them all."""
        return len({(a.size, a.target) for a in self.axes}) == 1

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.channels, *(a.size for a in self.axes))

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.out_channels, *(a.target for a in self.axes))

    def combined(self, n: int) -> list[tuple[Solution, ...]]:
        """The first ``n`` layers to build: the i-th solution of every axis together."""
        count = min(n, min(len(a.solutions) for a in self.axes))
        return [tuple(a.solutions[i] for a in self.axes) for i in range(count)]


def solve(
    kind: str,
    sizes: tuple[int, ...],
    targets: tuple[int, ...],
    bounds: SolveBounds,
    channels: int = 1,
    out_channels: int = 1,
) -> SolveResult:
    axes = []
    for label, size, target in zip(AXIS_LABELS[len(sizes)], sizes, targets, strict=True):
        if kind == "transposed conv":
            found = solve_transposed_axis(size, target, bounds)
        else:
            found = solve_axis(size, target, bounds, pooling=kind != "conv")
            if kind in ("avg pool", "lp pool"):
                found = [s for s in found if s.dilation == 1]
            if kind == "lp pool":
                found = [s for s in found if s.p == 0]
        axes.append(AxisSolutions(label, size, target, tuple(found)))
    if not all(a.solutions for a in axes):
        empty = next(a for a in axes if not a.solutions)
        raise InvalidParameter(
            "target",
            empty.target,
            f"a size reachable from {empty.size} on axis {empty.label} with F ≤ {bounds.max_f}, S ≤ {bounds.max_s}, "
            f"P ≤ {bounds.max_p}, d ≤ {bounds.max_dilation}",
            ("raise ", *_BOUNDS),
        )
    return SolveResult(kind, channels, out_channels, tuple(axes), bounds)
