"""The README says what cnncalc does: its JSON field lists agree with ``cnncalc schema``, every option of every
command is documented, and the Layout section names the tree as it is."""

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from cnncalc.cli import app
from cnncalc.schema import SCHEMAS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
COMMANDS = typer.main.get_command(app).commands  # type: ignore[attr-defined]
IN_EVERY_OBJECT = {"schema_version", "command", "line"}  # said once, for all commands


def section(title: str) -> str:
    """The README's ``## title`` section, its ### subsections included."""
    parts = re.split(r"^## ", README, flags=re.MULTILINE)
    found = [part for part in parts if part.startswith(title)]
    assert len(found) == 1, title
    return found[0]


def ticked(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", text))


def json_paragraphs(text: str) -> str:
    """The paragraphs that list a command's JSON fields ("JSON: …"), and the conv table."""
    paragraphs = re.findall(r"^(?:JSON: |\| `).*?(?:\n\n|\Z)", text, flags=re.MULTILINE | re.DOTALL)
    return "\n".join(paragraphs)


def names_in(schema: Any, names: set[str], values: set[str]) -> None:
    """Every property name at any depth of ``schema``, and every string value it enumerates."""
    if isinstance(schema, dict):
        names.update(schema.get("properties", {}))
        values.update(v for v in schema.get("enum", []) if isinstance(v, str))
        if isinstance(schema.get("const"), str):
            values.add(schema["const"])
        for inner in schema.values():
            names_in(inner, names, values)
    elif isinstance(schema, list):
        for inner in schema:
            names_in(inner, names, values)


@pytest.mark.parametrize(
    ("command", "where"),
    [("conv", "For scripts and CI"), ("pool", "cnncalc pool"), ("lstm", "cnncalc lstm"), ("trace", "cnncalc trace")],
)
def test_the_readme_names_every_required_field_and_no_field_the_schema_lacks(command: str, where: str) -> None:
    text = section(where)
    schema = SCHEMAS[command]
    names: set[str] = set()
    values: set[str] = set()
    names_in(schema, names, values)
    listed = ticked(json_paragraphs(text))
    assert set(schema["required"]) - IN_EVERY_OBJECT <= ticked(text), "required fields the README does not name"
    literals = {"true", "false", "null"}
    assert listed - names - values - set(SCHEMAS) - literals == set(), "fields the README lists that the schema lacks"


def test_the_conv_table_lists_each_axis_field() -> None:
    row = next(line for line in section("For scripts and CI").splitlines() if line.startswith("| `axes`"))
    axis_fields = SCHEMAS["conv"]["properties"]["axes"]["items"]["properties"]
    assert ticked(row) - {"axes"} == set(axis_fields)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_of_every_command_is_documented_where_the_command_is(name: str) -> None:
    # in the command's own section, or in the one every command shares (--json, --quiet, batch, schema)
    shared = section("For scripts and CI")
    text = (section(f"cnncalc {name}") if f"\n## cnncalc {name}\n" in README else "") + shared
    assert f"cnncalc {name}" in text
    for param in COMMANDS[name].params:
        spellings = [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]
        if spellings and param.name not in ("help",):
            assert any(re.search(rf"{re.escape(o)}\b", text) for o in spellings), (name, spellings)


def test_the_layout_section_names_the_tree_as_it_is() -> None:
    layout = section("Layout")
    named = set(re.findall(r"`(cnncalc/[\w/]+(?:\.py)?)`", layout))
    assert named, "the Layout section names no path"
    for path in named:
        assert (ROOT / path).exists(), f"the README's Layout names {path}, which does not exist"
    # and every module of cnncalc is named, itself or by its folder (dunder files aside: __init__, __main__)
    folders = tuple(n for n in named if n.endswith("/"))
    for module in sorted((ROOT / "cnncalc").rglob("*.py")):
        relative = module.relative_to(ROOT).as_posix()
        if not module.name.startswith("__"):
            assert relative in named or relative.startswith(folders), f"the README's Layout misses {relative}"
