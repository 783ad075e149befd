"""Bad input never crashes, batch never drops a line, and cnncalc never claims a check it did not run (issue 13).

Each case found by hand has a test here; the fuzz tests at the end feed random and hostile text to every option,
chain and batch line.
"""

import itertools
import json

import pytest
from conftest import Run


@pytest.mark.torch
@pytest.mark.parametrize("command", ["conv", "pool"])
def test_a_target_too_big_for_torch_is_not_claimed_confirmed(cnncalc: Run, command: str) -> None:
    code, out, err = cnncalc(command, "--w", "1e12", "--target", "5e11", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["verified"], data["confirmed"], data["torch"]) == (None, 0, [])
    assert "past torch's int64 limit" in data["skipped"]
    code, out, _ = cnncalc(command, "--w", "1e12", "--target", "5e11")
    assert "not confirmed: the input tensor would be" in " ".join(out.split())
    assert "✓" not in out


@pytest.mark.torch
def test_a_target_torch_can_build_is_confirmed_and_says_so(cnncalc: Run) -> None:
    code, out, _ = cnncalc("conv", "--w", "7", "--target", "3", "--json")
    data = json.loads(out)
    assert (code, data["verified"], data["confirmed"], data["skipped"]) == (0, True, 10, None)
    assert len(data["torch"]) == 10


def batch(*lines: str | bytes, verify: bool = False) -> tuple[int, list[dict[str, object]]]:
    """Run lines (text or raw bytes) through batch mode: its exit code and one parsed answer per output line."""
    import io

    from cnncalc.batch import run_batch

    out = io.StringIO()
    code = run_batch(list(lines), out, verify)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


GOOD = '{"cmd": "conv", "w": 7, "f": 3}\n'
NOT_READ = "not JSON cnncalc reads"
STRIDE = "a stride of at least 1 (torch: non-positive stride is not supported)"
NORM = "a positive number p (LP pooling's norm)"
CELLS = "lstm, gru or rnn"


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (b'{"cmd": "conv", "w": 7, "f": "\xff"}\n', "not UTF-8 text: byte 31 is 0xff"),
        ("[" * 100_000 + "]" * 100_000 + "\n", f"{NOT_READ}: nested too deep (JSON requests are one level deep)"),
        ('{"cmd": "conv", "w": ' + "9" * 5000 + "}\n", f"{NOT_READ}: a number of thousands of digits"),
        ('{"cmd": "conv", "w": 7, "f": 3, "s": true}\n', f"s got true, expected {STRIDE}"),
        ('{"cmd": "conv", "w": {"a": 1}, "f": 3}\n', 'w got {"a": 1}, expected a width of at least 1'),
        ('{"cmd": "pool", "w": 8, "f": 2, "type": "lp", "norm": [2]}\n', f"norm got [2], expected {NORM}"),
        ('{"cmd": "lstm", "hidden": 4, "input": 2, "cell": ["lstm"]}\n', 'cell got ["lstm"], expected ' + CELLS),
        ('{"cmd": "conv", "w": 7, "f": 3, "s": "٢"}\n', f"s got ٢, expected {STRIDE}"),
    ],
)  # fmt: skip
def test_a_bad_line_spoils_itself_only(bad: str | bytes, error: str) -> None:
    code, answers = batch(GOOD, bad, GOOD)
    assert code == 2
    assert [a["line"] for a in answers] == [1, 2, 3]
    assert answers[1]["error"] == error
    assert "output_shape" in answers[0] and "output_shape" in answers[2]


def test_a_huge_value_is_not_echoed_whole() -> None:
    code, answers = batch('{"cmd": "lstm", "hidden": 4, "input": 2, "cell": "' + "x" * 10_000_000 + '"}\n')
    message = str(answers[0]["error"])
    assert code == 2 and len(message) < 300
    assert message.startswith("cell got xxxx") and "(10,000,000 characters)" in message


