"""torch.nn layers as cnncalc knows them — no torch here.

A layer is written as in torch (``Conv2d(3, 16, 3, padding=1)``); ``_`` stands for a size to infer from the
input. Each kind of layer is registered once, in ``network/kinds``, with its signature and its formula
together::

    @layer_kind("Linear", signature=(Arg("in_features", infer=True), Arg("out_features"), Arg("bias", True)))
    def linear(layer, bound, shape, context) -> Outcome: ...

A formula takes the layer, its arguments bound by name, and the shape it receives (batch first), and returns
what leaves it, or raises ``LayerMismatch`` saying what the layer expected, what it got, and how to make it fit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.values import bracketed
from ..errors import DoesNotFit, InvalidParameter, LayerMismatch, Spelling

INFER = "_"  # the placeholder for a size cnncalc infers
REQUIRED = object()


class _Infer:
    """The ``_`` of a chain: a size cnncalc fills in from the input."""

    def __repr__(self) -> str:
        return INFER


INFER_TOKEN: Any = _Infer()


@dataclass(frozen=True)
class Arg:
    """One argument of a layer's constructor, in torch's order, and what values it takes.

    ``check`` says what a value must be ("True or False") when it is not one; arguments whose values a formula
    reads (sizes, strides) are checked by the formula, with the input in hand.
    """

    name: str
    default: object = REQUIRED
    infer: bool = False  # ``_`` may stand for it: the input's size fills it in
    check: Callable[[object], str | None] | None = None


# What the simple arguments take. Each returns what was expected, or None when the value is one.
def flag(value: object) -> str | None:
    # torch reads some flags by truth ('no' would switch ceil_mode on, or fail at run time): True or False only.
    return None if isinstance(value, bool) else "True or False"


def number(value: object) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return None if ok else "a finite number"


def probability(value: object) -> str | None:
    return number(value) or (None if 0 <= value <= 1 else "a probability, from 0 to 1")  # type: ignore[operator]


def optional_positive(value: object) -> str | None:
    ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)
    return None if ok else "None or a whole number of at least 1"


def positive_number(value: object) -> str | None:
    return number(value) or (None if value > 0 else "a number above 0")  # type: ignore[operator]


def optional_flag(value: object) -> str | None:
    return None if value is None or isinstance(value, bool) else "None, True or False"


def optional_number(value: object) -> str | None:
    return None if value is None else number(value)


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
        signature = kind_of(self.kind).signature
        if signature is None:
            return dict(self.kwargs)
        names = [arg.name for arg in signature]
        if len(self.args) > len(names):
            raise InvalidParameter("model", self.written_at(), f"at most {len(names)} positional arguments", "")
        bound = dict(zip(names, self.args, strict=False))
        for key, value in self.kwargs.items():
            if key not in names:
                raise InvalidParameter(
                    "model", self.written_at(), f"{self.kind}'s arguments: {', '.join(names)}", f"drop {key}="
                )
            if key in bound:
                raise InvalidParameter("model", self.written_at(), f"{key} given once", "")
            bound[key] = value
        for arg in signature:
            if bound.get(arg.name) is INFER_TOKEN and not arg.infer:
                inferable = " or ".join(a.name for a in signature if a.infer)
                stands_for = f" ({inferable} on {self.kind})" if inferable else ""
                raise argument_error(
                    self,
                    arg.name,
                    f"a number, not _: _ stands for a size read from the input{stands_for}",
                    f"give {arg.name} a number",
                )
            if arg.check is not None and arg.name in bound and bound[arg.name] is not INFER_TOKEN:
                expected = arg.check(bound[arg.name])
                if expected:
                    raise argument_error(self, arg.name, expected)
            if arg.name not in bound:
                if arg.default is REQUIRED:
                    fix = f"add {arg.name} (or _ to infer it)"
                    raise InvalidParameter("model", self.written_at(), f"{self.kind}'s argument {arg.name}", fix)
                bound[arg.name] = arg.default
        return bound

    def written_at(self) -> str:
        """The layer as written, and where it stands in its chain."""
        return f"{self.written()} (layer #{self.index})" if self.index else self.written()

    def written(self, **changes: Any) -> str:
        """The layer as torch code, optionally with some arguments changed."""
        if changes:
            return self.replaced(**changes).written()
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.kind}({', '.join(parts)})"

    def replaced(self, **changes: Any) -> Layer:
        """The same layer with some arguments (by name) changed, in place if given by position."""
        signature = kind_of(self.kind).signature
        if not changes or signature is None:
            return self
        names = [arg.name for arg in signature]
        args = list(self.args)
        kwargs = dict(self.kwargs)
        for key, value in changes.items():
            position = names.index(key) if key in names else -1
            if 0 <= position < len(args):
                args[position] = value
            else:
                kwargs[key] = value
        return Layer(self.kind, tuple(args), kwargs, self.index)


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


@dataclass(frozen=True)
class Context:
    """What a formula may need to know beyond the shape."""

    integer_input: bool = False
    factors: tuple[int, ...] | None = None  # the last axis, when Flatten made it
    after_flatten_of_spatial: bool = False
    first: bool = True  # the chain's first layer: it receives the input itself
    python_model: bool = False  # a module of a Python model, whose inputs are given by --input
    integer_dtype: str = ""  # a chain's integer input (int64, uint8, bool…), while only layers that move values met it

    @property
    def arriving(self) -> str:
        """What reaches the layer, in words: "an int64 tensor", "a uint8 tensor", or "a float tensor"."""
        if not self.integer_dtype:
            return "a float tensor"
        return f"{'an' if self.integer_dtype.startswith('i') else 'a'} {self.integer_dtype} tensor"


Formula = Callable[[Layer, dict[str, Any], tuple[int, ...], Context], Outcome]


@dataclass(frozen=True)
class LayerKind:
    """A torch.nn class cnncalc knows: its constructor's arguments and what it does to a shape."""

    name: str
    signature: tuple[Arg, ...] | None  # None: any keyword options that never change a shape (activations)
    formula: Formula


