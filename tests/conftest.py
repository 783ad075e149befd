"""Shared test settings and helpers: hypothesis runs derandomized, so a CI
failure replays; CLI runs use a fixed width and no colour.

``make test-fast`` runs the pure tests alone, in a process that never imports torch
(``CNNCALC_TESTS_WITHOUT_TORCH=1 pytest -m "not torch"``); ``make test`` runs them so, then the torch ones.
A test that reaches torch must say so with ``@pytest.mark.torch``: the guard below fails it otherwise.
``pytest --update-golden`` rewrites the golden files from what the tests now print (review the diff).
"""

import importlib.abc
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

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


WITHOUT_TORCH = os.environ.get("CNNCALC_TESTS_WITHOUT_TORCH") == "1"
# A test module that imports torch, or cnncalc's modules that do, at its top: it needs torch to be collected.
_NEEDS_TORCH = re.compile(r"^(import torch|from torch|torch = |from cnncalc\.(tracing|confirm)\b)", re.MULTILINE)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden from the current output (review the diff)"
    )


# cnncalc's own modules that import torch at their top: their doctests are torch tests.
_TORCH_PACKAGES = tuple(str(Path(__file__).parent.parent / "cnncalc" / name) for name in ("tracing", "confirm"))


def pytest_configure(config: pytest.Config) -> None:
    if WITHOUT_TORCH:  # (a conftest's own hooks see only the paths below it: cnncalc/ is told by --ignore)
        config.option.ignore = [*(config.option.ignore or []), *_TORCH_PACKAGES]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if WITHOUT_TORCH and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return bool(_NEEDS_TORCH.search(collection_path.read_text()))
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A module that needs torch to be imported holds torch tests only, marked or not: make test runs them with the
    # torch group (make test-fast cannot even collect them).
    needs_torch: dict[Path, bool] = {}
    for item in items:
        path = Path(item.path)
        if path not in needs_torch:
            torch_package = str(path).startswith(_TORCH_PACKAGES)
            needs_torch[path] = torch_package or bool(_NEEDS_TORCH.search(path.read_text()))
        if needs_torch[path]:
            item.add_marker(pytest.mark.torch)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _NoTorch.tried:
        raise pytest.UsageError(f"collecting the pure tests imports {_NoTorch.tried[0]}: a test module needs torch")


class _NoTorch(importlib.abc.MetaPathFinder):
    """Under make test-fast, torch cannot be imported: every test that tries is named, not just the first."""

    tried: ClassVar[list[str]] = []

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name.partition(".")[0] == "torch":
            self.tried.append(name)
            raise ImportError(f"{name} is kept out of the pure tests (make test-fast)")


if WITHOUT_TORCH:
    sys.meta_path.insert(0, _NoTorch())


@pytest.fixture(autouse=True)
def torch_marker_is_honest(request: pytest.FixtureRequest) -> Iterator[None]:
    """Torch tests run on one thread; under make test-fast, a test that reaches for torch fails."""
    if request.node.get_closest_marker("torch") is not None:
        request.getfixturevalue("one_torch_thread")
    _NoTorch.tried.clear()
    yield
    if _NoTorch.tried:
        pytest.fail(f"{request.node.nodeid} imports {_NoTorch.tried[0]}: mark it @pytest.mark.torch", pytrace=False)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[..., str]:
    """``golden(name)`` reads a golden file; ``golden(name, now)`` also rewrites it under --update-golden."""

    def read(name: str, now: str | None = None) -> str:
        path = GOLDEN / name
        if now is not None and request.config.getoption("--update-golden"):
            path.write_text(now)
        return path.read_text()

    return read


def run_in_subprocess(*args: str, code: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``cnncalc ARGS`` in a fresh interpreter, then ``code`` (``status`` holds the exit code)."""
    program = (
        "import sys\n"
        "import cnncalc.cli\n"
        f"sys.argv = ['cnncalc', *{list(args)!r}]\n"
        "cnncalc.cli.end_now = sys.exit  # main() ends with os._exit, after which no code would run\n"
        "try:\n    cnncalc.cli.main()\n"
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
