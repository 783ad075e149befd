"""The conv command as users and scripts meet it: exit codes, exact lines, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, run_in_subprocess

MODELS = Path(__file__).parent / "models"


@pytest.mark.torch
def test_seed_example_golden_table(cnncalc: Run, golden: Callable[..., str]) -> None:
    code, out, err = cnncalc("conv", "--w", "7", "--f", "3", "--s", "2")
    assert (code, err) == (0, "")
    assert out == golden("conv_seed.txt", out)


@pytest.mark.torch
def test_inexact_division_golden_table(cnncalc: Run, golden: Callable[..., str]) -> None:
    code, out, err = cnncalc("conv", "--input", "3x8x7", "--k", "16", "--f", "3", "--s", "2", "--explain")
    assert (code, err) == (0, "")
    assert out == golden("conv_inexact_explain.txt", out)


@pytest.mark.torch
def test_json_fields(cnncalc: Run) -> None:
    code, out, _ = cnncalc("conv", "--w", "7", "--d", "3", "--k", "16", "--f", "3", "--s", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["output_shape"] == [16, 3, 3]
    assert data["input_shape"] == [3, 7, 7]
    assert (data["params"], data["macs"], data["verified"]) == (448, 16 * 9 * 27, True)
    assert (data["f"], data["s"], data["p"], data["k"], data["d"]) == ([3, 3], [2, 2], [0, 0], 16, 3)
    assert data["torch"]["layer"] == "torch.nn.Conv2d(3, 16, kernel_size=3, stride=2)"
    assert data["schema_version"] == 1


def test_json_without_verification(cnncalc: Run) -> None:
    code, out, _ = cnncalc("conv", "--input", "4x10", "--f", "3", "--json", "--no-verify")
    data = json.loads(out)
    assert (code, data["verified"], data["skipped"], data["output_shape"]) == (0, None, "--no-verify", [1, 8])


@pytest.mark.torch
def test_confirmation_line(cnncalc: Run) -> None:
    code, out, _ = cnncalc("conv", "--w", "7", "--d", "3", "--k", "16", "--f", "3", "--s", "2")
    assert code == 0
    assert "torch.nn.Conv2d(3, 16, kernel_size=3, stride=2) → [1, 16, 3, 3], 448 params ✓" in out


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--expect", "3x3"), 0),
        (("--expect", "1x3x3"), 0),
        (("--expect", "4x4"), 1),
    ],
)
def test_expect_exit_codes(cnncalc: Run, args: tuple[str, ...], code: int) -> None:
    assert cnncalc("conv", "--w", "7", "--f", "3", "--s", "2", "--no-verify", *args)[0] == code


def test_expect_failure_says_what_it_got(cnncalc: Run) -> None:
    code, _, err = cnncalc("conv", "--w", "7", "--f", "3", "--s", "2", "--no-verify", "--expect", "4x4")
    assert code == 1
    assert err == "cnncalc: error: --expect 4x4 not met: the output is 1x3x3\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--w", "seven"), "--w got seven, expected a width of at least 1"),
        (("--w", "-7"), "--w got -7, expected a width of at least 1"),
        (
            ("--w", "7", "--s", "0"),
            "--s got 0, expected a stride of at least 1 (torch: non-positive stride is not supported)",
        ),
        (
            ("--w", "7", "--f", "9"),
            "--f got 9, expected a kernel no larger than the padded input on axis H, 7 + 0 = 7 "
            "(torch: kernel size can't be greater than actual input size): use --p 1 or more, or a kernel of at most 7",
        ),
        (
            ("--w", "7", "--d", "3", "--k", "4", "--groups", "2"),
            "--groups got 2, expected a divisor of in_channels = 3 (torch: in_channels must be divisible by groups): "
            "pick --groups among 1",
        ),
        (
            ("--w", "7", "--s", "2", "--p", "same"),
            "--p got same, expected stride 1 (torch: padding='same' is not supported for strided convolutions): "
            "use --s 1, or --p same-tf for TensorFlow's rule, or give the padding as a number",
        ),
        (
            ("--w", "7", "--s", "2", "--transposed", "--output-padding", "2"),
            "--output-padding got 2, expected less than the stride (2) or the dilation (1) on axis H "
            "(torch: output padding must be smaller than either stride or dilation): use --output-padding 1 or less",
        ),
        (
            ("--w", "7", "--f", "3x3x3"),
            "--f got 3x3x3, expected one value or 2 (one per spatial dimension, torch order): "
            "the input has 2 spatial dimensions",
        ),
        (
            ("--input", "3x7x7", "--w", "7"),
            "--w got 7, expected no --w/--h/--d together with --input: give the whole shape with --input, or drop it",
        ),
        ((), "--w got nothing, expected the input size: give --w (and --h, --d) or --input CxHxW"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    code, out, err = cnncalc("conv", *args)
    assert code == 2
    assert out == ""
    assert err == f"cnncalc: error: {line}\n"


def test_huge_input_is_exact_and_skips_torch_with_a_reason(cnncalc: Run) -> None:
    code, out, err = cnncalc("conv", "--w", "1e12", "--f", "3", "--json")
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert data["output_shape"] == [1, 10**12 - 2, 10**12 - 2]
    assert data["verified"] is None
    assert "int64" in data["skipped"]


@pytest.mark.torch
def test_huge_1d_input_is_still_confirmed(cnncalc: Run) -> None:
    code, out, _ = cnncalc("conv", "--w", "1e12", "--dims", "1", "--f", "3", "--json")
    assert code == 0
    assert json.loads(out)["verified"] is True


def test_no_ansi_codes_when_no_color_is_set(cnncalc: Run) -> None:
    args = ("conv", "--w", "7", "--f", "3", "--no-verify")
    assert "\x1b[" in cnncalc(*args, env={"FORCE_COLOR": "1"})[1]
    assert "\x1b[" not in cnncalc(*args, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1]
    assert "\x1b[" not in cnncalc(*args)[1]


@pytest.mark.parametrize(
    "args",
    [
        ("conv", "--w", "7", "--f", "3", "--no-verify"),
        ("conv", "--w", "7", "--f", "3", "--no-verify", "--json"),
        ("conv", "--help"),
        ("--help",),
    ],
)
def test_paths_without_confirmation_never_import_torch(args: tuple[str, ...]) -> None:
    done = run_in_subprocess(*args, code="print('torch' in sys.modules, file=sys.stderr)\n")
    assert done.stderr == "False\n"


def test_verified_path_does_import_torch_and_stays_quiet() -> None:
    """torch confirmed the answer and said nothing on stderr: no torch or numpy warning. The process then ends
    without the interpreter's teardown: the output is whole and the exit code kept."""
    command = [sys.executable, "-m", "cnncalc", "conv", "--w", "7", "--f", "3", "--json"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    data = json.loads(done.stdout)
    assert data["verified"] is True
    expected = {
        "layer": "torch.nn.Conv2d(1, 1, kernel_size=3)",
        "output_shape": [1, 5, 5],
        "params": 10,
        "device": "cpu",
    }
    assert data["torch"] == expected


# A small layer is confirmed on the CPU, whose kernels need nothing more than `import torch` loaded; the meta
# device's Python kernels would import sympy and torch._dynamo (about 0.25 s).
WHAT_IMPORT_TORCH_LOADED = """
import contextlib, io, sys, torch
before = set(sys.modules)
from cnncalc.cli import app
from cnncalc.usage import run
with contextlib.redirect_stdout(io.StringIO()):
    try:
        run(app, sys.argv[1:])
    except SystemExit as done:
        status = done.code
new = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("torch", "sympy", "mpmath", "numpy"))
print(status, new)
"""


@pytest.mark.torch
@pytest.mark.parametrize(
    "args",
    [
        ("conv", "--w", "7", "--f", "3", "--s", "2"),
        ("pool", "--w", "7", "--f", "2", "--type", "avg"),
        ("lstm", "--hidden", "64", "--input", "32"),
        ("trace", "--input", "3x32x32", "Conv2d(3, 16, 3) -> Flatten() -> Linear(_, 10)"),
        ("conv", "--input", "3x32x32", "--target", "16"),
    ],
    ids=["conv", "pool", "lstm", "trace", "target"],
)
def test_a_small_confirmation_loads_nothing_import_torch_did_not(args: tuple[str, ...]) -> None:
    done = subprocess.run([sys.executable, "-c", WHAT_IMPORT_TORCH_LOADED, *args], capture_output=True, text=True)
    # torch.utils._device: what `with torch.device(...)` imports, a few lines
    assert (done.stdout, done.stderr) == ("0 ['torch.utils._device']\n" if args[0] == "trace" else "0 []\n", "")


@pytest.mark.parametrize(("expect", "code"), [("5x5", 0), ("4x4", 1), ("nonsense", 2)])
def test_the_quick_exit_keeps_exit_codes_and_output(expect: str, code: int) -> None:
    command = [sys.executable, "-m", "cnncalc", "conv", "--w", "7", "--f", "3", "--json", "--expect", expect]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == code
    if code == 2:  # a malformed --expect is found before any answer is printed
        assert done.stdout == ""
    else:
        assert json.loads(done.stdout)["output_shape"] == [1, 5, 5]
    assert done.stderr.count("\n") == (0 if code == 0 else 1)


def test_a_closed_pipe_is_no_traceback() -> None:
    shell = f"{sys.executable} -m cnncalc trace --input 3x224x224 {MODELS}/vgg16.py:vgg16 | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True)
    assert done.stdout.startswith("cnncalc trace: 40 rows")
    assert "Traceback" not in done.stderr


def test_usage_errors_are_one_line_too() -> None:
    done = run_in_subprocess("conv", "--w", "7", "--bogus", "1", code="sys.exit(status)\n")
    assert done.returncode == 2
    assert done.stderr == "cnncalc: error: No such option: --bogus (Possible options: --groups, --s)\n"


def test_python_dash_m_and_the_entry_point_agree() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "conv", "--w", "7", "--f", "3", "--s", "2", "--json", "--no-verify"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["output_shape"] == [1, 3, 3]


@pytest.mark.parametrize(
    "args",
    [
        ("conv", "--help"),
        ("pool", "--help"),
        ("lstm", "--help"),
        ("trace", "--help"),
        ("batch", "--help"),
        ("schema", "--help"),
        ("conv", "--w", "7", "--bogus"),
        ("conv", "--w"),
        ("schema",),
        ("conv", "--w", "7", "--f", "3", "--no-verify", "--json"),
    ],
)
def test_the_one_command_app_answers_as_the_whole_app(args: tuple[str, ...]) -> None:
    """`cnncalc conv …` builds only conv's options: the same help, errors and answers as the whole app."""
    from typer.testing import CliRunner

    from cnncalc.cli import app, app_for

    alone = app_for(list(args))
    assert alone is not app and [c.callback for c in alone.registered_commands] == [
        c.callback for c in app.registered_commands if c.callback is not None and c.callback.__name__ == args[0]
    ]
    runner = CliRunner()
    whole, one = runner.invoke(app, list(args)), runner.invoke(alone, list(args))
    assert (one.exit_code, one.output) == (whole.exit_code, whole.output)


@pytest.mark.parametrize("args", [(), ("--help",), ("--version",), ("comv", "--w", "7")])
def test_anything_but_a_command_gets_the_whole_app(args: tuple[str, ...]) -> None:
    from cnncalc.cli import app, app_for

    assert app_for(list(args)) is app