# Every kind by its torch.nn class name, filled in by the modules of network/kinds as they are imported.
KINDS: dict[str, LayerKind] = {}


def layer_kind(*names: str, signature: tuple[Arg, ...] | None) -> Callable[[Formula], Formula]:
    """Register ``formula`` for the torch.nn classes ``names``, which share ``signature``."""

    def register(formula: Formula) -> Formula:
        for name in names:
            KINDS[name] = LayerKind(name, signature, formula)
        return formula

    return register


def known_kinds() -> dict[str, LayerKind]:
    """Every registered kind (importing network/kinds registers them)."""
    from . import kinds  # noqa: F401  (imported for its registrations)

    return KINDS


def kind_of(name: str) -> LayerKind:
    found = known_kinds().get(name)
    if found is None:
        raise InvalidParameter(
            "model", name, "a torch.nn layer cnncalc knows", "see `cnncalc trace --help` for the list"
        )
    return found


def check_known(kind: str) -> None:
    """Refuse a layer name that is not on the allow-list."""
    kind_of(kind)


def apply(layer: Layer, shape: tuple[int, ...], context: Context = Context()) -> Outcome | None:
    """What ``layer`` makes of a tensor of ``shape`` (batch first); None if cnncalc has no formula."""
    found = known_kinds().get(layer.kind)
    if found is None:
        return None
    bound = layer.bound()
    if context.integer_dtype and layer.kind not in MOVES_VALUES and layer.kind != "Embedding":
        raise LayerMismatch(
            layer.label,
            "a floating-point input (torch computes it in floating point; integers feed Embedding, or layers "
            "that only move values)",
            context.arriving,
            "give --dtype float32, or put Embedding first",
        )
    try:
        return found.formula(layer, bound, shape, context)
    except LayerMismatch:
        raise
    except InvalidParameter as error:
        if error.param == "model":  # already said of the layer as written
            raise
        # The core names its parameters; a layer is written with torch's arguments.
        words = TorchArguments(layer.kind)
        if isinstance(error, DoesNotFit):  # fine in itself, wrong for what reaches the layer
            raise LayerMismatch(
                layer.label, words.words(error.expected), bracketed(shape), words.words(error.fix)
            ) from None
        raise argument_error(
            layer, words.subject(error.param), words.words(error.expected), words.words(error.fix)
        ) from None


def argument_error(layer: Layer, name: str, expected: str, fix: str = "") -> InvalidParameter:
    """An argument torch would refuse whatever the input: the layer as written is at fault, not what reaches it."""
    return InvalidParameter("model", layer.written_at(), f"{name}: {expected}", fix)


# The core's parameters by the names torch's layers take (None: a layer has no such argument).
TORCH_NAMES: dict[str, str | None] = {
    "kernel": "kernel_size", "norm": "norm_type", "hidden": "hidden_size", "input": "input_size",
    "proj": "proj_size", "layers": "num_layers", "output": "output_size", "size": None, "channels": None,
    "kind": None, "cell": None, "transposed": None, "batch": None, "seq": None, "global_pool": None,
}  # fmt: skip
_POOL_CLASSES = {"max": "MaxPool", "avg": "AvgPool", "lp": "LPPool"}


