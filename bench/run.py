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
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
CNNCALC = str(BIN / "cnncalc")
PY = sys.executable
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
HEAVY_RUNS = int(os.environ.get("BENCH_HEAVY_RUNS", "5"))
ONLY = os.environ.get("BENCH_ONLY", "")  # run only the rows whose name holds this
ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "models"
RESNET = str(MODELS / "resnet50.py")
CASES = str(MODELS / "cases.py")
# torchvision runs in its own venv (make bench builds it): both sides of its rows run there.
TV_BIN = ROOT / ".venv-torchvision" / "bin"
# One thread on both sides of the trace rows: steadier figures, and no side gains from the second core.
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1"}


def load_model(path: str, factory: str) -> str:
    return (
        "import importlib.util, torch\n"
        f"spec = importlib.util.spec_from_file_location('model', {path!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"model = module.{factory}()\n"
    )


TORCHINFO = load_model(RESNET, "resnet50") + "import torchinfo\ntorchinfo.summary(model, input_size=(1, 3, 224, 224))\n"


def hooked_forward(path: str, factory: str, shape: tuple[int, ...], dtype: str) -> str:
    """What a user would write without cnncalc: build the model on the CPU, one forward with a hook on every module."""
    return load_model(path, factory) + (
        "shapes = []\n"
        "for m in model.modules():\n"
        "    m.register_forward_hook(lambda m, i, o: shapes.append(getattr(o, 'shape', None)))\n"
        "model.eval()\n"
        "with torch.no_grad():\n"
        f"    model(torch.zeros({(1, *shape)!r}, dtype=torch.{dtype}))\n"
    )


def torchinfo_summary(name: str) -> str:
    return (
        "import torch, torchvision, torchinfo\n"
        f"torchinfo.summary(torchvision.models.{name}(), input_size=(1, 3, 224, 224))\n"
    )


IMPORT_TORCH = [PY, "-c", "import torch"]
PAIRS = [
    (
        "conv --no-verify vs import typer, rich",
        [CNNCALC, "conv", "--w", "7", "--f", "3", "--s", "2", "--no-verify"],
        [PY, "-c", "import typer, rich"],
        1.25,
    ),
    (
        "conv (confirmed) vs import torch",
        [CNNCALC, "conv", "--w", "7", "--f", "3", "--s", "2"],
        IMPORT_TORCH,
        1.05,
    ),
    (
        "pool (confirmed) vs import torch",
        [CNNCALC, "pool", "--w", "7", "--f", "2", "--s", "2"],
        IMPORT_TORCH,
        1.05,
    ),
    (
        "lstm (shapes + gate check) vs import torch",
        [CNNCALC, "lstm", "--hidden", "64", "--input", "32"],
        IMPORT_TORCH,
        1.15,
    ),
    (
        "trace chain (confirmed) vs import torch",
        [CNNCALC, "trace", "--input", "3x32x32", "Conv2d(3, 16, 3) -> Flatten() -> Linear(_, 10)"],
        IMPORT_TORCH,
        1.10,
    ),
    (
        # Not a target: what cnncalc adds to the floor, torch's import without the interpreter's teardown
        # (cnncalc ends that way once torch is in: README, Benchmarks).
        "conv (confirmed) vs import torch; os._exit(0)",
        [CNNCALC, "conv", "--w", "7", "--f", "3", "--s", "2"],
        [PY, "-c", "import os, sys, torch; sys.stdout.flush(); os._exit(0)"],
        None,
    ),
]


# (name, ours, reference, wall-time target, peak-memory target or None), each side with one thread
HEAVY = [
    (
        "trace ResNet-50 vs torchinfo.summary",
        [CNNCALC, "trace", "--input", "3x224x224", f"{RESNET}:resnet50", "--json"],
        [PY, "-c", TORCHINFO],
        0.6,
        0.5,
    ),
    *[
        (
            f"trace {label} vs CPU build + hooked forward",
            [CNNCALC, "trace", "--input", spec, f"{path}:{factory}", "--json"],
            [PY, "-c", hooked_forward(path, factory, shape, dtype)],
            1.0,
            None,
        )
        for label, path, factory, spec, shape, dtype in (
            ("ResNet-50", RESNET, "resnet50", "3x224x224", (3, 224, 224), "float32"),
            ("TransformerEncoder LM", CASES, "TransformerModel", "35:int64", (35,), "int64"),
            ("Embedding→LSTM LM", CASES, "LanguageModel", "35:int64", (35,), "int64"),
        )
    ],
    *[
        (
            f"torchvision {name} vs torchinfo.summary",
            [str(TV_BIN / "cnncalc"), "trace", "--input", "3x224x224", f"torchvision.models:{name}", "--json"],
            [str(TV_BIN / "python"), "-c", torchinfo_summary(name)],
            0.8,
            0.8,
        )
        for name in ("resnet50", "vgg16", "vit_b_16")
    ],
]
# The meta device's promise: 40 × Linear(16384, 16384), 1.07·10¹⁰ parameters, traced in seconds under 1 GiB.
HUGE = [CNNCALC, "trace", "--input", "16384", f"{CASES}:huge", "--json"]
HUGE_TARGETS = (10.0, 1024)  # seconds, MiB


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss


