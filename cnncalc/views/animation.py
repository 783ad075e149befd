"""The window animated (``--animate``, ``--frames-dir``): a convolution's or pooling layer's window stepping over
the padded input in order, the output filling cell by cell; a transposed convolution as each input cell scattering
a kernel-sized patch into the output, overlaps summed. Small layers carry numbers: seeded integers and the output
torch computed from them (``confirm.numbers``), each value written as its window lands.

Built from the geometry (``core.steps``) as an ``svg.Scene``; the command writes it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..core.conv import ConvGeometry
from ..core.pool import PoolGeometry
from ..core.steps import (
    ConvTerm,
    Planes,
    PoolTerm,
    WindowNumbers,
    canvas_size,
    cell_kind,
    conv_terms,
    plane,
    pool_terms,
    positions,
    reach,
    read_cells,
    scatters,
    window_cells,
)
from ..core.window import AxisGeometry, window_taps
from ..errors import InvalidParameter
from .svg import BASELINE, HOLD, Element, Scene, el, group

MAX_SIDE = 32  # cells a side an animation draws: the padded input, or a transposed convolution's full scatter
MAX_STEPS = 256  # window positions (input cells, transposed): past this a picture stops helping
# Numbers are written for layers this small: past it the window animates without them.
NUMBERS_SIDE, NUMBERS_CHANNELS, NUMBERS_FILTERS = 7, 3, 2

PITCH, PLAIN_PITCH = 26, 14  # a cell's side, with numbers in it and without
GAP = 36  # between grids
MARGIN = 16
LINE = 18
CHAR = 7.3  # the width of a character of 12px monospace text, to size the picture to its longest line
CELL_CHAR = 6.8  # the same at the cells' 11px
WRAP = 96  # characters in a line of the heading

Offsets = list[tuple[float, float] | None]


def check_window(axes: tuple[AxisGeometry, ...], transposed: bool = False) -> None:
    """Refuse, naming the bound, what a picture cannot show or would not help with."""
    if len(axes) > 2:
        raise InvalidParameter("animate", "3D", "a 1D or 2D input: a 3D one does not fit a flat picture")
    for axis in axes:
        side = canvas_size(axis) if transposed else reach(axis)
        if side > MAX_SIDE:
            what = (
                "before cropping"
                if transposed
                else "padded"
                if side == axis.padded_size
                else "with ceil_mode's last window"
            )
            raise InvalidParameter(
                "animate",
                f"{axis.label} = {side} {what}",
                f"at most {MAX_SIDE} cells a side to animate",
                "try a smaller --w/--h: the arithmetic is the same",
            )
    rows, cols = plane(axes)
    steps = rows.size * cols.size if transposed else rows.output * cols.output
    if steps > MAX_STEPS:
        what = "input cells to scatter" if transposed else "window positions"
        raise InvalidParameter(
            "animate",
            f"{steps:,} {what}",
            f"at most {MAX_STEPS} steps to animate",
            "try a smaller --w/--h" + ("" if transposed else " or a larger --s") + ": the arithmetic is the same",
        )


def numbers_reason(
    axes: tuple[AxisGeometry, ...], channels: int, filters: int, verify: bool, filter_by_filter: bool = False
) -> str:
    """Why an animation has no numbers ("" when it has them). With ``filter_by_filter`` (a forward convolution)
    the numbers take a step per filter at each window position, and those steps count toward ``MAX_STEPS``."""
    if not verify:
        return "no numbers: they are torch's, and --no-verify builds no torch layer"
    if max(a.size for a in axes) > NUMBERS_SIDE or channels > NUMBERS_CHANNELS or filters > NUMBERS_FILTERS:
        return (
            f"no numbers: they are written for inputs up to {NUMBERS_SIDE} a side, {NUMBERS_CHANNELS} channels "
            f"and {NUMBERS_FILTERS} filters"
        )
    rows, cols = plane(axes)
    steps = rows.output * cols.output * filters
    if filter_by_filter and steps > MAX_STEPS:  # (check_window has held the steps of one filter to the bound)
        return f"no numbers: filter by filter they would take {steps:,} steps, past the {MAX_STEPS} an animation shows"
    return ""


def shown(value: float) -> str:
    """A value as a cell writes it: 7, −2, 1.33 (two decimals at most)."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace("-", "−")


def _factor(value: float) -> str:
    """A factor in a product: negative ones in parentheses."""
    return f"({shown(value)})" if value < 0 else shown(value)