def test_the_column_of_a_json_error_counts_within_its_line() -> None:
    _, answers = batch('{"cmd": "conv", "w": }\n', '{"cmd": "conv", "w": }')
    assert [a["error"] for a in answers] == ["not JSON: Expecting value at column 22"] * 2


def test_a_file_that_is_not_utf8_is_answered_line_by_line(cnncalc: Run, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "requests.jsonl"
    path.write_bytes(GOOD.encode() + b'{"cmd": "conv", "w": "\xff"}\n' + GOOD.encode())
    code, out, err = cnncalc("batch", "--no-verify", str(path))
    assert (code, err) == (2, "")
    assert [json.loads(line).get("error") for line in out.splitlines()] == [
        None,
        "not UTF-8 text: byte 23 is 0xff",
        None,
    ]


@pytest.mark.parametrize("digits", ["٧", "７", "⁷"])
def test_sizes_are_written_in_ascii_digits(cnncalc: Run, digits: str) -> None:
    assert cnncalc("conv", "--w", digits, "--f", "3", "--no-verify") == (
        2, "", f"cnncalc: error: --w got {digits}, expected a width of at least 1\n"
    )  # fmt: skip


# Chains torch would refuse (at construction or at run time): each is bad input, exit 2 and one line naming the
# layer and its argument, with or without confirmation.
REFUSED_CHAINS = [
    ("3x8x8", "Unflatten(1, 3)", "expected unflattened_size: a tuple of whole numbers"),
    ("3x8x8", "ZeroPad2d(1.5)", "expected padding: one number or 4"),
    ("3x8x8", "Upsample(scale_factor=1e999)", "expected numbers below 10^100"),
    ("3x8x8", "Upsample(scale_factor=float('nan'))", "expected literal arguments only"),
    ("3x4x4", "Upsample(scale_factor=1e300)", "expected numbers below 10^100"),
    ("3x8x8", "Conv2d(3, 4, (3,))", "expected kernel_size: an int or a tuple of 2 ints"),
    ("3x8x8", "LPPool2d(2, (2,))", "expected kernel_size: an int or a tuple of 2 ints"),
    ("3x4x5", "Flatten(start_dim=True)", "expects start_dim=True within the 4 axes"),
    ("3x4", "BatchNorm1d(3, eps=-1)", "expected eps: a number above 0"),
    ("3x4x4", "Upsample(scale_factor=2, mode='nearest', align_corners=True)", "expected align_corners: None with"),
    ("5x3", "LSTM(3, 4, 2, True, True, 0.0, True, 5)", "expected proj_size: less than hidden_size=4"),
    ("3x8x8", "Upsample(size='4')", "expected size: whole numbers of at least 1"),
    ("3x8x8", "Upsample(scale_factor=(2, 2, 2))", "expected scale_factor: one value or 2"),
    ("3x8x8", "Upsample(scale_factor=2, mode='linear')", "expects a 3D input for mode='linear'"),
    ("3x8x8", "LPPool2d(_, 3)", "expected norm_type: a number, not _"),
    ("5:int64", "Embedding(_, 3)", "expected num_embeddings: a number, not _"),
    ("5:int64", "Embedding('10', 4)", "expected num_embeddings: a whole number of at least 1"),
    ("3x8x8", "Hardtanh(min_val=2, max_val=1)", "expected max_val: more than min_val=2"),
    ("3x8x8", "MaxPool2d(2, ceil_mode='no')", "expected ceil_mode: True or False"),
    ("3x8x8", "LeakyReLU('a')", "expected negative_slope: a finite number"),
    ("3x8x8", "AvgPool2d(2, divisor_override=0)", "expected divisor_override: None or a whole number of at least 1"),
    ("3x8x8", "Dropout(p=2)", "expected p: a probability, from 0 to 1"),
    ("3x8x8", "BatchNorm2d(3, eps='x')", "expected eps: a finite number"),
    ("3x8x8", "AdaptiveAvgPool2d(None)", "expected output_size: a size, or a tuple of them"),
    ("5x3", "LSTM(3, 4, bidirectional='yes')", "expected bidirectional: True or False"),
    ("5x3", "LSTM(3, 4, dropout=2)", "expected dropout: a probability, from 0 to 1"),
    ("3x8x8", "ReLU(inplace='x')", "expected inplace: True or False"),
    ("3x8x8", "Conv2d(3, 8, 3, padding='same-tf')", "expected padding: a number, a tuple, 'same' or 'valid'"),
    ("3x8x8", "Conv2d(3, 8, 3) ->", "expected a layer on each side of every ->"),
    ("3x8x8", "Conv2d(3, 8, 3) -> -> ReLU()", "expected a layer on each side of every ->"),
    ("3x8x8", f"Conv2d(3, {10**100}, 3)", "expected numbers below 10^100"),
    ("3x8x8", f"Conv2d(3, 8, 3, padding=-{10**100})", "expected numbers below 10^100"),
    ("3x8x8", "ReLU(" + "1, " * 40_000 + ")", "expected a chain of at most 100,000"),
]


@pytest.mark.parametrize(("shape", "chain", "said"), REFUSED_CHAINS)
def test_a_chain_torch_would_refuse_is_bad_input(cnncalc: Run, shape: str, chain: str, said: str) -> None:
    code, out, err = cnncalc("trace", "--input", shape, "--no-verify", chain)
    assert (code, out) == (2, ""), err
    assert err.startswith("cnncalc: error: ") and err.count("\n") == 1 and said in err, err


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "chain", "said"), REFUSED_CHAINS[:8])
def test_and_so_with_confirmation(cnncalc: Run, shape: str, chain: str, said: str) -> None:
    code, out, err = cnncalc("trace", "--input", shape, chain)
    assert (code, out, err.count("\n")) == (2, "", 1) and said in err, err


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("chain", ["Conv2d(3, 8, 3) -> BatchNorm2d(8) -> Flatten() -> Linear(_, 4)", "LSTM(8, 4)"])
def test_other_float_dtypes_are_confirmed_with_weights_of_that_dtype(cnncalc: Run, dtype: str, chain: str) -> None:
    code, out, err = cnncalc(
        "trace", "--input", "3x8x8" if "Conv" in chain else "5x8", "--dtype", dtype, chain, "--json"
    )
    assert (code, err) == (0, "")
    assert json.loads(out)["verified"] is True


