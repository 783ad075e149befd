"""Bad input never crashes, batch never drops a line, and cnncalc never claims a check it did not run (issue 13).

Each case found by hand has a test here; the fuzz tests at the end feed random and hostile text to every option,
chain and batch line.
"""

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