@dataclass(frozen=True)
class Grid:
    """A grid of square cells drawn from (x, y)."""

    x: float
    y: float
    pitch: float
    rows: int
    cols: int

    def at(self, r: int, c: int) -> tuple[float, float]:
        return self.x + c * self.pitch, self.y + r * self.pitch

    @property
    def right(self) -> float:
        return self.x + self.cols * self.pitch

    @property
    def bottom(self) -> float:
        return self.y + self.rows * self.pitch


class _Picture:
    """What a scene draws, collected in drawing order, and how far it reaches."""

    def __init__(self, title: str, lines: Sequence[str]) -> None:
        self.items: list[tuple[Element, int, int | None]] = []
        self.movers: list[tuple[Element, tuple[float, float], Offsets]] = []
        self.width, self.bottom = 0.0, 0.0
        self.extents: dict[Grid, float] = {}
        self.text(MARGIN, MARGIN + 14, title, "h", scale=1.3)
        y = MARGIN + 14
        for line in lines:
            for piece in wrap(line):
                y += LINE
                self.text(MARGIN, y, piece)
        self.top = y + 2 * LINE + 12  # the first grid's top, under its label

    def add(self, element: Element, start: int = 0, end: int | None = None) -> None:
        self.items.append((element, start, end))

    def text(
        self, x: float, y: float, words: str, kind: str = "m", start: int = 0, end: int | None = None,
        scale: float = 1.0, **data: object,
    ) -> None:  # fmt: skip
        self.add(el("text", x=x, y=y, class_=kind or None, text=words, **data), start, end)
        self.width = max(self.width, x + len(words) * CHAR * scale + MARGIN)

    def grid(self, grid: Grid, label: str) -> Grid:
        self.text(grid.x, grid.y - 6, label)
        self.width = max(self.width, grid.right + MARGIN)
        self.bottom = max(self.bottom, grid.bottom)
        self.extents[grid] = max(grid.right, grid.x + len(label) * CHAR)
        return grid

    def extent(self, grids: Sequence[Grid]) -> float:
        """The right edge of a column of grids, their labels included."""
        return max(self.extents[grid] for grid in grids)

    def region(self, grid: Grid, r0: int, c0: int, r1: int, c1: int, kind: str) -> None:
        """Cells [r0, r1) × [c0, c1) as one rectangle: a large grid drawn without a rectangle a cell."""
        x, y = grid.at(r0, c0)
        self.add(el("rect", x=x, y=y, width=(c1 - c0) * grid.pitch, height=(r1 - r0) * grid.pitch, class_=kind))

    def lines(self, grid: Grid) -> None:
        """The lines between a large grid's cells, as one path."""
        parts = [f"M{grid.x:g} {grid.y + r * grid.pitch:g}h{grid.cols * grid.pitch:g}" for r in range(grid.rows + 1)]
        parts += [f"M{grid.x + c * grid.pitch:g} {grid.y:g}v{grid.rows * grid.pitch:g}" for c in range(grid.cols + 1)]
        self.add(el("path", d="".join(parts), class_="gl"))

    def cell(self, grid: Grid, r: int, c: int, kind: str, text: str = "", data: str = "") -> None:
        """A cell, and its value if it shows one (``data``: the data attribute that names the value, "in=0,1,2")."""
        x, y = grid.at(r, c)
        self.add(el("rect", x=x, y=y, width=grid.pitch, height=grid.pitch, class_=kind))
        if text:
            self.value(grid, r, c, text, data=data)

    def value(
        self, grid: Grid, r: int, c: int, text: str, start: int = 0, end: int | None = None, data: str = ""
    ) -> None:
        """A value in a cell; ``data`` "out=0,1,2" names it for a reader of the file (a test, a script)."""
        x, y = grid.at(r, c)
        name, _, where = data.partition("=")
        attrs: dict[str, object] = {f"data_{name}": where} if data else {}
        centre = el("text", x=x + grid.pitch / 2, y=y + grid.pitch / 2 + BASELINE, class_="c", text=text, **attrs)
        self.add(centre, start, end)

    def unread(self, grid: Grid, cells: Sequence[tuple[int, int]]) -> None:
        """Input cells no window reads, each marked ×: two paths however many (a large grid stays small)."""
        if not cells:
            return
        p, a, b = grid.pitch, grid.pitch * 0.25, grid.pitch * 0.5
        squares, crosses = [], []
        for r, c in cells:
            x, y = grid.at(r, c)
            squares.append(f"M{x:g} {y:g}h{p:g}v{p:g}h{-p:g}z")
            crosses.append(f"M{x + a:g} {y + a:g}l{b:g} {b:g}m0 {-b:g}l{-b:g} {b:g}")
        self.add(el("path", d="".join(squares), class_="u"))
        self.add(el("path", d="".join(crosses), class_="ux"))

    def move(self, element: Element, origin: tuple[float, float], offsets: Offsets) -> None:
        self.movers.append((element, origin, offsets))

    def scene(self, title: str, desc: str, lines: Sequence[Sequence[str]], legend: Sequence[tuple[str, str]]) -> Scene:
        """The scene, with each step's lines under the grids while that step is shown, and the legend."""
        y = self.bottom + LINE + 10
        for step, texts in enumerate(lines):
            for n, words in enumerate(texts):
                self.text(MARGIN, y + n * LINE, words, "", step, step + 1)
        y += max((len(texts) for texts in lines), default=1) * LINE + 8
        x: float = MARGIN
        for kind, words in legend:
            self.add(el("rect", x=x, y=y - 10, width=12, height=12, class_=kind))
            self.text(x + 17, y, words)
            x += 17 + len(words) * CHAR + 18
        self.width = max(self.width, x)
        notes = [f"step {step + 1} of {len(lines)}: " + "; ".join(texts) for step, texts in enumerate(lines)]
        scene = Scene(round(self.width), round(y + MARGIN), title, desc, notes)
        for element, start, end in self.items:
            scene.add(element, start, end)
        for element, origin, offsets in self.movers:
            scene.move(element, origin, offsets)
        return scene


