"""Layers that move or resize what they receive: Flatten, Unflatten, Upsample."""

from __future__ import annotations

import math
from math import prod
from typing import Any

from ...core.values import bracketed
from ...errors import InvalidParameter, LayerMismatch
from ..layer import Arg, Context, Layer, Outcome, axis, layer_kind


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


UPSAMPLE = (
    Arg("size", None), Arg("scale_factor", None), Arg("mode", "nearest"), Arg("align_corners", None),
    Arg("recompute_scale_factor", None),
)  # fmt: skip


@layer_kind("Upsample", signature=UPSAMPLE)
def upsample(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    spatial = len(shape) - 2
    if spatial < 1:
        raise LayerMismatch(layer.label, "an input [N, C, …spatial]", bracketed(shape), "")
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
            f"{bracketed(shape)}, scaled to {bracketed((*shape[:2], *sizes))}",
            "use a larger scale_factor or size",
        )
    return Outcome((*shape[:2], *sizes), resets_field=True)
