"""Output: the rich table people read and the JSON scripts parse.

Nothing here computes; it lays out what the core and the confirmation found.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import formulas, table
from .formulas import plural
from .table import Section

if TYPE_CHECKING:
    from .confirm.results import Confirmation, NumericCheck, RnnConfirmation, SolveCheck, TraceCheck
    from .core.conv import ConvGeometry
    from .core.pool import AdaptiveGeometry, PoolGeometry
    from .core.rnn import RnnGeometry
    from .core.solve import Solution, SolveResult
    from .network.trace import Trace

SCHEMA_VERSION = 1
MACS_TRACE = (
    "multiply-accumulates of every product with a weight or between activations: convolution (transposed "
    "from the input side), linear and matmul, attention (QKᵀ and A·V), recurrent layers; bias, normalisation, "
    "activations, pooling and elementwise operations count 0 (torchvision's convention for its GFLOPS)"
)
FLOPS_TRACE = (
    "every arithmetic operation: 2 per multiply-accumulate, 1 per output element of a bias and of each elementwise "
    "operation, 2 per element of batch norm with running statistics, 6 per element of a norm that computes them "
    "(+1 each for weight and bias), 5 per element of softmax, a window per output of pooling, 1 per input "
    "element of a reduction; moving data counts 0 (the rule in full: README, cnncalc trace)"
)
MACS_CONVENTION = "one multiply-accumulate per weight use, bias excluded; transposed counted from the input side"


def seed_notation(shape: tuple[int, ...]) -> tuple[str, str]:
    """Torch's C×H×W as the seed writes it, W×H×D (width first, depth last)."""
    channels, spatial = shape[0], shape[1:]
    labels = {1: "W×D", 2: "W×H×D", 3: "W×H×Z×D"}[len(spatial)]
    values = "×".join(str(n) for n in (*reversed(spatial), channels))
    return labels, values


def torch_shape(shape: tuple[int, ...], batch: int = 1) -> str:
    return "[" + ", ".join(str(n) for n in (batch, *shape)) + "]"