@pytest.mark.torch
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--input", "3x8x8", "--batch", "1e30", "Conv2d(3, 8, 3)"), "past torch's int64 limit"),
        (("--input", "3x8x8", f"Conv2d(3, {10**30}, 3)"), "past torch's int64 limit"),
    ],
)
def test_a_chain_too_big_for_torch_is_exact_and_not_confirmed(cnncalc: Run, args: tuple[str, ...], reason: str) -> None:
    code, out, err = cnncalc("trace", *args, "--json")
    data = json.loads(out)
    assert (code, err, data["verified"]) == (0, "", None)
    assert reason in data["skipped"]
    assert all(row["verified"] is None for row in data["layers"])


@pytest.mark.parametrize(("chain", "shape"), [("LSTM(3, 4)", [8, 2, 3]), ("LSTM(3, 4, batch_first=True)", [2, 8, 3])])
def test_the_batch_goes_where_a_recurrent_layer_reads_it(cnncalc: Run, chain: str, shape: list[int]) -> None:
    code, out, _ = cnncalc("trace", "--input", "8x3", "--batch", "2", chain, "--json", "--no-verify")
    row = json.loads(out)["layers"][0]
    assert (code, row["input_shape"], row["output_shape"]) == (0, shape, [*shape[:2], 4])


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--frames",), "--frames got given, expected --show with it: one picture per window position: add --show"),
        (("--json", "--svg", "out.svg"), "--svg got out.svg, expected the table, which --json does not print: "
         "drop --json or --svg"),
        (("--quiet", "--show"), "--show got given, expected the table, which --quiet does not print: "
         "drop --quiet or --show"),
        (("--json", "--explain"), "--explain got given, expected the table, which --json does not print: "
         "drop --json or --explain"),
        (("--svg", "/no/such/folder/out.svg"), "--svg got /no/such/folder/out.svg, expected a file cnncalc can "
         "write: check the folder exists"),
        (("--html", "/"), "--html got /, expected a file cnncalc can write: check the folder exists"),
        (("--expect", "3xq"), "--expect got q, expected a shape like 3x3 or 16x3x3 (or out=1x10 for a named output)"),
        (("--target", "3", "--explain"), "--explain got given, expected no --explain with --target: each row is a "
         "solution: drop --explain"),
    ],
)  # fmt: skip
def test_output_options_that_would_be_ignored_or_fail_late_are_refused_first(
    cnncalc: Run, args: tuple[str, ...], line: str
) -> None:
    # nothing is printed before the refusal: it comes before any work
    assert cnncalc("conv", "--w", "7", "--f", "3", "--no-verify", *args) == (2, "", f"cnncalc: error: {line}\n")