def compare(
    ours: list[str], reference: list[str], runs: int, env: dict[str, str] | None = None
) -> tuple[float, float, int, int]:
    run(ours, env), run(reference, env)  # warm the file cache
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(run(ours, env))
        theirs.append(run(reference, env))
    return (
        statistics.median(t for t, _ in mine),
        statistics.median(t for t, _ in theirs),
        max(m for _, m in mine),
        max(m for _, m in theirs),
    )


def report(name: str, mine: float, theirs: float, unit: str, target: float | None) -> bool:
    ratio = mine / theirs
    ok = target is None or ratio <= target
    verdict = "(no target)" if target is None else f"≤{target:<4} {'ok' if ok else 'MISSED'}"
    print(f"{name:48} {mine:9.0f}{unit:3} {theirs:9.0f}{unit:3} {ratio:6.2f}  {verdict}")
    return ok


# What batch mode is held to: a plain Python loop that reads each line as JSON and writes it back.
ROUND_TRIP = (
    "import json, sys\n"
    "with open(sys.argv[1], 'rb') as lines:\n"
    "    for line in lines:\n"
    "        sys.stdout.write(json.dumps(json.loads(line)) + '\\n')\n"
)
# (name, cnncalc's arguments after the file, a small and a large batch, targets: a rate in lines per second
# (≥ 1), or a fraction of the JSON round trip's rate (< 1))
THROUGHPUT = [
    ("batch conv --no-verify (one process per CPU)", ["--no-verify"], (10_000, 100_000), (0.25, 100_000)),
    ("batch conv --no-verify --jobs 1", ["--no-verify", "--jobs", "1"], (10_000, 100_000), ()),
    ("batch conv, confirmed", [], (1_000, 10_000), (5_000,)),
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


def batch_seconds(lines: int, command: Callable[[str], list[str]]) -> float:
    """Median wall seconds of ``command(file)`` on a file of ``lines`` seeded conv requests."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write(conv_requests(lines))
    try:
        return statistics.median(run(command(handle.name))[0] for _ in range(3))
    finally:
        os.unlink(handle.name)


def throughput(small: int, large: int, command: Callable[[str], list[str]]) -> tuple[float, float]:
    """(whole-process rate of the large batch, steady rate once started: the extra lines over the extra time)."""
    short, long = batch_seconds(small, command), batch_seconds(large, command)
    return large / long, (large - small) / (long - short)


def main() -> int:
    ok = True
    print(f"{'benchmark':48} {'cnncalc':>12} {'reference':>12} {'ratio':>6}  target")
    for name, ours, reference, target in PAIRS:
        if ONLY not in name:
            continue
        mine, theirs, _, _ = compare(ours, reference, RUNS)
        ok &= report(name, mine * 1000, theirs * 1000, "ms", target)
    for name, ours, reference, time_target, memory_target in HEAVY:
        if ONLY not in name:
            continue
        mine, theirs, mine_kb, theirs_kb = compare(ours, reference, HEAVY_RUNS, ONE_THREAD)
        ok &= report(f"{name}, wall", mine * 1000, theirs * 1000, "ms", time_target)
        if memory_target is not None:
            ok &= report(f"{name}, peak RSS", mine_kb / 1024, theirs_kb / 1024, "MiB", memory_target)
    if ONLY in "device bound":
        print("device bound: confirm_conv on each device, one thread (bench/device.py)")
        subprocess.run([PY, str(ROOT / "bench" / "device.py")], env=ONE_THREAD, check=True)
    if ONLY in "trace 40 × Linear":
        seconds, kib = min(run(HUGE, ONE_THREAD) for _ in range(3))
        met = seconds <= HUGE_TARGETS[0] and kib / 1024 <= HUGE_TARGETS[1]
        ok &= met
        print(
            f"{'trace 40 × Linear(16384, 16384)':48} {seconds:9.1f}s   {kib / 1024:9.0f}MiB peak"
            f"  ≤{HUGE_TARGETS[0]:.0f} s, ≤{HUGE_TARGETS[1]} MiB {'ok' if met else 'MISSED'}"
        )
    reference = None
    for name, options, (small, large), targets in THROUGHPUT:
        if ONLY not in name:
            continue
        whole, steady = throughput(small, large, lambda file, options=options: [CNNCALC, "batch", file, *options])
        print(f"{name:48} {steady:9,.0f}/s steady (start-up and torch paid once: {whole:,.0f}/s over {large:,} lines)")
        if not targets:
            print(f"{'':48} (no target)")
        for target in targets:
            if target >= 1:
                met = steady >= target
                print(f"{'':48} ≥{target:,}/s {'ok' if met else 'MISSED'}")
            else:
                if reference is None:
                    reference = throughput(small, large, lambda file: [PY, "-c", ROUND_TRIP, file])[1]
                met = steady / reference >= target
                print(f"{'':48} {steady / reference:.2f} of a json.loads/json.dumps loop's {reference:,.0f}/s, "
                      f"≥{target} {'ok' if met else 'MISSED'}")  # fmt: skip
            ok &= met
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