def human_bytes(n: int) -> str:
    """``1536`` → ``"1.5 KiB"``, in integers (a 3D input of 10^12 a side has no float)."""
    if n < 1024:
        return f"{n:,} B"
    units = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    power = min(len(units), (n.bit_length() - 1) // 10)
    shift = 10 * power
    tenths = (n * 10 + (1 << (shift - 1))) >> shift  # rounded to the nearest tenth
    return f"{tenths // 10:,}.{tenths % 10} {units[power - 1]}"


def memory_row(elements: int) -> tuple[str, str]:
    return ("output memory", f"{plural(elements, 'elements')}, {human_bytes(elements * 4)} at float32 (batch 1)")


def layer_call(confirmation: Confirmation) -> str:
    args = [str(a) for a in confirmation.args]
    args += [f"{key}={value!r}" for key, value in confirmation.kwargs.items()]
    call = f"torch.nn.{confirmation.layer}({', '.join(args)})"
    if confirmation.before:
        call = f"torch.nn.{confirmation.before} then {call}"
    return call


def confirmation_text(confirmation: Confirmation | None) -> str:
    if confirmation is None:
        return "not confirmed (--no-verify)"
    if confirmation.verified is None:
        return f"{layer_call(confirmation)}: not confirmed, {confirmation.skipped}"
    return f"{layer_call(confirmation)} → {torch_shape(confirmation.output_shape)}, {confirmation.params:,} params ✓"


def conv_tables(geometry: ConvGeometry, confirmation: Confirmation | None) -> list[Section]:
    return [Section(conv_rows(geometry, confirmation))]


def conv_rows(geometry: ConvGeometry, confirmation: Confirmation | None) -> list[tuple[str, str]]:
    spec = geometry.spec
    rows = _shape_rows(geometry.input_shape, geometry.output_shape)
    for axis in geometry.axes:
        symbolic, filled = formulas.axis_formula(axis, spec.transposed)
        rows.append((f"output {axis.label}", f"{symbolic} = {filled}"))
    for axis in geometry.axes:
        for note in (formulas.uncovered_note(axis), formulas.gap_note(axis)):
            if note:
                rows.append(("note", note))
    if spec.padding_mode == "same":
        pads = ", ".join(f"{a.label} {a.pad_before}+{a.pad_after}" for a in geometry.axes)
        rows.append(("padding", f"'same': torch pads d·(F − 1) per axis, the odd cell after: {pads}"))
    if spec.padding_mode == "same-tf":
        rows.append(("padding", formulas.tf_same_note(geometry)))
    symbolic, filled = formulas.params_formula(geometry)
    rows.append(("parameters", f"{symbolic} = {filled}"))
    rows.append(
        ("weight", f"{list(geometry.weight_shape)}" + (f", bias [{spec.out_channels}]" if spec.bias else ", no bias"))
    )
    rows.append(("MACs", formulas.macs_formula(geometry)))
    rows.append(memory_row(geometry.output_elements))
    rows.append(("torch", confirmation_text(confirmation)))
    return rows


def print_table(
    title: str,
    sections: Sequence[Section],
    explain: list[str] | None = None,
    pictures: list[str] | None = None,
    export: Export | None = None,
) -> None:
    """Print the title, the tables, any explanation and pictures; save them as SVG/HTML if asked."""
    width, colour = table.terminal_width(), table.use_colour(sys.stdout)
    lines = [title]
    for section in sections:
        if section.caption:
            lines.append(section.caption)
        lines += table.draw(section.rows, width, colour, section.header, section.separate_rows)
    lines += explain or []
    lines += pictures or []
    sys.stdout.write("\n".join(lines) + "\n")
    if export is not None:
        plain = [title, *(line for s in sections for line in _section_lines(s, width)), *(explain or [])]
        export.save(title, [*plain, *(pictures or [])])


def trace_text(trace: Trace, width: int | None = None) -> str:
    """A trace as the command line prints it, without colour (a notebook's or a REPL's repr)."""
    width = width or table.terminal_width()
    lines = [trace_title(trace)]
    for section in trace_tables(trace, None):
        lines += _section_lines(section, width)
    return "\n".join(lines)


def _section_lines(section: Section, width: int) -> list[str]:
    return ([section.caption] if section.caption else []) + table.draw(
        section.rows, width, False, section.header, section.separate_rows
    )


@dataclass(frozen=True)
class Export:
    """Where to save what was printed: rich records the text and writes SVG or HTML."""

    svg: str | None = None
    html: str | None = None

    def save(self, title: str, lines: list[str]) -> None:
        import io

        from rich.console import Console

        width = max((len(line) for line in lines), default=80) + 2
        console = Console(record=True, file=io.StringIO(), width=width, color_system=None)
        for line in lines:
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        if self.svg:
            console.save_svg(self.svg, title=title, clear=False)
        if self.html:
            console.save_html(self.html, clear=False)


def conv_title(geometry: ConvGeometry) -> str:
    spec = geometry.spec
    kind = "transposed convolution" if spec.transposed else "convolution"
    return f"cnncalc conv: {spec.dims}D {kind}"


def conv_json(geometry: ConvGeometry, confirmation: Confirmation | None) -> dict[str, Any]:
    spec = geometry.spec
    pads = [before for before, _ in spec.padding]
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "conv",
        "dims": spec.dims,
        "input_shape": list(geometry.input_shape),
        "d": spec.in_channels,
        "k": spec.out_channels,
        "f": list(spec.kernel),
        "s": list(spec.stride),
        "p": spec.padding_mode if spec.padding_mode else pads,
        "padding": [list(pair) for pair in spec.padding],
        "dilation": list(spec.dilation),
        "groups": spec.groups,
        "bias": spec.bias,
        "transposed": spec.transposed,
        "output_padding": list(spec.output_padding),
        "output_shape": list(geometry.output_shape),
        "weight_shape": list(geometry.weight_shape),
        "params": geometry.params,
        "macs": geometry.macs,
        "macs_convention": MACS_CONVENTION,
        "output_elements": geometry.output_elements,
        "output_bytes": geometry.output_bytes,
        "axes": [
            {
                "axis": a.label,
                "input": a.size,
                "kernel": a.kernel,
                "stride": a.stride,
                "padding": [a.pad_before, a.pad_after],
                "dilation": a.dilation,
                "output_padding": a.output_padding,
                "output": a.output,
                "exact": a.exact,
                "remainder": a.remainder,
                "uncovered_input": a.uncovered_input,
            }
            for a in geometry.axes
        ],
        **confirmation_json(confirmation),
    }


