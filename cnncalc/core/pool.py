"""Pooling geometry: the seed's W1 = (W − F)/S + 1, D1 = D, zero parameters —
with torch's padding, dilation, ceil_mode and adaptive rules. No torch here.

>>> pool_output_size(224, 2, 2)
112
>>> pool_output_size(6, 2, 4, p=1, ceil_mode=True)  # not the naive 3: see slide()
2
>>> adaptive_windows(5, 3)
((0, 2), (1, 4), (3, 5))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from math import prod
from typing import Literal

from ..errors import DoesNotFit, InvalidParameter, Name, Setting, Spelling, Words, either, spoken_as
from .values import Given, PerDim, check_flag, format_shape, parse_int, parse_per_dim, split_values
from .window import AXIS_LABELS, AxisGeometry, slide

PoolKind = Literal["max", "avg", "lp"]
POOL_KINDS: tuple[PoolKind, ...] = ("max", "avg", "lp")

# Past this many windows per axis JSON gives the window sizes, not every window.
MAX_LISTED_WINDOWS = 4096


@dataclass(frozen=True)
class PoolSpec:
    """A sliding-window pooling layer and its input (torch order, no batch)."""

    kind: PoolKind
    channels: int
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool = False
    count_include_pad: bool = True
    norm: float | None = None  # LP pooling's p

    @property
    def dims(self) -> int:
        return len(self.size)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.channels, *self.size)


@dataclass(frozen=True)
class CornerWindow:
    """Average pooling's first window on every axis: how much of it is input.

    With count_include_pad the divisor counts the padding, so a constant input
    of 1 averages to ``input_cells / counted_cells`` there, not 1.
    """

    input_cells: int
    counted_cells: int  # the divisor with count_include_pad=True

    @property
    def value_with_pad(self) -> float:
        return self.input_cells / self.counted_cells


@dataclass(frozen=True)
class PoolGeometry:
    spec: PoolSpec
    axes: tuple[AxisGeometry, ...]
    output_shape: tuple[int, ...]
    corner: CornerWindow | None  # average pooling with padding only

    params = 0

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.spec.input_shape

    @property
    def output_elements(self) -> int:
        return prod(self.output_shape)


@dataclass(frozen=True)
class AdaptiveAxis:
    """Adaptive pooling along one axis: window i covers [⌊i·W/O⌋, ⌈(i + 1)·W/O⌉)."""

    label: str
    size: int
    output: int

    def window(self, i: int) -> tuple[int, int]:
        return (i * self.size) // self.output, -(-((i + 1) * self.size) // self.output)

    @property
    def window_sizes(self) -> tuple[int, ...]:
        """The distinct window widths, smallest first (one width when O divides W)."""
        q, r = divmod(self.size, self.output)
        if r == 0:
            return (q,)
        # Window i is q + ⌈(i·W mod O + r)/O⌉ wide; i·W mod O takes every multiple
        # of g = gcd(W, O) below O, so q + 2 occurs exactly when r > g.
        return (q + 1,) if r == math.gcd(self.size, self.output) else (q + 1, q + 2)

    @property
    def overlapping(self) -> bool:
        """Neighbouring windows share cells exactly when O does not divide W."""
        return self.size % self.output != 0

    def windows(self) -> tuple[tuple[int, int], ...]:
        return tuple(self.window(i) for i in range(self.output))


@dataclass(frozen=True)
class AdaptiveGeometry:
    kind: Literal["max", "avg"]
    channels: int
    axes: tuple[AdaptiveAxis, ...]
    global_pool: bool = False

    params = 0

    @property
    def dims(self) -> int:
        return len(self.axes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.channels, *(a.size for a in self.axes))

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.channels, *(a.output for a in self.axes))

    @property
    def output_elements(self) -> int:
        return prod(self.output_shape)


# The keywords of the one-line function below, which read like the formula (W, F, S, P).
_SHORT_NAMES = Spelling({"size": "w", "kernel": "f", "stride": "s", "padding": "p"})


def pool_output_size(
    w: int, f: int, s: int | None = None, p: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Output size of max pooling along one axis (stride defaults to the kernel)."""
    with spoken_as(_SHORT_NAMES):
        spec = make_pool_spec(size=(w,), kernel=f, stride=s, padding=p, dilation=dilation, ceil_mode=ceil_mode)
        return pool_geometry(spec).axes[0].output


def adaptive_windows(w: int, out: int) -> tuple[tuple[int, int], ...]:
    """The [start, end) of each adaptive pooling window, as torch computes them."""
    return make_adaptive(size=(w,), output=out).axes[0].windows()


