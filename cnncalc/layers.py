"""torch.nn layers as cnncalc knows them: their arguments, and what each does
to a tensor's shape, parameters and MACs — no torch here.

A layer is written as in torch (``Conv2d(3, 16, 3, padding=1)``); ``_`` stands
for a size to infer from the input (in_channels, in_features, input_size,
num_features). Each formula takes the layer and the shape it receives (batch
first) and returns what leaves it, or raises ``LayerMismatch`` saying what the
layer expected, what it got, and how to make it fit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any

from .core.conv import conv_geometry, make_conv_spec
from .core.pool import make_adaptive, make_pool_spec, pool_geometry
from .core.rnn import make_rnn_spec, rnn_geometry
from .errors import InvalidParameter, LayerMismatch

INFER = "_"  # the placeholder for a size cnncalc infers
REQUIRED = object()

ACTIVATIONS = (
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Tanhshrink", "LogSigmoid",
    "Softmax", "LogSoftmax", "Softmin", "Threshold",
)  # fmt: skip
DROPOUTS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")

_CONV = ("in_channels", "out_channels", "kernel_size", ("stride", 1), ("padding", 0), ("dilation", 1), ("groups", 1),
         ("bias", True), ("padding_mode", "zeros"))  # fmt: skip
_CONV_T = ("in_channels", "out_channels", "kernel_size", ("stride", 1), ("padding", 0), ("output_padding", 0),
           ("groups", 1), ("bias", True), ("dilation", 1), ("padding_mode", "zeros"))  # fmt: skip
_MAXPOOL = ("kernel_size", ("stride", None), ("padding", 0), ("dilation", 1), ("return_indices", False),
            ("ceil_mode", False))  # fmt: skip
_AVGPOOL = ("kernel_size", ("stride", None), ("padding", 0), ("ceil_mode", False), ("count_include_pad", True),
            ("divisor_override", None))  # fmt: skip
_NORM = ("num_features", ("eps", 1e-5), ("momentum", 0.1), ("affine", True), ("track_running_stats", True),
         ("bias", True))  # fmt: skip
_INSTANCE = ("num_features", ("eps", 1e-5), ("momentum", 0.1), ("affine", False), ("track_running_stats", False),
             ("bias", True))  # fmt: skip
_RNN = ("input_size", "hidden_size", ("num_layers", 1), ("nonlinearity", "tanh"), ("bias", True),
        ("batch_first", False), ("dropout", 0.0), ("bidirectional", False), ("proj_size", 0))  # fmt: skip

# Each allowed layer's arguments in torch's order: a name (required) or (name, default).
SIGNATURES: dict[str, tuple[Any, ...]] = {
    **{f"Conv{n}d": _CONV for n in (1, 2, 3)},
    **{f"ConvTranspose{n}d": _CONV_T for n in (1, 2, 3)},
    **{f"MaxPool{n}d": _MAXPOOL for n in (1, 2, 3)},
    "AvgPool1d": _AVGPOOL[:-1],
    **{f"AvgPool{n}d": _AVGPOOL for n in (2, 3)},
    **{f"LPPool{n}d": ("norm_type", "kernel_size", ("stride", None), ("ceil_mode", False)) for n in (1, 2, 3)},
    **{f"AdaptiveAvgPool{n}d": ("output_size",) for n in (1, 2, 3)},
    **{f"AdaptiveMaxPool{n}d": ("output_size", ("return_indices", False)) for n in (1, 2, 3)},
    "Linear": ("in_features", "out_features", ("bias", True)),
    "Flatten": (("start_dim", 1), ("end_dim", -1)),
    "Unflatten": ("dim", "unflattened_size"),
    **{f"BatchNorm{n}d": _NORM for n in (1, 2, 3)},
    **{f"InstanceNorm{n}d": _INSTANCE for n in (1, 2, 3)},
    "LayerNorm": ("normalized_shape", ("eps", 1e-5), ("elementwise_affine", True), ("bias", True)),
    "GroupNorm": ("num_groups", "num_channels", ("eps", 1e-5), ("affine", True), ("bias", True)),
    **dict.fromkeys(DROPOUTS, (("p", 0.5), ("inplace", False))),
    "Identity": (),
    "PReLU": (("num_parameters", 1), ("init", 0.25)),
    "Embedding": (
        "num_embeddings",
        "embedding_dim",
        ("padding_idx", None),
        ("max_norm", None),
        ("norm_type", 2.0),
        ("scale_grad_by_freq", False),
        ("sparse", False),
    ),
    **{f"ZeroPad{n}d": ("padding",) for n in (1, 2, 3)},
    **{f"ConstantPad{n}d": ("padding", "value") for n in (1, 2, 3)},
    **{f"ReflectionPad{n}d": ("padding",) for n in (1, 2, 3)},
    **{f"ReplicationPad{n}d": ("padding",) for n in (1, 2, 3)},
    "Upsample": (
        ("size", None),
        ("scale_factor", None),
        ("mode", "nearest"),
        ("align_corners", None),
        ("recompute_scale_factor", None),
    ),
    "LSTM": _RNN,
    "GRU": _RNN,
    "RNN": _RNN,
}
# Activations take options (dim, inplace, negative_slope, …) but never change a shape.
ANY_ARGUMENTS = frozenset(ACTIVATIONS) | {"Identity"}


@dataclass(frozen=True)
class Layer:
    """One layer as written: its class name, arguments, and its 1-based place in the chain."""

    kind: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    index: int = 0

    @property
    def label(self) -> str:
        return f"{self.kind} #{self.index}" if self.index else self.kind

    def bound(self) -> dict[str, Any]:
        """The arguments by name, defaults filled in, as Python would bind them."""
        if self.kind in ANY_ARGUMENTS:
            return dict(self.kwargs)
        signature = SIGNATURES[self.kind]
        names = [p if isinstance(p, str) else p[0] for p in signature]
        if len(self.args) > len(names):
            raise InvalidParameter(
                "model", self.written(), f"at most {len(names)} positional arguments for {self.kind}", ""
            )
        bound = dict(zip(names, self.args, strict=False))
        for key, value in self.kwargs.items():
            if key not in names:
                raise InvalidParameter(
                    "model", self.written(), f"{self.kind}'s arguments: {', '.join(names)}", f"drop {key}="
                )
            if key in bound:
                raise InvalidParameter("model", self.written(), f"{key} given once", "")
            bound[key] = value
        for p in signature:
            name, default = (p, REQUIRED) if isinstance(p, str) else p
            if name not in bound:
                if default is REQUIRED:
                    raise InvalidParameter(
                        "model", self.written(), f"{self.kind}'s argument {name}", f"add {name} (or _ to infer it)"
                    )
                bound[name] = default
        return bound

    def written(self, **changes: Any) -> str:
        """The layer as torch code, optionally with some arguments changed."""
        if changes:
            return self.replaced(**changes).written()
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.kind}({', '.join(parts)})"

    def replaced(self, **changes: Any) -> Layer:
        """The same layer with some arguments (by name) changed, in place if given by position."""
        if not changes or self.kind in ANY_ARGUMENTS:
            return self
        names = [p if isinstance(p, str) else p[0] for p in SIGNATURES[self.kind]]
        args = list(self.args)
        kwargs = dict(self.kwargs)
        for key, value in changes.items():
            position = names.index(key) if key in names else -1
            if 0 <= position < len(args):
                args[position] = value
            else:
                kwargs[key] = value
        return Layer(self.kind, tuple(args), kwargs, self.index)


class _Infer:
    """The ``_`` of a chain: a size cnncalc fills in from the input."""

    def __repr__(self) -> str:
        return INFER


INFER_TOKEN: Any = _Infer()


@dataclass(frozen=True)
class Receptive:
    """One spatial axis of a window: kernel, stride, dilation (for the receptive field)."""

    kernel: int
    stride: int
    dilation: int = 1


@dataclass(frozen=True)
class Outcome:
    """What leaves a layer."""

    shape: tuple[int, ...]
    params: int = 0
    macs: int = 0
    windows: tuple[Receptive, ...] | None = None  # per spatial axis, for the receptive field
    resets_field: bool = False  # the receptive field becomes the whole input (adaptive, linear, flatten…)
    inferred: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    integer_output: bool = False
    factors: tuple[int, ...] | None = None  # the sizes a flattened last axis came from


Formula = Callable[[Layer, dict[str, Any], tuple[int, ...], "Context"], Outcome]


@dataclass(frozen=True)
class Context:
    """What a formula may need to know beyond the shape."""

    integer_input: bool = False
    factors: tuple[int, ...] | None = None  # the last axis, when Flatten made it
    after_flatten_of_spatial: bool = False
    first: bool = True  # the chain's first layer: it receives the input itself
    python_model: bool = False  # a module of a Python model, whose inputs are given by --input


def apply(layer: Layer, shape: tuple[int, ...], context: Context = Context()) -> Outcome | None:
    """What ``layer`` makes of a tensor of ``shape`` (batch first); None if cnncalc has no formula."""
    formula = _formula(layer.kind)
    if formula is None:
        return None
    bound = layer.bound()
    try:
        return formula(layer, bound, shape, context)
    except LayerMismatch:
        raise
    except InvalidParameter as error:
        if error.param in bound:  # an argument torch would refuse whatever the input
            raise InvalidParameter(
                "model", layer.written(), f"{error.param} {error.expected}", _torch_words(error.fix)
            ) from None
        raise LayerMismatch(
            layer.label,
            _torch_words(error.expected),
            f"{_shape(shape)}",
            _torch_words(error.fix),
        ) from None


def _formula(kind: str) -> Formula | None:
    for pattern, formula in _FORMULAS:
        if re.fullmatch(pattern, kind):
            return formula
    return None


_OPTION_NAMES = {
    "--p": "padding",
    "--f": "kernel_size",
    "--s": "stride",
    "--dilation": "dilation",
    "--groups": "groups",
    "--output-padding": "output_padding",
    "--k": "out_channels",
    "--d": "in_channels",
    "--proj": "proj_size",
    "--hidden": "hidden_size",
}


def _torch_words(text: str) -> str:
    """The core's advice names CLI options; a traced layer takes torch arguments."""
    text = re.sub(r"(--[a-z-]+) (\d+)", lambda m: f"{_OPTION_NAMES.get(m[1], m[1])}={m[2]}", text)
    return re.sub(r"--[a-z-]+", lambda m: _OPTION_NAMES.get(m[0], m[0]), text)


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def _dims_of(kind: str) -> int:
    match = re.search(r"(\d)d$", kind)
    return int(match[1]) if match else 0