def confirmation_json(confirmation: Confirmation | None) -> dict[str, Any]:
    if confirmation is None:
        return {"verified": None, "torch": None, "skipped": "--no-verify"}
    if confirmation.verified is None:
        return {"verified": None, "torch": None, "skipped": confirmation.skipped}
    return {
        "verified": True,
        "torch": {
            "layer": layer_call(confirmation),
            # None when a partial check skipped the forward pass (``skipped`` says why)
            "output_shape": list(confirmation.output_shape) if confirmation.output_shape else None,
            "params": confirmation.params,
        },
        "skipped": confirmation.skipped or None,
    }


def print_json(obj: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json.dumps(obj) + "\n")


POOL_NAMES = {"max": "max", "avg": "average", "lp": "LP"}


def pool_title(geometry: PoolGeometry | AdaptiveGeometry) -> str:
    from .core.pool import AdaptiveGeometry

    if isinstance(geometry, AdaptiveGeometry):
        kind = "global" if geometry.global_pool else "adaptive"
        return f"cnncalc pool: {geometry.dims}D {kind} {POOL_NAMES[geometry.kind]} pooling"
    spec = geometry.spec
    return f"cnncalc pool: {spec.dims}D {POOL_NAMES[spec.kind]} pooling"


def _shape_rows(input_shape: tuple[int, ...], output_shape: tuple[int, ...]) -> list[tuple[str, str]]:
    rows = []
    for name, shape in (("input", input_shape), ("output", output_shape)):
        labels, values = seed_notation(shape)
        rows.append((name, f"{labels} = {values}    torch {torch_shape(shape)}"))
    return rows


