"""Errors in the words of whoever reads them: the command line's --p, a chain's padding=, Python's padding.

The core names a parameter once, by its API name, and writes its fixes as data; each interface spells them.
These are the messages issue 12 found wrong, and their kin. All run without torch (--no-verify).
"""

import json

import pytest
from conftest import Run

from cnncalc import conv_output_size, conv_params, make_conv_spec
from cnncalc.batch import answer_line
from cnncalc.commands.base import BATCH, CLI
from cnncalc.core.pool import make_pool_spec
from cnncalc.errors import PYTHON, InvalidParameter, Name, Setting, Value, either, one_of
from cnncalc.network.layer import TorchArguments


def trace_error(cnncalc: Run, shape: str, chain: str) -> str:
    code, out, err = cnncalc("trace", "--input", shape, "--no-verify", chain)
    assert (code, out) == (2, ""), out
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err
    return err.removeprefix("cnncalc: error: ").strip()


def test_strided_same_padding_in_a_chain_advises_only_what_torch_takes(cnncalc: Run) -> None:
    assert trace_error(cnncalc, "3x32x32", "Conv2d(3, 8, 3, stride=2, padding='same')") == (
        "model got Conv2d(3, 8, 3, stride=2, padding='same') (layer #1), expected padding: stride 1 "
        "(torch: padding='same' is not supported for strided convolutions): "
        "use stride=1, or give the padding as a number"
    )


def test_a_bad_pool_argument_is_the_argument_s_fault_not_the_input_s(cnncalc: Run) -> None:
    message = trace_error(cnncalc, "3x8x8", "MaxPool2d(2, padding=2)")
    assert message == (
        "model got MaxPool2d(2, padding=2) (layer #1), expected padding: at most half the kernel on axis H, 2//2 = 1 "
        "(torch: pad should be at most half of kernel size): use padding=1 or less, or a kernel of at least 4"
    )
    assert "receives" not in message


def test_a_kernel_larger_than_what_arrives_is_still_the_input_s_mismatch(cnncalc: Run) -> None:
    assert trace_error(cnncalc, "3x8x8", "Conv2d(3, 8, 9)") == (
        "Conv2d #1 expects a kernel no larger than the padded input on axis H, 8 + 0 = 8 "
        "(torch: kernel size can't be greater than actual input size) but receives [1, 3, 8, 8]: "
        "use padding=1 or more, or a kernel of at most 8"
    )


def test_python_callers_read_their_own_keywords() -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_conv_spec(size=(8,), stride=2, padding="same")
    assert str(caught.value) == (
        "padding got same, expected stride 1 (torch: padding='same' is not supported for strided convolutions): "
        "use stride=1, or padding='same-tf' for TensorFlow's rule, or give the padding as a number"
    )
    # the one-line formulas take w, f, s, p: their errors say so
    with pytest.raises(InvalidParameter) as caught:
        conv_output_size(7, 9)
    assert str(caught.value).startswith("f got 9, expected a kernel no larger")
    assert str(caught.value).endswith(": use p=1 or more, or a kernel of at most 7")
    assert "--" not in str(caught.value)


def test_the_command_line_and_batch_keep_their_option_names(cnncalc: Run) -> None:
    code, _, err = cnncalc("conv", "--w", "8", "--f", "3", "--s", "2", "--p", "same", "--no-verify")
    fix = "use --s 1, or --p same-tf for TensorFlow's rule, or give the padding as a number"
    assert code == 2
    expected = "stride 1 (torch: padding='same' is not supported for strided convolutions)"
    assert err == f"cnncalc: error: --p got same, expected {expected}: {fix}\n"
    answer, code = answer_line(1, json.dumps({"cmd": "conv", "w": 8, "f": 3, "s": 2, "p": "same"}), verify=False)
    assert code == 2
    assert answer["param"] == "p"
    assert answer["error"] == err.removeprefix("cnncalc: error: --").strip()


@pytest.mark.parametrize(
    ("chain", "shape", "message"),
    [
        (
            "Conv2d(3, 8, 3, padding='circular')",
            "3x8x8",
            "model got Conv2d(3, 8, 3, padding='circular') (layer #1), "
            "expected padding: a number, a tuple, 'same' or 'valid'",
        ),
        (
            "LPPool2d(0, 3)",
            "3x8x8",
            "model got LPPool2d(0, 3) (layer #1), expected norm_type: a positive, finite p "
            "(torch divides by p: p = 0 fails): "
            "use norm_type=2 for an L2 pool",
        ),
        (
            "GRU(32, 8, proj_size=2)",
            "5x32",
            "model got GRU(32, 8, proj_size=2) (layer #1), expected proj_size: no projection for a GRU or RNN "
            "(torch: proj_size argument is only supported for LSTM): drop proj_size, or use LSTM",
        ),
        (
            "Conv2d(3, _, 3)",
            "3x8x8",
            "model got Conv2d(3, _, 3) (layer #1), expected out_channels: a number, not _: "
            "_ stands for a size read from the input (in_channels on Conv2d): give out_channels a number",
        ),
        (
            "Conv2d('3', 8, 3)",
            "3x8x8",
            "model got Conv2d('3', 8, 3) (layer #1), expected in_channels: an int, as torch takes it: "
            "use Conv2d(3, 8, 3)",
        ),
        (
            "Linear('8', 4)",
            "8",
            "model got Linear('8', 4) (layer #1), expected in_features: an int, as torch takes it: use Linear(8, 4)",
        ),
        (
            "AvgPool2d(2, padding=1, count_include_pad=False) -> MaxPool2d(2, dilation=2, padding=2)",
            "3x8x8",
            "model got MaxPool2d(2, dilation=2, padding=2) (layer #2), expected padding: at most half the kernel "
            "on axis H, "
            "2//2 = 1 (torch: pad should be at most half of kernel size): "
            "use padding=1 or less, or a kernel of at least 4",
        ),
    ],
)
def test_chain_errors_speak_torch(cnncalc: Run, chain: str, shape: str, message: str) -> None:
    said = trace_error(cnncalc, shape, chain)
    assert said == message
    assert "--" not in said and "same-tf" not in said


