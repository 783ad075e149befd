"""Batch mode: every valid line answered, in order; bad lines answered with an
error object; the exit code says the worst that happened; input streams."""

import io
import json
from collections.abc import Iterator

import pytest
from conftest import Run, run_in_subprocess

from cnncalc.batch import run_batch

MIXED = [
    '{"cmd": "conv", "w": 7, "f": 3, "s": 2, "verify": false}',
    '{"cmd": "pool", "input": "64x56x56", "f": 2, "verify": false}',
    "",
    "not json",
    '{"cmd": "conv", "w": 7, "f": 3, "s": 0}',
    '{"cmd": "lstm", "hidden": 64, "input": 32, "verify": false}',
    '{"cmd": "nope"}',
    "[1, 2]",
    '{"cmd": "conv", "w": 7, "f": 3, "bogus": 1}',
    '{"cmd": "trace", "input": "3x32x32", "model": "Conv2d(3, 8, 3) -> Flatten()", "verify": false}',
]


def answers(lines: list[str], verify: bool = True) -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = run_batch(lines, out, verify)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_mixed_lines_are_all_answered_in_order() -> None:
    code, results = answers(MIXED)
    assert code == 2
    assert [r["line"] for r in results] == [1, 2, 4, 5, 6, 7, 8, 9, 10]  # the blank line 3 asks nothing
    assert results[0]["output_shape"] == [1, 3, 3]
    assert results[1]["output_shape"] == [64, 28, 28]
    assert results[2] == {
        "schema_version": 1,
        "line": 4,
        "error": "not JSON: Expecting value at column 1",
        "param": None,
    }
    assert results[3] == {
        "schema_version": 1,
        "line": 5,
        "error": "s got 0, expected a stride of at least 1 (torch: non-positive stride is not supported)",
        "param": "s",
    }
    assert results[4]["params"] == 25_088
    assert results[5]["param"] == "cmd"
    assert results[6]["param"] is None and "JSON object" in str(results[6]["error"])
    assert results[7]["param"] == "bogus"
    assert results[8]["output_shape"] == [1, 8 * 30 * 30]


# (a batch line, the same request on the command line)
SAMPLE = [
    ({"cmd": "conv", "w": 7, "f": 3, "s": 2}, ("conv", "--w", "7", "--f", "3", "--s", "2")),
    ({"cmd": "conv", "input": "16x31x17", "k": 8, "f": "3x5", "p": "same-tf", "s": 2, "dilation": 2},
     ("conv", "--input", "16x31x17", "--k", "8", "--f", "3x5", "--p", "same-tf", "--s", "2", "--dilation", "2")),
    ({"cmd": "conv", "w": 9, "d": 4, "k": 6, "f": 4, "s": 3, "transposed": True, "output_padding": 1, "groups": 2},
     ("conv", "--w", "9", "--d", "4", "--k", "6", "--f", "4", "--s", "3", "--transposed", "--output-padding", "1",
      "--groups", "2")),
    ({"cmd": "pool", "input": "3x9x10", "f": 3, "s": 2, "p": 1, "ceil": True, "type": "avg", "no-count-pad": True},
     ("pool", "--input", "3x9x10", "--f", "3", "--s", "2", "--p", "1", "--ceil", "--type", "avg", "--no-count-pad")),
    ({"cmd": "pool", "input": "8x7x7", "adaptive": "3x2"}, ("pool", "--input", "8x7x7", "--adaptive", "3x2")),
    ({"cmd": "lstm", "hidden": 16, "input": 8, "layers": 2, "bidirectional": True, "batch": 3, "seq": 4},
     ("lstm", "--hidden", "16", "--input", "8", "--layers", "2", "--bidirectional", "--batch", "3", "--seq", "4")),
    ({"cmd": "conv-target", "w": 32, "target": 16, "k": 4}, ("conv", "--w", "32", "--target", "16", "--k", "4")),
    ({"cmd": "trace", "input": "3x16x16", "model": "Conv2d(3, 4, 3) -> ReLU() -> Flatten() -> Linear(_, 2)"},
     ("trace", "--input", "3x16x16", "Conv2d(3, 4, 3) -> ReLU() -> Flatten() -> Linear(_, 2)")),
]  # fmt: skip


