"""The recurrent cell of ``lstm --show`` drawn as a figure (``--animate``, ``--frames-dir``): h_(t−1) and x_t
joining, the gates with their weights and activations, the ⊙ and + joins, c_t and h_t, every edge labelled with
its shape; stepping through t = 1…seq, the state arrows carrying h_t (and c_t) round to the next step."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.rnn import RnnGeometry
from ..errors import InvalidParameter
from .svg import BASELINE, Element, Scene, el, group

MAX_SEQ = 8  # steps a figure steps through: past it, more of the same cell
CHAR = 7.3  # the width of a character of 12px monospace text
HEIGHT = 26  # of a box
# The state arrows flow while the animation plays (a still shows them dashed, at rest).
FLOW = ".state{animation:flow 1s linear infinite}@keyframes flow{to{stroke-dashoffset:-20}}"


def _markers() -> Element:
    """Arrowheads: one for the data, one for the state carried to the next step."""

    def marker(name: str, kind: str) -> Element:
        head = el("path", d="M0 0L8 4L0 8z", class_=kind)
        return el(
            "marker", head, id=name, viewBox="0 0 8 8", refX=7, refY=4, markerWidth=7, markerHeight=7, orient="auto"
        )

    return el("defs", marker("arrow", "mark"), marker("carry", "smark"))


def check_cell(geometry: RnnGeometry) -> None:
    """Refuse a sequence too long to step through, naming the bound."""
    seq = geometry.spec.seq
    if seq > MAX_SEQ:
        raise InvalidParameter(
            "animate",
            f"a sequence of {seq:,}",
            f"at most {MAX_SEQ} steps (t = 1…{MAX_SEQ}) to animate",
            f"give --seq {MAX_SEQ} or less: every step runs the same cell",
        )


@dataclass(frozen=True)
class Node:
    """A box (a tensor, or a gate with its weight and activation) or an operation (⊙, +), by its centre."""

    x: float
    y: float
    text: str
    kind: str

    @property
    def w(self) -> float:
        return HEIGHT + 2 if self.kind == "op" and len(self.text) == 1 else len(self.text) * CHAR + 16

    @property
    def left(self) -> tuple[float, float]:
        return self.x - self.w / 2, self.y

    @property
    def right(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y

    @property
    def top(self) -> tuple[float, float]:
        return self.x, self.y - HEIGHT / 2

    @property
    def bottom(self) -> tuple[float, float]:
        return self.x, self.y + HEIGHT / 2

    def element(self) -> Element:
        if self.kind == "op" and len(self.text) == 1:
            shape = el("circle", cx=self.x, cy=self.y, r=HEIGHT / 2, class_="op")
        else:
            shape = el(
                "rect",
                x=self.x - self.w / 2,
                y=self.y - HEIGHT / 2,
                width=self.w,
                height=HEIGHT,
                rx=5,
                class_=self.kind,
            )
        return group(shape, el("text", x=self.x, y=self.y + BASELINE, class_="c", text=self.text))


Point = tuple[float, float]


@dataclass
class _Figure:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Element] = field(default_factory=list)
    labels: list[Element] = field(default_factory=list)
    right: float = 0.0
    bottom: float = 0.0

    def node(self, x: float, y: float, text: str, kind: str = "box") -> Node:
        node = Node(x, y, text, kind)
        self.nodes.append(node)
        self.right = max(self.right, x + node.w / 2)
        self.bottom = max(self.bottom, y + HEIGHT / 2)
        return node

    def edge(
        self, points: list[Point], label: str = "", at: int = 0, side: str = "", state: bool = False,
        arrow: bool = True,
    ) -> None:  # fmt: skip
        """A polyline through ``points``, its ``label`` beside segment ``at``: above a level segment (``side``
        "below" puts it under), right of an upright one (or "left")."""
        path = "M" + "L".join(f"{x:g} {y:g}" for x, y in points)
        marker = ("url(#carry)" if state else "url(#arrow)") if arrow else None
        self.edges.append(el("path", d=path, class_="state" if state else "edge", marker_end=marker))
        for x, y in points:
            self.right, self.bottom = max(self.right, x), max(self.bottom, y)
        if label:
            (x0, y0), (x1, y1) = points[at], points[at + 1]
            if y0 == y1:
                x, y, anchor = (x0 + x1) / 2, y0 + (16 if side == "below" else -6), "middle"
                extent = x + len(label) * CHAR / 2
            elif side == "left":
                x, y, anchor = x0 - 6, (y0 + y1) / 2 + 4, "end"
                extent = x
            else:
                x, y, anchor = x0 + 6, (y0 + y1) / 2 + 4, "start"
                extent = x + len(label) * CHAR
            self.labels.append(el("text", x=x, y=y, class_="m", text_anchor=anchor, text=label))
            self.right = max(self.right, extent)


def _shape(*sizes: int) -> str:
    return f"[{', '.join(map(str, sizes))}]"


def cell_scene(geometry: RnnGeometry) -> Scene:
    """The cell as a figure, stepping through t = 1…seq."""
    check_cell(geometry)
    spec = geometry.spec
    figure = _Figure()
    top = 130 if spec.cell == "lstm" else 100  # under the heading (an LSTM's c_t loop goes above its lane)
    b, big_h, h, x = spec.batch, spec.hidden, spec.h_size, spec.input_size
    state, concat_shape = _shape(b, big_h), _shape(b, h + x)
    weight = _shape(big_h, h + x)
    carried: dict[str, Node] = {}  # the boxes each step renames: h_(t−1), x_t, c_(t−1), h_t, c_t

    base = top + 230 if spec.cell != "rnn" else top  # under the gates, when there are several
    h_prev = figure.node(80, base, "h_(t−1)")
    x_in = figure.node(80, base + 80, "x_t")
    join = figure.node(270, base + 40, "[h_(t−1), x_t]")
    carried.update(h_prev=h_prev, x=x_in)
    figure.edge([h_prev.right, (175, h_prev.y), (175, join.y - 6), (join.left[0], join.y - 6)], _shape(b, h))
    figure.edge([x_in.right, (175, x_in.y), (175, join.y + 6), (join.left[0], join.y + 6)], _shape(b, x))
    fan = (join.right[0] + 70, join.y)
    figure.edge([join.right, fan], concat_shape, arrow=False)

    def gate(y: float, name: str, bias: str, activation: str) -> Node:
        text = f"{name} {weight}" + (f", {bias}" if spec.bias else "") + f" → {activation}"
        node = figure.node(fan[0] + 30 + len(text) * CHAR / 2 + 8, y, text, "gate")
        figure.edge([fan, (fan[0], y), node.left])
        return node

    if spec.cell == "lstm":
        c_prev = figure.node(80, top, "c_(t−1)")
        f = gate(top + 80, "W_f", "b_f", "σ")
        i = gate(top + 140, "W_i", "b_i", "σ")
        g = gate(top + 200, "W_c", "b_c", "tanh")
        o = gate(top + 260, "W_o", "b_o", "σ")
        column = max(n.right[0] for n in (f, i, g, o)) + 70
        forget = figure.node(column, top, "⊙", "op")
        scale = figure.node(column + 80, top + 170, "⊙", "op")
        add = figure.node(column + 240, top, "+", "op")
        c_t = figure.node(column + 340, top, "c_t")
        squash = figure.node(c_t.x, top + 110, "tanh", "op")
        out = figure.node(c_t.x, top + 260, "⊙", "op")
        figure.edge([c_prev.right, forget.left], state)
        figure.edge([f.right, (forget.x, f.y), forget.bottom], f"f_t {state}")
        figure.edge([i.right, (scale.x, i.y), scale.top], f"i_t {state}")
        figure.edge([g.right, (scale.x, g.y), scale.bottom], f"c̃_t {state}")
        figure.edge([scale.right, (add.x, scale.y), add.bottom], f"i_t ⊙ c̃_t {state}", at=1, side="left")
        figure.edge([forget.right, add.left], state)
        figure.edge([add.right, c_t.left], state)
        figure.edge([c_t.bottom, squash.top], state)
        figure.edge([squash.bottom, out.top], state)
        figure.edge([o.right, out.left], f"o_t {state}")
        if spec.proj:
            project = figure.node(c_t.x, top + 330, f"W_hr {_shape(spec.proj, big_h)}", "gate")
            figure.edge([out.bottom, project.top], state)
            h_t = figure.node(c_t.x, top + 400, "h_t")
            figure.edge([project.bottom, h_t.top], _shape(b, spec.proj))
        else:
            h_t = figure.node(c_t.x, top + 340, "h_t")
            figure.edge([out.bottom, h_t.top], state)
        loop = c_t.x + 90
        figure.edge([c_t.right, (loop, top), (loop, top - 40), (20, top - 40), (20, top), c_prev.left],
                    "c_t is c_(t−1) of the next step", at=2, state=True)  # fmt: skip
        carried.update(c_prev=c_prev, c_t=c_t)
    elif spec.cell == "gru":
        z = gate(top + 80, "W_z", "b_z", "σ")
        r = gate(top + 170, "W_r", "b_r", "σ")
        new = f"W_in {_shape(big_h, x)}, W_hn {_shape(big_h, h)}" + (", b_in, b_hn" if spec.bias else "") + " → tanh"
        n = figure.node(r.x - r.w / 2 + len(new) * CHAR / 2 + 8, top + 260, new, "gate")
        figure.edge([fan, (fan[0], n.y), n.left])
        figure.edge([r.bottom, (r.x, n.top[1])], f"r_t {state}: scales W_hn·h_(t−1) + b_hn", at=0)
        blend = figure.node(max(z.right[0], n.right[0]) + 190, top + 170, "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)", "op")
        figure.edge([z.right, (blend.x - 80, z.y), (blend.x - 80, blend.top[1])], f"z_t {state}")
        figure.edge([n.right, (blend.x, n.y), blend.bottom], f"n_t {state}")
        figure.edge([h_prev.top, (h_prev.x, top + 20), (blend.x + 80, top + 20), (blend.x + 80, blend.top[1])],
                    f"h_(t−1) {_shape(b, h)}", at=1)  # fmt: skip
        h_t = figure.node(blend.right[0] + 100, blend.y, "h_t")
        figure.edge([blend.right, h_t.left], state)
    else:
        activation = "relu" if spec.nonlinearity == "relu" else "tanh"
        cell = gate(join.y, "W", "b", activation)
        h_t = figure.node(cell.right[0] + 110, cell.y, "h_t")
        figure.edge([cell.right, h_t.left], state)
    below = figure.bottom + 40
    figure.edge([h_t.bottom, (h_t.x, below), (20, below), (20, h_prev.y), h_prev.left],
                "h_t is h_(t−1) of the next step, and output[t]", at=1, state=True)  # fmt: skip
    carried["h_t"] = h_t
    return _stepping(geometry, figure, carried, below)


def _stepping(geometry: RnnGeometry, figure: _Figure, carried: dict[str, Node], below: float) -> Scene:
    """The figure, the sequence under it, and what each step renames: x_t is x_3, h_(t−1) is h_2."""
    spec = geometry.spec
    seq = spec.seq
    title = f"{spec.cell.upper()} cell, animated"
    head = (
        f"{spec.cell.upper()}({spec.input_size} → {spec.hidden})"
        + (f", projected to {spec.proj}" if spec.proj else "")
        + f", batch {spec.batch}: layer 0, forward; every layer"
        + (" and direction" if spec.bidirectional else "")
        + " runs this cell, the same at every step t"
    )
    lines = [el("text", x=16, y=30, class_="h", text=title), el("text", x=16, y=50, class_="m", text=head)]
    width = max(figure.right + 30, 16 + len(head) * CHAR + 16)
    width = max(width, *(node.right[0] + 4 + len(f"= h_{seq}") * CHAR + 16 for node in carried.values()))
    # The sequence: x_1 … x_seq in, h_1 … h_seq out, the current step framed.
    pitch, y = 64, below + 40
    strip = []
    for t in range(1, seq + 1):
        x = 16 + (t - 1) * pitch
        strip.append(el("rect", x=x, y=y, width=pitch - 8, height=HEIGHT, class_="i"))
        strip.append(el("text", x=x + (pitch - 8) / 2, y=y + HEIGHT / 2 + BASELINE, class_="c", text=f"x_{t}"))
        strip.append(el("rect", x=x, y=y + HEIGHT + 8, width=pitch - 8, height=HEIGHT, class_="o"))
    outputs = [
        el(
            "text",
            x=16 + (t - 1) * pitch + (pitch - 8) / 2,
            y=y + 1.5 * HEIGHT + 8 + BASELINE,
            class_="c",
            text=f"h_{t}",
        )
        for t in range(1, seq + 1)
    ]
    width = max(width, 16 + seq * pitch + 200)
    legend_y = y + 2 * HEIGHT + 30
    notes = []
    for t in range(1, seq + 1):
        previous = "h_0 = 0, the initial state" if t == 1 else f"h_{t - 1} from step {t - 1}"
        cell = ("; c_(t−1) is " + ("c_0 = 0" if t == 1 else f"c_{t - 1}")) if spec.cell == "lstm" else ""
        notes.append(f"t = {t} of {seq}: x_t is x_{t}; h_(t−1) is {previous}{cell}; the cell writes h_{t}")
    width = max(width, 16 + max(len(n) for n in notes) * CHAR + 16)
    scene = Scene(round(width), round(legend_y + 24), title, _describe(geometry, head), notes)
    scene.animated_css.append(FLOW)
    scene.add(_markers())
    for part in [*lines, *figure.edges, *(n.element() for n in figure.nodes), *figure.labels, *strip]:
        scene.add(part)
    for t in range(1, seq + 1):
        scene.add(outputs[t - 1], t - 1)
        names = {
            "x": f"x_{t}",
            "h_prev": "h_0 = 0" if t == 1 else f"h_{t - 1}",
            "c_prev": "c_0 = 0" if t == 1 else f"c_{t - 1}",
            "h_t": f"h_{t}",
            "c_t": f"c_{t}",
        }
        for key, node in carried.items():
            left = node.x + node.w / 2 + 4 if key in ("h_t", "c_t") else node.x - node.w / 2
            label = el("text", x=left, y=node.y + HEIGHT / 2 + 14, class_="m", text=f"= {names[key]}")
            scene.add(label, t - 1, t)
        scene.add(el("text", x=16, y=legend_y, text=notes[t - 1]), t - 1, t)
    frame = el("rect", x=-3, y=-3, width=pitch - 2, height=2 * HEIGHT + 14, class_="hi")
    scene.move(frame, (16, y), [((t - 1) * pitch, 0) for t in range(1, seq + 1)])
    return scene


def _describe(geometry: RnnGeometry, head: str) -> str:
    spec = geometry.spec
    b, big_h, h, x = spec.batch, spec.hidden, spec.h_size, spec.input_size
    parts = [f"{head}. h_(t−1) {_shape(b, h)} and x_t {_shape(b, x)} join into [h_(t−1), x_t] {_shape(b, h + x)}."]
    if spec.cell == "lstm":
        parts.append(
            f" Four gates each apply a weight {_shape(big_h, h + x)} and a bias: f_t, i_t and o_t through σ, c̃_t "
            f"through tanh, each {_shape(b, big_h)}. c_t = f_t ⊙ c_(t−1) + i_t ⊙ c̃_t {_shape(b, big_h)}; "
            f"h_t = o_t ⊙ tanh(c_t)"
            + (
                f", projected by W_hr {_shape(spec.proj, big_h)} to {_shape(b, spec.proj)}."
                if spec.proj
                else f" {_shape(b, big_h)}."
            )
        )
    elif spec.cell == "gru":
        parts.append(
            f" r_t and z_t apply a weight {_shape(big_h, h + x)} through σ; n_t = tanh(W_in·x_t + b_in + r_t ⊙ "
            f"(W_hn·h_(t−1) + b_hn)); h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1), each {_shape(b, big_h)}."
        )
    else:
        parts.append(
            f" h_t = {spec.nonlinearity}(W·[h_(t−1), x_t] + b), W {_shape(big_h, h + x)}, h_t {_shape(b, big_h)}."
        )
    parts.append(
        f" The animation steps through t = 1 to {spec.seq}; each step's h_t (and c_t) becomes the next step's state."
    )
    return "".join(parts)
