"""Animated SVG as plain text: a scene of elements, each shown from one step to another, and groups that move from
step to step; written as one SVG whose CSS keyframes play the steps in a loop, or as one still SVG per step.

No script and no external resource, so it plays where an image does (a README on a code host). Every timed element
shares one loop: an element shown for steps [a, b) starts its keyframes a steps in and is visible for b − a steps
of the loop, whatever else is on the page. Colours come from a stylesheet with a solid background of its own, in
a light and a dark palette chosen by the reader's ``prefers-color-scheme``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

# After the last step the finished picture stays this many steps before the loop starts again.
HOLD = 2

# A centred label's baseline sits this far under the centre (11px text): no dominant-baseline, which not every
# renderer inherits into a group.
BASELINE = 4
FONT = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace"
# (class, light, dark): fills and strokes readable on either background.
PALETTE = """
.bg{fill:#ffffff}
text{font-family:%(font)s;font-size:12px;fill:#1f2328}
.h{font-size:15px;font-weight:bold}
.m{fill:#57606a}
.c{font-size:11px;text-anchor:middle}
.i{fill:#ddf4ff;stroke:#54aeff}
.p{fill:#eaeef2;stroke:#8c959f;stroke-dasharray:3 2}
.x{fill:none;stroke:#8c959f;stroke-dasharray:2 3}
.u{fill:#fff8c5;stroke:#d4a72c}
.ux{stroke:#9a6700;stroke-width:1}
.edge{fill:none;stroke:#0969da;stroke-width:1.5}
.o{fill:#ffffff;stroke:#4ac26b}
.od{fill:#aceebb;stroke:#1a7f37}
.w{fill:#fbefff;stroke:#c297ff}
.cr{fill:none;stroke:#8c959f;stroke-dasharray:3 2}
.gl{fill:none;stroke:#8c959f;stroke-width:.5}
.win{fill:#fb8f44;fill-opacity:.28;stroke:#bc4c00;stroke-width:2.5}
.hi{fill:none;stroke:#bc4c00;stroke-width:3}
.pk{fill:none;stroke:#cf222e;stroke-width:3}
.fr{fill:none;stroke:#bc4c00;stroke-width:2;stroke-dasharray:6 3}
.box{fill:#f6f8fa;stroke:#57606a}
.gate{fill:#fbefff;stroke:#8250df}
.op{fill:#fff8c5;stroke:#9a6700}
.state{fill:none;stroke:#cf222e;stroke-width:2;stroke-dasharray:6 4}
.mark{fill:#0969da}
.smark{fill:#cf222e}
@media (prefers-color-scheme:dark){
.bg{fill:#0d1117}
text{fill:#e6edf3}
.m{fill:#8b949e}
.i{fill:#0c2d6b;stroke:#388bfd}
.p{fill:#21262d;stroke:#6e7681}
.x{stroke:#6e7681}
.u{fill:#3b2300;stroke:#9e6a03}
.ux{stroke:#d29922}
.edge{stroke:#58a6ff}
.o{fill:#0d1117;stroke:#2ea043}
.od{fill:#196c2e;stroke:#3fb950}
.w{fill:#271052;stroke:#a371f7}
.cr{stroke:#6e7681}
.gl{stroke:#6e7681}
.win{fill:#f0883e;fill-opacity:.3;stroke:#ffa657}
.hi{stroke:#ffa657}
.pk{stroke:#ff7b72}
.fr{stroke:#ffa657}
.box{fill:#161b22;stroke:#8b949e}
.gate{fill:#271052;stroke:#a371f7}
.op{fill:#3b2300;stroke:#d29922}
.state{stroke:#ff7b72}
.mark{fill:#58a6ff}
.smark{fill:#ff7b72}
}
""" % {"font": FONT}  # noqa: UP031 - the stylesheet's braces would need doubling in an f-string


def number(value: float) -> str:
    """A coordinate or time as short as it stays exact to the hundredth: 12, 12.5, 0.33."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Element:
    """An SVG element: its tag, attributes (in order), text and children."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    text: str = ""
    children: tuple[Element, ...] = ()

    def render(self, classes: str = "", transform: str = "") -> str:
        attrs = dict(self.attrs)
        if classes:
            attrs["class"] = f"{attrs['class']} {classes}" if "class" in attrs else classes
        if transform:
            attrs["transform"] = transform
        head = self.tag + "".join(f" {name}={quoteattr(value)}" for name, value in attrs.items())
        inner = escape(self.text) + "".join(child.render() for child in self.children)
        return f"<{head}>{inner}</{self.tag}>" if inner else f"<{head}/>"


def el(tag: str, *children: Element, text: object = "", **attrs: object) -> Element:
    """``el("rect", x=1, class_="i", stroke_width=2)``: a trailing underscore is dropped, others become hyphens."""
    pairs = []
    for name, value in attrs.items():
        if value is None:
            continue
        shown = number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        pairs.append((name.rstrip("_").replace("_", "-"), shown))
    return Element(tag, tuple(pairs), str(text), children)


def group(*children: Element, **attrs: object) -> Element:
    return el("g", *children, **attrs)


@dataclass(frozen=True)
class Timed:
    """Shown for steps [start, end); ``end`` None: to the end of the loop (the finished picture included)."""

    element: Element
    start: int
    end: int | None


@dataclass(frozen=True)
class Mover:
    """A group drawn once, at ``origin`` plus one offset per step; None: hidden at that step. Hidden while the
    finished picture holds."""

    element: Element
    origin: tuple[float, float]
    offsets: tuple[tuple[float, float] | None, ...]


@dataclass
class Scene:
    """Everything an animation draws, step by step; ``notes`` says what each step shows (the stills' titles)."""

    width: float
    height: float
    title: str
    desc: str
    notes: Sequence[str]
    items: list[Timed | Mover] = field(default_factory=list)
    animated_css: list[str] = field(default_factory=list)  # what plays only in the animation (flowing edges)

    @property
    def steps(self) -> int:
        return len(self.notes)

    def add(self, element: Element, start: int = 0, end: int | None = None) -> None:
        self.items.append(Timed(element, start, end))

    def move(
        self, element: Element, origin: tuple[float, float], offsets: Sequence[tuple[float, float] | None]
    ) -> None:
        if len(offsets) != self.steps:
            raise ValueError(f"a mover needs one offset per step: {len(offsets)} for {self.steps}")
        self.items.append(Mover(element, origin, tuple(offsets)))

    def animated(self, speed: float) -> str:
        """The whole loop: ``speed`` seconds a step, then the finished picture for ``HOLD`` steps."""
        loop = self.steps + HOLD
        css = [PALETTE, *self.animated_css]
        css.append(
            ".a{opacity:0;animation-duration:%ss;animation-timing-function:step-end;"  # noqa: UP031
            "animation-iteration-count:infinite}" % number(loop * speed)
        )
        starts: set[int] = set()
        lengths: set[int] = set()
        moves: dict[tuple[tuple[float, float] | None, ...], str] = {}
        body = []
        run: list[Element] = []  # elements shown over the same steps, one after another: one group for them all
        shown = (0, 0)
        for item in [*self.items, None]:
            span = None if item is None or isinstance(item, Mover) else (item.start, item.end or loop)
            if run and span != shown:
                body.append(_timed(run, f"a t{shown[0]} k{shown[1] - shown[0]}"))
                run = []
            if item is None:
                break
            if isinstance(item, Mover):
                name = moves.setdefault(item.offsets, f"m{len(moves)}")
                inner = item.element.render(classes=name)
                body.append(f'<g transform="translate({number(item.origin[0])},{number(item.origin[1])})">{inner}</g>')
            elif span is not None and (span[0] > 0 or span[1] < loop):
                starts.add(span[0])
                lengths.add(span[1] - span[0])
                run.append(item.element)
                shown = span
            else:
                body.append(item.element.render())
        for start in sorted(starts):
            css.append(f".t{start}{{animation-delay:{number(start * speed)}s}}")
        for length in sorted(lengths):
            css.append(f".k{length}{{animation-name:k{length}}}")
            css.append(f"@keyframes k{length}{{0%{{opacity:1}}{_percent(length, loop)}{{opacity:0}}}}")
        for offsets, name in moves.items():
            css.append(f".{name}{{animation:{name} {number(loop * speed)}s step-end infinite}}")
            css.append(f"@keyframes {name}{{{_stops(offsets, loop)}}}")
        return self._document(css, body, f' data-steps="{self.steps}" data-speed="{number(speed)}"', self.desc)

    def still(self, step: int) -> str:
        """The picture at ``step`` (from 0): what has been shown by then, the movers where that step puts them."""
        body = []
        for item in self.items:
            if isinstance(item, Mover):
                offset = item.offsets[step]
                if offset is not None:
                    x, y = item.origin[0] + offset[0], item.origin[1] + offset[1]
                    body.append(item.element.render(transform=f"translate({number(x)},{number(y)})"))
            elif item.start <= step and (item.end is None or step < item.end):
                body.append(item.element.render())
        title = f"{self.title}: step {step + 1} of {self.steps}"
        extra = f' data-steps="{self.steps}" data-step="{step + 1}"'
        return self._document([PALETTE], body, extra, f"{self.notes[step]}. {self.desc}", title)

    def _document(self, css: list[str], body: list[str], extra: str, desc: str, title: str = "") -> str:
        width, height = number(self.width), number(self.height)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} '
            f'{height}" role="img" aria-labelledby="title desc"{extra}>\n'
            f'<title id="title">{escape(title or self.title)}</title>\n<desc id="desc">{escape(desc)}</desc>\n'
            f"<style>{''.join(css)}</style>\n"
            f'<rect class="bg" width="{width}" height="{height}"/>\n' + "\n".join(body) + "\n</svg>\n"
        )


def _timed(run: list[Element], timing: str) -> str:
    """Elements shown over the same steps: one carries the timing itself, several share a group, which also takes
    a class they all have (each cell's value need not say it is one)."""
    if len(run) == 1:
        return run[0].render(classes=timing)
    shared = {dict(e.attrs).get("class") for e in run}
    if len(shared) == 1 and None not in shared:
        run = [Element(e.tag, tuple(a for a in e.attrs if a[0] != "class"), e.text, e.children) for e in run]
        timing = f"{shared.pop()} {timing}"
    return group(*run, class_=timing).render()


def _percent(step: int, loop: int) -> str:
    return f"{number(100 * step / loop)}%" if 100 * step / loop < 100 else "100%"


def _stops(offsets: tuple[tuple[float, float] | None, ...], loop: int) -> str:
    """Keyframes that put a mover at each step's offset (hidden where None), and hide it for the hold."""
    stops, shown, place = [], None, None
    for step, offset in enumerate([*offsets, None]):
        props = []
        visible = offset is not None
        if visible != shown:
            props.append(f"opacity:{1 if visible else 0}")
            shown = visible
        if offset is not None and offset != place:
            props.append(f"transform:translate({number(offset[0])}px,{number(offset[1])}px)")
            place = offset
        if props:
            stops.append(f"{_percent(step, loop)}{{{';'.join(props)}}}")
    return "".join(stops)


def html_page(title: str, svg: str) -> str:
    """The animation in a page of its own: the same SVG, inline, on the background its palette draws."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        "<style>body{margin:0;background:#ffffff}"
        "@media (prefers-color-scheme:dark){body{background:#0d1117}}</style>\n"
        f"</head>\n<body>\n{svg}</body>\n</html>\n"
    )
