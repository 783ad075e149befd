"""Layers that keep the shape: activations, dropout, Identity, PReLU."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...core.values import bracketed
from ...errors import InvalidParameter, LayerMismatch
from ..layer import Arg, Context, Formula, Layer, Outcome, axis, flag, layer_kind, number, probability

# Each activation's arguments, as torch's constructor takes them (torch refuses others: so does cnncalc).
_INPLACE = Arg("inplace", False, check=flag)
ACTIVATIONS: dict[str, tuple[Arg, ...]] = {
    **dict.fromkeys(("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid"), (_INPLACE,)),
    **dict.fromkeys(("Sigmoid", "Tanh", "Softsign", "Tanhshrink", "LogSigmoid"), ()),
    "LeakyReLU": (Arg("negative_slope", 0.01, check=number), _INPLACE),
    "ELU": (Arg("alpha", 1.0, check=number), _INPLACE),
    "CELU": (Arg("alpha", 1.0, check=number), _INPLACE),
    "Hardtanh": (Arg("min_val", -1.0, check=number), Arg("max_val", 1.0, check=number), _INPLACE),
    "GELU": (Arg("approximate", "none", check=lambda v: None if v in ("none", "tanh") else "'none' or 'tanh'"),),
    "Softplus": (Arg("beta", 1.0, check=number), Arg("threshold", 20.0, check=number)),
    "Threshold": (Arg("threshold", check=number), Arg("value", check=number), _INPLACE),
    **dict.fromkeys(("Softmax", "LogSoftmax", "Softmin"), (Arg("dim", None),)),
}
DROPOUTS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")
_DIM_ARGUMENTS = ("Softmax", "LogSoftmax", "Softmin")


def _activation(names: tuple[str, ...]) -> Callable[[Formula], Formula]:
    """Register each activation with its own signature, all sharing one formula."""

    def register(formula: Formula) -> Formula:
        for name in names:
            layer_kind(name, signature=ACTIVATIONS[name])(formula)
        return formula

    return register


@_activation(tuple(ACTIVATIONS))
@layer_kind("Identity", signature=None)  # torch's Identity takes any arguments, and ignores them
@layer_kind(*DROPOUTS, signature=(Arg("p", 0.5, check=probability), _INPLACE))
def same(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if layer.kind == "Dropout1d" and len(shape) not in (2, 3):  # torch checks 1d's rank only, even in eval
        raise LayerMismatch(
            layer.label, "a 2D or 3D input [N, C] or [N, C, L]", f"{bracketed(shape)} ({len(shape)}D)", ""
        )
    if layer.kind in _DIM_ARGUMENTS and bound["dim"] is not None:
        axis(layer, shape, bound["dim"], "dim")
    if layer.kind == "Hardtanh" and not bound["min_val"] < bound["max_val"]:
        raise InvalidParameter(
            "max_val", bound["max_val"], f"more than min_val={bound['min_val']} (torch: max_val must be greater)"
        )
    return Outcome(shape, integer_output=context.integer_input and layer.kind in ("Identity", *DROPOUTS))


@layer_kind("PReLU", signature=(Arg("num_parameters", 1), Arg("init", 0.25)))
def prelu(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    n = bound["num_parameters"]
    channels = shape[1] if len(shape) > 1 else 1
    if n not in (1, channels):
        raise LayerMismatch(layer.label, f"num_parameters=1 or the {channels} channels", f"num_parameters={n}", "")
    return Outcome(shape, n)
