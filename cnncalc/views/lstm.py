"""``cnncalc lstm``: the cell step by step, both parameter counts, torch's tensors and states, and the JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.rnn import RnnGeometry
from .common import SCHEMA_VERSION, confirmation_json, layer_call, plural
from .gates import bias_note, explain_rnn, gate_rows, params_formulas
from .table import Section

if TYPE_CHECKING:
    from ..confirm.results import Confirmation, NumericCheck, RnnConfirmation


def title(geometry: RnnGeometry) -> str:
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


def tables(geometry: RnnGeometry, confirmed: RnnConfirmation | None) -> list[Section]:
    confirmation, check = (confirmed.shapes, confirmed.numbers) if confirmed else (None, None)
    spec = geometry.spec
    gates = gate_rows(geometry)
    steps = Section(
        [(g.name, g.equation, g.shapes, _where(g.torch, summed=g.name != "new gate")) for g in gates],
        header=("step", "equation", "shapes", "in torch's packed weights"),
        caption=f"The cell, step by step (layer 0, forward; torch stacks the gates as "
        f"{', '.join(g.key for g in geometry.gates)}):",
        separate_rows=True,
    )
    counts = Section([*params_formulas(geometry), ("why they differ", bias_note(geometry))])
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


def to_json(geometry: RnnGeometry, confirmed: RnnConfirmation | None) -> dict[str, Any]:
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
            for g in gate_rows(geometry)
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


def explain(geometry: RnnGeometry) -> list[str]:
    """The --explain steps, layer by layer (written beside the gates they explain)."""
    return explain_rnn(geometry)
