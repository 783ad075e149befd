"""The shell's side of the command line: completion scripts by the shell's name, the values an option
completes to, and --version."""

# No `from __future__ import annotations`: Typer reads the callbacks' annotations.
import sys
from collections.abc import Callable

import typer

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def choices(words: str) -> Callable[[str], list[str]]:
    """Shell completion for an option that takes one of ``words``."""
    return lambda incomplete: [word for word in words.split() if word.startswith(incomplete)]


def _completion(install: bool) -> Callable[[str | None], None]:
    def callback(shell: str | None) -> None:
        if shell is None:
            return
        if shell not in SHELLS:
            raise typer.BadParameter(f"got {shell}, expected {', '.join(SHELLS)}")
        from typer._completion_shared import get_completion_script
        from typer._completion_shared import install as install_script

        if install:
            _, path = install_script(shell=shell, prog_name="cnncalc", complete_var="_CNNCALC_COMPLETE")
            sys.stdout.write(f"{shell} completion installed in {path}; it takes effect in a new shell\n")
        else:
            script = get_completion_script(prog_name="cnncalc", complete_var="_CNNCALC_COMPLETE", shell=shell)
            sys.stdout.write(script + "\n")
        raise typer.Exit(0)

    return callback


def completion_option(install: bool) -> typer.models.OptionInfo:
    verb = "Install" if install else "Print"
    option: typer.models.OptionInfo = typer.Option(
        "--install-completion" if install else "--show-completion",
        help=f"{verb} the completion script for SHELL: bash, zsh, fish, powershell or pwsh.",
        metavar="SHELL",
        is_eager=True,
        callback=_completion(install),
        autocompletion=choices(" ".join(SHELLS)),
    )
    return option


def print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        sys.stdout.write(f"cnncalc {version('cnncalc')}\n")
        raise typer.Exit(0)