@pytest.mark.parametrize("jobs", [1, 2])
def test_same_objects_as_json_plus_the_line(cnncalc: Run, jobs: int) -> None:
    """A batch answer is the object `--json` prints, plus its line, one process or several."""
    lines = [json.dumps(request) for request, _ in SAMPLE] * 2
    out = io.StringIO()
    assert run_batch(lines, out, verify=False, jobs=jobs, chunk=3) == 0
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    for number, (result, (_, args)) in enumerate(zip(results, SAMPLE * 2, strict=True), start=1):
        code, printed, _ = cnncalc(*args, "--json", "--no-verify")
        assert code == 0
        assert result == {"line": number, **json.loads(printed)}


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], 0),
        (["", "   "], 0),
        (['{"cmd": "conv", "w": 7, "f": 3, "expect": "5x5"}'], 0),
        (['{"cmd": "conv", "w": 7, "f": 3, "expect": "4x4"}'], 1),
        (['{"cmd": "conv", "w": 7, "f": 3, "expect": "4x4"}', "{"], 2),
    ],
)
def test_exit_codes(lines: list[str], code: int) -> None:
    assert answers(lines, verify=False)[0] == code


def test_expectation_is_reported_on_the_line() -> None:
    _, results = answers(['{"cmd": "conv", "w": 7, "f": 3, "expect": "4x4"}'], verify=False)
    assert results[0]["expect"] == {
        "wanted": "4x4",
        "met": False,
        "message": "expect 4x4 not met: the output is 1x5x5",
    }


@pytest.mark.torch
def test_lines_are_confirmed_unless_told_not_to() -> None:
    _, results = answers(['{"cmd": "conv", "w": 7, "f": 3}', '{"cmd": "conv", "w": 7, "f": 3, "verify": false}'])
    assert [r["verified"] for r in results] == [True, None]


def test_input_streams_one_line_at_a_time() -> None:
    out = io.StringIO()

    def lines() -> Iterator[str]:
        for n in range(1, 2001):
            # every earlier line has been answered before the next is read
            assert out.getvalue().count("\n") == n - 1
            yield f'{{"cmd": "conv", "w": {8 + n % 50}, "f": 3}}\n'

    assert run_batch(lines(), out, verify=False) == 0
    assert out.getvalue().count("\n") == 2000


def test_cli_reads_a_file_and_stdin(tmp_path: object, cnncalc: Run) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "requests.jsonl"
    path.write_text("\n".join(MIXED) + "\n")
    code, out, err = cnncalc("batch", "--no-verify", str(path))
    assert (code, err) == (2, "")
    assert len(out.splitlines()) == 9
    missing = cnncalc("batch", str(path) + ".missing")
    assert missing[0] == 2
    assert missing[2].startswith("cnncalc: error: file got ")


def test_batch_without_confirmation_never_imports_torch(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "requests.jsonl"
    path.write_text('{"cmd": "conv", "w": 7, "f": 3}\n{"cmd": "lstm", "hidden": 4, "input": 2}\n')
    done = run_in_subprocess("batch", "--no-verify", str(path), code="print('torch' in sys.modules, file=sys.stderr)\n")
    assert done.stderr == "False\n"
    assert len(done.stdout.splitlines()) == 2


def test_refusals_read_as_on_the_command_line(cnncalc: Run) -> None:
    """One rule refuses the window options --target and --adaptive choose: a batch line gets the CLI's words."""
    _, results = answers(['{"cmd": "conv-target", "w": 8, "target": 4, "f": 3}'], verify=False)
    code, _, err = cnncalc("conv", "--w", "8", "--target", "4", "--f", "3")
    assert (code, results[0]["param"]) == (2, "f")
    assert err == f"cnncalc: error: --{results[0]['error']}\n"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"cmd": "pool", "w": 8, "f": 2, "type": 5}', "type got 5, expected max, avg or lp"),
        ('{"cmd": "lstm", "hidden": 4, "input": 2, "cell": 3}', "cell got 3, expected lstm, gru or rnn"),
        ('{"cmd": "lstm", "hidden": 4, "input": 2, "nonlinearity": 3}', "nonlinearity got 3, expected tanh or relu"),
        ('{"cmd": "pool", "w": 8, "f": 2, "type": "lp", "norm": true}', "norm got true, expected a positive number p"),
    ],
)
def test_values_of_the_wrong_json_type_are_bad_lines(line: str, error: str) -> None:
    code, results = answers([line], verify=False)
    assert code == 2
    assert str(results[0]["error"]).startswith(error)