@pytest.mark.parametrize(
    ("kwargs", "cli", "python", "torch"),
    [
        (
            {"kind": "avg", "kernel": 2, "dilation": 2},
            "drop --dilation, or use --type max",
            "drop dilation, or use kind='max'",
            "drop dilation, or use MaxPool2d",
        ),
        (
            {"kind": "lp", "kernel": 2, "padding": 1},
            "drop --p, or use --type max or avg",
            "drop padding, or use kind='max' or 'avg'",
            "drop padding, or use MaxPool2d or AvgPool2d",
        ),
        (
            {"kind": "max", "kernel": 2, "count_include_pad": False},
            "drop --no-count-pad, or use --type avg",
            "drop count_include_pad, or use kind='avg'",
            "drop count_include_pad, or use AvgPool2d",
        ),
    ],
)
def test_one_fix_three_spellings(kwargs: dict[str, object], cli: str, python: str, torch: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_pool_spec(size=(5, 5), **kwargs)  # type: ignore[arg-type]
    fix = caught.value.fix
    assert (CLI.words(fix), PYTHON.words(fix), TorchArguments("LPPool2d").words(fix)) == (cli, python, torch)


def test_unspeakable_choices_are_left_out_and_the_rest_still_read() -> None:
    fix = either(("use ", Setting("stride", 1)), (Setting("padding", "same-tf"), " for TF"), "pad by hand")
    assert CLI.words(fix) == "use --s 1, or --p same-tf for TF, or pad by hand"
    assert TorchArguments("Conv2d").words(fix) == "use stride=1, or pad by hand"
    values = one_of("0", "'same'", (Value("padding", "same-tf"),))
    assert CLI.words(values) == "0, 'same' or 'same-tf'"
    assert TorchArguments("Conv1d").words(values) == "0 or 'same'"
    # batch names its keys without dashes, and keeps the options' words in advice
    error = InvalidParameter("count_include_pad", "given", "average pooling", ("drop ", Name("count_include_pad")))
    assert error.describe(BATCH) == "no_count_pad got given, expected average pooling: drop --no-count-pad"
    assert BATCH.key("count_include_pad") == "no_count_pad"
    assert error.describe(CLI).startswith("--no-count-pad got given")


@pytest.mark.parametrize("key", ["bias", "kernel", "stride"])
def test_an_unknown_batch_option_is_named_as_written(key: str) -> None:
    # these are the core's names for --no-bias, --f, --s: an option nobody has must not be respelled as one
    answer, code = answer_line(1, json.dumps({"cmd": "conv", "w": 7, "f": 3, key: 1}), verify=False)
    assert code == 2
    assert answer["param"] == key
    assert str(answer["error"]).startswith(f"{key} got 1, expected an option of conv: ")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("pool", "--w", "7", "--global", "--ceil"),
            "--ceil got on, expected no --ceil with --global: adaptive pooling picks its own windows: drop --ceil",
        ),
        (
            ("pool", "--w", "7", "--f", "3", "--type", "lp", "--norm", "nan"),
            "--norm got nan, expected a positive, finite p (torch divides by p: p = 0 fails): "
            "use --norm 2 for an L2 pool",
        ),
        (
            ("pool", "--w", "5", "--f", "2", "--type", "avg", "--dilation", "2"),
            "--dilation got 2, expected 1: only max pooling dilates its window (torch's AvgPool and LPPool take no "
            "dilation): drop --dilation, or use --type max",
        ),
        (
            ("conv", "--w", "7", "--f", "3", "--output-padding", "1"),
            "--output-padding got 1x1, expected 0 for a forward convolution: "
            "add --transposed, or drop --output-padding",
        ),
        (
            ("lstm", "--hidden", "8", "--input", "4", "--proj", "8"),
            "--proj got 8, expected less than --hidden 8 (torch: proj_size has to be smaller than hidden_size): "
            "use --proj 7 or less",
        ),
    ],
)
def test_the_command_line_says_what_it_said_before(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    # each as cnncalc 4ee52ec printed it, before errors were written as data
    assert cnncalc(*args, "--no-verify") == (2, "", f"cnncalc: error: {line}\n")


def test_conv_params_refuses_zero_groups_in_its_own_words() -> None:
    with pytest.raises(InvalidParameter) as caught:
        conv_params(3, d=3, k=4, groups=0)
    assert str(caught.value) == "groups got 0, expected a whole number of at least 1"
