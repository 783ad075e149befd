"""Pooling, sliding and adaptive, 1D to 3D."""

from __future__ import annotations

from typing import Any

from ...core.pool import make_adaptive, make_pool_spec, pool_geometry
from ...errors import InvalidParameter
from ..layer import (
    SPATIAL,
    Arg,
    Context,
    Layer,
    Outcome,
    Receptive,
    dims_of,
    flag,
    layer_kind,
    need_rank,
    optional_positive,
    per_dim,
)

MAX_POOL = (
    Arg("kernel_size"), Arg("stride", None), Arg("padding", 0), Arg("dilation", 1),
    Arg("return_indices", False, check=flag), Arg("ceil_mode", False, check=flag),
)  # fmt: skip
AVG_POOL = (
    Arg("kernel_size"), Arg("stride", None), Arg("padding", 0), Arg("ceil_mode", False, check=flag),
    Arg("count_include_pad", True, check=flag), Arg("divisor_override", None, check=optional_positive),
)  # fmt: skip
LP_POOL = (Arg("norm_type"), Arg("kernel_size"), Arg("stride", None), Arg("ceil_mode", False, check=flag))


@layer_kind("MaxPool1d", "MaxPool2d", "MaxPool3d", signature=MAX_POOL)
@layer_kind("AvgPool1d", signature=AVG_POOL[:-1])
@layer_kind("AvgPool2d", "AvgPool3d", signature=AVG_POOL)
@layer_kind("LPPool1d", "LPPool2d", "LPPool3d", signature=LP_POOL)
def pool(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = dims_of(layer.kind)
    need_rank(layer, shape, dims + 2, SPATIAL[dims])
    kind = "max" if layer.kind.startswith("Max") else "avg" if layer.kind.startswith("Avg") else "lp"
    stride = bound["stride"]
    spec = make_pool_spec(
        size=shape[2:],
        channels=shape[1],
        kind=kind,
        kernel=per_dim(bound["kernel_size"], "kernel_size", dims if kind == "lp" else 0),
        stride=None if stride is None else per_dim(stride, "stride"),
        padding=per_dim(bound.get("padding", 0), "padding"),
        dilation=per_dim(bound.get("dilation", 1), "dilation"),
        ceil_mode=bool(bound["ceil_mode"]),
        count_include_pad=bool(bound.get("count_include_pad", True)),
        norm=bound.get("norm_type"),
    )
    geometry = pool_geometry(spec)
    windows = tuple(Receptive(a.kernel, a.stride, a.dilation) for a in geometry.axes)
    return Outcome((shape[0], *geometry.output_shape), windows=windows)


@layer_kind("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", signature=(Arg("output_size"),))
@layer_kind(
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    signature=(Arg("output_size"), Arg("return_indices", False, check=flag)),
)  # fmt: skip
def adaptive(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = dims_of(layer.kind)
    need_rank(layer, shape, dims + 2, SPATIAL[dims])
    wanted = bound["output_size"]
    if wanted is None:  # None keeps an axis's size, inside a tuple only
        raise InvalidParameter("output_size", None, "a size, or a tuple of them (None in it keeps that axis)")
    sizes = list(wanted) if isinstance(wanted, (tuple, list)) else [wanted] * dims
    if len(sizes) != dims:
        raise InvalidParameter("output_size", wanted, f"{dims} sizes")
    sizes = [shape[2 + i] if s is None else s for i, s in enumerate(sizes)]
    geometry = make_adaptive(
        size=shape[2:], output=sizes, channels=shape[1], kind="max" if "Max" in layer.kind else "avg"
    )
    return Outcome((shape[0], *geometry.output_shape), resets_field=True)
