"""Reading cnncalc's animated SVGs back, as a reader of the file would: the XML, the values the cells write (by
their data attributes), and the CSS timeline (which step shows what, where each moving group is)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SVG = "{http://www.w3.org/2000/svg}"


def parse(path: Path | str) -> ElementTree.Element:
    """The root of an SVG file (raises on a file that is not well-formed XML)."""
    root = ElementTree.parse(path).getroot()
    assert root.tag == f"{SVG}svg", root.tag
    return root


def page_svg(html: str) -> ElementTree.Element:
    """The SVG inside an --animate FILE.html page."""
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    return ElementTree.fromstring(html[start:end])


def style(root: ElementTree.Element) -> str:
    element = root.find(f"{SVG}style")
    assert element is not None and element.text
    return element.text


def number(text: str) -> float:
    """A value as a cell writes it, −2 or 1.33, or as a label ends: b0 = −1."""
    return float(text.rsplit("=", 1)[-1].strip().replace("−", "-"))


def cells(root: ElementTree.Element, name: str) -> dict[tuple[int, ...], float]:
    """Every value with ``data-NAME="a,b,c"``, by (a, b, c); a cell written several times keeps its last value."""
    found: dict[tuple[int, ...], float] = {}
    for element in root.iter(f"{SVG}text"):
        where = element.get(f"data-{name}")
        if where is not None:
            found[tuple(int(i) for i in where.split(","))] = number(element.text or "")
    return found


def classes(element: ElementTree.Element) -> list[str]:
    return (element.get("class") or "").split()


def first_step(element: ElementTree.Element) -> int:
    """The step an element first shows at (its t… class); 0 for what is always shown."""
    return next((int(c[1:]) for c in classes(element) if re.fullmatch(r"t\d+", c)), 0)


def timed(root: ElementTree.Element) -> Iterator[tuple[ElementTree.Element, int | None, set[str]]]:
    """Every element, the step it first shows at (None: always shown) and its classes, its group's included: a
    group of elements shown together carries their timing and any class they share."""

    def walk(node: ElementTree.Element, step: int | None, inherited: set[str]) -> Iterator[
        tuple[ElementTree.Element, int | None, set[str]]
    ]:  # fmt: skip
        for child in node:
            own = first_step(child) if "a" in classes(child) else step
            names = inherited | set(classes(child))
            yield child, own, names
            yield from walk(child, own, names)

    yield from walk(root, None, set())


def translate(transform: str) -> tuple[float, float]:
    x, y = re.fullmatch(r"translate\(([-\d.]+),\s*([-\d.]+)\)", transform.replace("px", "")).groups()  # type: ignore[union-attr]
    return float(x), float(y)


@dataclass(frozen=True)
class Stop:
    percent: float
    props: dict[str, str]


def keyframes(css: str, name: str) -> list[Stop]:
    """The stops of ``@keyframes name``."""
    match = re.search(r"@keyframes " + re.escape(name) + r"\{((?:[\d.]+%\{[^}]*\})*)\}", css)
    assert match, name
    stops = []
    for percent, body in re.findall(r"([\d.]+)%\{([^}]*)\}", match.group(1)):
        props = dict(prop.split(":", 1) for prop in body.split(";") if prop)
        stops.append(Stop(float(percent), props))
    return stops


def at(stops: list[Stop], percent: float, prop: str) -> str | None:
    """The value ``prop`` holds at ``percent`` of the loop under step-end timing: its last stop at or before."""
    value = None
    for stop in stops:
        if stop.percent <= percent + 1e-9 and prop in stop.props:
            value = stop.props[prop]
    return value