def wrap(line: str, width: int = WRAP) -> list[str]:
    """A line cut between words to fit ``width`` characters (the picture stays a readable width).

    >>> wrap("a bb ccc", 5)
    ['a bb', 'ccc']
    """
    pieces: list[str] = []
    for word in line.split(" "):
        if pieces and len(pieces[-1]) + 1 + len(word) <= width:
            pieces[-1] += " " + word
        else:
            pieces.append(word)
    return pieces


def _taps(rows: AxisGeometry, cols: AxisGeometry, pitch: float, kind: str) -> Element:
    """The window (or a transposed patch) at its first position: one cell per tap, dilated taps apart."""
    cells = [
        el("rect", x=b * cols.dilation * pitch, y=a * rows.dilation * pitch, width=pitch, height=pitch, class_=kind)
        for a in range(rows.kernel)
        for b in range(cols.kernel)
    ]
    return group(*cells)


def _where(r: int, c: int, one_row: bool) -> str:
    return f"[{c}]" if one_row else f"[{r}, {c}]"


def _run(cells: Sequence[int]) -> str:
    return f"{cells[0]}" if cells[0] == cells[-1] else f"{cells[0]}–{cells[-1]}"


def _cells_words(ys: Sequence[int], xs: Sequence[int], one_row: bool) -> str:
    return f"cells {_run(xs)}" if one_row else f"rows {_run(ys)}, columns {_run(xs)}"


def _plane_label(grid: str, plane: str, index: int, count: int, one_each: bool) -> str:
    """ "input channel 2" when each plane is drawn; else "input, 3 channels" (or "input" alone)."""
    if one_each:
        return f"{grid} {plane} {index}"
    return grid + (f", {count} {plane}s" if count > 1 else "")


def _size(rows: int, cols: int, one_row: bool) -> str:
    return str(cols) if one_row else f"{rows}×{cols}"


