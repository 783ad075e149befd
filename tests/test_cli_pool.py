"""The pool command as users and scripts meet it."""

import json
from collections.abc import Callable

import pytest
from conftest import Run, run_in_subprocess


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("--w", "224", "--f", "2", "--s", "2", "--d", "64"), "pool_seed.txt"),
        (("--input", "1x6x6", "--f", "2", "--s", "4", "--p", "1", "--ceil", "--explain"), "pool_ceil_drop_explain.txt"),
        (("--w", "7", "--adaptive", "3", "--d", "8"), "pool_adaptive.txt"),
    ],
)
@pytest.mark.torch
def test_golden_tables(cnncalc: Run, golden: Callable[..., str], args: tuple[str, ...], name: str) -> None:
    code, out, err = cnncalc("pool", *args)
    assert (code, err) == (0, "")
    assert out == golden(name, out)


@pytest.mark.torch
def test_json_fields(cnncalc: Run) -> None:
    code, out, _ = cnncalc("pool", "--input", "64x56x56", "--f", "2", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["output_shape"], data["params"], data["verified"], data["type"]) == ([64, 28, 28], 0, True, "max")
    assert data["torch"]["layer"] == "torch.nn.MaxPool2d(2)"
    assert data["s"] == [2, 2]  # the stride defaults to the kernel


@pytest.mark.torch
def test_adaptive_json_lists_the_windows(cnncalc: Run) -> None:
    code, out, _ = cnncalc("pool", "--input", "2x5x6", "--adaptive", "3", "--type", "avg", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["output_shape"] == [2, 3, 3]
    assert data["windows"] == {"H": [[0, 2], [1, 4], [3, 5]], "W": [[0, 2], [2, 4], [4, 6]]}
    assert data["window_sizes"] == {"H": [2, 3], "W": [2]}
    assert data["torch"]["layer"] == "torch.nn.AdaptiveAvgPool2d(3)"


@pytest.mark.torch
def test_global_pooling(cnncalc: Run) -> None:
    code, out, _ = cnncalc("pool", "--input", "512x7x7", "--global", "--type", "avg", "--json", "--expect", "1x1")
    assert code == 0
    assert json.loads(out)["output_shape"] == [512, 1, 1]


@pytest.mark.torch
def test_average_pooling_reports_the_divisor(cnncalc: Run) -> None:
    code, out, _ = cnncalc("pool", "--w", "5", "--f", "3", "--s", "2", "--p", "1", "--type", "avg", "--no-verify")
    assert code == 0
    assert "4/9 = 0.444" in out
    code, out, _ = cnncalc("pool", "--w", "5", "--f", "3", "--s", "2", "--p", "1", "--type", "avg", "--no-count-pad")
    assert code == 0
    assert "count_include_pad=False" in out
    assert "torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)" in out


@pytest.mark.torch
def test_lp_pooling_is_confirmed(cnncalc: Run) -> None:
    code, out, _ = cnncalc("pool", "--input", "3x9", "--type", "lp", "--norm", "3", "--f", "2", "--json")
    data = json.loads(out)
    assert (code, data["output_shape"], data["verified"], data["norm"]) == (0, [3, 4], True, 3.0)


@pytest.mark.parametrize(
    ("args", "code"),
    [(("--expect", "112x112"), 0), (("--expect", "64x112x112"), 0), (("--expect", "56x56"), 1)],
)
def test_expect(cnncalc: Run, args: tuple[str, ...], code: int) -> None:
    assert cnncalc("pool", "--w", "224", "--d", "64", "--f", "2", "--no-verify", *args)[0] == code


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("--w", "5", "--f", "3", "--p", "2"),
            "--p got 2, expected at most half the kernel on axis H, 3//2 = 1 "
            "(torch: pad should be at most half of kernel size): use --p 1 or less, or a kernel of at least 4",
        ),
        (
            ("--w", "5", "--f", "3", "--type", "avg", "--dilation", "2"),
            "--dilation got 2, expected 1: only max pooling dilates its window "
            "(torch's AvgPool and LPPool take no dilation): drop --dilation, or use --type max",
        ),
        (
            ("--w", "3", "--f", "5"),
            "--f got 5, expected a window that fits the padded input on axis H, 3 + 2·0 = 3 "
            "(torch: output size is too small, 0): use a kernel of at most 3 on H, or a larger input",
        ),
        (("--w", "5", "--f", "0"), "--f got 0, expected a kernel size of at least 1"),
        (("--w", "5", "--f", "2", "--s", "0"), "--s got 0, expected a stride of at least 1"),
        (("--w", "0", "--f", "2"), "--w got 0, expected a width of at least 1"),
        (("--w", "5"), "--f got nothing, expected a kernel size: give --f, or --adaptive OUT or --global"),
        (
            ("--w", "5", "--adaptive", "2", "--f", "2"),
            "--f got 2, expected no --f with --adaptive: adaptive pooling picks its own windows: drop --f",
        ),
        (
            ("--w", "5", "--adaptive", "0"),
            "--adaptive got 0, expected an output size of at least 1 (torch accepts 0 but returns an empty tensor)",
        ),
        (
            ("--w", "5", "--f", "2", "--type", "lp", "--norm", "0"),
            "--norm got 0, expected a positive, finite p (torch divides by p: p = 0 fails): "
            "use --norm 2 for an L2 pool",
        ),
        (
            ("--w", "5", "--f", "2", "--no-count-pad"),
            "--no-count-pad got given, expected average pooling: only AvgPool has count_include_pad: "
            "drop --no-count-pad, or use --type avg",
        ),
        (
            ("--w", "5", "--f", "2x2x2"),
            "--f got 2x2x2, expected one value or 2 (one per spatial dimension, torch order): "
            "the input has 2 spatial dimensions",
        ),
        (("--w", "5", "--f", "2", "--type", "median"), "--type got median, expected max, avg or lp"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    code, out, err = cnncalc("pool", *args)
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {line}\n"


def test_no_verify_never_imports_torch() -> None:
    done = run_in_subprocess(
        "pool", "--w", "7", "--adaptive", "3", "--no-verify", code="print('torch' in sys.modules, file=sys.stderr)\n"
    )
    assert done.stderr == "False\n"
