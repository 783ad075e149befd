"""Layers that keep the shape: activations, dropout, Identity, PReLU."""

from __future__ import annotations

from typing import Any

from ...errors import LayerMismatch
from ..layer import Arg, Context, Layer, Outcome, axis, layer_kind

ACTIVATIONS = (
    "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh",
    "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Tanhshrink", "LogSigmoid",
    "Softmax", "LogSoftmax", "Softmin", "Threshold",
)  # fmt: skip
DROPOUTS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")
_DIM_ARGUMENTS = ("Softmax", "LogSoftmax", "Softmin")


# Activations take options (dim, inplace, negative_slope, …) but never change a shape: any arguments.
@layer_kind(*ACTIVATIONS, "Identity", signature=None)
@layer_kind(*DROPOUTS, signature=(Arg("p", 0.5), Arg("inplace", False)))
def same(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if layer.kind in _DIM_ARGUMENTS:
        dim = bound.get("dim", layer.args[0] if layer.args else None)
        if dim is not None:
            axis(layer, shape, dim, "dim")
    return Outcome(shape, integer_output=context.integer_input and layer.kind in ("Identity", *DROPOUTS))


@layer_kind("PReLU", signature=(Arg("num_parameters", 1), Arg("init", 0.25)))
def prelu(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    n = bound["num_parameters"]
    channels = shape[1] if len(shape) > 1 else 1
    if n not in (1, channels):
        raise LayerMismatch(layer.label, f"num_parameters=1 or the {channels} channels", f"num_parameters={n}", "")
    return Outcome(shape, n)
