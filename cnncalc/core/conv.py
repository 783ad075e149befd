"""Convolution geometry: output size, parameters and MACs, for 1D/2D/3D and
transposed convolutions — plain arithmetic, no torch.

The seed's notation: an input of width W, height H and depth D (channels), K
filters of size F, stride S, padding P. Output size (W − F + 2P)/S + 1, and
F·F·D·K + K parameters. Torch generalises the size with dilation d:
⌊(W + 2P − d·(F − 1) − 1)/S⌋ + 1, and the transposed convolution runs it
backwards: (W − 1)·S − 2P + d·(F − 1) + output_padding + 1.

>>> conv_output_size(7, 3, s=2)
3
>>> conv_params(3, d=3, k=16)
448
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd, isqrt, prod
from typing import Literal

from ..errors import DoesNotFit, InvalidParameter, Name, Setting, Spelling, Value, Words, either, one_of, spoken_as
from .dtypes import FLOAT32_BYTES
from .values import IntLike, PerDim, at_most, check_flag, format_shape, parse_int, parse_per_dim, split_values
from .window import AXIS_LABELS, AxisGeometry, slide, tf_same

# The keywords of the one-line functions below, which read like the formula (W, F, S, P).
_SHORT_NAMES = Spelling(
    {"size": "w", "kernel": "f", "stride": "s", "padding": "p", "in_channels": "d", "out_channels": "k"}
)
PADDING_CHOICES = one_of("a padding of at least 0", "'same'", "'valid'", (Value("padding", "same-tf"),))

PaddingMode = Literal["same", "valid", "same-tf"]


@dataclass(frozen=True)
class ConvSpec:
    """A convolution layer and the input it receives, normalised per dimension.

    Sizes are in torch order without batch: ``size`` is (L), (H, W) or (D, H, W).
    ``padding`` holds the padding before and after each axis (torch pads
    "same" unevenly for even kernels); ``padding_mode`` keeps what was asked.
    """

    in_channels: int
    size: tuple[int, ...]
    out_channels: int
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int = 1
    bias: bool = True
    transposed: bool = False
    output_padding: tuple[int, ...] = ()
    padding_mode: PaddingMode | None = None

    @property
    def dims(self) -> int:
        return len(self.size)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.in_channels, *self.size)


@dataclass(frozen=True)
class ConvGeometry:
    """Everything the calculator knows about one convolution."""

    spec: ConvSpec
    axes: tuple[AxisGeometry, ...]
    output_shape: tuple[int, ...]
    weight_shape: tuple[int, ...]
    weight_params: int
    bias_params: int
    macs: int

    @property
    def params(self) -> int:
        return self.weight_params + self.bias_params

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.spec.input_shape

    @property
    def output_elements(self) -> int:
        return prod(self.output_shape)

    @property
    def output_bytes(self) -> int:
        return self.output_elements * FLOAT32_BYTES


def conv_output_size(w: int, f: int, s: int = 1, p: int = 0, dilation: int = 1) -> int:
    """Output size of a convolution along one axis, as torch floors it.

    >>> conv_output_size(7, 3)
    5
    >>> conv_output_size(8, 3, s=2)  # (8 − 3)/2 = 2.5, floored
    3
    """
    with spoken_as(_SHORT_NAMES):
        spec = make_conv_spec(size=(w,), kernel=f, stride=s, padding=p, dilation=dilation)
        return conv_geometry(spec).axes[0].output


def conv_transpose_output_size(
    w: int, f: int, s: int = 1, p: int = 0, dilation: int = 1, output_padding: int = 0
) -> int:
    """Output size of a transposed convolution along one axis.

    >>> conv_transpose_output_size(3, 3, s=2)
    7
    """
    with spoken_as(_SHORT_NAMES):
        spec = make_conv_spec(
            size=(w,),
            kernel=f,
            stride=s,
            padding=p,
            dilation=dilation,
            transposed=True,
            output_padding=output_padding,
        )
        return conv_geometry(spec).axes[0].output


def conv_params(
    f: PerDim, d: int, k: int, groups: int = 1, bias: bool = True, dims: int = 2, transposed: bool = False
) -> int:
    """Learnable parameters: F·F·(D/g)·K + K (the bias term only with ``bias``).

    >>> conv_params(3, d=3, k=16)
    448
    >>> conv_params(3, d=4, k=16, groups=2, bias=False)
    288
    """
    dims = parse_int(dims, "dims", 1, "1, 2 or 3")
    if dims > 3:
        raise InvalidParameter("dims", dims, "1, 2 or 3")
    check_flag(bias, "bias")
    check_flag(transposed, "transposed")
    kernel = parse_per_dim(f, "f", dims, minimum=1)
    with spoken_as(_SHORT_NAMES):
        _check_groups(parse_int(d, "in_channels", 1), parse_int(k, "out_channels", 1), parse_int(groups, "groups", 1))
    weight = _weight_shape(d, k, kernel, groups, transposed)
    return prod(weight) + (k if bias else 0)


def make_conv_spec(
    *,
    size: PerDim,
    in_channels: IntLike = 1,
    out_channels: IntLike = 1,
    kernel: PerDim = 1,
    stride: PerDim = 1,
    padding: PerDim | PaddingMode = 0,
    dilation: PerDim = 1,
    groups: IntLike = 1,
    bias: bool = True,
    transposed: bool = False,
    output_padding: PerDim = 0,
) -> ConvSpec:
    """Normalise and check a layer's options (each one value, or one per axis).

    Errors name the parameters by these keywords; each interface spells them its way (the CLI's --p).
    """
    sizes = tuple(parse_int(v, "size", 1) for v in split_values(size))
    if not 1 <= len(sizes) <= 3:
        raise InvalidParameter("size", format_shape(sizes), "1, 2 or 3 spatial dimensions")
    dims = len(sizes)
    c_in = parse_int(in_channels, "in_channels", 1, "at least 1 input channel")
    c_out = parse_int(out_channels, "out_channels", 1, "at least 1 filter")
    kernel_t = parse_per_dim(kernel, "kernel", dims, 1, "a kernel size of at least 1")
    stride_t = parse_per_dim(
        stride, "stride", dims, 1, "a stride of at least 1 (torch: non-positive stride is not supported)"
    )
    dilation_t = parse_per_dim(dilation, "dilation", dims, 1, "a dilation of at least 1")
    g = parse_int(groups, "groups", 1, "at least 1 group")
    _check_groups(c_in, c_out, g)
    out_pad = parse_per_dim(output_padding, "output_padding", dims, 0, "an output padding of at least 0")
    if not transposed and any(out_pad):
        raise InvalidParameter(
            "output_padding",
            format_shape(out_pad),
            "0 for a forward convolution",
            either(("add ", Setting("transposed", True)), ("drop ", Name("output_padding"))),
        )
    mode, pads = _resolve_padding(padding, sizes, kernel_t, stride_t, dilation_t, transposed)
    if transposed:
        for axis, (op, s, d) in enumerate(zip(out_pad, stride_t, dilation_t, strict=True)):
            if op >= s and op >= d:
                raise InvalidParameter(
                    "output_padding",
                    op,
                    f"less than the stride ({s}) or the dilation ({d}) on axis {AXIS_LABELS[dims][axis]} "
                    "(torch: output padding must be smaller than either stride or dilation)",
                    at_most("output_padding", max(s, d) - 1),
                )
    # Positionally, in the fields' order: batch mode builds one a line.
    return ConvSpec(c_in, sizes, c_out, kernel_t, stride_t, pads, dilation_t, g, bias, transposed, out_pad, mode)


def conv_geometry(spec: ConvSpec) -> ConvGeometry:
    """Compute the output shape, parameters and MACs of a checked ``ConvSpec``.

    MACs count one multiply-accumulate per weight use, bias excluded; a
    transposed convolution is counted from the input side (every input
    element meets K/g·∏F weights).
    """
    labels = AXIS_LABELS[len(spec.size)]
    axes = tuple([_axis(spec, i, label) for i, label in enumerate(labels)])
    output_shape = (spec.out_channels, *[axis.output for axis in axes])
    weight = _weight_shape(spec.in_channels, spec.out_channels, spec.kernel, spec.groups, spec.transposed)
    taps = prod(weight[1:])  # weights one output (or, transposed, one input) element meets
    macs = prod(spec.input_shape) * taps if spec.transposed else prod(output_shape) * taps
    bias = spec.out_channels if spec.bias else 0
    return ConvGeometry(spec, axes, output_shape, weight, prod(weight), bias, macs)  # positionally: batch mode


def _axis(spec: ConvSpec, i: int, label: str) -> AxisGeometry:
    w, f, s, d = spec.size[i], spec.kernel[i], spec.stride[i], spec.dilation[i]
    before, after = spec.padding[i]
    span = d * (f - 1) + 1
    if spec.transposed:
        op = spec.output_padding[i]
        numerator = (w - 1) * s
        output = numerator - before - after + span + op
        if output < 1:
            raise DoesNotFit(
                "padding",
                before,
                f"a padding that leaves an output of at least 1 on axis {label}, "
                f"but ({w} − 1)·{s} − 2·{before} + {span} + {op} = {output} "
                "(torch: output size is too small)",
                at_most("padding", (numerator + span + op - 1) // 2),
            )
        return AxisGeometry(label, w, f, s, before, after, d, span, numerator, output, 0, 0, 0, output_padding=op)
    padded = w + before + after
    if span > padded:
        dilated = f"{f} (dilated to {span})" if d > 1 else str(f)
        more_pad = -(-(span - w) // 2)
        raise DoesNotFit(
            "kernel",
            dilated,
            f"a kernel no larger than the padded input on axis {label}, {w} + {before + after} = {padded} "
            "(torch: kernel size can't be greater than actual input size)",
            ("use ", Setting("padding", more_pad), f" or more, or a kernel of at most {(padded - 1) // d + 1}"),
        )
    return slide(label, w, f, s, before, after, d)


def _weight_shape(
    in_channels: int, out_channels: int, kernel: tuple[int, ...], groups: int, transposed: bool
) -> tuple[int, ...]:
    # torch stores a transposed convolution's weight as (in, out/g, *kernel).
    if transposed:
        return (in_channels, out_channels // groups, *kernel)
    return (out_channels, in_channels // groups, *kernel)


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    for channels, name in ((in_channels, "in_channels"), (out_channels, "out_channels")):
        if channels % groups:
            raise InvalidParameter(
                "groups",
                groups,
                f"a divisor of {name} = {channels} (torch: {name} must be divisible by groups)",
                _groups_fix(in_channels, out_channels),
            )


def _groups_fix(in_channels: int, out_channels: int) -> Words:
    g = gcd(in_channels, out_channels)
    if g > 10**12:  # listing divisors would take a while: name the gcd instead
        return ("pick ", Name("groups"), f" among the divisors of {g:,}, the gcd of D and K")
    small = [n for n in range(1, isqrt(g) + 1) if g % n == 0]
    divisors = sorted({*small, *(g // n for n in small)})
    shown = ", ".join(map(str, divisors[:12])) + (", …" if len(divisors) > 12 else "")
    return ("pick ", Name("groups"), f" among {shown}")


def _resolve_padding(
    padding: PerDim | PaddingMode,
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    transposed: bool,
) -> tuple[PaddingMode | None, tuple[tuple[int, int], ...]]:
    dims = len(sizes)
    text = padding.strip().lower() if isinstance(padding, str) else None
    if text == "same-tf" and not transposed:
        # TensorFlow's rule, any stride: output ⌈W/S⌉, the odd cell after.
        same = [tf_same(*axis) for axis in zip(sizes, kernel, stride, dilation, strict=True)]
        return "same-tf", tuple((a.before, a.after) for a in same)
    if text in ("same", "valid", "same-tf"):
        if transposed:
            raise InvalidParameter(
                "padding",
                text,
                "whole numbers for a transposed convolution (torch takes 'same'/'valid' for forward ones only)",
                "give the padding as a number",
            )
        if text == "valid":
            return "valid", ((0, 0),) * dims
        if any(s > 1 for s in stride):
            raise InvalidParameter(
                "padding",
                "same",
                "stride 1 (torch: padding='same' is not supported for strided convolutions)",
                either(
                    ("use ", Setting("stride", 1)),
                    (Setting("padding", "same-tf"), " for TensorFlow's rule"),
                    "give the padding as a number",
                ),
            )
        # torch pads d·(k − 1) in total, the odd one on the far side.
        pads = []
        for f, d in zip(kernel, dilation, strict=True):
            total = d * (f - 1)
            pads.append((total // 2, total - total // 2))
        return "same", tuple(pads)
    values = parse_per_dim(padding, "padding", dims, 0, PADDING_CHOICES)
    return None, tuple((p, p) for p in values)
