"""Convolution and pooling: build the torch layer cnncalc describes, run it on the CPU or the meta device (as
``device_for`` chooses by its size), and compare."""

from __future__ import annotations

from math import prod
from typing import Any

from ..core.conv import ConvGeometry
from ..core.pool import AdaptiveGeometry, PoolGeometry
from ..errors import TorchDisagreement
from .results import Confirmation
from .runtime import device_for, import_torch, meta_layer, parameter_count, run_on, squeeze, too_big_for_torch


def conv_layer_call(geometry: ConvGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The torch.nn class name and arguments that build this convolution."""
    spec = geometry.spec
    name = f"Conv{'Transpose' if spec.transposed else ''}{spec.dims}d"
    kwargs: dict[str, Any] = {"kernel_size": squeeze(spec.kernel)}
    if any(s != 1 for s in spec.stride):
        kwargs["stride"] = squeeze(spec.stride)
    if spec.padding_mode in ("same", "valid"):
        kwargs["padding"] = spec.padding_mode
    # Uneven TensorFlow padding is left to a ZeroPad layer run first (pre_padding).
    elif pre_padding(geometry) is None and any(before for before, _ in spec.padding):
        kwargs["padding"] = squeeze(tuple(before for before, _ in spec.padding))
    if any(spec.output_padding):
        kwargs["output_padding"] = squeeze(spec.output_padding)
    if any(d != 1 for d in spec.dilation):
        kwargs["dilation"] = squeeze(spec.dilation)
    if spec.groups != 1:
        kwargs["groups"] = spec.groups
    if not spec.bias:
        kwargs["bias"] = False
    return name, (spec.in_channels, spec.out_channels), kwargs


def pre_padding(geometry: ConvGeometry) -> tuple[str, tuple[int, ...]] | None:
    """TensorFlow's uneven "same" as the torch.nn.ZeroPad layer that reproduces it, if needed.

    ZeroPad takes (left, right) of the last axis first, then the axes before it.
    """
    spec = geometry.spec
    if spec.padding_mode != "same-tf" or all(b == a for b, a in spec.padding):
        return None
    pads = tuple(n for before, after in reversed(spec.padding) for n in (before, after))
    return f"ZeroPad{spec.dims}d", pads


def confirm_conv(geometry: ConvGeometry, device: str | None = None) -> Confirmation:
    """Build the torch layer, run it on ``device`` (default: as ``device_for`` chooses) and compare shape and
    params.

    Raises ``TorchDisagreement`` when torch's answer differs from cnncalc's.
    """
    name, args, kwargs = conv_layer_call(geometry)
    too_big = too_big_for_torch(
        {
            "input": (1, *geometry.input_shape),
            "output": (1, *geometry.output_shape),
            "weight": geometry.weight_shape,
        }
    )
    if too_big:
        return Confirmation(None, name, args, kwargs, skipped=too_big)
    padded = pre_padding(geometry)
    elements = prod(geometry.input_shape) + prod(geometry.output_shape) + geometry.params
    if padded is not None:  # the ZeroPad layer that runs first makes the padded input for real
        elements += geometry.spec.in_channels * prod(a.padded_size for a in geometry.axes)
    device = device or device_for(geometry.macs, elements)
    torch = import_torch()
    conv = meta_layer(name, args, tuple(kwargs.items()), weights=True)
    layer = conv
    if padded is not None:
        layer = torch.nn.Sequential(meta_layer(padded[0], (padded[1],), (), weights=False), conv)
    out = run_on(device, torch, layer, geometry.input_shape)
    shape = tuple(out.shape[1:])
    # The Sequential's parameters are the convolution's (ZeroPad has none): counted on the cached layer, not on a
    # wrapper made afresh each call, which would only fill parameter_count's cache.
    params = parameter_count(conv)
    if shape != geometry.output_shape:
        raise TorchDisagreement("output_shape", list(geometry.output_shape), list(shape))
    if params != geometry.params:
        raise TorchDisagreement("params", geometry.params, params)
    before = f"{padded[0]}({padded[1]})" if padded else ""
    return Confirmation(True, name, args, kwargs, shape, params, before=before, device=device)


def pool_layer_call(geometry: PoolGeometry | AdaptiveGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The torch.nn class name and arguments that build this pooling layer."""

    if isinstance(geometry, AdaptiveGeometry):
        kind = "Max" if geometry.kind == "max" else "Avg"
        sizes = tuple(a.output for a in geometry.axes)
        return f"Adaptive{kind}Pool{geometry.dims}d", (squeeze(sizes),), {}
    spec = geometry.spec
    kwargs: dict[str, Any] = {}
    if spec.stride != spec.kernel:
        kwargs["stride"] = squeeze(spec.stride)
    if spec.kind == "lp":
        assert spec.norm is not None  # set for every LP spec
        if spec.ceil_mode:
            kwargs["ceil_mode"] = True
        return f"LPPool{spec.dims}d", (spec.norm, squeeze(spec.kernel)), kwargs
    if any(spec.padding):
        kwargs["padding"] = squeeze(spec.padding)
    if spec.kind == "max" and any(d != 1 for d in spec.dilation):
        kwargs["dilation"] = squeeze(spec.dilation)
    if spec.ceil_mode:
        kwargs["ceil_mode"] = True
    if spec.kind == "avg" and not spec.count_include_pad:
        kwargs["count_include_pad"] = False
    name = "MaxPool" if spec.kind == "max" else "AvgPool"
    return f"{name}{spec.dims}d", (squeeze(spec.kernel),), kwargs


def confirm_pool(geometry: PoolGeometry | AdaptiveGeometry, device: str | None = None) -> Confirmation:
    """Build the torch pooling layer, run it on ``device`` (default: as ``device_for`` chooses) and compare the
    output shape."""
    name, args, kwargs = pool_layer_call(geometry)
    too_big = too_big_for_torch({"input": (1, *geometry.input_shape), "output": (1, *geometry.output_shape)})
    if too_big:
        return Confirmation(None, name, args, kwargs, skipped=too_big)
    inputs, outputs = prod(geometry.input_shape), prod(geometry.output_shape)
    # Window reads; an adaptive window is at most one cell wider than input/output per axis.
    taps = (
        prod(geometry.spec.kernel)
        if isinstance(geometry, PoolGeometry)
        else prod(-(-a.size // a.output) + 1 for a in geometry.axes)
    )
    device = device or device_for(outputs * taps, inputs + outputs)
    torch = import_torch()
    layer = meta_layer(name, args, tuple(kwargs.items()), weights=False)
    out = run_on(device, torch, layer, geometry.input_shape)
    shape = tuple(out.shape[1:])
    if shape != geometry.output_shape:
        raise TorchDisagreement("output_shape", list(geometry.output_shape), list(shape))
    return Confirmation(True, name, args, kwargs, shape, 0, device=device)
