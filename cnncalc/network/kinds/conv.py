"""Convolutions, forward and transposed, 1D to 3D: the calculator's arithmetic on a layer's arguments."""

from __future__ import annotations

from typing import Any

from ...core.conv import conv_geometry, make_conv_spec
from ...errors import InvalidParameter, LayerMismatch
from ..layer import (
    SPATIAL,
    Arg,
    Context,
    Layer,
    Outcome,
    Receptive,
    dims_of,
    expected_size,
    flag,
    layer_kind,
    need_rank,
    per_dim,
)

CONV = (
    Arg("in_channels", infer=True), Arg("out_channels"), Arg("kernel_size"), Arg("stride", 1), Arg("padding", 0),
    Arg("dilation", 1), Arg("groups", 1), Arg("bias", True, check=flag), Arg("padding_mode", "zeros"),
)  # fmt: skip
CONV_TRANSPOSE = (
    Arg("in_channels", infer=True), Arg("out_channels"), Arg("kernel_size"), Arg("stride", 1), Arg("padding", 0),
    Arg("output_padding", 0), Arg("groups", 1), Arg("bias", True, check=flag), Arg("dilation", 1),
    Arg("padding_mode", "zeros"),
)  # fmt: skip


@layer_kind("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", signature=CONV_TRANSPOSE)
@layer_kind("Conv1d", "Conv2d", "Conv3d", signature=CONV)
def conv(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    dims = dims_of(layer.kind)
    transposed = layer.kind.startswith("ConvTranspose")
    need_rank(layer, shape, dims + 2, SPATIAL[dims])
    inferred: dict[str, int] = {}
    c_in = expected_size(layer, bound, "in_channels", shape[1], inferred)
    if isinstance(bound["padding"], str) and bound["padding"] not in ("same", "valid"):
        # TensorFlow's 'same-tf' is cnncalc's (conv --p same-tf), not torch's: a chain is written in torch
        raise InvalidParameter("padding", repr(bound["padding"]), "a number, a tuple, 'same' or 'valid'")
    mode = bound["padding_mode"]
    if mode not in ("zeros", "reflect", "replicate", "circular"):
        raise InvalidParameter("padding_mode", mode, "'zeros', 'reflect', 'replicate' or 'circular'")
    notes: tuple[str, ...] = ()
    if mode != "zeros":
        notes = (f"padding_mode={mode!r}: same shape as zeros",)
        _check_padding_mode(layer, mode, bound["padding"], shape)
    spec = make_conv_spec(
        size=shape[2:],
        in_channels=c_in,
        out_channels=bound["out_channels"],
        kernel=per_dim(bound["kernel_size"], "kernel_size", dims),
        stride=per_dim(bound["stride"], "stride"),
        padding=bound["padding"] if isinstance(bound["padding"], str) else per_dim(bound["padding"], "padding"),
        dilation=per_dim(bound["dilation"], "dilation"),
        groups=bound["groups"],
        bias=bool(bound["bias"]),
        transposed=transposed,
        output_padding=per_dim(bound.get("output_padding", 0), "output_padding"),
    )
    geometry = conv_geometry(spec)
    windows = None
    if not transposed:
        windows = tuple(Receptive(a.kernel, a.stride, a.dilation) for a in geometry.axes)
    return Outcome(
        (shape[0], *geometry.output_shape),
        geometry.params,
        geometry.macs * shape[0],
        windows,
        resets_field=transposed,
        inferred=inferred,
        notes=notes,
    )


def _check_padding_mode(layer: Layer, mode: str, padding: Any, shape: tuple[int, ...]) -> None:
    # reflect mirrors without the edge (padding < size); circular may wrap around once (padding ≤ size)
    if isinstance(padding, str):
        return
    spatial = shape[2:]
    pads = list(padding) if isinstance(padding, (tuple, list)) else [padding] * len(spatial)
    for axis, (pad, size) in enumerate(zip(pads, spatial, strict=False), start=2):
        if (mode == "reflect" and pad >= size) or (mode == "circular" and pad > size):
            limit = "less than" if mode == "reflect" else "at most"
            raise LayerMismatch(
                layer.label,
                f"padding {limit} the input on axis {axis} with padding_mode={mode!r}",
                f"size {size} with padding {pad}",
                "use a smaller padding, or padding_mode='zeros' or 'replicate'",
            )
