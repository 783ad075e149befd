"""Shared test settings and helpers: hypothesis runs derandomized, so a CI
failure replays; CLI runs use a fixed width and no colour."""

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from cnncalc.cli import app

settings.register_profile("cnncalc", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile("cnncalc")

GOLDEN = Path(__file__).parent / "golden"
# A fixed width and no colour, whatever the terminal running the tests.
runner = CliRunner(env={"COLUMNS": "100", "NO_COLOR": None, "FORCE_COLOR": None})

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cnncalc() -> Run:
    """Run cnncalc in-process: (exit code, stdout, stderr)."""

    def run(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def golden() -> Callable[[str], str]:
    return lambda name: (GOLDEN / name).read_text()


def run_in_subprocess(*args: str, code: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``cnncalc ARGS`` in a fresh interpreter, then ``code`` (``status`` holds the exit code)."""
    program = (
        "import sys, runpy\n"
        f"sys.argv = ['cnncalc', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('cnncalc', run_name='__main__')\n"
        "except SystemExit as exit:\n    status = exit.code\n"
        f"{code}"
    )
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Thousands of tiny layers run several times faster, and steadier on a busy machine, on one thread."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# torchvision lives in its own venv (make check-torchvision); elsewhere its test file is not even collected.
collect_ignore = [] if importlib.util.find_spec("torchvision") else ["test_torchvision.py"]
# The models are what the tests trace, not tests (two of them import a sibling of the same name, as users' do).
collect_ignore_glob = ["models/*"]
