"""make bench: each target measured side by side with its reference, in one run.

Whole processes, median wall time over interleaved runs (interleaving spreads
any background load evenly over both sides). Prints the ratio and the target.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CNNCALC = str(BIN / "cnncalc")
PY = sys.executable
RUNS = int(os.environ.get("BENCH_RUNS", "15"))

PAIRS = [
    (
        "conv --no-verify vs import typer, rich",
        [CNNCALC, "conv", "--w", "7", "--f", "3", "--s", "2", "--no-verify"],
        [PY, "-c", "import typer, rich"],
        1.5,
    ),
    (
        "conv (verified) vs import torch",
        [CNNCALC, "conv", "--w", "7", "--f", "3", "--s", "2"],
        [PY, "-c", "import torch"],
        1.3,
    ),
]


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def compare(ours: list[str], reference: list[str]) -> tuple[float, float]:
    wall(ours), wall(reference)  # warm the file cache
    mine, theirs = [], []
    for _ in range(RUNS):
        mine.append(wall(ours))
        theirs.append(wall(reference))
    return statistics.median(mine), statistics.median(theirs)


def main() -> int:
    failed = False
    print(f"{'benchmark':42} {'cnncalc':>9} {'reference':>10} {'ratio':>6} {'target':>7}")
    for name, ours, reference, target in PAIRS:
        mine, theirs = compare(ours, reference)
        ratio = mine / theirs
        ok = ratio <= target
        failed |= not ok
        print(
            f"{name:42} {mine * 1000:7.0f}ms {theirs * 1000:8.0f}ms {ratio:6.2f} {'≤':>3}{target:<4}"
            f" {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
