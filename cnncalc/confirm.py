"""Confirmation by torch: build the matching layer and compare.

torch is imported here only, and only when an answer is confirmed (importing
it costs about a second). Layers run on the meta device: shapes without
memory or randomness. The meta device skips a few of the CPU kernel's checks,
so the core enforces those itself (and the property tests hold it to the
CPU's rules).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from math import prod
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import TorchDisagreement

if TYPE_CHECKING:
    from .conv import ConvGeometry
    from .pool import AdaptiveGeometry, PoolGeometry

# torch sizes tensors (in bytes, too) with int64; past this the meta device
# itself overflows, so a confirmation is skipped, not failed.
TORCH_MAX_BYTES = 2**63 - 1


@dataclass(frozen=True)
class Confirmation:
    """What torch said, or why it was not asked (``verified`` is None then)."""

    verified: bool | None
    layer: str = ""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    output_shape: tuple[int, ...] = ()
    params: int | None = None
    skipped: str = ""


def import_torch() -> ModuleType:
    """Import torch without letting its import-time warnings reach the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
    return torch


def conv_layer_call(geometry: ConvGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The torch.nn class name and arguments that build this convolution."""
    spec = geometry.spec
    name = f"Conv{'Transpose' if spec.transposed else ''}{spec.dims}d"
    kwargs: dict[str, Any] = {"kernel_size": _squeeze(spec.kernel)}
    if any(s != 1 for s in spec.stride):
        kwargs["stride"] = _squeeze(spec.stride)
    if spec.padding_mode is not None:
        kwargs["padding"] = spec.padding_mode
    elif any(before for before, _ in spec.padding):
        kwargs["padding"] = _squeeze(tuple(before for before, _ in spec.padding))
    if any(spec.output_padding):
        kwargs["output_padding"] = _squeeze(spec.output_padding)
    if any(d != 1 for d in spec.dilation):
        kwargs["dilation"] = _squeeze(spec.dilation)
    if spec.groups != 1:
        kwargs["groups"] = spec.groups
    if not spec.bias:
        kwargs["bias"] = False
    return name, (spec.in_channels, spec.out_channels), kwargs


def confirm_conv(geometry: ConvGeometry) -> Confirmation:
    """Build the torch layer on the meta device and compare shape and params.

    Raises ``TorchDisagreement`` when torch's answer differs from cnncalc's.
    """
    name, args, kwargs = conv_layer_call(geometry)
    too_big = _too_big_for_torch(
        {
            "input": (1, *geometry.input_shape),
            "output": (1, *geometry.output_shape),
            "weight": geometry.weight_shape,
        }
    )
    if too_big:
        return Confirmation(None, name, args, kwargs, skipped=too_big)
    torch = import_torch()
    with warnings.catch_warnings():
        # e.g. "Using padding='same' with even kernel lengths ... may require a copy"
        warnings.simplefilter("ignore")
        try:
            layer = getattr(torch.nn, name)(*args, **kwargs, device="meta")
            with torch.no_grad():
                out = layer(torch.empty((1, *geometry.input_shape), device="meta"))
        except Exception as error:
            raise TorchDisagreement("validity", "valid", _first_line(error)) from error
    shape = tuple(out.shape[1:])
    params = sum(p.numel() for p in layer.parameters())
    if shape != geometry.output_shape:
        raise TorchDisagreement("output_shape", list(geometry.output_shape), list(shape))
    if params != geometry.params:
        raise TorchDisagreement("params", geometry.params, params)
    return Confirmation(True, name, args, kwargs, shape, params)


def _too_big_for_torch(shapes: dict[str, tuple[int, ...]]) -> str:
    for what, shape in shapes.items():
        size = prod(shape) * 4
        if size > TORCH_MAX_BYTES:
            return (
                f"the {what} tensor would be {size:,} bytes, past torch's int64 limit "
                f"of {TORCH_MAX_BYTES:,}; cnncalc's exact arithmetic stands alone"
            )
    return ""


def _squeeze(values: tuple[int, ...]) -> int | tuple[int, ...]:
    return values[0] if len(set(values)) == 1 else values


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def pool_layer_call(geometry: PoolGeometry | AdaptiveGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The torch.nn class name and arguments that build this pooling layer."""
    from .pool import AdaptiveGeometry

    if isinstance(geometry, AdaptiveGeometry):
        kind = "Max" if geometry.kind == "max" else "Avg"
        sizes = tuple(a.output for a in geometry.axes)
        return f"Adaptive{kind}Pool{geometry.dims}d", (_squeeze(sizes),), {}
    spec = geometry.spec
    kwargs: dict[str, Any] = {}
    if spec.stride != spec.kernel:
        kwargs["stride"] = _squeeze(spec.stride)
    if spec.kind == "lp":
        assert spec.norm is not None  # set for every LP spec
        if spec.ceil_mode:
            kwargs["ceil_mode"] = True
        return f"LPPool{spec.dims}d", (spec.norm, _squeeze(spec.kernel)), kwargs
    if any(spec.padding):
        kwargs["padding"] = _squeeze(spec.padding)
    if spec.kind == "max" and any(d != 1 for d in spec.dilation):
        kwargs["dilation"] = _squeeze(spec.dilation)
    if spec.ceil_mode:
        kwargs["ceil_mode"] = True
    if spec.kind == "avg" and not spec.count_include_pad:
        kwargs["count_include_pad"] = False
    name = "MaxPool" if spec.kind == "max" else "AvgPool"
    return f"{name}{spec.dims}d", (_squeeze(spec.kernel),), kwargs


def confirm_pool(geometry: PoolGeometry | AdaptiveGeometry) -> Confirmation:
    """Build the torch pooling layer on the meta device and compare the output shape."""
    name, args, kwargs = pool_layer_call(geometry)
    too_big = _too_big_for_torch({"input": (1, *geometry.input_shape), "output": (1, *geometry.output_shape)})
    if too_big:
        return Confirmation(None, name, args, kwargs, skipped=too_big)
    torch = import_torch()
    layer = _build(torch, name, args, kwargs)
    out = _run_on_meta(torch, layer, geometry.input_shape)
    shape = tuple(out.shape[1:])
    if shape != geometry.output_shape:
        raise TorchDisagreement("output_shape", list(geometry.output_shape), list(shape))
    return Confirmation(True, name, args, kwargs, shape, 0)


def _build(torch: ModuleType, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return getattr(torch.nn, name)(*args, **kwargs)
    except Exception as error:
        raise TorchDisagreement("validity", "valid", _first_line(error)) from error


def _run_on_meta(torch: ModuleType, layer: Any, input_shape: tuple[int, ...]) -> Any:
    with warnings.catch_warnings():
        # e.g. "Using padding='same' with even kernel lengths ... may require a copy"
        warnings.simplefilter("ignore")
        try:
            with torch.no_grad():
                return layer(torch.empty((1, *input_shape), device="meta"))
        except Exception as error:
            raise TorchDisagreement("validity", "valid", _first_line(error)) from error
