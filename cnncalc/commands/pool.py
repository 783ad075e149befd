"""``cnncalc pool``: a pooling layer's output, sliding or adaptive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..core.pool import AdaptiveGeometry, PoolGeometry, make_adaptive, make_pool_spec, pool_geometry
from ..core.values import Given
from ..errors import InvalidParameter
from .base import Command, InputOptions, View, flag, refuse_with

if TYPE_CHECKING:  # only the types: --no-verify never loads torch's results
    from ..confirm.results import Confirmation
    from ..views.svg import Scene

Pooled = PoolGeometry | AdaptiveGeometry


@dataclass(frozen=True)
class PoolRequest(InputOptions):
    SPELLED: ClassVar[Mapping[str, str]] = {"global_pool": "global"}

    type: Given = "max"
    f: Given = None
    s: Given = None
    p: Given = None
    dilation: Given = None
    ceil: Given = False
    adaptive: Given = None
    global_pool: Given = False
    norm: Given = None
    no_count_pad: Given = False


class PoolCommand(Command[PoolRequest, Pooled, "Confirmation"]):
    name = "pool"
    request = PoolRequest

    def build(self, request: PoolRequest) -> Pooled:
        channels, size = request.resolved()
        global_pool = flag(request.global_pool, "global")
        if request.adaptive is not None or global_pool:
            if global_pool and request.adaptive is not None:
                raise InvalidParameter(
                    "adaptive", request.adaptive, "either --adaptive or --global", "drop one of them"
                )
            window = {
                "f": request.f, "s": request.s, "p": request.p, "dilation": request.dilation, "ceil": request.ceil,
                "norm": request.norm, "no_count_pad": request.no_count_pad,
            }  # fmt: skip
            chosen = "global" if global_pool else "adaptive"
            refuse_with(chosen, window, "adaptive pooling picks its own windows", flag_shown="on")
            output = 1 if global_pool else request.adaptive
            return make_adaptive(
                size=size, output=output, channels=channels, kind=request.type, global_pool=global_pool
            )
        if request.f is None:
            raise InvalidParameter("f", "nothing", "a kernel size", "give --f, or --adaptive OUT or --global")
        spec = make_pool_spec(
            size=size,
            channels=channels,
            kind=request.type,
            kernel=request.f,
            stride=request.s,
            padding=0 if request.p is None else request.p,
            dilation=1 if request.dilation is None else request.dilation,
            ceil_mode=flag(request.ceil, "ceil"),
            count_include_pad=not flag(request.no_count_pad, "no_count_pad"),
            norm=request.norm,
        )
        return pool_geometry(spec)

    def view(self) -> View[Pooled, Confirmation]:
        from ..views import pool

        return pool

    def confirm(self, result: Pooled) -> Confirmation:
        from ..confirm.layers import confirm_pool

        return confirm_pool(result)

    def output_shape(self, result: Pooled) -> tuple[int, ...]:
        return result.output_shape

    def pictures(self, result: Pooled, show: str) -> list[str]:
        from ..views.pictures import window_pictures

        if isinstance(result, AdaptiveGeometry):  # its windows differ in size: no one window to slide
            raise InvalidParameter(
                "show", "adaptive pooling", "conv, a pool with a window (--f) or lstm", "drop --show"
            )
        return window_pictures(result.axes, show)

    def animation(self, result: Pooled, verify: bool) -> Scene:
        from ..animating import pool_animation

        if isinstance(result, AdaptiveGeometry):
            raise InvalidParameter(
                "animate", "adaptive pooling", "conv, a pool with a window (--f) or lstm", "drop --animate"
            )
        return pool_animation(result, verify)


POOL = PoolCommand()