def _need_rank(layer: Layer, shape: tuple[int, ...], rank: int, axes: str) -> None:
    if len(shape) != rank:
        raise LayerMismatch(
            layer.label,
            f"a {rank}D input {axes}",
            f"{_shape(shape)} ({len(shape)}D)",
            "reshape it first (Flatten or Unflatten), or use the layer of the right dimensionality",
        )


def _channels(
    layer: Layer, bound: dict[str, Any], name: str, got: int, inferred: dict[str, int], noun: str = "channels"
) -> int:
    wanted = bound[name]
    if wanted is INFER_TOKEN:
        inferred[name] = got
        return got
    if wanted != got:
        raise LayerMismatch(layer.label, f"{name}={wanted}", f"{got} {noun}", f"use {layer.written(**{name: got})}")
    return int(wanted)


_SPATIAL = {1: "[N, C, L]", 2: "[N, C, H, W]", 3: "[N, C, D, H, W]"}


def _conv(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = _dims_of(layer.kind)
    transposed = layer.kind.startswith("ConvTranspose")
    _need_rank(layer, shape, dims + 2, _SPATIAL[dims])
    inferred: dict[str, int] = {}
    c_in = _channels(layer, bound, "in_channels", shape[1], inferred)
    mode = bound["padding_mode"]
    if mode not in ("zeros", "reflect", "replicate", "circular"):
        raise InvalidParameter("padding_mode", mode, "'zeros', 'reflect', 'replicate' or 'circular'")
    notes: tuple[str, ...] = ()
    if mode != "zeros":
        notes = (f"padding_mode={mode!r}: same shape as zeros",)
        _check_padding_mode(layer, mode, bound["padding"], shape)
    spec = make_conv_spec(
        size=shape[2:],
        in_channels=c_in,
        out_channels=bound["out_channels"],
        kernel=_per_dim(bound["kernel_size"], "kernel_size"),
        stride=_per_dim(bound["stride"], "stride"),
        padding=bound["padding"] if isinstance(bound["padding"], str) else _per_dim(bound["padding"], "padding"),
        dilation=_per_dim(bound["dilation"], "dilation"),
        groups=bound["groups"],
        bias=bool(bound["bias"]),
        transposed=transposed,
        output_padding=_per_dim(bound.get("output_padding", 0), "output_padding"),
    )
    geometry = conv_geometry(spec)
    windows = None
    if not transposed:
        windows = tuple(Receptive(a.kernel, a.stride, a.dilation) for a in geometry.axes)
    return Outcome(
        (shape[0], *geometry.output_shape),
        geometry.params,
        geometry.macs * shape[0],
        windows,
        resets_field=transposed,
        inferred=inferred,
        notes=notes,
    )


def _check_padding_mode(layer: Layer, mode: str, padding: Any, shape: tuple[int, ...]) -> None:
    # reflect mirrors without the edge (padding < size); circular may wrap around once (padding ≤ size)
    if isinstance(padding, str):
        return
    spatial = shape[2:]
    pads = list(padding) if isinstance(padding, (tuple, list)) else [padding] * len(spatial)
    for axis, (pad, size) in enumerate(zip(pads, spatial, strict=False), start=2):
        if (mode == "reflect" and pad >= size) or (mode == "circular" and pad > size):
            limit = "less than" if mode == "reflect" else "at most"
            raise LayerMismatch(
                layer.label,
                f"padding {limit} the input on axis {axis} with padding_mode={mode!r}",
                f"size {size} with padding {pad}",
                "use a smaller padding, or padding_mode='zeros' or 'replicate'",
            )


def _per_dim(value: Any, name: str = "") -> Any:
    """A size argument as torch takes it: an int or a tuple of ints (never "3" or 3.0)."""
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    if name and not all(type(v) is int for v in values):
        raise InvalidParameter(name, repr(value), "an int or a tuple of ints, as torch takes it")
    return values if isinstance(value, (tuple, list)) else value


def _pool(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = _dims_of(layer.kind)
    _need_rank(layer, shape, dims + 2, _SPATIAL[dims])
    kind = "max" if layer.kind.startswith("Max") else "avg" if layer.kind.startswith("Avg") else "lp"
    stride = bound["stride"]
    spec = make_pool_spec(
        size=shape[2:],
        channels=shape[1],
        kind=kind,
        kernel=_per_dim(bound["kernel_size"], "kernel_size"),
        stride=None if stride is None else _per_dim(stride, "stride"),
        padding=_per_dim(bound.get("padding", 0), "padding"),
        dilation=_per_dim(bound.get("dilation", 1), "dilation"),
        ceil_mode=bool(bound["ceil_mode"]),
        count_include_pad=bool(bound.get("count_include_pad", True)),
        norm=bound.get("norm_type"),
    )
    geometry = pool_geometry(spec)
    windows = tuple(Receptive(a.kernel, a.stride, a.dilation) for a in geometry.axes)
    return Outcome((shape[0], *geometry.output_shape), windows=windows)


def _adaptive(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = _dims_of(layer.kind)
    _need_rank(layer, shape, dims + 2, _SPATIAL[dims])
    wanted = bound["output_size"]
    sizes = list(wanted) if isinstance(wanted, (tuple, list)) else [wanted] * dims
    if len(sizes) != dims:
        raise InvalidParameter("output_size", wanted, f"{dims} sizes")
    sizes = [shape[2 + i] if s is None else s for i, s in enumerate(sizes)]
    geometry = make_adaptive(
        size=shape[2:], output=sizes, channels=shape[1], kind="max" if "Max" in layer.kind else "avg"
    )
    return Outcome((shape[0], *geometry.output_shape), resets_field=True)


def _linear(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if not shape:
        raise LayerMismatch(layer.label, "a tensor with a feature axis", "a scalar")
    inferred: dict[str, int] = {}
    got = shape[-1]
    wanted = bound["in_features"]
    if wanted is INFER_TOKEN:
        inferred["in_features"] = got
    elif wanted != got:
        received = f"{'·'.join(map(str, context.factors))} = {got}" if context.factors else str(got)
        fix = f"use {layer.written(in_features=got)}"
        if context.after_flatten_of_spatial:
            fix += ", or put an AdaptiveAvgPool before Flatten to fix the size"
        raise LayerMismatch(layer.label, f"in_features={wanted}", received, fix)
    out = _positive(layer, "out_features", bound["out_features"])
    params = got * out + (out if bound["bias"] else 0)
    return Outcome((*shape[:-1], out), params, prod(shape[:-1]) * got * out, resets_field=True, inferred=inferred)


def _positive(layer: Layer, name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidParameter(name, value, f"a whole number of at least 1 for {layer.label}")
    return value


def _axis(layer: Layer, shape: tuple[int, ...], dim: Any, name: str) -> int:
    if not isinstance(dim, int) or not -len(shape) <= dim < len(shape):
        raise LayerMismatch(
            layer.label, f"{name}={dim} within the {len(shape)} axes", _shape(shape), "pick an axis that exists"
        )
    return dim % len(shape)


def _flatten(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    start = _axis(layer, shape, bound["start_dim"], "start_dim")
    end = _axis(layer, shape, bound["end_dim"], "end_dim")
    if start > end:
        raise LayerMismatch(layer.label, "start_dim ≤ end_dim", f"{start} > {end}", "swap them")
    merged = shape[start : end + 1]
    return Outcome(
        (*shape[:start], prod(merged), *shape[end + 1 :]),
        resets_field=True,
        factors=merged if end == len(shape) - 1 else None,
    )


def _unflatten(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dim = _axis(layer, shape, bound["dim"], "dim")
    sizes = list(bound["unflattened_size"])
    known = prod(s for s in sizes if s != -1)
    if sizes.count(-1) == 1 and known and shape[dim] % known == 0:
        sizes[sizes.index(-1)] = shape[dim] // known
    if prod(sizes) != shape[dim] or any(s < 1 for s in sizes):
        raise LayerMismatch(
            layer.label,
            f"unflattened_size {tuple(bound['unflattened_size'])} to multiply to the size of axis {dim}",
            f"{shape[dim]}",
            "give sizes whose product is that size",
        )
    return Outcome((*shape[:dim], *sizes, *shape[dim + 1 :]), resets_field=True)


def _batchnorm(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = _dims_of(layer.kind)
    instance = layer.kind.startswith("Instance")
    ranks = {1: (2, 3), 2: (4,), 3: (5,)}[dims] if not instance else {1: (2, 3), 2: (3, 4), 3: (4, 5)}[dims]
    if len(shape) not in ranks:
        raise LayerMismatch(
            layer.label, f"a {' or '.join(map(str, ranks))}D input", f"{_shape(shape)} ({len(shape)}D)", ""
        )
    channel_axis = 1 if len(shape) == max(ranks) or not instance else 0
    inferred: dict[str, int] = {}
    affine = bool(bound["affine"])
    running = bool(bound["track_running_stats"])
    if instance and not affine and not running:  # nothing of the layer's is sized by the channels
        channels = shape[channel_axis]
        if bound["num_features"] is INFER_TOKEN:
            inferred["num_features"] = channels
    else:
        channels = _channels(layer, bound, "num_features", shape[channel_axis], inferred)
    if instance and not running and prod(shape[channel_axis + 1 :]) < 2:
        raise LayerMismatch(
            layer.label,
            "more than 1 spatial element to normalise over (torch: Expected more than 1 spatial element)",
            _shape(shape),
            "apply it before the spatial size shrinks to 1",
        )
    params = channels * (1 + bool(bound["bias"])) if affine else 0
    return Outcome(shape, params, inferred=inferred)


def _layernorm(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    wanted = bound["normalized_shape"]
    inferred: dict[str, int] = {}
    if wanted is INFER_TOKEN:
        wanted = shape[-1]
        inferred["normalized_shape"] = wanted
    normalized = tuple(wanted) if isinstance(wanted, (tuple, list)) else (wanted,)
    if shape[len(shape) - len(normalized) :] != normalized or len(normalized) > len(shape):
        got = _shape(shape[-len(normalized) :])
        raise LayerMismatch(
            layer.label, f"normalized_shape={_shape(normalized)} as its last axes", got, f"use LayerNorm({got})"
        )
    size = prod(normalized)
    params = size * (1 + bool(bound["bias"])) if bound["elementwise_affine"] else 0
    return Outcome(shape, params, inferred=inferred)


def _groupnorm(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if len(shape) < 2:
        raise LayerMismatch(layer.label, "an input [N, C, …]", _shape(shape), "")
    inferred: dict[str, int] = {}
    channels = _channels(layer, bound, "num_channels", shape[1], inferred)
    groups = bound["num_groups"]
    if not isinstance(groups, int) or groups < 1 or channels % groups:
        raise InvalidParameter("num_groups", groups, f"a divisor of num_channels={channels}")
    if (channels // groups) * prod(shape[2:]) < 2:
        raise LayerMismatch(
            layer.label,
            "more than 1 value per group (torch: Expected more than 1 value per channel)",
            _shape(shape),
            "use fewer groups, or apply it before the spatial size shrinks to 1",
        )
    params = channels * (1 + bool(bound["bias"])) if bound["affine"] else 0
    return Outcome(shape, params, inferred=inferred)


_DIM_ARGUMENTS = ("Softmax", "LogSoftmax", "Softmin")


def _same(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if layer.kind in _DIM_ARGUMENTS:
        dim = bound.get("dim", layer.args[0] if layer.args else None)
        if dim is not None:
            _axis(layer, shape, dim, "dim")
    return Outcome(shape, integer_output=context.integer_input and layer.kind in ("Identity", *DROPOUTS))


def _prelu(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    n = bound["num_parameters"]
    channels = shape[1] if len(shape) > 1 else 1
    if n not in (1, channels):
        raise LayerMismatch(layer.label, f"num_parameters=1 or the {channels} channels", f"num_parameters={n}", "")
    return Outcome(shape, n)


def _embedding(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if not context.integer_input:
        if context.python_model:
            fix = "give the model integer indices, like --input 35:int64"
        elif context.first:
            fix = "give it integer indices: --dtype int64"
        else:
            fix = "put Embedding first, with --dtype int64"
        raise LayerMismatch(
            layer.label,
            "integer indices (torch: Expected tensor for argument #1 'indices' to have scalar type Long)",
            "a float tensor",
            fix,
        )
    num, dim = bound["num_embeddings"], bound["embedding_dim"]
    return Outcome((*shape, dim), num * dim)


def _pad(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = _dims_of(layer.kind)
    padding = bound["padding"]
    pads = [padding] * (2 * dims) if isinstance(padding, int) else list(padding)
    if len(pads) != 2 * dims:
        raise InvalidParameter("padding", padding, f"one number or {2 * dims} (left, right, top, bottom, …)")
    if len(shape) < dims + 1 or (not layer.kind.startswith(("Zero", "Constant")) and len(shape) > dims + 2):
        ranks = (
            f"{dims + 1} or {dims + 2}" if not layer.kind.startswith(("Zero", "Constant")) else f"at least {dims + 1}"
        )
        raise LayerMismatch(layer.label, f"an input of {ranks} axes", _shape(shape), "")
    out = list(shape)
    for i in range(dims):
        axis = len(shape) - 1 - i
        before, after = pads[2 * i], pads[2 * i + 1]
        if -before > shape[axis] or -after > shape[axis]:
            raise LayerMismatch(
                layer.label,
                f"a negative padding that crops at most the {shape[axis]} cells of axis {axis}",
                f"padding ({before}, {after})",
                "crop less",
            )
        if layer.kind.startswith("Reflection") and (before >= shape[axis] or after >= shape[axis]):
            raise LayerMismatch(
                layer.label,
                f"padding smaller than the input on axis {axis} (torch: padding size should be less than "
                "the corresponding input dimension)",
                f"{shape[axis]} with padding ({before}, {after})",
                "use a smaller padding, or ReplicationPad",
            )
        out[axis] += before + after
        if out[axis] < 1:
            raise LayerMismatch(layer.label, "an output of at least 1", f"{shape[axis]} padded to {out[axis]}", "")
    return Outcome(tuple(out))


def _upsample(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    spatial = len(shape) - 2
    if spatial < 1:
        raise LayerMismatch(layer.label, "an input [N, C, …spatial]", _shape(shape), "")
    size, scale = bound["size"], bound["scale_factor"]
    if (size is None) == (scale is None):
        raise InvalidParameter("size", size, "either size or scale_factor (torch: only one of them)")
    if size is not None:
        sizes = list(size) if isinstance(size, (tuple, list)) else [size] * spatial
    else:
        scales = list(scale) if isinstance(scale, (tuple, list)) else [scale] * spatial
        # torch floors in·scale (recompute_scale_factor aside).
        sizes = [math.floor(n * s) for n, s in zip(shape[2:], scales, strict=True)]
    if len(sizes) != spatial:
        raise InvalidParameter("size", size, f"{spatial} sizes")
    if min(sizes) < 1:
        raise LayerMismatch(
            layer.label,
            "an output of at least 1 on every axis (torch: output sizes should be greater than 0)",
            f"{_shape(shape)}, scaled to {_shape((*shape[:2], *sizes))}",
            "use a larger scale_factor or size",
        )
    return Outcome((*shape[:2], *sizes), resets_field=True)


def _recurrent(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if len(shape) != 3:
        raise LayerMismatch(
            layer.label,
            "a 3D input [seq, batch, features] (or [batch, seq, features] with batch_first=True)",
            f"{_shape(shape)} ({len(shape)}D)",
            "",
        )
    inferred: dict[str, int] = {}
    features = _channels(layer, bound, "input_size", shape[2], inferred, "features")
    batch_first = bool(bound["batch_first"])
    batch, seq = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    spec = make_rnn_spec(
        hidden=bound["hidden_size"],
        input=features,
        cell=layer.kind.lower(),
        layers=bound["num_layers"],
        bidirectional=bool(bound["bidirectional"]),
        proj=bound["proj_size"],
        bias=bool(bound["bias"]),
        batch=batch,
        seq=seq,
        batch_first=batch_first,
        nonlinearity=bound["nonlinearity"] if layer.kind == "RNN" else "tanh",
    )
    geometry = rnn_geometry(spec)
    weights = sum(p.count for p in geometry.parameters if p.name.startswith("weight"))
    notes = [f"h_n {_shape(geometry.h_n_shape)}"]
    if geometry.c_n_shape:
        notes.append(f"c_n {_shape(geometry.c_n_shape)}")
    return Outcome(
        geometry.output_shape,
        geometry.params,
        weights * batch * seq,
        resets_field=True,
        inferred=inferred,
        notes=tuple(notes),
    )


_FORMULAS: tuple[tuple[str, Formula], ...] = (
    (r"Conv(Transpose)?[123]d", _conv),
    (r"(Max|Avg|LP)Pool[123]d", _pool),
    (r"Adaptive(Max|Avg)Pool[123]d", _adaptive),
    (r"Linear", _linear),
    (r"Flatten", _flatten),
    (r"Unflatten", _unflatten),
    (r"(Batch|Instance)Norm[123]d", _batchnorm),
    (r"LayerNorm", _layernorm),
    (r"GroupNorm", _groupnorm),
    ("|".join([*ACTIVATIONS, *DROPOUTS, "Identity"]), _same),
    (r"PReLU", _prelu),
    (r"Embedding", _embedding),
    (r"(Zero|Constant|Reflection|Replication)Pad[123]d", _pad),
    (r"Upsample", _upsample),
    (r"LSTM|GRU|RNN", _recurrent),
)


def check_known(kind: str) -> None:
    """Refuse a layer name that is not on the allow-list."""
    if kind not in SIGNATURES and kind not in ANY_ARGUMENTS:
        raise InvalidParameter(
            "model", kind, "a torch.nn layer cnncalc knows", "see `cnncalc trace --help` for the list"
        )