def pool_tables(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> list[Section]:
    return [Section(pool_rows(geometry, confirmation))]


def pool_rows(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> list[tuple[str, str]]:
    from .core.pool import AdaptiveGeometry

    rows = _shape_rows(geometry.input_shape, geometry.output_shape)
    if isinstance(geometry, AdaptiveGeometry):
        for adaptive in geometry.axes:
            rows.append((f"output {adaptive.label}", f"{adaptive.output}: {formulas.adaptive_formula(adaptive)}"))
        for adaptive in geometry.axes:
            rows.append(("windows", formulas.adaptive_note(adaptive)))
    else:
        for axis in geometry.axes:
            symbolic, filled = formulas.pool_axis_formula(axis)
            rows.append((f"output {axis.label}", f"{symbolic} = {filled}"))
        for axis in geometry.axes:
            for note in (formulas.ceil_note(axis), formulas.uncovered_note(axis), formulas.gap_note(axis)):
                if note:
                    rows.append(("note", note))
        if geometry.spec.kind == "avg":
            rows.append(("divisor", formulas.corner_note(geometry)))
        if geometry.spec.kind == "lp":
            norm = f"p = {geometry.spec.norm:g}: (Σ x^p)^(1/p) over each window"
            if geometry.spec.ceil_mode:
                # torch computes it as (F·avg(x^p))^(1/p), so a partial window is scaled as if full
                norm += "; a partial ceil_mode window is averaged over its cells and scaled by the full kernel"
            rows.append(("norm", norm))
    channels = geometry.output_shape[0]
    rows.append(("channels", f"D1 = D = {channels}: each channel is pooled on its own"))
    rows.append(("parameters", "0: pooling has no weights"))
    rows.append(memory_row(geometry.output_elements))
    rows.append(("torch", confirmation_text(confirmation)))
    return rows


def pool_json(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> dict[str, Any]:
    from .core.pool import MAX_LISTED_WINDOWS, AdaptiveGeometry

    base: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": "pool",
        "dims": len(geometry.input_shape) - 1,
        "input_shape": list(geometry.input_shape),
        "d": geometry.input_shape[0],
    }
    if isinstance(geometry, AdaptiveGeometry):
        base.update(
            {
                "type": geometry.kind,
                "adaptive": [a.output for a in geometry.axes],
                "global": geometry.global_pool,
                "windows": {
                    a.label: [list(a.window(i)) for i in range(a.output)] if a.output <= MAX_LISTED_WINDOWS else None
                    for a in geometry.axes
                },
                "window_sizes": {a.label: list(a.window_sizes) for a in geometry.axes},
            }
        )
    else:
        spec = geometry.spec
        base.update(
            {
                "type": spec.kind,
                "f": list(spec.kernel),
                "s": list(spec.stride),
                "p": list(spec.padding),
                "dilation": list(spec.dilation),
                "ceil": spec.ceil_mode,
                "count_include_pad": spec.count_include_pad if spec.kind == "avg" else None,
                "norm": spec.norm,
                "axes": [
                    {
                        "axis": a.label,
                        "input": a.size,
                        "output": a.output,
                        "exact": a.exact,
                        "uncovered_input": a.uncovered_input,
                        "ceil_dropped": a.ceil_dropped,
                    }
                    for a in geometry.axes
                ],
            }
        )
        if geometry.corner is not None:
            base["corner_value_with_pad"] = geometry.corner.value_with_pad
    base.update(
        {
            "output_shape": list(geometry.output_shape),
            "params": 0,
            "output_elements": geometry.output_elements,
            **confirmation_json(confirmation),
        }
    )
    return base


def rnn_title(geometry: RnnGeometry) -> str:
    spec = geometry.spec
    parts = [f"{plural(spec.layers, 'layers')}"]
    if spec.bidirectional:
        parts.append("bidirectional")
    if spec.proj:
        parts.append(f"projected to {spec.proj}")
    parts.append(f"batch {spec.batch}, sequence {spec.seq}")
    return f"cnncalc {spec.cell}: {spec.cell.upper()}({spec.input_size} → {spec.hidden}), {', '.join(parts)}"


HOLDS = {
    "weight_ih": "x-parts of the gates {gates}, stacked",
    "weight_hh": "h-parts of the gates {gates}, stacked",
    "bias_ih": "input-side biases of {gates}",
    "bias_hh": "hidden-side biases of {gates}",
    "weight_hr": "the projection of h",
}


def _where(parts: dict[str, str] | None, summed: bool = True) -> str:
    if not parts:
        return "no weights: element-wise"
    if "weight_hr" in parts:
        return parts["weight_hr"]
    text = f"x-part {parts['weight_ih']}, h-part {parts['weight_hh']}"
    if "bias_ih" in parts:
        if summed:
            text += f"; bias {parts['bias_ih']} + {parts['bias_hh']}"
        else:  # the GRU's new gate: b_in outside r_t, b_hn inside
            text += f"; b_in {parts['bias_ih']}, b_hn {parts['bias_hh']}"
    return text


def rnn_tables(geometry: RnnGeometry, confirmed: RnnConfirmation | None) -> list[Section]:
    confirmation, check = (confirmed.shapes, confirmed.numbers) if confirmed else (None, None)
    spec = geometry.spec
    gates = formulas.gate_rows(geometry)
    steps = Section(
        [(g.name, g.equation, g.shapes, _where(g.torch, summed=g.name != "new gate")) for g in gates],
        header=("step", "equation", "shapes", "in torch's packed weights"),
        caption=f"The cell, step by step (layer 0, forward; torch stacks the gates as "
        f"{', '.join(g.key for g in geometry.gates)}):",
        separate_rows=True,
    )
    counts = Section([*formulas.params_formulas(geometry), ("why they differ", formulas.bias_note(geometry))])
    keys = ", ".join(g.key for g in geometry.gates)
    tensors = Section(
        [
            (p.name, str(list(p.shape)), f"{p.count:,}", HOLDS[p.name.split("_l")[0]].format(gates=keys))
            for p in geometry.parameters
        ]
        + [("total", "", f"{geometry.params:,}", "the layer's count (torch's convention)")],
        header=("parameter", "shape", "count", "holds"),
        caption="Parameter tensors, as torch names them:",
    )
    x_shape = (spec.batch, spec.seq, spec.input_size) if spec.batch_first else (spec.seq, spec.batch, spec.input_size)
    order = "[batch, seq, features]" if spec.batch_first else "[seq, batch, features]"
    states = [
        ("input", f"{list(x_shape)}  {order}"),
        (
            "output",
            f"{list(geometry.output_shape)}  every step's h_t" + (", both directions" if spec.directions > 1 else ""),
        ),
        ("h_n", f"{list(geometry.h_n_shape)}  [layers·directions, batch, {'proj' if spec.proj else 'hidden'}]"),
    ]
    if geometry.c_n_shape:
        states.append(("c_n", f"{list(geometry.c_n_shape)}  [layers·directions, batch, hidden]"))
    states.append(("torch shapes", rnn_confirmation_text(geometry, confirmation)))
    states.append(("gate equations", numeric_text(geometry, check)))
    return [steps, counts, tensors, Section(states)]


def rnn_confirmation_text(geometry: RnnGeometry, confirmation: Confirmation | None) -> str:
    if confirmation is None:
        return "not confirmed (--no-verify)"
    text = (
        f"{layer_call(confirmation)} → the {len(geometry.parameters)} parameter tensors above, "
        f"{geometry.params:,} params"
    )
    if confirmation.skipped:
        return f"{text} ✓; {confirmation.skipped}"
    shapes = f"output {list(geometry.output_shape)}, h_n {list(geometry.h_n_shape)}"
    if geometry.c_n_shape:
        shapes += f", c_n {list(geometry.c_n_shape)}"
    return f"{text}; {shapes} ✓"


def numeric_text(geometry: RnnGeometry, check: NumericCheck | None) -> str:
    if check is None:
        return "not checked (--no-verify)"
    if check.max_abs_error is None:
        return f"not checked: {check.skipped}"
    states = "h and c" if geometry.c_n_shape else "h"
    return (
        f"computed by hand from the layer's own weights on a seeded input (batch {check.batch}, sequence "
        f"{check.seq}), every layer and direction: largest |difference| in {states} from "
        f"nn.{geometry.spec.cell.upper()} {check.max_abs_error:.2e} ≤ 1e-05 ✓"
    )


def rnn_json(geometry: RnnGeometry, confirmed: RnnConfirmation | None) -> dict[str, Any]:
    confirmation, check = (confirmed.shapes, confirmed.numbers) if confirmed else (None, None)
    spec = geometry.spec
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "lstm",
        "cell": spec.cell,
        "input": spec.input_size,
        "hidden": spec.hidden,
        "layers": spec.layers,
        "bidirectional": spec.bidirectional,
        "proj": spec.proj,
        "bias": spec.bias,
        "batch": spec.batch,
        "seq": spec.seq,
        "batch_first": spec.batch_first,
        "nonlinearity": spec.nonlinearity,
        "params": geometry.params,
        "params_one_bias": geometry.params_one_bias,
        "gates": [
            {
                "name": g.name,
                "equation": g.equation,
                "weight_shape": list(g.weight_shape) if g.weight_shape else None,
                "output_shape": list(g.output_shape),
                "torch": g.torch,
            }
            for g in formulas.gate_rows(geometry)
        ],
        "parameters": {p.name: list(p.shape) for p in geometry.parameters},
        "output_shape": list(geometry.output_shape),
        "h_n_shape": list(geometry.h_n_shape),
        "c_n_shape": list(geometry.c_n_shape) if geometry.c_n_shape else None,
        **confirmation_json(confirmation),
        "max_abs_error": check.max_abs_error if check else None,
        "numeric_check": (
            None if check is None else {"batch": check.batch, "seq": check.seq, "skipped": check.skipped or None}
        ),
    }


def _dims(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _field(values: tuple[int, ...] | None) -> str:
    if values is None:
        return "—"
    return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))