def parse_kind(kind: Given) -> PoolKind:
    text = kind.strip().lower() if isinstance(kind, str) else None
    for known in POOL_KINDS:
        if text == known:
            return known
    raise InvalidParameter("kind", kind, "max, avg or lp")


# torch's pooling kernels (all but 1D max pooling) take the window's sizes as 32-bit ints.
INT32_MAX = 2**31 - 1


def _check_int32(**values: tuple[int, ...]) -> None:
    for param, numbers in values.items():
        if max(numbers) > INT32_MAX:
            raise InvalidParameter(
                param,
                max(numbers),
                f"at most {INT32_MAX:,} = 2^31 − 1 (torch's pooling kernels take it as a 32-bit int: "
                "value cannot be converted to type int without overflow; 1D max pooling alone takes more)",
            )


def make_pool_spec(
    *,
    size: tuple[int, ...],
    channels: int = 1,
    kind: Given = "max",
    kernel: PerDim,
    stride: PerDim | None = None,
    padding: PerDim = 0,
    dilation: PerDim = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    norm: Given = None,
) -> PoolSpec:
    """Check a pooling layer's options against torch's rules."""
    pool_kind = parse_kind(kind)
    size = tuple(parse_int(v, "size", 1) for v in split_values(size))
    dims = len(size)
    if not 1 <= dims <= 3:
        raise InvalidParameter("size", format_shape(size), "1, 2 or 3 spatial dimensions")
    check_flag(ceil_mode, "ceil_mode")
    check_flag(count_include_pad, "count_include_pad")
    kernel_t = parse_per_dim(kernel, "kernel", dims, 1, "a kernel size of at least 1")
    stride_t = kernel_t if stride is None else parse_per_dim(stride, "stride", dims, 1, "a stride of at least 1")
    padding_t = parse_per_dim(padding, "padding", dims, 0, "a padding of at least 0")
    dilation_t = parse_per_dim(dilation, "dilation", dims, 1, "a dilation of at least 1")
    if pool_kind != "max" and any(d != 1 for d in dilation_t):
        raise InvalidParameter(
            "dilation",
            max(dilation_t),
            "1: only max pooling dilates its window (torch's AvgPool and LPPool take no dilation)",
            either(("drop ", Name("dilation")), ("use ", Setting("kind", "max"))),
        )
    if pool_kind == "lp" and any(padding_t):
        raise InvalidParameter(
            "padding",
            format_shape(padding_t),
            "0: torch's LPPool takes no padding",
            either(("drop ", Name("padding")), ("use ", Setting("kind", ("max", "avg")))),
        )
    for axis, (p, f) in enumerate(zip(padding_t, kernel_t, strict=True)):
        if p > f // 2:
            raise InvalidParameter(
                "padding",
                p,
                f"at most half the kernel on axis {AXIS_LABELS[dims][axis]}, {f}//2 = {f // 2} "
                "(torch: pad should be at most half of kernel size)",
                ("use ", Setting("padding", f // 2), f" or less, or a kernel of at least {2 * p}"),
            )
    if pool_kind != "max" or dims > 1:
        _check_int32(kernel=kernel_t, stride=stride_t, padding=padding_t, dilation=dilation_t)
    lp_norm = _parse_norm(norm) if pool_kind == "lp" else None
    if pool_kind != "lp" and norm is not None:
        raise InvalidParameter(
            "norm",
            norm,
            ("no ", Name("norm"), " except with ", Setting("kind", "lp")),
            either(("add ", Setting("kind", "lp")), ("drop ", Name("norm"))),
        )
    if pool_kind != "avg" and not count_include_pad:
        raise InvalidParameter(
            "count_include_pad",
            "given",
            "average pooling: only AvgPool has count_include_pad",
            either(("drop ", Name("count_include_pad")), ("use ", Setting("kind", "avg"))),
        )
    return PoolSpec(
        kind=pool_kind,
        channels=parse_channels(channels),
        size=size,
        kernel=kernel_t,
        stride=stride_t,
        padding=padding_t,
        dilation=dilation_t,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
        norm=lp_norm,
    )


def parse_channels(channels: int) -> int:
    if channels < 1:
        raise InvalidParameter("channels", channels, "at least 1 channel")
    return channels


def _parse_norm(norm: Given) -> float:
    if norm is None:
        return 2.0
    try:
        if not isinstance(norm, (int, float, str)) or isinstance(norm, bool):  # JSON's true is not a number
            raise ValueError(norm)
        value = float(norm)
    except ValueError:
        raise InvalidParameter("norm", norm, "a positive number p (LP pooling's norm)") from None
    if not math.isfinite(value) or value <= 0:  # nan too
        raise InvalidParameter(
            "norm",
            norm,
            "a positive, finite p (torch divides by p: p = 0 fails)",
            ("use ", Setting("norm", 2), " for an L2 pool"),
        )
    return value


def pool_geometry(spec: PoolSpec) -> PoolGeometry:
    """The output shape of a checked ``PoolSpec``: D1 = D, spatial axes as torch slides them."""
    labels = AXIS_LABELS[spec.dims]
    axes = []
    for i, label in enumerate(labels):
        p = spec.padding[i]
        axis = slide(label, spec.size[i], spec.kernel[i], spec.stride[i], p, p, spec.dilation[i], spec.ceil_mode)
        if axis.output < 1:
            dilated = f" (dilated to {axis.span})" if axis.dilation > 1 else ""
            raise DoesNotFit(
                "kernel",
                f"{axis.kernel}{dilated}",
                f"a window that fits the padded input on axis {label}, {axis.size} + 2·{p} = {axis.padded_size} "
                f"(torch: output size is too small, {axis.output})",
                _kernel_fix(_largest_kernel(axis), p, label),
            )
        axes.append(axis)
    if spec.dims == 3 and spec.kind != "max":
        _check_3d_average_window(spec)
    corner = _corner(spec) if spec.kind == "avg" and any(spec.padding) else None
    output_shape = (spec.channels, *(a.output for a in axes))
    return PoolGeometry(spec, tuple(axes), output_shape, corner)


def _check_3d_average_window(spec: PoolSpec) -> None:
    # torch's 3D average pooling (and LPPool3d, built on it) wants every
    # unpadded axis at least as large as the kernel; 1D and 2D do not.
    for label, w, f in zip(AXIS_LABELS[3], spec.size, spec.kernel, strict=True):
        if w < f:
            raise DoesNotFit(
                "kernel",
                f,
                f"a kernel no larger than the unpadded input on axis {label}, {w} "
                "(torch's 3D average pooling: input image smaller than kernel size)",
                _kernel_fix(w, spec.padding[AXIS_LABELS[3].index(label)], label),
            )


def _kernel_fix(largest: int, padding: int, label: str) -> Words:
    # A smaller kernel may need less padding too: at most half of it.
    fix: Words = (f"use a kernel of at most {largest} on {label}",)
    if padding > largest // 2:
        fix += (" and ", Setting("padding", largest // 2)) if largest // 2 else (" and no ", Name("padding"))
    return (*fix, ", or a larger input")


def _largest_kernel(axis: AxisGeometry) -> int:
    """The largest kernel whose window fits, with padding cut to half of it where needed."""
    for kernel in range(axis.kernel - 1, 1, -1):
        padding = min(axis.pad_before, kernel // 2)
        if axis.dilation * (kernel - 1) + 1 <= axis.size + 2 * padding:
            return kernel
    return 1


def _corner(spec: PoolSpec) -> CornerWindow:
    # The first window starts at −P; torch clips its divisor at the padded end.
    inside = counted = 1
    for w, f, p in zip(spec.size, spec.kernel, spec.padding, strict=True):
        start, end = -p, min(-p + f, w + p)
        counted *= end - start
        inside *= min(end, w) - max(start, 0)
    return CornerWindow(inside, counted)


def make_adaptive(
    *,
    size: tuple[int, ...],
    output: PerDim,
    channels: int = 1,
    kind: Given = "avg",
    global_pool: bool = False,
) -> AdaptiveGeometry:
    """Adaptive pooling to a given output size (``global_pool``: to 1 on every axis)."""
    pool_kind = parse_kind(kind)
    if pool_kind == "lp":
        raise InvalidParameter(
            "kind",
            "lp",
            ("max or avg with ", Name("output"), "/", Name("global_pool"), " (torch has no adaptive LP pooling)"),
            ("use ", Setting("kind", "avg")),
        )
    dims = len(size)
    outputs = parse_per_dim(
        output,
        "output",
        dims,
        1,
        "an output size of at least 1 (torch accepts 0 but returns an empty tensor)",
    )
    labels = AXIS_LABELS[dims]
    axes = tuple(AdaptiveAxis(labels[i], size[i], outputs[i]) for i in range(dims))
    return AdaptiveGeometry(pool_kind, parse_channels(channels), axes, global_pool)
