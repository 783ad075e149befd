"""``--target``: the best solutions built as torch layers and run (on the device ``device_for`` picks for each),
each giving the target."""

from __future__ import annotations

from ..core.conv import ConvGeometry, conv_geometry, make_conv_spec
from ..core.pool import PoolGeometry, make_pool_spec, pool_geometry
from ..core.solve import SolveResult
from ..errors import TorchDisagreement
from .layers import confirm_conv, confirm_pool
from .results import SolveCheck

# How many solutions of `--target` are built and run in torch (the best ones).
CONFIRM_TOP = 10


def confirm_solutions(result: SolveResult) -> SolveCheck:
    """Build and run the best solutions as torch layers; each must give the target."""
    calls = []
    for combo in result.combined(CONFIRM_TOP):
        kernel = tuple(s.f for s in combo)
        stride = tuple(s.s for s in combo)
        padding = tuple(s.p for s in combo)
        dilation = tuple(s.dilation for s in combo)
        size = tuple(a.size for a in result.axes)
        geometry: ConvGeometry | PoolGeometry
        if result.kind.endswith("pool"):
            pool_spec = make_pool_spec(
                size=size,
                channels=result.channels,
                kind=result.kind.split()[0],
                kernel=kernel,
                stride=stride,
                padding=padding,
                dilation=dilation,
            )
            geometry = pool_geometry(pool_spec)
            confirmation = confirm_pool(geometry)
        else:
            spec = make_conv_spec(
                size=size,
                in_channels=result.channels,
                out_channels=result.out_channels,
                kernel=kernel,
                stride=stride,
                padding=padding,
                dilation=dilation,
                transposed=result.kind == "transposed conv",
                output_padding=tuple(s.output_padding for s in combo),
            )
            geometry = conv_geometry(spec)
            confirmation = confirm_conv(geometry)
        if geometry.output_shape != result.output_shape:
            raise TorchDisagreement("a solution's output", list(result.output_shape), list(geometry.output_shape))
        calls.append(confirmation)
    return SolveCheck(tuple(calls))
