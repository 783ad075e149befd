"""Batch mode: one JSON request a line in, one JSON answer a line out.

Each line is ``{"cmd": "conv", "w": 7, "f": 3, "s": 2}`` with the command's
options by their command-line names (``no_bias`` or ``no-bias``), plus
``"verify": false`` to skip confirmation and ``"expect": "3x3"``. Each answer
is the object ``--json`` prints plus ``"line"``; a bad line gets
``{"line": 7, "error": "...", "param": "s"}`` and the rest go on. Lines are
read and answered one at a time, so a file of any length streams through.
torch is imported once, by the first line that needs confirming.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from .commands import respond
from .commands.base import BATCH, JSON
from .core.values import parse_int
from .errors import PYTHON, CnnCalcError, ExpectationNotMet, InvalidParameter, Spelling
from .views.common import SCHEMA_VERSION

if TYPE_CHECKING:
    from concurrent.futures import Future

# json.dumps, without its check for reference cycles (an answer is a tree of new dicts and lists): 1 µs a line.
_encode = json.JSONEncoder(check_circular=False).encode


def run_batch(
    lines: Iterable[str | bytes], out: TextIO, verify: bool = True, jobs: int = 1, chunk: int | None = None
) -> int:
    """Answer every line; return 3 on any disagreement with torch, else 2 on any bad
    line, else 1 on any unmet expectation, else 0.

    Lines may come as bytes (a file, standard input): each is decoded on its own, so bytes that are not
    UTF-8 spoil their line only. With ``jobs`` above 1, an unconfirmed batch of more than ``chunk`` lines is
    answered by that many processes side by side (``in_parallel``), the answers written in order all the same.
    """
    chunk = chunk or CHUNK_LINES
    # Forking a process that has run torch's thread pool can hang the child (OpenMP): only a process without
    # torch forks, as the command line's is.
    forks = "fork" in multiprocessing.get_all_start_methods() and "torch" not in sys.modules
    if jobs > 1 and not verify and forks:
        return in_parallel(lines, out, jobs, chunk)
    worst = 0
    for number, raw in enumerate(lines, start=1):
        text, code = answer_raw(number, raw, verify)
        worst = max(worst, code)
        if text:
            out.write(text)
    return worst


def answer_raw(number: int, raw: str | bytes, verify: bool) -> tuple[str, int]:
    """One line as read (bytes or text): its answer as the line to write ("" for a blank line) and its exit code."""
    if isinstance(raw, bytes):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            message = f"not UTF-8 text: byte {error.start + 1} is {raw[error.start]:#04x}"
            return _encode(_error(number, message, None)) + "\n", 2
    else:
        line = raw
    if number == 1:
        line = line.removeprefix("\ufeff")  # a byte-order mark some editors write first
    if not line.strip():
        return "", 0  # blank lines (a trailing newline, spacing) ask nothing
    answer, code = answer_line(number, line, verify)
    return _encode(answer) + "\n", code


MAX_JOBS = 256


def processes_for(jobs: object) -> int:
    """``--jobs``: "auto" (one process per CPU this one may run on, at most ``MAX_JOBS``), or a count from 1 to
    ``MAX_JOBS``."""
    if jobs == "auto":
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return min(cpus, MAX_JOBS)
    count = parse_int(jobs, "jobs", 1, f"auto, or a count of processes from 1 to {MAX_JOBS}")
    if count > MAX_JOBS:
        raise InvalidParameter("jobs", count, f"auto, or a count of processes from 1 to {MAX_JOBS}")
    return count


# Lines a process answers at a time in parallel: ~30 ms of work, against ~0.1 ms to hand it over and back.
CHUNK_LINES = 1_000


class BatchCut(CnnCalcError):
    """A process answering part of a batch ended without answering (killed, out of memory): the lines before are
    answered, the rest are not (exit code 2)."""

    exit_code = 2

    def __init__(self, first: int, last: int, reason: str) -> None:
        self.first, self.last, self.reason = first, last, reason
        super().__init__(first, last, reason)

    def describe(self, spelling: Spelling = PYTHON) -> str:
        return (
            f"lines {self.first:,} to {self.last:,} got no answer: the process answering them ended ({self.reason}), "
            f"and the batch stops there, every line before it answered; with {spelling.name('jobs') or 'jobs'} 1 "
            "the batch runs in one process, and stops at the line that ends it"
        )


def in_parallel(lines: Iterable[str | bytes], out: TextIO, jobs: int, chunk: int) -> int:
    """An unconfirmed batch answered by ``jobs`` forked processes, ``chunk`` lines at a time, in order.

    One line costs ~30 µs of Python, two thirds of it cnncalc's arithmetic and a third the JSON encoding of its
    answer (README, Benchmarks); a second core halves it. At most ``2 · jobs`` chunks are read ahead of the one
    being written, so a stream of any length goes through. A batch shorter than one chunk is answered here: a
    pool would cost more. A worker that needs torch (a Python model's trace) imports its own.
    """
    chunks = _chunks(lines, chunk)
    first = next(chunks, None)
    if first is None:
        return 0
    if len(first[1]) < chunk:
        text, worst = _answer_text(*first)
        out.write(text)
        return worst
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    worst = 0
    pending: deque[tuple[int, int, Future[tuple[bytes, int]]]] = deque()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_started) as pool:
        try:
            for item in itertools.chain((first,), chunks):
                pending.append((item[0], item[0] + len(item[1]) - 1, pool.submit(_answer_chunk, *item)))
                while len(pending) > 2 * jobs:
                    worst = max(worst, _write(pending[0][2], out))
                    pending.popleft()  # only once written: a lost chunk is still first in line
            while pending:
                worst = max(worst, _write(pending[0][2], out))
                pending.popleft()
        except BrokenProcessPool as broken:
            # A worker died (SIGKILL from the out-of-memory killer, a crash): its chunk is lost, and so is the pool.
            raise BatchCut(pending[0][0], pending[-1][1], str(broken) or "no reason given") from None
    return worst


def _worker_started() -> None:
    # Ctrl-C reaches every process of the group: the parent stops the batch, the workers just end with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _chunks(lines: Iterable[str | bytes], size: int) -> Iterator[tuple[int, list[str | bytes]]]:
    """(the first line's number, up to ``size`` lines)."""
    batch: list[str | bytes] = []
    first = 1
    for number, raw in enumerate(lines, start=1):
        batch.append(raw)
        if len(batch) == size:
            yield first, batch
            first, batch = number + 1, []
    if batch:
        yield first, batch


def _answer_text(first: int, raws: list[str | bytes]) -> tuple[str, int]:
    answers = [answer_raw(number, raw, False) for number, raw in enumerate(raws, start=first)]
    return "".join(text for text, _ in answers), max(code for _, code in answers)


def _answer_chunk(first: int, raws: list[str | bytes]) -> tuple[bytes, int]:
    """A worker's answer to a chunk, as UTF-8 bytes: encoded once here, where a str would be encoded to cross
    between processes, then decoded and encoded again to be written."""
    text, worst = _answer_text(first, raws)
    return text.encode(), worst


def _write(result: Future[tuple[bytes, int]], out: TextIO) -> int:
    data, code = result.result()
    binary = getattr(out, "buffer", None)
    if binary is None:  # a text stream without bytes beneath (io.StringIO)
        out.write(data.decode())
    else:
        out.flush()  # whatever was written as text goes first
        binary.write(data)
    return code


def answer_line(number: int, line: str, verify: bool = True) -> tuple[JSON, int]:
    """One line's answer and its exit code."""
    line = line.rstrip("\r\n")  # the column of an error counts within the line, whichever line it is
    try:
        parsed: object = json.loads(line)
    except json.JSONDecodeError as error:
        return _error(number, f"not JSON: {error.msg} at column {error.colno}", None), 2
    except RecursionError:
        return _error(number, "not JSON cnncalc reads: nested too deep (JSON requests are one level deep)", None), 2
    except ValueError:  # an integer of more digits than Python converts (4,300): sizes stop at 10^100 anyway
        return _error(number, "not JSON cnncalc reads: a number of thousands of digits", None), 2
    if not isinstance(parsed, dict):
        shown = line.strip()[:40]
        return _error(number, f'expected a JSON object like {{"cmd": "conv", ...}}, got {shown}', None), 2
    request: dict[str, object] = dict(parsed)
    command = request.pop("cmd", None)
    line_verify = request.pop("verify", True)
    expect = request.pop("expect", None)
    try:
        if not isinstance(line_verify, bool):
            raise InvalidParameter("verify", line_verify, "true or false")
        if command is None:
            raise InvalidParameter("cmd", "nothing", "a command: conv, pool, lstm or trace")
        answer = respond(str(command), request, verify and line_verify)
        result: JSON = {"line": number, **answer.to_json()}
        code = 0
        if expect is not None:
            try:
                answer.check_expectation(expect)
                result["expect"] = {"wanted": expect, "met": True}
            except ExpectationNotMet as unmet:
                result["expect"] = {"wanted": expect, "met": False, "message": unmet.describe(BATCH)}
                code = unmet.exit_code
        return result, code
    except CnnCalcError as error:
        return _error(number, error.describe(BATCH), error.named(BATCH)), error.exit_code
    except Exception as error:  # a line that escaped every check still gets its answer, and the rest go on
        from .running import escaped

        return _error(number, escaped(error), None), 2


def _error(number: int, message: str, param: str | None) -> JSON:
    return {"schema_version": SCHEMA_VERSION, "line": number, "error": message, "param": param}
