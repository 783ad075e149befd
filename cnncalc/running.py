"""A command run from the command line: the output options checked before any work, cnncalc's errors (and
whatever escaped the checks) as one line on stderr with their exit code, the answer printed, --expect checked."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from .errors import CnnCalcError, ExpectationNotMet, InvalidParameter

if TYPE_CHECKING:
    from .commands.base import CheckT, Command, RequestT, ResultT

Text = str | None


@contextmanager
def reporting() -> Iterator[None]:
    """Turn cnncalc's errors into one line on stderr and their exit code."""
    try:
        yield
    except CnnCalcError as error:
        from .commands.base import CLI

        sys.stderr.write(f"cnncalc: error: {error.describe(CLI)}\n")
        raise typer.Exit(error.exit_code) from None
    except (typer.Exit, BrokenPipeError):  # an exit code already chosen; a reader that went away (`| head`)
        raise
    except Exception as error:  # an input that escaped every check: still bad input, in one line
        sys.stderr.write(f"cnncalc: error: {escaped(error)}\n")
        raise typer.Exit(2) from None


def check_output_options(
    as_json: bool, quiet: bool, explain: bool, show: bool, frames: bool, svg: Text, html: Text, expect: Text
) -> None:
    """Refuse, before any work, what would be silently ignored or fail only after the answer is printed."""
    import os

    from .core.values import parse_expected_shape

    if frames and not show:
        raise InvalidParameter("frames", "given", "--show with it: one picture per window position", "add --show")
    plain = "--json" if as_json else "--quiet" if quiet else ""
    for option, given in (("svg", svg), ("html", html), ("show", show or None), ("explain", explain or None)):
        if given is not None and plain:
            raise InvalidParameter(
                option, given if isinstance(given, str) else "given", f"the table, which {plain} does not print",
                f"drop {plain} or --{option}",
            )  # fmt: skip
        if isinstance(given, str) and given:
            folder = os.path.dirname(os.path.abspath(given))
            if os.path.isdir(given) or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
                raise InvalidParameter(option, given, "a file cnncalc can write", "check the folder exists")
    if expect is not None:  # its form, before the answer: whether it is met is known after
        wanted = expect.partition("=")[2] if "=" in expect else expect
        parse_expected_shape(wanted, "a shape like 3x3 or 16x3x3 (or out=1x10 for a named output)")


def check_distinct_files(**paths: Text) -> None:
    """Two options writing one file: the second would silently replace what the first wrote."""
    import os

    seen: dict[str, str] = {}
    for option, path in paths.items():
        if not path:
            continue
        where = os.path.realpath(path)
        if where in seen:
            raise InvalidParameter(
                option, path, f"a file of its own: --{seen[where]} writes it too", f"name another file for --{option}"
            )
        seen[where] = option


def refuse_with_target(explain: bool, **unused: object) -> None:
    """Options --target has no use for are refused, not silently dropped (its solutions are built without them)."""
    if explain:
        raise InvalidParameter(
            "explain", "given", "no --explain with --target: each row is a solution", "drop --explain"
        )
    from .commands.base import refuse_with

    refuse_with("target", unused, "--target solves for the window alone: kernel, stride, padding, dilation")


def escaped(error: Exception) -> str:
    """The line for an input no check of cnncalc's caught (a check is missing: the report says which)."""
    text = str(error).strip().splitlines()
    reason = f"{type(error).__name__}: {text[0][:200] if text else ''}"
    return f"this input reached no check of cnncalc's and failed there ({reason}); please report it"


def run_command(
    command: Command[RequestT, ResultT, CheckT],
    request: RequestT,
    verify: bool,
    as_json: bool,
    explain: bool,
    expect: Text,
    quiet: bool = False,
    show: bool = False,
    svg: Text = None,
    html: Text = None,
    frames: bool = False,
    animate: Text = None,
    frames_dir: Text = None,
    speed: Text = None,
) -> None:
    """Check the options that shape the output, compute, confirm, save any animation, print, then check --expect:
    the same steps for every calculator."""
    from .collector import paused

    with reporting(), paused():
        check_output_options(as_json, quiet, explain, show, frames, svg, html, expect)
        check_distinct_files(svg=svg, html=html, animate=animate)
        animation = None
        if animate is not None or frames_dir is not None or speed is not None:
            from .animating import animation_options, save

            animation = animation_options(animate, frames_dir, speed)
        if animation is None:
            answer = command.respond(request, verify)
        else:  # the picture is drawn (or refused past its bounds) before torch confirms, and saved after
            from .commands.base import Answer

            result = command.build(request)
            scene = command.animation(result, verify)
            answer = Answer(command, result, command.confirm(result) if verify else None)
            save(scene, animation)
        unmet = None
        if expect is not None:  # a malformed --expect is refused before anything is printed; an unmet one after
            try:
                answer.check_expectation(expect)
            except ExpectationNotMet as error:
                unmet = error
        if quiet:
            from .core.values import format_shape

            sys.stdout.write(format_shape(answer.output_shape) + "\n")
        elif as_json:
            from .views.common import print_json

            print_json(answer.to_json())
        else:
            answer.print(explain, ("frames" if frames else "picture") if show else "", svg, html)
        if unmet is not None:
            raise unmet


def end_now(code: str | int | None) -> None:
    """End the process once the answer is out, without the interpreter's teardown.

    After ``import torch`` that teardown takes about 0.4 s (torch's modules and the millions of objects they
    made are freed one by one), longer than most answers took; without torch, freeing typer's, rich's and
    cnncalc's modules still takes ~10 ms, a fifth of a whole ``--no-verify`` answer. A finished command needs
    none of it: every file it wrote is closed by then. The output is flushed first; the exit code is kept, and
    a message (``sys.exit("…")``) printed as Python would.
    """
    import os
    from contextlib import suppress

    if isinstance(code, str):
        sys.stderr.write(code + "\n")
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing more to deliver
            stream.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
