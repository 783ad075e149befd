"""Real --json and batch outputs validate against the shipped JSON Schemas;
--quiet prints the bare shape; schema and help never import torch."""

import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import Run, run_in_subprocess

from cnncalc.batch import run_batch
from cnncalc.schema import SCHEMAS

CASES = Path(__file__).parent / "models" / "cases.py"

EXAMPLES = [
    ("conv", ("--w", "7", "--f", "3", "--s", "2")),
    ("conv", ("--input", "3x8x9x10", "--k", "4", "--f", "3", "--p", "same")),
    ("conv", ("--input", "4x5", "--k", "6", "--f", "3", "--transposed", "--s", "2", "--groups", "2", "--no-bias")),
    ("conv", ("--w", "1e12", "--f", "3")),  # confirmation skipped, with the reason
    ("pool", ("--input", "64x56x56", "--f", "2")),
    ("pool", ("--w", "6", "--f", "2", "--s", "4", "--p", "1", "--ceil", "--type", "avg")),
    ("pool", ("--input", "2x5x6", "--adaptive", "3")),
    ("pool", ("--input", "2x5x6", "--global", "--type", "avg")),
    ("lstm", ("--hidden", "8", "--input", "4")),
    ("lstm", ("--hidden", "8", "--input", "4", "--cell", "gru", "--layers", "2", "--bidirectional")),
    ("lstm", ("--hidden", "8", "--input", "4", "--proj", "3", "--no-verify")),
    ("trace", ("--input", "3x16x16", "Conv2d(3, 8, 3) -> ReLU() -> Flatten() -> Linear(_, 10)")),
    ("trace", ("--input", "3x8x8", f"{CASES}:DictHead")),  # nested outputs, functional rows
    ("trace", ("--input", "7:int64", "--input", "mask=7:bool", f"{CASES}:Tagger")),  # typed keyword inputs
    ("trace", ("--input", "8", f"{CASES}:DataDependent")),  # run on the CPU, with a note
    ("trace", ("--input", "16", f"{CASES}:Spectral")),  # an operation without a MAC rule, warned of
    ("trace", ("--input", "4x8x8", f"{CASES}:Residual", "--depth", "1")),  # the tree, FLOPs by hand elsewhere
]


@pytest.mark.parametrize(("command", "args"), EXAMPLES)
@pytest.mark.torch
def test_json_output_matches_its_schema(cnncalc: Run, command: str, args: tuple[str, ...]) -> None:
    code, out, err = cnncalc(command, *args, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    jsonschema.validate(data, SCHEMAS[command])
    assert undescribed(data, SCHEMAS[command]) == []


def undescribed(value: object, schema: dict[str, Any], path: str = "") -> list[str]:
    """The fields of ``value`` its schema does not name (a schema listing its properties names them all)."""
    found = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                found.append(f"{path}.{key}")
            else:
                found += undescribed(item, schema["properties"][key], f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            found += undescribed(item, schema["items"], f"{path}[{i}]")
    return found


def test_the_schemas_are_valid_and_strict_enough() -> None:
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    broken = {"schema_version": 1, "command": "conv", "output_shape": "3x3"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMAS["conv"])


@pytest.mark.torch
def test_batch_lines_match_their_schemas() -> None:
    out = io.StringIO()
    lines = [
        '{"cmd": "conv", "w": 7, "f": 3, "verify": false}',
        '{"cmd": "pool", "w": 8, "f": 2, "verify": false}',
        '{"cmd": "lstm", "hidden": 4, "input": 2, "verify": false}',
        '{"cmd": "conv", "w": 7, "f": 9}',
        "oops",
        json.dumps({"cmd": "trace", "model": f"{CASES}:Tagger", "input": ["7:int64", "mask=7:bool"]}),
    ]
    run_batch(lines, out)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    for result in results:
        schema = SCHEMAS["batch-error"] if "error" in result else SCHEMAS[result["command"]]
        jsonschema.validate(result, schema)
    assert sum("error" in r for r in results) == 2


def test_schema_command_prints_json(cnncalc: Run) -> None:
    code, out, _ = cnncalc("schema", "lstm")
    assert code == 0
    assert json.loads(out)["title"] == "cnncalc lstm --json"
    code, _, err = cnncalc("schema", "nope")
    expected = "conv, pool, lstm, trace, solve, batch-error"
    assert (code, err) == (2, f"cnncalc: error: command got nope, expected {expected}\n")


@pytest.mark.parametrize(
    ("args", "shape"),
    [
        (("conv", "--w", "7", "--d", "3", "--k", "16", "--f", "3", "--s", "2"), "16x3x3"),
        (("pool", "--w", "224", "--f", "2"), "1x112x112"),
        (("lstm", "--hidden", "8", "--input", "4", "--seq", "5"), "5x1x8"),
        (("trace", "--input", "3x32x32", "Conv2d(3, 8, 3) -> Flatten()"), "1x7200"),
    ],
)
def test_quiet_prints_only_the_shape(cnncalc: Run, args: tuple[str, ...], shape: str) -> None:
    assert cnncalc(*args, "--quiet", "--no-verify") == (0, f"{shape}\n", "")


@pytest.mark.parametrize("args", [("schema", "conv"), ("batch", "--help"), ("trace", "--help"), ("lstm", "--help")])
def test_help_and_schema_never_import_torch(args: tuple[str, ...]) -> None:
    done = run_in_subprocess(*args, code="print('torch' in sys.modules, file=sys.stderr)\n")
    assert done.stderr == "False\n"


def test_shell_completion_never_imports_torch() -> None:
    import os
    import shutil
    import subprocess
    import sys

    script = shutil.which("cnncalc", path=os.path.dirname(sys.executable))
    assert script is not None
    env = {**os.environ, "_CNNCALC_COMPLETE": "complete_bash", "COMP_WORDS": "cnncalc conv --", "COMP_CWORD": "2"}
    program = (
        "import runpy, sys\n"
        "import cnncalc.cli\n"
        "cnncalc.cli.end_now = sys.exit  # main() ends with os._exit, after which no code would run\n"
        f"sys.argv = [{script!r}]\n"
        f"try:\n    runpy.run_path({script!r}, run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=False)
    assert "--f" in done.stdout.split()
    assert done.stderr == "False\n"


def test_solve_output_matches_its_schema(cnncalc: Run) -> None:
    for args in (("conv", "--w", "32", "--target", "16"), ("pool", "--input", "2x12x9", "--target", "6x3")):
        code, out, _ = cnncalc(*args, "--json", "--no-verify")
        assert code == 0
        jsonschema.validate(json.loads(out), SCHEMAS["solve"])
