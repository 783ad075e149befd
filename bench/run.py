"""make bench: each target measured side by side with its reference, in one run.

Whole processes, median wall time (and peak memory, where a target names it)
over interleaved runs: interleaving spreads any background load evenly over
both sides. Prints each ratio with its target.
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
HEAVY_RUNS = int(os.environ.get("BENCH_HEAVY_RUNS", "5"))
ROOT = Path(__file__).resolve().parent.parent
RESNET = str(ROOT / "tests" / "models" / "resnet50.py")
TORCHINFO = (
    "import sys, importlib.util\n"
    f"spec = importlib.util.spec_from_file_location('resnet50', {RESNET!r})\n"
    "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
    "import torchinfo\n"
    "torchinfo.summary(module.resnet50(), input_size=(1, 3, 224, 224))\n"
)

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


# (name, ours, reference, wall-time target, peak-memory target or None)
HEAVY = [
    (
        "trace ResNet-50 vs torchinfo.summary",
        [CNNCALC, "trace", "--input", "3x224x224", f"{RESNET}:resnet50", "--json"],
        [PY, "-c", TORCHINFO],
        0.6,
        0.5,
    ),
]


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss


def compare(ours: list[str], reference: list[str], runs: int) -> tuple[float, float, int, int]:
    run(ours), run(reference)  # warm the file cache
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(run(ours))
        theirs.append(run(reference))
    return (
        statistics.median(t for t, _ in mine),
        statistics.median(t for t, _ in theirs),
        max(m for _, m in mine),
        max(m for _, m in theirs),
    )


def report(name: str, mine: float, theirs: float, unit: str, target: float) -> bool:
    ratio = mine / theirs
    ok = ratio <= target
    print(f"{name:44} {mine:9.0f}{unit:3} {theirs:9.0f}{unit:3} {ratio:6.2f}  ≤{target:<4} {'ok' if ok else 'MISSED'}")
    return ok


# (name, a small and a large batch, confirmed?, target rate in lines per second)
THROUGHPUT = [
    ("batch conv, --no-verify", (10_000, 100_000), False, 100_000),
    ("batch conv, confirmed on the meta device", (1_000, 10_000), True, 2_000),
]


def conv_requests(count: int) -> str:
    """Distinct, seeded conv requests: the kind of file a CI script writes."""
    import json
    import random

    rng = random.Random(0)
    lines = []
    for _ in range(count):
        request = {"cmd": "conv", "w": rng.randint(8, 512), "d": rng.choice([3, 16, 64]), "k": rng.choice([16, 64])}
        request.update(f=rng.choice([1, 3, 5, 7]), s=rng.choice([1, 2]), p=rng.choice([0, 1]))
        lines.append(json.dumps(request))
    return "\n".join(lines) + "\n"


def batch_seconds(lines: int, confirmed: bool) -> float:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write(conv_requests(lines))
    command = [CNNCALC, "batch", handle.name] + ([] if confirmed else ["--no-verify"])
    try:
        return statistics.median(run(command)[0] for _ in range(3))
    finally:
        os.unlink(handle.name)


def throughput(small: int, large: int, confirmed: bool) -> tuple[float, float]:
    """(whole-process rate of the large batch, steady rate once started: the extra lines over the extra time)."""
    short, long = batch_seconds(small, confirmed), batch_seconds(large, confirmed)
    return large / long, (large - small) / (long - short)


def main() -> int:
    ok = True
    print(f"{'benchmark':44} {'cnncalc':>12} {'reference':>12} {'ratio':>6}  target")
    for name, ours, reference, target in PAIRS:
        mine, theirs, _, _ = compare(ours, reference, RUNS)
        ok &= report(name, mine * 1000, theirs * 1000, "ms", target)
    for name, ours, reference, time_target, memory_target in HEAVY:
        mine, theirs, mine_kb, theirs_kb = compare(ours, reference, HEAVY_RUNS)
        ok &= report(f"{name}, wall", mine * 1000, theirs * 1000, "ms", time_target)
        ok &= report(f"{name}, peak RSS", mine_kb / 1024, theirs_kb / 1024, "MiB", memory_target)
    for name, (small, large), confirmed, target in THROUGHPUT:
        whole, steady = throughput(small, large, confirmed)
        met = steady >= target
        ok &= met
        print(
            f"{name:44} {steady:9,.0f}/s steady (torch and start-up paid once: {whole:,.0f}/s over {large:,} lines)"
            f"  ≥{target:,}/s {'ok' if met else 'MISSED'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
