"""Where the CPU stops being the cheaper device for a confirmation (cnncalc.confirm.runtime.CPU_MAX_WORK).

Run in a fresh process by make bench: the meta device's first call pays its one-time imports (sympy), which
is what a single command line answer would pay. Prints, for convolutions around the bound, confirm_conv's time
on each device, as cnncalc runs it (the cached meta layer: on the CPU through zeros, on meta as it is).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from cnncalc.confirm.layers import confirm_conv
from cnncalc.confirm.runtime import CPU_MAX_WORK, import_torch
from cnncalc.core.conv import conv_geometry, make_conv_spec


def timed(call: Callable[[], object], runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    import_torch()
    first = conv_geometry(make_conv_spec(size=(7, 7), kernel=3))
    start = time.perf_counter()
    confirm_conv(first, "meta")
    cold = (time.perf_counter() - start) * 1000
    print(f"{'  meta device, first call of a process':58} {cold:7.1f} ms  (its kernels' imports, paid once)")
    for w, d, k in ((7, 1, 1), (32, 3, 16), (64, 16, 16), (64, 16, 64), (128, 16, 64)):
        geometry = conv_geometry(make_conv_spec(size=(w, w), in_channels=d, out_channels=k, kernel=3, padding=1))
        cpu = timed(lambda geometry=geometry: confirm_conv(geometry, "cpu"))
        meta = timed(lambda geometry=geometry: confirm_conv(geometry, "meta"))
        side = "≤" if geometry.macs <= CPU_MAX_WORK else ">"
        print(
            f"{f'  conv {d}→{k}, 3×3 on {w}×{w}: {geometry.macs:.1e} MACs ({side} bound)':58} "
            f"CPU {cpu:7.2f} ms, meta {meta:5.2f} ms a call"
        )


if __name__ == "__main__":
    main()