class TorchArguments(Spelling):
    """A chain layer's words: ``padding=1``; a choice the core makes by option, torch makes by class."""

    def __init__(self, kind: str) -> None:
        super().__init__(TORCH_NAMES)
        self.kind = kind

    def setting(self, param: str, value: object) -> str | None:
        suffix = f"{dims_of(self.kind)}d" if dims_of(self.kind) else ""
        choices = value if isinstance(value, tuple) else (value,)
        if param == "kind":
            return " or ".join(_POOL_CLASSES[str(v)] + suffix for v in choices)
        if param == "cell":
            return " or ".join(str(v).upper() for v in choices)
        if param == "transposed" and value is True and self.kind.startswith("Conv"):
            return f"ConvTranspose{suffix}"
        if param == "padding" and value == "same-tf":  # TensorFlow's rule: no torch value says it
            return None
        return super().setting(param, value)


# Layers that only move values: torch runs them on integer tensors of every dtype (others compute in floats).
MOVES_VALUES = frozenset(
    {"Flatten", "Unflatten", "Identity", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"}
    | {f"{kind}Pad{n}d" for kind in ("Zero", "Constant") for n in (1, 2, 3)}
)


# --- what formulas share --------------------------------------------------------------------------------------------

SPATIAL = {1: "[N, C, L]", 2: "[N, C, H, W]", 3: "[N, C, D, H, W]"}


def dims_of(kind: str) -> int:
    """1, 2 or 3 from ``Conv2d``; 0 for a kind without spatial axes in its name."""
    match = re.search(r"(\d)d$", kind)
    return int(match[1]) if match else 0


def need_rank(layer: Layer, shape: tuple[int, ...], rank: int, axes: str) -> None:
    if len(shape) != rank:
        raise LayerMismatch(
            layer.label,
            f"a {rank}D input {axes}",
            f"{bracketed(shape)} ({len(shape)}D)",
            "reshape it first (Flatten or Unflatten), or use the layer of the right dimensionality",
        )


def expected_size(
    layer: Layer, bound: dict[str, Any], name: str, got: int, inferred: dict[str, int], noun: str = "channels"
) -> int:
    """The size ``name`` must have (``got``, what arrives), inferred where it is ``_``."""
    wanted = bound[name]
    if wanted is INFER_TOKEN:
        inferred[name] = got
        return got
    need_int(layer, name, wanted, got)
    if wanted != got:
        raise LayerMismatch(layer.label, f"{name}={wanted}", f"{got} {noun}", f"use {layer.written(**{name: got})}")
    return int(wanted)


def need_int(layer: Layer, name: str, wanted: Any, got: int) -> None:
    """A size argument is an int, as torch takes it: '3', 3.0 and True are refused as written, not as a mismatch."""
    if not isinstance(wanted, int) or isinstance(wanted, bool):
        raise argument_error(layer, name, "an int, as torch takes it", f"use {layer.written(**{name: got})}")


def per_dim(value: Any, name: str = "", dims: int = 0) -> Any:
    """A size argument as torch takes it: an int or a tuple of ints (never "3" or 3.0); with ``dims``, a tuple
    of exactly that many (a kernel_size torch sizes its weight from)."""
    values = list(value) if isinstance(value, (tuple, list)) else [value]
    if name and not all(type(v) is int for v in values):
        raise InvalidParameter(name, repr(value), "an int or a tuple of ints, as torch takes it")
    if dims and isinstance(value, (tuple, list)) and len(values) != dims:
        raise InvalidParameter(name, repr(value), f"an int or a tuple of {dims} ints (torch sizes the layer from it)")
    return values if isinstance(value, (tuple, list)) else value


def positive(layer: Layer, name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidParameter(name, value, f"a whole number of at least 1 for {layer.label}")
    return value


def axis(layer: Layer, shape: tuple[int, ...], dim: Any, name: str) -> int:
    """``dim`` as an axis of ``shape`` (negative from the end)."""
    if not isinstance(dim, int) or isinstance(dim, bool) or not -len(shape) <= dim < len(shape):
        raise LayerMismatch(
            layer.label, f"{name}={dim} within the {len(shape)} axes", bracketed(shape), "pick an axis that exists"
        )
    return dim % len(shape)
