"""``cnncalc trace``: the rows (or the module tree, with --depth), the totals, and the JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.values import bracketed
from ..network.trace import Trace, TraceBlock
from . import table
from .common import SCHEMA_VERSION, human_bytes, plural
from .output import section_lines
from .table import Section

if TYPE_CHECKING:
    from ..confirm.results import TraceCheck


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


def _field(values: tuple[int, ...] | None) -> str:
    if values is None:
        return "—"
    return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))


def title(trace: Trace) -> str:
    if trace.inputs:
        inputs = ", ".join(
            f"{spec.name + '=' if spec.name else ''}{bracketed(spec.shape)}{' ' + spec.dtype if spec.dtype else ''}"
            for spec in trace.inputs
        )
    else:
        inputs = ", ".join(bracketed(shape) for shape in trace.input_shapes)
    rows = plural(len(trace.rows), "layers" if not trace.python else "rows")
    return f"cnncalc trace: {rows}, input {inputs} without batch, {trace.dtype}"


def _received(shapes: tuple[tuple[int, ...], ...]) -> str:
    if len(shapes) <= 2:
        return ", ".join(bracketed(shape) for shape in shapes) or "—"
    return f"{bracketed(shapes[0])} +{len(shapes) - 1}"


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
            (label, bracketed(shapes[0]) if shapes else "—", _compact(entry.params * same), _compact(entry.macs * same),
             _compact(flops))
        )  # fmt: skip
        i += same
    return Section(lines, header=("module" if trace.python else "layer", "output", "params", "MACs", "FLOPs"))


def _same_block(one: Any, other: object) -> bool:
    return (
        isinstance(other, TraceBlock)
        and (other.depth, other.parent, other.structure, other.input_shapes, other.output_shapes)
        == (one.depth, one.parent, one.structure, one.input_shapes, one.output_shapes)
        and (other.params, other.macs, other.flops) == (one.params, one.macs, one.flops)
    )


def tables(trace: Trace, check: TraceCheck | None) -> list[Section]:
    python = trace.python
    rows = []
    for i, row in enumerate(trace.rows):
        verified = row.computed if python else bool(check and not check.skipped and check.verified[i])
        mark = "✓" if verified else "·" if python else "—"
        cells = [str(row.index)]
        if python:
            cells.append(row.name)
        cells += [
            row.layer,
            _received(row.input_shapes) if python else bracketed(row.input_shape),
            _received(row.output_shapes) if python else bracketed(row.output_shape),
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
        output = ", ".join(f"{name} {bracketed(shape)}" for name, shape in trace.outputs)
    elif trace.python and not trace.outputs:
        output = "none: the model returned no tensor"
    else:
        output = bracketed(trace.output_shape)
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
    if check.skipped:
        return f"not confirmed: {check.skipped}"
    where = "the CPU" if check.device == "cpu" else "the meta device"
    return f"every layer built and run on {where}: {sum(check.verified)} of {len(trace.rows)} agree ✓"


def to_json(trace: Trace, check: TraceCheck | None) -> dict[str, Any]:
    def verified(i: int) -> bool | None:
        row = trace.rows[i]
        if trace.python:
            return True if row.computed else None
        return check.verified[i] if check and not check.skipped else None

    if trace.python:
        overall: bool | None = True
    else:
        overall = all(check.verified) if check and not check.skipped else None
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
        "device": trace.device or (check.device if check is not None and not check.skipped else None),
        "notes": list(trace.notes),
        "verified": overall,
        "skipped": _skipped(trace, check),
    }
    return data


def _skipped(trace: Trace, check: TraceCheck | None) -> str | None:
    """Why a chain was not confirmed; None when it was, or for a Python model (torch ran it)."""
    if trace.python:
        return None
    return "--no-verify" if check is None else check.skipped or None


def trace_text(trace: Trace, width: int | None = None) -> str:
    """A trace as the command line prints it, without colour (a notebook's or a REPL's repr)."""
    width = width or table.terminal_width()
    lines = [title(trace)]
    for section in tables(trace, None):
        lines += section_lines(section, width)
    return "\n".join(lines)


def explain(result: Trace) -> list[str]:
    """No --explain steps: the rows already show each one's arithmetic."""
    return []
