"""Padding layers: zero, constant, reflection and replication, 1D to 3D."""

from __future__ import annotations

import math
from typing import Any

from ...core.dtypes import integer_range
from ...core.values import bracketed
from ...errors import InvalidParameter, LayerMismatch
from ..layer import Arg, Context, Layer, Outcome, argument_error, dims_of, layer_kind, number

_PADS = [f"{kind}Pad{n}d" for kind in ("Zero", "Reflection", "Replication") for n in (1, 2, 3)]


@layer_kind(*_PADS, signature=(Arg("padding"),))
@layer_kind(*(f"ConstantPad{n}d" for n in (1, 2, 3)), signature=(Arg("padding"), Arg("value", check=number)))
def pad(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = dims_of(layer.kind)
    padding = bound["padding"]
    pads = [padding] * (2 * dims) if isinstance(padding, int) else list(padding) if isinstance(padding, tuple) else []
    if len(pads) != 2 * dims or not all(isinstance(p, int) and not isinstance(p, bool) for p in pads):
        raise InvalidParameter("padding", padding, f"one number or {2 * dims} (left, right, top, bottom, …)")
    if len(shape) < dims + 1 or (not layer.kind.startswith(("Zero", "Constant")) and len(shape) > dims + 2):
        ranks = (
            f"{dims + 1} or {dims + 2}" if not layer.kind.startswith(("Zero", "Constant")) else f"at least {dims + 1}"
        )
        raise LayerMismatch(layer.label, f"an input of {ranks} axes", bracketed(shape), "")
    if layer.kind.startswith("Constant") and context.integer_dtype not in ("", "bool"):
        _check_fits(layer, bound["value"], context.integer_dtype)
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


def _check_fits(layer: Layer, value: float, dtype: str) -> None:
    """An integer tensor is padded with ``int(value)``, which must be one of its values (torch refuses the rest:
    value cannot be converted to type … without overflow)."""
    low, high = integer_range(dtype)
    if not (math.isfinite(value) and low <= int(value) <= high):
        raise argument_error(
            layer, "value", f"a value a {dtype} tensor holds, {low:,} to {high:,} (torch truncates it to an integer)"
        )