def _per_axis(axes: tuple[AxisGeometry, ...], values: Sequence[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "×".join(str(v) for v in values)


def layer_words(axes: tuple[AxisGeometry, ...]) -> str:
    """Kernel, stride, padding, dilation and output padding as the picture's first line gives them."""
    words = f"kernel {_per_axis(axes, [a.kernel for a in axes])}, stride {_per_axis(axes, [a.stride for a in axes])}"
    pads = [(a.pad_before, a.pad_after) for a in axes]
    if any(p != (0, 0) for p in pads):
        if all(before == after for before, after in pads):
            words += f", padding {_per_axis(axes, [before for before, _ in pads])}"
        else:
            words += ", padding " + " and ".join(f"{a.label} {a.pad_before}+{a.pad_after}" for a in axes)
    if any(a.dilation > 1 for a in axes):
        words += f", dilation {_per_axis(axes, [a.dilation for a in axes])}"
    if any(a.output_padding for a in axes):
        words += f", output padding {_per_axis(axes, [a.output_padding for a in axes])}"
    return words


def _shape(shape: tuple[int, ...], axes: tuple[AxisGeometry, ...]) -> str:
    return f"{'×'.join(map(str, shape))} (C×{'×'.join(a.label for a in axes)})"


def numbers_words(numbers: WindowNumbers | None, weights: str) -> str:
    """The numbers for a screen reader: each channel row by row."""
    if numbers is None:
        return ""

    def grid(values: Sequence[Sequence[float]]) -> str:
        return "; ".join(" ".join(shown(v) for v in row) for row in values)

    parts = [f" Input (seeded integers, seed {numbers.seed}), row by row, "]
    parts.append(" | ".join(f"channel {c}: {grid(g)}" for c, g in enumerate(numbers.input)))
    if numbers.weight is not None:
        named = [
            f"{weights}[{a}, {b}]: {grid(w)}" for a, planes in enumerate(numbers.weight) for b, w in enumerate(planes)
        ]
        parts.append(". Weights, row by row, " + " | ".join(named))
    if numbers.bias is not None:
        parts.append(". Bias " + ", ".join(shown(b) for b in numbers.bias))
    parts.append(f". Output computed by {numbers.layer}, ")
    parts.append(" | ".join(f"channel {c}: {grid(g)}" for c, g in enumerate(numbers.output)))
    return "".join(parts) + "."


def _source(numbers: WindowNumbers | None, reason: str, checked: str) -> str:
    if numbers is None:
        return reason
    return f"numbers: seeded integers through {numbers.layer} in float64, checked against {checked}"


def conv_scene(geometry: ConvGeometry, numbers: WindowNumbers | None, reason: str) -> Scene:
    """A convolution animated: the window, or for a transposed one the scatter."""
    spec = geometry.spec
    filters = f"{spec.out_channels} filter{'s' if spec.out_channels > 1 else ''}"
    head = f"input {_shape(geometry.input_shape, geometry.axes)}, {filters}, {layer_words(geometry.axes)}"
    head += (
        f", groups {spec.groups}" if spec.groups > 1 else ""
    ) + f" → output {'×'.join(map(str, geometry.output_shape))}"
    if spec.transposed:
        return _transposed_scene(geometry, numbers, reason, head)
    return _forward_scene(
        "conv", geometry.axes, spec.in_channels, spec.out_channels, spec.groups, numbers, reason,
        f"{spec.dims}D convolution", head,
    )  # fmt: skip


def pool_scene(geometry: PoolGeometry, numbers: WindowNumbers | None, reason: str) -> Scene:
    """A pooling window animated: max picks its cell, average shows its divisor, LP its norm."""
    spec = geometry.spec
    names = {"max": "max", "avg": "average", "lp": f"LP (p = {spec.norm or 2:g})"}
    head = f"input {_shape(geometry.input_shape, geometry.axes)}, {layer_words(geometry.axes)}"
    head += (", ceil_mode" if spec.ceil_mode else "") + f" → output {'×'.join(map(str, geometry.output_shape))}"
    rule = {
        "max": "padding is −∞: it never wins",
        "avg": "the divisor counts the padding (count_include_pad)"
        if spec.count_include_pad
        else "the divisor counts input cells only (count_include_pad=False)",
        "lp": "(Σ xᵖ)^(1/p) over each window",
    }[spec.kind]
    return _forward_scene(
        spec.kind, geometry.axes, spec.channels, spec.channels, 1, numbers, reason,
        f"{spec.dims}D {names[spec.kind]} pooling", f"{head}; {rule}", spec.count_include_pad, spec.norm,
    )  # fmt: skip


def _forward_scene(
    kind: str, axes: tuple[AxisGeometry, ...], channels: int, filters: int, groups: int,
    numbers: WindowNumbers | None, reason: str, name: str, head: str, count_include_pad: bool = True,
    norm: float | None = None,
) -> Scene:  # fmt: skip
    rows, cols = plane(axes)
    one_row = len(axes) == 1
    conv = kind == "conv"
    where = positions(rows, cols)
    # With numbers a convolution goes filter by filter (each reading the channels of its group); pooling, and any
    # layer drawn without numbers, goes position by position.
    filter_major = conv and numbers is not None
    order = [(k, r, c) for k in range(filters) for r, c in where] if filter_major else [(0, r, c) for r, c in where]
    per_in, per_out = channels // groups, filters // groups
    pitch = PITCH if numbers else PLAIN_PITCH
    read = read_cells(rows, cols)
    if filter_major and filters > 1:
        steps = f"{len(order)} steps: filter 0, then filter 1, … each over the {len(where)} window positions row by row"
    else:
        steps = f"{len(order)} steps, one per window position, row by row"
    checked = "the windows drawn" + (
        "; the cell each window picks is torch's index" if numbers and numbers.chosen else ""
    )
    picture = _Picture(name, [head, steps, _source(numbers, reason, checked)])

    # The input, one grid per channel with numbers (one plane without), its padding and ceil_mode's overhang apart.
    in_rows, in_cols = reach(rows), reach(cols)
    block = in_rows * pitch + 2 * LINE
    pad_text = {"conv": "0", "avg": "0", "max": "−∞"}.get(kind, "")
    inputs = []
    for p in range(channels if numbers else 1):
        grid = Grid(MARGIN, picture.top + p * block, pitch, in_rows, in_cols)
        label = (
            f"input channel {p}" if numbers else "input" + (f", {channels} channels read alike" if channels > 1 else "")
        )
        inputs.append(picture.grid(grid, f"{label}, padded {_size(in_rows, in_cols, one_row)}"))
        if numbers:
            for y in range(in_rows):
                for x in range(in_cols):
                    kinds = {cell_kind(rows, y), cell_kind(cols, x)}
                    if "outside" in kinds:
                        picture.cell(grid, y, x, "x")
                    elif "pad" in kinds:
                        picture.cell(grid, y, x, "p", pad_text)
                    else:
                        iy, ix = y - rows.pad_before, x - cols.pad_before
                        value = shown(numbers.input[p][iy][ix])
                        picture.cell(grid, y, x, "i" if (y, x) in read else "u", value, data=f"in={p},{iy},{ix}")
        else:  # regions and one path of lines: a large grid stays a few kilobytes
            if (in_rows, in_cols) != (rows.padded_size, cols.padded_size):
                picture.region(grid, 0, 0, in_rows, in_cols, "x")
            picture.region(grid, 0, 0, rows.padded_size, cols.padded_size, "p")
            end = (rows.pad_before + rows.size, cols.pad_before + cols.size)
            picture.region(grid, rows.pad_before, cols.pad_before, *end, "i")
            picture.unread(grid, _unread(rows, cols, read))
            picture.lines(grid)
        x0, y0 = grid.at(rows.pad_before, cols.pad_before)
        picture.add(el("rect", x=x0, y=y0, width=cols.size * pitch, height=rows.size * pitch, class_="edge"))
    right = picture.extent(inputs)

    # A convolution's weights, filter by filter, each beside the channels it reads; a frame on the filter at work.
    if conv and numbers and numbers.weight is not None:
        for k in range(filters):
            x0 = right + GAP
            first = k // per_out * per_in
            for j in range(per_in):
                grid = picture.grid(Grid(x0, inputs[first + j].y, pitch, rows.kernel, cols.kernel), f"W{k}[{j}]")
                for a in range(rows.kernel):
                    for b in range(cols.kernel):
                        value = shown(numbers.weight[k][j][a][b])
                        picture.cell(grid, a, b, "w", value, data=f"w={k},{j},{a},{b}")
            bottom = inputs[first + per_in - 1].y + rows.kernel * pitch
            if numbers.bias is not None:
                picture.text(x0, bottom + 16, f"b{k} = {shown(numbers.bias[k])}", "", data_b=k)
            if filters > 1:
                top = inputs[first].y - 22
                frame = el(
                    "rect", x=x0 - 5, y=top, width=cols.kernel * pitch + 10, height=bottom + 24 - top, class_="fr"
                )
                picture.add(frame, k * len(where), (k + 1) * len(where))
            picture.bottom = max(picture.bottom, bottom + 24)
            right = max(x0 + cols.kernel * pitch, x0 + 8 * CHAR)

    # The output: a grid per filter (convolution) or channel (pooling) with numbers, one plane without.
    values = [shown(v) for g in numbers.output for row in g for v in row] if numbers else []
    out_pitch = max(pitch, round(max((len(v) for v in values), default=0) * CELL_CHAR + 8))
    outs = []
    for p in range(len(numbers.output) if numbers else 1):
        top = inputs[p].y if numbers and not conv else picture.top + p * (rows.output * out_pitch + 2 * LINE)
        if numbers:
            label = f"output {'filter' if conv else 'channel'} {p}"
        else:
            label = "output" + (f", {filters} {'filters' if conv else 'channels'}" if filters > 1 else "")
        grid = picture.grid(
            Grid(right + GAP, top, out_pitch, rows.output, cols.output),
            f"{label}, {_size(rows.output, cols.output, one_row)}",
        )
        outs.append(grid)
        picture.region(grid, 0, 0, rows.output, cols.output, "o")
        picture.lines(grid)
    for i, (k, r, c) in enumerate(order):
        if numbers:
            for p in [k] if conv else range(channels):
                picture.value(outs[p], r, c, shown(numbers.output[p][r][c]), i, None, data=f"out={p},{r},{c}")
        else:
            left, top = outs[0].at(r, c)
            picture.add(el("rect", x=left, y=top, width=out_pitch, height=out_pitch, class_="od"), i)

    # The window, on every input plane the step's filter reads, and the output cell it writes.
    for p, grid in enumerate(inputs):
        offsets: Offsets = []
        for k, r, c in order:
            reads = not filter_major or k // per_out == p // per_in
            offsets.append((c * cols.stride * pitch, r * rows.stride * pitch) if reads else None)
        picture.move(_taps(rows, cols, pitch, "win"), (grid.x, grid.y), offsets)
    highlight = el("rect", width=out_pitch, height=out_pitch, class_="hi")
    if filter_major:
        picture.move(highlight, (0, 0), [outs[k].at(r, c) for k, r, c in order])
    else:
        for grid in outs:
            picture.move(highlight, (grid.x, grid.y), [(c * out_pitch, r * out_pitch) for _, r, c in order])
    if numbers and numbers.chosen is not None:  # max pooling: the cell torch picked, in each channel
        for i, (_, r, c) in enumerate(order):
            for p, grid in enumerate(inputs):
                pr, pc = numbers.chosen[p][r][c]
                left, top = grid.at(pr + rows.pad_before, pc + cols.pad_before)
                pick = el("rect", x=left + 3, y=top + 3, width=pitch - 6, height=pitch - 6, class_="pk")
                picture.add(pick, i, i + 1)

    if numbers is None:
        lines = [[_plain_line(rows, cols, r, c, one_row)] for _, r, c in order]
    elif conv and numbers.weight is not None:
        terms = conv_terms(numbers.input, numbers.weight, numbers.bias, rows, cols, groups)
        lines = [[_conv_line(term, numbers, numbers.weight, rows, cols, one_row)] for term in terms]
    else:
        pooled = pool_terms(kind, numbers.input, rows, cols, count_include_pad, norm)
        lines = [
            [_pool_line(kind, t, numbers, rows, cols, one_row, norm) for t in pooled[i * channels : (i + 1) * channels]]
            for i in range(len(order))
        ]
    legend = [("i", "input")]
    if rows.padded_size > rows.size or cols.padded_size > cols.size:
        legend.append(("p", "padding" + (f" ({pad_text})" if pad_text and numbers else "")))
    legend += [("win", "window"), ("o", "output")]
    if in_rows > rows.padded_size or in_cols > cols.padded_size:
        legend.append(("x", "past the padded input (ceil_mode): not read"))
    if _unread(rows, cols, read):
        legend.append(("u", "input no window reads"))
    if numbers and numbers.chosen is not None:
        legend.append(("pk", "torch's pick"))
    order_words = "filter by filter, each over the positions row by row" if filter_major else "row by row"
    title = f"{name}, animated"
    desc = f"{title}: {head}. {len(order)} steps, {order_words}.{numbers_words(numbers, 'W')}"
    return picture.scene(title, desc, lines, legend)


def _unread(rows: AxisGeometry, cols: AxisGeometry, read: frozenset[tuple[int, int]]) -> list[tuple[int, int]]:
    """The input cells (padded coordinates) no window reads."""
    return [
        (y, x)
        for y in range(rows.pad_before, rows.pad_before + rows.size)
        for x in range(cols.pad_before, cols.pad_before + cols.size)
        if (y, x) not in read
    ]


def _plain_line(rows: AxisGeometry, cols: AxisGeometry, r: int, c: int, one_row: bool) -> str:
    ys, xs = window_taps(rows, r), window_taps(cols, c)
    past = ys[-1] >= rows.padded_size or xs[-1] >= cols.padded_size
    words = f"window on {_cells_words(ys, xs, one_row)} of the padded input → output {_where(r, c, one_row)}"
    return words + (" (it hangs past the padded input: ceil_mode)" if past else "")


def _padded_value(numbers: WindowNumbers, p: int, rows: AxisGeometry, cols: AxisGeometry, y: int, x: int) -> int:
    if cell_kind(rows, y) == "input" and cell_kind(cols, x) == "input":
        return numbers.input[p][y - rows.pad_before][x - cols.pad_before]
    return 0


def _conv_line(
    term: ConvTerm, numbers: WindowNumbers, weights: tuple[Planes, ...], rows: AxisGeometry, cols: AxisGeometry,
    one_row: bool,
) -> str:  # fmt: skip
    """out[r, c] written out: each product for one channel, each channel's Σ for several; the bias; torch's value."""
    taps = window_cells(rows, cols, term.row, term.col)
    if len(term.channels) == 1 and len(taps) <= 16:
        weight = weights[term.filter][0]
        products = []
        for n, (y, x) in enumerate(taps):
            value = _padded_value(numbers, term.channels[0], rows, cols, y, x)
            products.append(f"{_factor(value)}·{_factor(weight[n // cols.kernel][n % cols.kernel])}")
        sums = " + ".join(products)
    else:
        sums = " + ".join(f"{_factor(p)} (Σ channel {ch})" for ch, p in zip(term.channels, term.partials, strict=True))
    if numbers.bias is not None:
        sums += f" + {_factor(term.bias)} (bias)"
    written = shown(numbers.output[term.filter][term.row][term.col])
    return f"out{term.filter}{_where(term.row, term.col, one_row)} = {sums} = {written}"


def _pool_line(
    kind: str, term: PoolTerm, numbers: WindowNumbers, rows: AxisGeometry, cols: AxisGeometry, one_row: bool,
    norm: float | None,
) -> str:  # fmt: skip
    values = [shown(v) for v in term.values]
    value = shown(numbers.output[term.channel][term.row][term.col])
    head = f"out{term.channel}{_where(term.row, term.col, one_row)} = "
    if kind == "max":
        rule = f"; {term.padding} padding cell{'s' if term.padding != 1 else ''} (−∞)" if term.padding else ""
        return f"{head}max({', '.join(values)}) = {value}{rule}"
    if kind == "avg":
        taps = len(window_cells(rows, cols, term.row, term.col))
        counted = f"{term.divisor} cell{'s' if term.divisor != 1 else ''}"
        if term.padding:
            counted += ", padding counted" if term.divisor > len(values) else ", padding not counted"
        if taps > term.padding + len(values):
            counted += ", cut at the padded input"
        return f"{head}({' + '.join(values)}) / {term.divisor} = {value} ({counted})"
    p = shown(2.0 if norm is None else norm)
    area = rows.kernel * cols.kernel
    powers = " + ".join(f"{v}^{p}" for v in values)
    if term.divisor < area:  # the whole sum is scaled: bracketed when it has several terms
        summed = f"({powers})" if len(values) > 1 else powers
        note = " (torch scales a window ceil_mode cuts short to the full kernel)"
        return f"{head}({summed} · {area}/{term.divisor})^(1/{p}) = {value}{note}"
    return f"{head}({powers})^(1/{p}) = {value}"


def _transposed_scene(geometry: ConvGeometry, numbers: WindowNumbers | None, reason: str, head: str) -> Scene:
    spec = geometry.spec
    rows, cols = plane(geometry.axes)
    one_row = len(geometry.axes) == 1
    order = [(r, c) for r in range(rows.size) for c in range(cols.size)]
    per_in, per_out = spec.in_channels // spec.groups, spec.out_channels // spec.groups
    pitch = PITCH if numbers else PLAIN_PITCH
    source = _source(numbers, reason, "the patches drawn, summed")
    picture = _Picture(
        f"{spec.dims}D transposed convolution",
        [
            head,
            f"{len(order)} steps, one per input cell, row by row: each adds x·W to its patch of the output, overlaps "
            "summing" + ("; every output cell starts at its filter's bias" if spec.bias else ""),
            source,
        ],
    )
    block = rows.size * pitch + 2 * LINE
    inputs = []
    for p in range(spec.in_channels if numbers else 1):
        label = _plane_label("input", "channel", p, spec.in_channels, bool(numbers))
        grid = picture.grid(
            Grid(MARGIN, picture.top + p * block, pitch, rows.size, cols.size),
            f"{label}, {_size(rows.size, cols.size, one_row)}",
        )
        inputs.append(grid)
        if numbers:
            for y in range(rows.size):
                for x in range(cols.size):
                    picture.cell(grid, y, x, "i", shown(numbers.input[p][y][x]), data=f"in={p},{y},{x}")
        else:
            picture.region(grid, 0, 0, rows.size, cols.size, "i")
            picture.lines(grid)
    right = picture.extent(inputs)
    if numbers and numbers.weight is not None:
        for k in range(spec.out_channels):
            x0 = right + GAP
            first, j = k // per_out * per_in, k % per_out
            for channel in range(first, first + per_in):
                grid = picture.grid(Grid(x0, inputs[channel].y, pitch, rows.kernel, cols.kernel), f"W[{channel}, {j}]")
                for a in range(rows.kernel):
                    for b in range(cols.kernel):
                        value = shown(numbers.weight[channel][j][a][b])
                        picture.cell(grid, a, b, "w", value, data=f"w={channel},{j},{a},{b}")
            if numbers.bias is not None:
                bottom = inputs[first + per_in - 1].y + rows.kernel * pitch
                picture.text(x0, bottom + 16, f"b{k} = {shown(numbers.bias[k])}", "", data_b=k)
                picture.bottom = max(picture.bottom, bottom + 24)
            right = max(x0 + cols.kernel * pitch, x0 + 8 * CHAR)

    # Every output cell starts at its bias; each step's patch adds to the cells it reaches, overlaps summing.
    steps = (
        scatters(numbers.input, numbers.weight, numbers.bias, rows, cols, spec.groups, spec.out_channels)
        if numbers and numbers.weight is not None
        else []
    )
    start = {k: (numbers.bias[k] if numbers and numbers.bias else 0) for k in range(spec.out_channels)}
    shown_values = [shown(v) for v in start.values()] + [shown(total) for s in steps for _, total in s.totals]
    out_pitch = max(pitch, round(max((len(v) for v in shown_values), default=0) * CELL_CHAR + 8))
    canvas_rows, canvas_cols = canvas_size(rows), canvas_size(cols)
    outs = []
    for k in range(spec.out_channels if numbers else 1):
        label = _plane_label("output", "filter", k, spec.out_channels, bool(numbers))
        grid = picture.grid(
            Grid(
                right + GAP, picture.top + k * (canvas_rows * out_pitch + 2 * LINE), out_pitch, canvas_rows, canvas_cols
            ),
            f"{label}, {_size(rows.output, cols.output, one_row)}"
            f" (full scatter {_size(canvas_rows, canvas_cols, one_row)})",
        )
        outs.append(grid)
        picture.region(grid, 0, 0, canvas_rows, canvas_cols, "cr")
        picture.region(grid, rows.pad_before, cols.pad_before, rows.pad_before + rows.output,
                       cols.pad_before + cols.output, "o")  # fmt: skip
        picture.lines(grid)
    if numbers:
        touched: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
        for i, step in enumerate(steps):
            for cell, total in step.totals:
                touched.setdefault(cell, []).append((i, total))
        # Each total shows until the cell's next; ordered by when they show, so those shown together share a group.
        # The last one, the output, is named for a reader of the file (data-out).
        totals: list[tuple[int, int, int, int, int, int, str]] = []
        for k in range(len(outs)):
            for oy in range(rows.output):
                for ox in range(cols.output):
                    # the bias alone is written where no patch reaches (the caption says every cell starts there)
                    history = touched.get((k, oy, ox), []) or [(0, start[k])]
                    for n, (first, total) in enumerate(history):
                        last = n + 1 == len(history)
                        until = len(order) + HOLD if last else history[n + 1][0]
                        totals.append((first, until, k, oy, ox, total, f"out={k},{oy},{ox}" if last else ""))
        for first, until, k, oy, ox, total, data in sorted(totals):
            end = None if data else until
            picture.value(outs[k], oy + rows.pad_before, ox + cols.pad_before, shown(total), first, end, data=data)

    for grid in inputs:
        picture.move(
            el("rect", width=pitch, height=pitch, class_="hi"),
            (grid.x, grid.y),
            [(c * pitch, r * pitch) for r, c in order],
        )
    for grid in outs:
        offsets: Offsets = [(c * cols.stride * out_pitch, r * rows.stride * out_pitch) for r, c in order]
        picture.move(_taps(rows, cols, out_pitch, "win"), (grid.x, grid.y), offsets)

    lines = []
    for r, c in order:
        ys, xs = window_taps(rows, r), window_taps(cols, c)
        reach_words = f"{_cells_words(ys, xs, one_row)} of the full scatter"
        if numbers:
            vals = ", ".join(
                f"{shown(numbers.input[p][r][c])}" + (f" (channel {p})" if spec.in_channels > 1 else "")
                for p in range(spec.in_channels)
            )
            lines.append([f"in{_where(r, c, one_row)} = {vals}: adds x·W to {reach_words}; overlaps sum"])
        else:
            kernel = _per_axis(geometry.axes, [a.kernel for a in geometry.axes])
            lines.append([f"in{_where(r, c, one_row)} scatters its {kernel} patch onto {reach_words}"])
    legend = [("i", "input"), ("win", "patch"), ("o", "output")]
    if any(a.pad_before or a.pad_after for a in geometry.axes):
        legend.append(("cr", "cropped by the padding"))
    title = f"{spec.dims}D transposed convolution, animated"
    desc = (
        f"{title}: {head}. {len(order)} steps, one per input cell row by row: each adds its value times the kernel "
        f"to a patch of the output, the patches {_per_axis(geometry.axes, [a.stride for a in geometry.axes])} apart, "
        f"overlaps summed; the padding crops the full scatter.{numbers_words(numbers, 'W')}"
    )
    return picture.scene(title, desc, lines, legend)
