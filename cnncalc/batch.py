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

import json
from collections.abc import Iterable
from typing import TextIO

from .commands import respond
from .commands.base import BATCH, JSON
from .errors import CnnCalcError, ExpectationNotMet, InvalidParameter
from .views.common import SCHEMA_VERSION


def run_batch(lines: Iterable[str | bytes], out: TextIO, verify: bool = True) -> int:
    """Answer every line; return 3 on any disagreement with torch, else 2 on any bad
    line, else 1 on any unmet expectation, else 0.

    Lines may come as bytes (a file, standard input): each is decoded on its own, so bytes that are not
    UTF-8 spoil their line only.
    """
    worst = 0
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if number == 1:
                line = line.removeprefix("\ufeff")  # a byte-order mark some editors write first
        except UnicodeDecodeError as error:
            answer, code = _error(number, f"not UTF-8 text: byte {error.start + 1} is {raw[error.start]:#04x}", None), 2
        else:
            if not line.strip():
                continue  # blank lines (a trailing newline, spacing) ask nothing
            answer, code = answer_line(number, line, verify)
        worst = max(worst, code)
        out.write(json.dumps(answer) + "\n")
    return worst


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
