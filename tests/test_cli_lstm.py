"""The lstm command as users and scripts meet it."""

import json
import re
from collections.abc import Callable

import pytest
from conftest import Run, run_in_subprocess

WIDE = {"COLUMNS": "120"}
GRU_STACKED = ("--hidden", "20", "--input", "10", "--cell", "gru", "--layers", "2", "--bidirectional", "--seq", "5")


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("--hidden", "64", "--input", "32"), "lstm_seed.txt"),
        (
            (*GRU_STACKED, "--batch", "3", "--explain"),
            "gru_stacked_explain.txt",
        ),
    ],
)
@pytest.mark.torch
def test_golden_tables(cnncalc: Run, golden: Callable[..., str], args: tuple[str, ...], name: str) -> None:
    code, out, err = cnncalc("lstm", *args, env=WIDE)
    assert (code, err) == (0, "")
    # The numeric check's last bits may differ between CPUs; its format is fixed-width.
    assert re.sub(r"\d\.\d\de-\d\d", "X.XXe-XX", out) == re.sub(r"\d\.\d\de-\d\d", "X.XXe-XX", golden(name, out))
    assert re.search(r"\d\.\d\de-\d\d ≤ 1e-05 ✓", out)


@pytest.mark.torch
def test_json_fields(cnncalc: Run) -> None:
    code, out, err = cnncalc("lstm", "--hidden", "64", "--input", "32", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["params"], data["params_one_bias"], data["verified"]) == (25_088, 24_832, True)
    assert data["max_abs_error"] < 1e-5
    assert data["parameters"] == {
        "weight_ih_l0": [256, 32],
        "weight_hh_l0": [256, 64],
        "bias_ih_l0": [256],
        "bias_hh_l0": [256],
    }
    assert (data["output_shape"], data["h_n_shape"], data["c_n_shape"]) == ([1, 1, 64], [1, 1, 64], [1, 1, 64])
    forget = data["gates"][0]
    assert forget["name"] == "forget gate"
    assert forget["equation"] == "f_t = σ(W_f·[h_(t−1), x_t] + b_f)"
    assert (forget["weight_shape"], forget["output_shape"]) == ([64, 96], [1, 64])
    assert forget["torch"]["weight_ih"] == "weight_ih_l0[64:128]"
    assert [g["name"] for g in data["gates"]] == [
        "forget gate",
        "input gate",
        "candidate",
        "cell state",
        "output gate",
        "hidden state",
    ]


def test_json_without_verification(cnncalc: Run) -> None:
    code, out, _ = cnncalc("lstm", "--hidden", "8", "--input", "4", "--cell", "rnn", "--json", "--no-verify")
    data = json.loads(out)
    assert (code, data["verified"], data["max_abs_error"], data["c_n_shape"], data["params"]) == (
        0,
        None,
        None,
        None,
        8 * 12 + 16,
    )


@pytest.mark.torch
def test_projection_adds_weight_hr(cnncalc: Run) -> None:
    code, out, err = cnncalc("lstm", "--hidden", "20", "--input", "10", "--proj", "5", "--batch-first", "--json")
    data = json.loads(out)
    assert (code, err) == (0, "")  # torch's oneDNN warning about projections stays hidden
    assert data["parameters"]["weight_hr_l0"] == [5, 20]
    assert (data["output_shape"], data["h_n_shape"], data["c_n_shape"]) == ([1, 1, 5], [1, 1, 5], [1, 1, 20])


@pytest.mark.parametrize(
    ("args", "code"),
    [(("--expect", "64"), 0), (("--expect", "3x2x64"), 0), (("--expect", "32"), 1), (("--expect", "2x64"), 2)],
)
def test_expect(cnncalc: Run, args: tuple[str, ...], code: int) -> None:
    assert (
        cnncalc("lstm", "--hidden", "64", "--input", "32", "--seq", "3", "--batch", "2", "--no-verify", *args)[0]
        == code
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--hidden", "0", "--input", "4"), "--hidden got 0, expected a hidden size of at least 1"),
        (("--hidden", "8", "--input", "-4"), "--input got -4, expected an input feature size of at least 1"),
        (("--hidden", "8.5", "--input", "4"), "--hidden got 8.5, expected a hidden size of at least 1"),
        (
            ("--hidden", "8", "--input", "4", "--proj", "8"),
            "--proj got 8, expected less than --hidden 8 (torch: proj_size has to be smaller than hidden_size): "
            "use --proj 7 or less",
        ),
        (
            ("--hidden", "8", "--input", "4", "--proj", "2", "--cell", "gru"),
            "--proj got 2, expected no projection for a GRU or RNN "
            "(torch: proj_size argument is only supported for LSTM): drop --proj, or use --cell lstm",
        ),
        (("--hidden", "8", "--input", "4", "--layers", "0"), "--layers got 0, expected at least 1 layer"),
        (("--hidden", "8", "--input", "4", "--cell", "lstmx"), "--cell got lstmx, expected lstm, gru or rnn"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    code, out, err = cnncalc("lstm", *args)
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {line}\n"


def test_no_verify_never_imports_torch() -> None:
    done = run_in_subprocess(
        "lstm", "--hidden", "8", "--input", "4", "--no-verify", code="print('torch' in sys.modules, file=sys.stderr)\n"
    )
    assert done.stderr == "False\n"
