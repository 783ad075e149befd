"""The commands, typed end to end: each module holds one command's request (its options by their
command-line names) and its ``Command`` (compute with the core, confirm with torch, show with a view). The
command line calls them directly; batch mode finds them here by name. Each loads only when asked for, so
``cnncalc conv`` imports what conv needs and no more.

A new command goes in a module of its own here, with its view in ``views`` and its check in ``confirm``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from ..core.values import Given
from ..errors import InvalidParameter
from .base import JSON


class Answered(Protocol):
    """An answer, whatever the command: what batch mode needs of it."""

    def to_json(self) -> JSON: ...

    def check_expectation(self, expect: Given) -> None: ...


class Responder(Protocol):
    def respond_to(self, options: Mapping[str, Given], verify: bool = True) -> Answered: ...


def _conv() -> Responder:
    from .conv import CONV

    return CONV


def _pool() -> Responder:
    from .pool import POOL

    return POOL


def _lstm() -> Responder:
    from .lstm import LSTM

    return LSTM


def _conv_target() -> Responder:
    from .solve import CONV_TARGET

    return CONV_TARGET


def _pool_target() -> Responder:
    from .solve import POOL_TARGET

    return POOL_TARGET


def _trace() -> Responder:
    from .trace import TRACE

    return TRACE


COMMANDS: dict[str, Callable[[], Responder]] = {
    "conv": _conv,
    "pool": _pool,
    "lstm": _lstm,
    "conv-target": _conv_target,
    "pool-target": _pool_target,
    "trace": _trace,
}


def respond(command: str, options: Mapping[str, Given], verify: bool = True) -> Answered:
    """Compute (and unless ``verify`` is false, confirm) one request of a batch line."""
    responder = _LOADED.get(command)
    if responder is None:
        load = COMMANDS.get(command)
        if load is None:
            raise InvalidParameter("cmd", command, f"one of {', '.join(COMMANDS)}")
        responder = _LOADED[command] = load()
    return responder.respond_to(options, verify)


_LOADED: dict[str, Responder] = {}  # each command's module, once imported: batch mode asks a line at a time