def trace_title(trace: Trace) -> str:
    if trace.inputs:
        inputs = ", ".join(
            f"{spec.name + '=' if spec.name else ''}{_dims(spec.shape)}{' ' + spec.dtype if spec.dtype else ''}"
            for spec in trace.inputs
        )
    else:
        inputs = ", ".join(_dims(shape) for shape in trace.input_shapes)
    rows = plural(len(trace.rows), "layers" if not trace.python else "rows")
    return f"cnncalc trace: {rows}, input {inputs} without batch, {trace.dtype}"


def _received(shapes: tuple[tuple[int, ...], ...]) -> str:
    if len(shapes) <= 2:
        return ", ".join(_dims(shape) for shape in shapes) or "—"
    return f"{_dims(shapes[0])} +{len(shapes) - 1}"


def _compact(n: int | None) -> str:
    """``1814073344`` → ``1.81 G``: three significant digits, for the tree's narrow columns."""
    if n is None:
        return "—"
    for unit, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:.3g} {unit}" if value < 1000 else f"{round(value):,} {unit}"
    return str(n)


def _tree_section(trace: Trace) -> Section:
    """The rows folded into their blocks down to --depth, indented by depth, identical folded siblings as one."""
    from .network.trace import TraceBlock

    depth = trace.depth or 0
    entries = trace.tree(depth)
    lines: list[tuple[str, ...]] = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        same = 1
        if isinstance(entry, TraceBlock) and entry.depth == depth:  # folded: count its identical siblings after it
            while i + same < len(entries) and _same_block(entry, entries[i + same]):
                same += 1
        indent = "  " * max(entry.depth - 1, 0)
        if isinstance(entry, TraceBlock):
            local = entry.name.rsplit(".", 1)[-1] if entry.index else entry.name
            kind = entry.kind
            if same > 1:  # the totals of the run of identical blocks
                last = entries[i + same - 1]
                local, kind = f"{local} … {getattr(last, 'name', '').rsplit('.', 1)[-1]}", f"{same} × {kind}"
            label = f"{indent}{local} · {kind}" if entry.index else kind  # the whole model: its class
            shapes = entry.output_shapes
        else:
            local = entry.layer if not trace.python or entry.type == "function" else entry.name.rsplit(".", 1)[-1]
            label = f"{indent}{local}" + (f" · {entry.kind}" if trace.python and entry.type == "module" else "")
            shapes = entry.output_shapes or (entry.output_shape,)
        flops = None if entry.flops is None else entry.flops * same
        lines.append(
            (label, _dims(shapes[0]) if shapes else "—", _compact(entry.params * same), _compact(entry.macs * same),
             _compact(flops))
        )  # fmt: skip
        i += same
    return Section(lines, header=("module" if trace.python else "layer", "output", "params", "MACs", "FLOPs"))


