"""Normalisation: batch, instance, layer and group norm."""

from __future__ import annotations

from math import prod
from typing import Any

from ...core.values import bracketed
from ...errors import InvalidParameter, LayerMismatch
from ..layer import (
    INFER_TOKEN,
    Arg,
    Context,
    Layer,
    Outcome,
    dims_of,
    expected_size,
    flag,
    layer_kind,
    optional_number,
    positive_number,
)

_EPS = Arg("eps", 1e-5, check=positive_number)
_MOMENTUM = Arg("momentum", 0.1, check=optional_number)
BATCH_NORM = (
    Arg("num_features", infer=True), _EPS, _MOMENTUM,
    Arg("affine", True, check=flag), Arg("track_running_stats", True, check=flag), Arg("bias", True, check=flag),
)  # fmt: skip
INSTANCE_NORM = (
    Arg("num_features", infer=True), _EPS, _MOMENTUM,
    Arg("affine", False, check=flag), Arg("track_running_stats", False, check=flag), Arg("bias", True, check=flag),
)  # fmt: skip


@layer_kind("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", signature=BATCH_NORM)
@layer_kind("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", signature=INSTANCE_NORM)
def batch_norm(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = dims_of(layer.kind)
    instance = layer.kind.startswith("Instance")
    ranks = {1: (2, 3), 2: (4,), 3: (5,)}[dims] if not instance else {1: (2, 3), 2: (3, 4), 3: (4, 5)}[dims]
    if len(shape) not in ranks:
        raise LayerMismatch(
            layer.label, f"a {' or '.join(map(str, ranks))}D input", f"{bracketed(shape)} ({len(shape)}D)", ""
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
        channels = expected_size(layer, bound, "num_features", shape[channel_axis], inferred)
    if instance and not running and prod(shape[channel_axis + 1 :]) < 2:
        raise LayerMismatch(
            layer.label,
            "more than 1 spatial element to normalise over (torch: Expected more than 1 spatial element)",
            bracketed(shape),
            "apply it before the spatial size shrinks to 1",
        )
    params = channels * (1 + bool(bound["bias"])) if affine else 0
    return Outcome(shape, params, inferred=inferred)


LAYER_NORM = (
    Arg("normalized_shape", infer=True),
    Arg("eps", 1e-5, check=positive_number),
    Arg("elementwise_affine", True, check=flag),
    Arg("bias", True, check=flag),
)


@layer_kind("LayerNorm", signature=LAYER_NORM)
def layer_norm(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    wanted = bound["normalized_shape"]
    inferred: dict[str, int] = {}
    if wanted is INFER_TOKEN:
        wanted = shape[-1]
        inferred["normalized_shape"] = wanted
    normalized = tuple(wanted) if isinstance(wanted, (tuple, list)) else (wanted,)
    if shape[len(shape) - len(normalized) :] != normalized or len(normalized) > len(shape):
        got = bracketed(shape[-len(normalized) :])
        raise LayerMismatch(
            layer.label, f"normalized_shape={bracketed(normalized)} as its last axes", got, f"use LayerNorm({got})"
        )
    size = prod(normalized)
    params = size * (1 + bool(bound["bias"])) if bound["elementwise_affine"] else 0
    return Outcome(shape, params, inferred=inferred)


GROUP_NORM = (
    Arg("num_groups"), Arg("num_channels", infer=True), Arg("eps", 1e-5, check=positive_number),
    Arg("affine", True, check=flag), Arg("bias", True, check=flag),
)  # fmt: skip


@layer_kind("GroupNorm", signature=GROUP_NORM)
def group_norm(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if len(shape) < 2:
        raise LayerMismatch(layer.label, "an input [N, C, …]", bracketed(shape), "")
    inferred: dict[str, int] = {}
    channels = expected_size(layer, bound, "num_channels", shape[1], inferred)
    groups = bound["num_groups"]
    if not isinstance(groups, int) or groups < 1 or channels % groups:
        raise InvalidParameter("num_groups", groups, f"a divisor of num_channels={channels}")
    if (channels // groups) * prod(shape[2:]) < 2:
        raise LayerMismatch(
            layer.label,
            "more than 1 value per group (torch: Expected more than 1 value per channel)",
            bracketed(shape),
            "use fewer groups, or apply it before the spatial size shrinks to 1",
        )
    params = channels * (1 + bool(bound["bias"])) if bound["affine"] else 0
    return Outcome(shape, params, inferred=inferred)