# --- --jobs: an unconfirmed batch answered by several processes, the same bytes in the same order --------------

BYTES = [
    "\ufeff" + MIXED[0],  # a byte-order mark on line 1 only
    *MIXED[1:],
    '{"cmd": "conv", "w": 7, "f": 3, "expect": "4x4"}',
    "\xff not UTF-8",
    '{"cmd": "pool", "input": "3x9x9", "f": 2, "ceil": true}',
    '{"cmd": "conv-target", "w": 32, "target": 16}',
]


@pytest.mark.parametrize("chunk", [1, 3, 4, 13])
def test_parallel_answers_are_the_serial_ones(chunk: int) -> None:
    lines = [line.encode("utf-8", "surrogateescape") if "\xff" not in line else b"\xff not UTF-8" for line in BYTES]
    lines = [line + b"\n" for line in lines] * 3  # line 1's mark is read only on line 1
    serial, parallel = io.StringIO(), io.StringIO()
    assert run_batch(lines, serial, verify=False) == 2
    assert run_batch(lines, parallel, verify=False, jobs=2, chunk=chunk) == 2
    assert parallel.getvalue() == serial.getvalue()
    assert len(serial.getvalue().splitlines()) == 3 * (len(BYTES) - 1)  # the blank line asks nothing


@pytest.mark.parametrize(("lines", "code"), [(["{}"], 2), (['{"cmd": "conv", "w": 7, "expect": "4x4"}'] * 5, 1)])
def test_parallel_exit_code_is_the_worst_line(lines: list[str], code: int) -> None:
    assert run_batch(lines, io.StringIO(), verify=False, jobs=2, chunk=2) == code


def test_parallel_reads_ahead_a_bounded_number_of_chunks() -> None:
    """A stream of any length: at most 2·jobs chunks are read beyond the one being written."""
    read = 0
    seen_when_written: list[int] = []

    class Out(io.StringIO):
        def write(self, text: str) -> int:
            seen_when_written.append(read)
            return super().write(text)

    def lines() -> Iterator[str]:
        nonlocal read
        for n in range(1, 201):
            read = n
            yield f'{{"cmd": "conv", "w": {8 + n}, "f": 3}}'

    out = Out()
    assert run_batch(lines(), out, verify=False, jobs=2, chunk=10) == 0
    assert len(out.getvalue().splitlines()) == 200
    # At every write, what was read is at most the chunks written, the one being written and 2·jobs more.
    for written, read_then in enumerate(seen_when_written):
        assert read_then <= (written + 1 + 2 * 2) * 10


def _no_pool(*args: object) -> None:
    raise AssertionError("a pool was started")


def test_less_than_a_chunk_is_answered_without_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_context", _no_pool)
    out = io.StringIO()
    assert run_batch(MIXED, out, verify=False, jobs=2, chunk=len(MIXED) + 1) == 2
    assert len(out.getvalue().splitlines()) == 9