def _same_block(one: Any, other: object) -> bool:
    from .network.trace import TraceBlock

    return (
        isinstance(other, TraceBlock)
        and (other.depth, other.parent, other.structure, other.input_shapes, other.output_shapes)
        == (one.depth, one.parent, one.structure, one.input_shapes, one.output_shapes)
        and (other.params, other.macs, other.flops) == (one.params, one.macs, one.flops)
    )


def trace_tables(trace: Trace, check: TraceCheck | None) -> list[Section]:
    python = trace.python
    rows = []
    for i, row in enumerate(trace.rows):
        verified = row.computed if python else bool(check and check.verified[i])
        mark = "✓" if verified else "·" if python else "—"
        cells = [str(row.index)]
        if python:
            cells.append(row.name)
        cells += [
            row.layer,
            _received(row.input_shapes) if python else _dims(row.input_shape),
            _received(row.output_shapes) if python else _dims(row.output_shape),
            f"{row.params:,}",
            f"{row.macs:,}",
            *([f"{row.flops:,}" if row.flops is not None else "—"] if trace.total_flops is not None else []),
        ]
        if not python:
            cells += [_field(row.receptive_field), _field(row.jump)]
        cells.append(mark)
        rows.append(tuple(cells))
    header = ["#", *(["name"] if python else []), "layer", "input", "output", "params", "MACs"]
    header += ["FLOPs"] if trace.total_flops is not None else []
    header += [] if python else ["RF", "jump"]
    header.append("torch")
    layers = Section(rows, header=tuple(header)) if trace.depth is None else _tree_section(trace)
    if len(trace.outputs) > 1:
        output = ", ".join(f"{name} {_dims(shape)}" for name, shape in trace.outputs)
    elif trace.python and not trace.outputs:
        output = "none: the model returned no tensor"
    else:
        output = _dims(trace.output_shape)
    totals = [
        ("output", output),
        (
            "parameters",
            f"{trace.total_params:,} ({trace.trainable_params:,} trainable"
            f", {trace.total_params - trace.trainable_params:,} not; shared weights counted once)",
        ),
        ("MACs", f"{trace.total_macs:,}: {MACS_TRACE}"),
        (
            "FLOPs",
            f"{trace.total_flops:,}: {FLOPS_TRACE}"
            if trace.total_flops is not None
            else "not counted: FLOPs come from torch's run (drop --no-verify)",
        ),
    ]
    kinds = _macs_by_kind(trace)
    if python and kinds:
        totals.append(("MACs by kind", ", ".join(f"{kind} {macs:,}" for kind, macs in kinds.items())))
    totals += [
        (
            "activations",
            f"{human_bytes(trace.activation_bytes)} at {trace.dtype}: every layer's output, batch included"
            if not python
            else f"{human_bytes(trace.activation_bytes)}: every row's newly allocated output, batch included",
        ),
        (
            "parameter memory",
            f"{human_bytes(trace.param_bytes)} at {trace.param_dtype}"
            if not python
            else f"{human_bytes(trace.param_bytes)} at the parameters' own dtypes",
        ),
    ]
    inferred = [f"#{row.index} {k}={v}" for row in trace.rows for k, v in row.inferred]
    if inferred:
        totals.append(("inferred", ", ".join(inferred)))
    notes = [f"#{row.index} {note}" for row in trace.rows for note in row.notes]
    notes += [f"#{row.index} MACs: {_split(row.macs_by_kind)}" for row in trace.rows if len(row.macs_by_kind) > 1]
    if notes:
        totals.append(("notes", "; ".join(notes)))
    for note in trace.notes:
        totals.append(("device", note))
    for warning in trace_warnings(trace):
        totals.append(("warning", warning))
    if not python and trace.depth is None:
        totals.append(("receptive field", "RF and jump per spatial axis (Distill): r += (k − 1)·d·jump, jump ·= s"))
    if trace.depth is not None:
        totals.append(("tree", f"down to depth {trace.depth}: each block's totals (K, M, G: thousands, millions, "
                       "billions); the entries it does not open add up to the totals above"))  # fmt: skip
    totals.append(("torch", trace_confirmation_text(trace, check)))
    return [layers, Section(totals)]


