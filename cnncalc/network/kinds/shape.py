"""Layers that move or resize what they receive: Flatten, Unflatten, Upsample."""

from __future__ import annotations

import math
from math import prod
from typing import Any

from ...core.values import bracketed
from ...errors import InvalidParameter, LayerMismatch
from ..layer import Arg, Context, Layer, Outcome, axis, layer_kind, number, optional_flag


@layer_kind("Flatten", signature=(Arg("start_dim", 1), Arg("end_dim", -1)))
def flatten(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    start = axis(layer, shape, bound["start_dim"], "start_dim")
    end = axis(layer, shape, bound["end_dim"], "end_dim")
    if start > end:
        raise LayerMismatch(layer.label, "start_dim ≤ end_dim", f"{start} > {end}", "swap them")
    merged = shape[start : end + 1]
    return Outcome(
        (*shape[:start], prod(merged), *shape[end + 1 :]),
        resets_field=True,
        factors=merged if end == len(shape) - 1 else None,
    )


@layer_kind("Unflatten", signature=(Arg("dim"), Arg("unflattened_size")))
def unflatten(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dim = axis(layer, shape, bound["dim"], "dim")
    given = bound["unflattened_size"]
    if not isinstance(given, (tuple, list)) or not all(isinstance(n, int) and not isinstance(n, bool) for n in given):
        raise InvalidParameter("unflattened_size", given, "a tuple of whole numbers, like (16, 7, 7)")
    sizes = list(given)
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


UPSAMPLE = (
    Arg("size", None), Arg("scale_factor", None), Arg("mode", "nearest"),
    Arg("align_corners", None, check=optional_flag), Arg("recompute_scale_factor", None, check=optional_flag),
)  # fmt: skip
# Each interpolation mode and the inputs it takes (torch refuses the rest at run time).
_MODES = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "linear": (3,), "bilinear": (4,), "bicubic": (4,),
          "trilinear": (5,), "area": (3, 4, 5)}  # fmt: skip


@layer_kind("Upsample", signature=UPSAMPLE)
def upsample(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    size, scale, mode = bound["size"], bound["scale_factor"], bound["mode"]
    if (size is None) == (scale is None):
        raise InvalidParameter("size", size, "either size or scale_factor (torch: only one of them)")
    if mode not in _MODES:
        raise InvalidParameter("mode", repr(mode), ", ".join(map(repr, _MODES)))
    if bound["align_corners"] is not None and mode in ("nearest", "nearest-exact", "area"):
        raise InvalidParameter(
            "align_corners",
            bound["align_corners"],
            f"None with mode={mode!r} (torch: only interpolating modes take it)",
        )
    spatial = len(shape) - 2
    if len(shape) not in _MODES[mode]:
        inputs = " or ".join(f"{rank}D" for rank in _MODES[mode])
        raise LayerMismatch(layer.label, f"a {inputs} input for mode={mode!r}", bracketed(shape), "")
    given = size if size is not None else scale
    values = list(given) if isinstance(given, (tuple, list)) else [given] * spatial
    if len(values) != spatial:
        raise InvalidParameter("size" if size is not None else "scale_factor", given, f"one value or {spatial}")
    if size is not None:
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
            raise InvalidParameter("size", size, "whole numbers of at least 1")
        sizes = values
    else:
        if not all(number(v) is None and v > 0 for v in values):
            raise InvalidParameter("scale_factor", scale, "finite numbers above 0")
        # torch floors in·scale (recompute_scale_factor aside).
        sizes = [math.floor(n * s) for n, s in zip(shape[2:], values, strict=True)]
    if min(sizes) < 1:
        raise LayerMismatch(
            layer.label,
            "an output of at least 1 on every axis (torch: output sizes should be greater than 0)",
            f"{bracketed(shape)}, scaled to {bracketed((*shape[:2], *sizes))}",
            "use a larger scale_factor or size",
        )
    return Outcome((*shape[:2], *sizes), resets_field=True)
