"""``cnncalc conv``: a convolution's output size, parameters and MACs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.conv import ConvGeometry, conv_geometry, make_conv_spec
from ..core.values import Given
from ..errors import InvalidParameter
from .base import Command, InputOptions, View, flag

if TYPE_CHECKING:  # only the types: --no-verify never loads torch's results
    from ..confirm.results import Confirmation
    from ..views.svg import Scene


@dataclass(frozen=True)
class ConvRequest(InputOptions):
    k: Given = 1
    f: Given = 1
    s: Given = 1
    p: Given = 0
    dilation: Given = 1
    groups: Given = 1
    no_bias: Given = False
    transposed: Given = False
    output_padding: Given = 0


class ConvCommand(Command[ConvRequest, ConvGeometry, "Confirmation"]):
    name = "conv"
    request = ConvRequest

    def build(self, request: ConvRequest) -> ConvGeometry:
        channels, size = request.resolved()
        spec = make_conv_spec(
            size=size,
            in_channels=channels,
            out_channels=request.k,
            kernel=request.f,
            stride=request.s,
            padding=request.p,
            dilation=request.dilation,
            groups=request.groups,
            bias=not flag(request.no_bias, "no_bias"),
            transposed=flag(request.transposed, "transposed"),
            output_padding=request.output_padding,
        )
        return conv_geometry(spec)

    def view(self) -> View[ConvGeometry, Confirmation]:
        from ..views import conv

        return conv

    def confirm(self, result: ConvGeometry) -> Confirmation:
        from ..confirm.layers import confirm_conv

        return confirm_conv(result)

    def output_shape(self, result: ConvGeometry) -> tuple[int, ...]:
        return result.output_shape

    def pictures(self, result: ConvGeometry, show: str) -> list[str]:
        from ..views.pictures import window_pictures

        if result.spec.transposed:
            raise InvalidParameter("show", "given", "a forward convolution: a transposed one spreads its input")
        return window_pictures(result.axes, show)

    def animation(self, result: ConvGeometry, verify: bool) -> Scene:
        from ..animating import conv_animation

        return conv_animation(result, verify)


CONV = ConvCommand()