def _split(by_kind: tuple[tuple[str, int], ...]) -> str:
    return " + ".join(f"{kind} {macs:,}" for kind, macs in by_kind)


def _macs_by_kind(trace: Trace) -> dict[str, int]:
    totals: dict[str, int] = {}
    for row in trace.rows:
        for kind, macs in row.macs_by_kind:
            totals[kind] = totals.get(kind, 0) + macs
    return totals


def trace_warnings(trace: Trace) -> list[str]:
    """What cnncalc could not price, by name: never a silent 0."""
    lines = []
    for name, count in trace.uncounted.items():
        where = [f"#{row.index}" for row in trace.rows if any(op == name for op, _ in row.uncounted)]
        lines.append(
            f"no cost rule for {name.replace('::', '.')} ({plural(count, 'calls')}, in {', '.join(where[:5])}"
            f"{', …' if len(where) > 5 else ''}): its work is in neither the MACs nor the FLOPs total"
        )
    return lines


def trace_confirmation_text(trace: Trace, check: TraceCheck | None) -> str:
    if trace.python:
        modules = [row for row in trace.rows if row.type == "module"]
        computed = sum(row.computed for row in modules)
        return (
            f"the model ran on the {trace.device} device ({trace.operations:,} aten operations, each priced by a "
            f"MAC rule or known to multiply nothing{', but those warned of' if trace.uncounted else ''}); "
            "cnncalc's formulas agreed with torch on "
            f"shape, parameters and MACs for {computed} of {plural(len(modules), 'module calls')} "
            "(✓; · is torch's own shape: a function, or a module cnncalc has no formula for)"
        )
    if check is None:
        return "not confirmed (--no-verify)"
    return f"every layer built and run on the meta device: {sum(check.verified)} of {len(trace.rows)} agree ✓"


def trace_json(trace: Trace, check: TraceCheck | None) -> dict[str, Any]:
    def verified(i: int) -> bool | None:
        row = trace.rows[i]
        if trace.python:
            return True if row.computed else None
        return check.verified[i] if check else None

    if trace.python:
        overall: bool | None = True
    else:
        overall = all(check.verified) if check else None
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": "trace",
        "input_shapes": [list(shape) for shape in trace.input_shapes],
        "inputs": [
            {"name": spec.name, "shape": list(spec.shape), "dtype": spec.dtype or trace.dtype} for spec in trace.inputs
        ],
        "dtype": trace.dtype,
        "layers": [
            {
                "index": row.index,
                "type": row.type,
                "name": row.name,
                "layer": row.layer,
                "kind": row.kind,
                "input_shape": list(row.input_shape),
                "output_shape": list(row.output_shape),
                "input_shapes": [list(shape) for shape in row.input_shapes],
                "output_shapes": [list(shape) for shape in row.output_shapes],
                "params": row.params,
                "macs": row.macs,
                "flops": row.flops,
                "macs_by_kind": dict(row.macs_by_kind),
                "uncounted": dict(row.uncounted),
                "receptive_field": list(row.receptive_field) if row.receptive_field else None,
                "jump": list(row.jump) if row.jump else None,
                "computed": row.computed,
                "verified": verified(i),
                "inferred": dict(row.inferred),
                "notes": list(row.notes),
                "depth": row.depth,
                "parent": row.parent,
            }
            for i, row in enumerate(trace.rows)
        ],
        "blocks": [
            {
                "index": block.index,
                "name": block.name,
                "kind": block.kind,
                "depth": block.depth,
                "parent": block.parent,
                "input_shapes": [list(shape) for shape in block.input_shapes],
                "output_shapes": [list(shape) for shape in block.output_shapes],
                "params": block.params,
                "macs": block.macs,
                "flops": block.flops,
                "children": [{kind: index} for kind, index in block.children],
            }
            for block in trace.blocks
        ],
        "depth": trace.depth,
        "total_params": trace.total_params,
        "trainable_params": trace.trainable_params,
        "total_macs": trace.total_macs,
        "macs_by_kind": _macs_by_kind(trace),
        "macs_convention": MACS_TRACE,
        "total_flops": trace.total_flops,
        "flops_convention": FLOPS_TRACE,
        "uncounted": trace.uncounted,
        "warnings": trace_warnings(trace),
        "activation_bytes": trace.activation_bytes,
        "param_bytes": trace.param_bytes,
        "output_shape": list(trace.output_shape),
        "outputs": {name: list(shape) for name, shape in trace.outputs}
        if trace.outputs or trace.python
        else {"output": list(trace.output_shape)},
        "device": trace.device or None,
        "notes": list(trace.notes),
        "verified": overall,
    }
    return data