def test_an_unwritable_export_is_one_line_not_a_traceback(cnncalc: Run, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "locked"
    folder.mkdir()
    (folder / "out.svg").mkdir()  # a folder where the file would go: the check of the folder passes, writing fails
    code, _, err = cnncalc("conv", "--w", "7", "--f", "3", "--no-verify", "--svg", str(folder / "out.svg"))
    assert (code, err.count("\n")) == (2, 1)
    assert err.startswith(f"cnncalc: error: --svg got {folder / 'out.svg'}, expected a file cnncalc can write")


def test_whatever_escapes_the_checks_is_still_one_line_and_exit_2(
    cnncalc: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cnncalc.core import conv

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a check cnncalc lacks")

    monkeypatch.setattr(conv, "conv_geometry", broken)
    monkeypatch.setattr("cnncalc.commands.conv.conv_geometry", broken)
    code, out, err = cnncalc("conv", "--w", "7", "--f", "3", "--no-verify")
    assert (code, out) == (2, "")
    assert err == (
        "cnncalc: error: this input reached no check of cnncalc's and failed there "
        "(KeyError: 'a check cnncalc lacks'); please report it\n"
    )
    batch_code, answers = batch(GOOD, GOOD)
    assert batch_code == 2 and [a["line"] for a in answers] == [1, 2]
    assert all("reached no check" in str(a["error"]) for a in answers)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("conv", "--w", "224", "--target", "112", "--max-f", "1e9"),
         "--max-f got 1000000000, expected bounds that leave at most 1,000,000 windows to try, but F·S·(P + 1)·d = "
         "1,000,000,000·4·6·3 = 72,000,000,000: lower --max-f, --max-s, --max-p or --max-dilation"),
        (("lstm", "--hidden", "8", "--input", "4", "--layers", "1e6"),
         "--layers got 1000000, expected at most 1,000 layers (cnncalc lists and confirms every layer's tensors)"),
        (("trace", "--input", "3x8x8", "/no/such/model.txt"),
         "model got /no/such/model.txt, expected a file of layers or a chain, but there is no such file"),
        (("trace", "--input", "3x8x8", "my model.txt"),
         "model got my model.txt, expected a file of layers or a chain, but there is no such file"),
        (("trace", "--input", "3x8x8", "/dev/null"),
         "model got /dev/null, expected a text file of layers, but this is not a regular file"),
    ],
)  # fmt: skip
def test_unbounded_work_and_missing_files_are_refused_at_once(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    assert cnncalc(*args, "--no-verify") == (2, "", f"cnncalc: error: {line}\n")


def test_a_model_path_with_a_space_is_a_path(cnncalc: Run, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "my models"
    folder.mkdir()
    (folder / "chain.txt").write_text("Conv2d(3, 8, 3)\nReLU()\n")
    assert cnncalc("trace", "--input", "3x32x32", str(folder / "chain.txt"), "--no-verify", "--quiet") == (
        0, "1x8x30x30\n", ""
    )  # fmt: skip


def test_exact_and_unread_mean_the_same_in_every_output(cnncalc: Run) -> None:
    # a dilated kernel whose taps skip cells: the table's picture, the axes and --target count the same cells
    _, out, _ = cnncalc("conv", "--w", "9", "--f", "3", "--dilation", "3", "--s", "3", "--dims", "1", "--json",
                        "--no-verify")  # fmt: skip
    axis = json.loads(out)["axes"][0]
    assert (axis["exact"], axis["uncovered_input"], axis["unread_input"]) == (False, 2, 6)
    _, out, _ = cnncalc("conv", "--w", "9", "--dims", "1", "--target", "1", "--json", "--no-verify")
    found = next(s for s in json.loads(out)["solutions"] if (s["f"], s["s"], s["p"], s["dilation"]) == (3, 3, 0, 3))
    assert (found["exact"], found["every_input_read"], found["unread_input"]) == (False, False, 6)
    _, out, _ = cnncalc("conv", "--w", "9", "--f", "3", "--dilation", "3", "--s", "3", "--dims", "1", "--show",
                        "--no-verify")  # fmt: skip
    assert out.split("padded input")[1].split("■ input")[0].count("×") == 6


from cnncalc.views.table import width_of  # noqa: E402

VGG_LIKE = "Conv2d(3, 16, 3, padding=1) -> ReLU() -> MaxPool2d(2) -> Conv2d(16, 32, 3) -> Flatten() -> Linear(_, 10)"


@pytest.mark.parametrize(
    ("args", "whole"),
    [
        (("trace", "--input", "3x32x32", VGG_LIKE, "--no-verify"), ["MaxPool2d(2)", "6272,", "903,168", "62,730"]),
        (("lstm", "--hidden", "64", "--input", "32", "--show", "--no-verify"),
         ["weight_ih_l0[64:128],", "weight_hh_l0[192:256];", "bias_hh_l0[0:64]"]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("columns", ["80", "100"])
def test_tables_fit_the_terminal_and_break_between_words(
    cnncalc: Run, args: tuple[str, ...], whole: list[str], columns: str
) -> None:
    code, out, _ = cnncalc(*args, env={"COLUMNS": columns})
    assert code == 0
    table_lines = [line for line in out.splitlines() if line[:1] in "┌│├└"]
    assert max(width_of(line) for line in table_lines) <= int(columns)  # c̃ is one column, two characters
    for word in whole:  # never cut inside a word (Linear(627|2, 10), weight_ih_l|0[64:128])
        assert word in out, word


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize(("hidden", "features", "batch"), [("8", "4", "1"), ("128", "32", "16"), ("3", "1000", "7")])
def test_the_cell_picture_joins_line_up(cnncalc: Run, cell: str, hidden: str, features: str, batch: str) -> None:
    args = ("lstm", "--hidden", hidden, "--input", features, "--batch", batch, "--cell", cell, "--show")
    _, out, _ = cnncalc(*args, "--no-verify")
    picture = out[out.index("cell, layer 0") :].splitlines()
    joins = 0
    for upper, lower in itertools.pairwise(picture):
        if upper.endswith("┐"):
            assert width_of(upper) - 1 == width_of(lower[: lower.index("┴")]), (upper, lower)
            joins += 1
    assert joins == {"lstm": 2, "gru": 3, "rnn": 1}[cell]


def _complete(*words: str) -> list[str]:
    """What bash completion offers after ``cnncalc WORDS`` (the last word is the one being completed)."""
    import os
    import shutil
    import subprocess
    import sys

    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable))  # the entry point the shell runs
    assert script is not None
    env = {**os.environ, "_CNNCALC_COMPLETE": "complete_bash", "COMP_WORDS": " ".join(["cnncalc", *words]),
           "COMP_CWORD": str(len(words))}  # fmt: skip
    done = subprocess.run([script], env=env, capture_output=True, text=True, check=False)
    return done.stdout.split()


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        (("pool", "--type", ""), ["max", "avg", "lp"]),
        (("lstm", "--cell", "g"), ["gru"]),
        (("schema", ""), ["conv", "pool", "lstm", "trace", "solve", "batch-error"]),
        (("--show-completion", "z"), ["zsh"]),
    ],
)
def test_completion_offers_the_values(words: tuple[str, ...], offered: list[str]) -> None:
    assert _complete(*words) == offered


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_the_named_shells_script(cnncalc: Run, shell: str) -> None:
    code, out, _ = cnncalc("--show-completion", shell)
    assert code == 0
    marker = {"bash": "complete -o default -F", "zsh": "#compdef cnncalc", "fish": "complete --command cnncalc"}[shell]
    assert marker in out


def test_version_and_help_texts(cnncalc: Run) -> None:
    from importlib.metadata import version

    assert cnncalc("--version") == (0, f"cnncalc {version('cnncalc')}\n", "")
    _, lstm_help, _ = cnncalc("lstm", "--help", env={"COLUMNS": "200"})
    assert "Tensors as [batch, seq, features]." in lstm_help
    _, conv_help, _ = cnncalc("conv", "--help", env={"COLUMNS": "200"})
    assert "'same-tf' for TensorFlow's rule" in conv_help
    _, out, _ = cnncalc("pool", "--w", "7", "--f", "3", "--explain", "--no-verify")
    assert "the first plus 1 step = 2" in out and "1 steps" not in out


@pytest.mark.parametrize(
    ("chain", "params"),
    [("LSTM(3, 4, 1, False)", 112), ("GRU(3, 4, 1, False)", 84), ("RNN(3, 4, 1, 'relu', False)", 28)],
)
def test_recurrent_layers_read_their_positional_arguments_in_torchs_order(
    cnncalc: Run, chain: str, params: int
) -> None:
    # LSTM and GRU take bias fourth; only RNN takes nonlinearity there
    code, out, _ = cnncalc("trace", "--input", "5x3", chain, "--json", "--no-verify")
    assert (code, json.loads(out)["total_params"]) == (0, params)


def test_batch_first_given_by_position_places_the_batch(cnncalc: Run) -> None:
    code, out, _ = cnncalc(
        "trace", "--input", "5x3", "--batch", "2", "LSTM(3, 4, 1, True, True)", "--json", "--no-verify"
    )
    assert (code, json.loads(out)["layers"][0]["input_shape"]) == (0, [2, 5, 3])


@pytest.mark.parametrize(
    ("dtype", "chain", "said"),
    [
        ("int64", "Flatten() -> Linear(_, 3)", "Linear #2 expects a floating-point input"),
        ("uint8", "AvgPool2d(2)", "AvgPool2d #1 expects a floating-point input"),
        ("int64", "Conv2d(3, 4, 3)", "Conv2d #1 expects a floating-point input"),
        ("bool", "Softmax(1)", "Softmax #1 expects a floating-point input"),
    ],
)
def test_integer_inputs_feed_only_what_torch_runs_on_integers(cnncalc: Run, dtype: str, chain: str, said: str) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", "--dtype", dtype, chain, "--no-verify")
    article = "an" if dtype.startswith("i") else "a"
    assert (code, out) == (2, "") and said in err and f"receives {article} {dtype} tensor" in err


def test_an_unmet_or_malformed_expect_and_target_leftovers(cnncalc: Run) -> None:
    # a malformed --expect (the wrong number of values) is refused before the answer is printed
    assert cnncalc("conv", "--w", "7", "--f", "3", "--expect", "5", "--no-verify") == (
        2, "", "cnncalc: error: --expect got 5, expected 2 values (the spatial size) or 3 (the whole shape without "
        "batch): the output is 1x5x5\n",
    )  # fmt: skip
    code, out, err = cnncalc("pool", "--w", "8", "--target", "3", "--type", "lp", "--norm", "nan", "--no-verify")
    assert (code, out) == (2, "") and err.startswith("cnncalc: error: --norm got nan, expected no --norm with --target")
    code, out, err = cnncalc("conv", "--w", "8", "--target", "3", "--groups", "2", "--no-verify")
    assert (code, out) == (2, "") and "no --groups with --target" in err


def test_batch_reads_past_a_byte_order_mark_and_shows_json_values() -> None:
    code, answers = batch(b"\xef\xbb\xbf" + GOOD.encode(), '{"cmd": "conv", "w": 7, "f": 3, "bias": false}\n')
    assert code == 2 and "output_shape" in answers[0]
    assert str(answers[1]["error"]).startswith("bias got false, expected an option of conv")


@pytest.mark.torch
def test_a_python_model_given_another_float_dtype_runs_where_torch_checks_it(cnncalc: Run) -> None:
    from pathlib import Path

    model = str(Path(__file__).parent / "models" / "resnet.py") + ":resnet18"
    code, out, err = cnncalc("trace", "--input", "3x32x32", "--dtype", "float16", model)
    assert (code, out) == (2, "")  # torch on the CPU refuses it; the meta device would have said ✓
    assert "expected scalar type Half but found Float" in err
    code, _, err = cnncalc("trace", "--input", "3x32x32", "--dtype", "float16", "--device", "meta", model)
    assert code == 2 and "the meta device does not check a float16 input against float32 weights" in err
    code, _, err = cnncalc("trace", "--input", f"3x{10**19}x8", model)
    assert code == 2 and "past torch's int64 limit" in err


@pytest.mark.parametrize(
    "args",
    [
        ("lstm", "--hidden", "512", "--input", "300", "--explain", "--layers", "2", "--bidirectional", "--proj", "128"),
        ("conv", "--input", "64x56x56", "--k", "128", "--f", "3x5", "--s", "2", "--p", "1x2", "--dilation", "2",
         "--groups", "2", "--explain"),
        ("conv", "--w", "224", "--target", "112"),
    ],
)  # fmt: skip
def test_titles_captions_and_steps_fold_to_the_terminal(cnncalc: Run, args: tuple[str, ...]) -> None:
    code, out, _ = cnncalc(*args, "--no-verify", env={"COLUMNS": "80"})
    assert code == 0 and max(width_of(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize(
    ("call", "line"),
    [
        ("conv_params(3, d=3, k=16, dims=0)", "dims got 0, expected 1, 2 or 3"),
        ("conv_params(3, d=3, k=16, dims=5)", "dims got 5, expected 1, 2 or 3"),
        ("conv_params(3, d=3, k=16, bias=None)", "bias got None, expected True or False"),
        ("pool_output_size('a', 3)", "w got a, expected a whole number of at least 1"),
        ("pool_output_size(7, 3, ceil_mode='x')", "ceil_mode got x, expected True or False"),
    ],
)
def test_the_python_api_refuses_in_its_own_words(call: str, line: str) -> None:
    from cnncalc import InvalidParameter, conv_params
    from cnncalc.core.pool import pool_output_size

    with pytest.raises(InvalidParameter) as caught:
        eval(call, {"conv_params": conv_params, "pool_output_size": pool_output_size})
    assert str(caught.value) == line


def test_unread_cells_are_counted_as_the_taps_would_list_them() -> None:
    # the closed form for undilated windows against listing every tap, on every small case
    import itertools

    from cnncalc.core.window import slide, unread_cells

    for size, f, s, p, d in itertools.product(range(1, 12), range(1, 6), range(1, 6), range(3), (1, 2)):
        axis = slide("W", size, f, s, p, p, d)
        if axis.output >= 1:
            read = {i * s - p + j * d for i in range(axis.output) for j in range(f)}
            assert unread_cells(size, f, s, p, d, axis.output) == size - len(read & set(range(size)))
