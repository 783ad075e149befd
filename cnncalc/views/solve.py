"""``--target``: every way to the target size, best first, and the JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.solve import Solution, SolveResult
from .common import SCHEMA_VERSION, layer_call, plural
from .table import Section

if TYPE_CHECKING:
    from ..confirm.results import SolveCheck


def title(result: SolveResult) -> str:
    sizes = "×".join(str(a.size) for a in result.axes)
    targets = "×".join(str(a.target) for a in result.axes)
    return f"cnncalc: {result.kind} from {sizes} to {targets}"


def _solution_cells(solution: Solution, transposed: bool) -> list[str]:
    cells = [str(solution.f), str(solution.s), str(solution.p), str(solution.dilation)]
    if transposed:  # every input of a transposed convolution is read
        cells.append(str(solution.output_padding))
    elif solution.unread is None:
        cells.append("not counted")
    else:
        cells.append("yes" if solution.reads_every_input else f"no: {plural(solution.unread, 'cells')} unread")
    cells.append("yes" if solution.many_to_one else "no")
    return cells


def tables(result: SolveResult, check: SolveCheck | None) -> list[Section]:
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
    notes.append(("torch", _confirmation_text(check)))
    sections.append(Section(notes))
    return sections


def _confirmation_text(check: SolveCheck | None) -> str:
    if check is None:
        return "not confirmed (--no-verify)"
    if not check.confirmed:
        return f"not confirmed: {check.skipped}"
    text = f"the first {check.confirmed} built and run on the meta device, each giving the target ✓"
    unbuilt = len(check.calls) - check.confirmed
    return text + (f"; {unbuilt} more not built: {check.skipped}" if unbuilt else "")


def to_json(result: SolveResult, check: SolveCheck | None) -> dict[str, Any]:
    transposed = result.kind == "transposed conv"

    def as_dict(solution: Solution) -> dict[str, Any]:
        entry: dict[str, Any] = {"f": solution.f, "s": solution.s, "p": solution.p, "dilation": solution.dilation}
        if transposed:
            entry["output_padding"] = solution.output_padding
        else:  # the same words as conv's and pool's axes: exact, unread_input
            entry["exact"] = solution.exact
            entry["every_input_read"] = solution.reads_every_input if solution.unread is not None else None
            entry["unread_input"] = solution.unread
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
        # true only when torch built and ran at least one, and every one it built gave the target
        "verified": True if check is not None and check.confirmed else None,
        "confirmed": 0 if check is None else check.confirmed,
        "skipped": "--no-verify" if check is None else (check.skipped or None),
        "torch": [] if check is None else [layer_call(call) for call in check.calls if call.verified],
        "device": [] if check is None else [call.device for call in check.calls if call.verified],
        "output_shape": list(result.output_shape),
    }


def explain(result: SolveResult) -> list[str]:
    """No --explain steps: the rows already show each one's arithmetic."""
    return []