def solve_title(result: SolveResult) -> str:
    sizes = "×".join(str(a.size) for a in result.axes)
    targets = "×".join(str(a.target) for a in result.axes)
    return f"cnncalc: {result.kind} from {sizes} to {targets}"


def _solution_cells(solution: Solution, transposed: bool) -> list[str]:
    cells = [str(solution.f), str(solution.s), str(solution.p), str(solution.dilation)]
    if transposed:  # every input of a transposed convolution is read
        cells.append(str(solution.output_padding))
    elif solution.ignored is None:
        cells.append("not counted")
    else:
        cells.append("yes" if solution.exact else f"no: {plural(solution.ignored, 'cells')} unread")
    cells.append("yes" if solution.many_to_one else "no")
    return cells


def solve_tables(result: SolveResult, check: SolveCheck | None) -> list[Section]:
    transposed = result.kind == "transposed conv"
    header = ("#", "F", "S", "P", "d", *(["output_padding"] if transposed else ["every input read"]), "many → one")
    sections = []
    axes = result.axes[:1] if result.uniform else result.axes
    for axis in axes:
        rows = [(str(i), *_solution_cells(solution, transposed)) for i, solution in enumerate(axis.solutions, start=1)]
        caption = (
            f"{len(axis.solutions)} ways from {axis.size} to {axis.target}"
            + (" on every axis" if result.uniform and len(result.axes) > 1 else f" on axis {axis.label}")
            + ", best first (every input read, no dilation, then the smallest kernel, padding and stride):"
        )
        sections.append(Section(rows, header=header, caption=caption))
    bounds = result.bounds
    notes = [
        ("bounds", f"F ≤ {bounds.max_f}, S ≤ {bounds.max_s}, P ≤ {bounds.max_p}, d ≤ {bounds.max_dilation}"),
        ("many → one", "a stride above 1 maps several input sizes to the same output"),
    ]
    if not result.uniform:
        notes.append(("axes", "each axis is solved on its own: any solution of one combines with any of another"))
    if check is None:
        notes.append(("torch", "not confirmed (--no-verify)"))
    else:
        notes.append(
            ("torch", f"the first {check.confirmed} built and run on the meta device, each giving the target ✓")
        )
    sections.append(Section(notes))
    return sections


def solve_json(result: SolveResult, check: SolveCheck | None) -> dict[str, Any]:
    transposed = result.kind == "transposed conv"

    def as_dict(solution: Solution) -> dict[str, Any]:
        entry: dict[str, Any] = {"f": solution.f, "s": solution.s, "p": solution.p, "dilation": solution.dilation}
        if transposed:
            entry["output_padding"] = solution.output_padding
        else:
            entry["exact"] = solution.exact if solution.ignored is not None else None
            entry["ignored_input"] = solution.ignored
        entry["many_to_one"] = solution.many_to_one
        return entry

    if result.uniform:
        solutions: Any = [as_dict(s) for s in result.axes[0].solutions]
    else:
        solutions = {a.label: [as_dict(s) for s in a.solutions] for a in result.axes}
    return {
        "schema_version": SCHEMA_VERSION,
        "command": "solve",
        "kind": result.kind,
        "input_shape": list(result.input_shape),
        "target_shape": list(result.output_shape),
        "bounds": {
            "max_f": result.bounds.max_f,
            "max_s": result.bounds.max_s,
            "max_p": result.bounds.max_p,
            "max_dilation": result.bounds.max_dilation,
        },
        "per_axis": not result.uniform,
        "solutions": solutions,
        "verified": None if check is None else True,
        "confirmed": 0 if check is None else check.confirmed,
        "torch": [] if check is None else [layer_call(call) for call in check.calls],
        "output_shape": list(result.output_shape),
    }