def test_a_process_that_ran_torch_does_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking after torch's thread pool ran can hang the child: run_batch called from such a process (the Python
    API, a notebook) answers in that process."""
    import multiprocessing
    import sys

    monkeypatch.setattr(multiprocessing, "get_context", _no_pool)
    monkeypatch.setitem(sys.modules, "torch", sys.modules.get("torch", object()))
    out = io.StringIO()
    assert run_batch(MIXED * 3, out, verify=False, jobs=2, chunk=2) == 2
    assert len(out.getvalue().splitlines()) == 27


def test_a_worker_that_dies_stops_the_batch_and_says_which_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed (the out-of-memory killer, a model ending its process) loses its chunk: the batch stops
    with the lines before it answered, instead of waiting forever."""
    import os

    import cnncalc.batch
    from cnncalc.batch import BatchCut
    from cnncalc.commands.base import CLI

    answer = cnncalc.batch.answer_raw

    def dies_on_line_5(number: int, raw: str | bytes, verify: bool) -> tuple[str, int]:
        if number == 5:
            os._exit(9)  # in the forked worker
        return answer(number, raw, verify)

    monkeypatch.setattr(cnncalc.batch, "answer_raw", dies_on_line_5)
    out = io.StringIO()
    lines = ['{"cmd": "conv", "w": 7}'] * 12
    with pytest.raises(BatchCut) as cut:
        run_batch(lines, out, verify=False, jobs=2, chunk=3)
    assert out.getvalue().count("\n") == 3  # lines 1-3; 4-6 were lost with their worker
    assert cut.value.first == 4 and cut.value.last >= 6 and cut.value.exit_code == 2
    assert cut.value.describe(CLI).startswith(f"lines 4 to {cut.value.last} got no answer: the process")
    assert "--jobs 1" in cut.value.describe(CLI)


@pytest.mark.parametrize(
    ("jobs", "error"),
    [
        ("0", "--jobs got 0, expected auto, or a count of processes from 1 to 256"),
        ("257", "--jobs got 257, expected auto, or a count of processes from 1 to 256"),
        ("two", "--jobs got two, expected auto, or a count of processes from 1 to 256"),
    ],
)
def test_jobs_is_checked(cnncalc: Run, jobs: str, error: str) -> None:
    assert cnncalc("batch", "--no-verify", "--jobs", jobs, "-") == (2, "", f"cnncalc: error: {error}\n")


def test_cli_answers_with_any_jobs(tmp_path: object, cnncalc: Run) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "requests.jsonl"
    path.write_text("\n".join(MIXED * 700) + "\n")  # 7,000 lines: several chunks
    outputs = {jobs: cnncalc("batch", "--no-verify", "--jobs", jobs, str(path)) for jobs in ("1", "2", "auto")}
    assert outputs["1"][0] == 2 and len(outputs["1"][1].splitlines()) == 6_300
    assert outputs["1"] == outputs["2"] == outputs["auto"]


def test_the_command_starts_without_the_collector_and_batch_turns_it_back_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """cnncalc/entry.py turns Python's cyclic collector off for a command of milliseconds; a batch may run for
    hours, and its bad lines leave reference cycles (an exception and its traceback), so it turns it back on."""
    import gc

    from typer.testing import CliRunner

    import cnncalc.cli
    from cnncalc import entry

    seen: list[bool] = []
    monkeypatch.setattr(cnncalc.cli, "main", lambda: seen.append(gc.isenabled()))
    try:
        entry.main()
        assert seen == [False]
        result = CliRunner().invoke(cnncalc.cli.app, ["batch", "--no-verify", "-"], input='{"cmd": "conv", "w": 7}\n')
        assert result.exit_code == 0 and gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.torch
def test_same_confirmed_objects_as_json_plus_the_line(cnncalc: Run) -> None:
    """Confirmed, too: torch's word, its device included, is the same in a batch as on the command line."""
    out = io.StringIO()
    assert run_batch([json.dumps(request) for request, _ in SAMPLE], out) == 0
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    for number, (result, (_, args)) in enumerate(zip(results, SAMPLE, strict=True), start=1):
        code, printed, _ = cnncalc(*args, "--json")
        assert code == 0
        assert result == {"line": number, **json.loads(printed)}
        assert result["verified"] is True
