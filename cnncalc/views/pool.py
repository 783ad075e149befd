"""``cnncalc pool``: its title, table, step-by-step explanation and JSON, torch's edge rules spelt out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.pool import MAX_LISTED_WINDOWS, AdaptiveAxis, AdaptiveGeometry, PoolGeometry
from ..core.window import AxisGeometry, axis_unread
from .common import SCHEMA_VERSION, confirmation_json, confirmation_text, memory_row, plural, shape_rows
from .table import Section
from .window import gap_note, uncovered_note

if TYPE_CHECKING:
    from ..confirm.results import Confirmation


POOL_NAMES = {"max": "max", "avg": "average", "lp": "LP"}


def title(geometry: PoolGeometry | AdaptiveGeometry) -> str:
    if isinstance(geometry, AdaptiveGeometry):
        kind = "global" if geometry.global_pool else "adaptive"
        return f"cnncalc pool: {geometry.dims}D {kind} {POOL_NAMES[geometry.kind]} pooling"
    spec = geometry.spec
    return f"cnncalc pool: {spec.dims}D {POOL_NAMES[spec.kind]} pooling"


def tables(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> list[Section]:
    return [Section(pool_rows(geometry, confirmation))]


def pool_rows(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> list[tuple[str, str]]:
    rows = shape_rows(geometry.input_shape, geometry.output_shape)
    if isinstance(geometry, AdaptiveGeometry):
        for adaptive in geometry.axes:
            rows.append((f"output {adaptive.label}", f"{adaptive.output}: {adaptive_formula(adaptive)}"))
        for adaptive in geometry.axes:
            rows.append(("windows", adaptive_note(adaptive)))
    else:
        for axis in geometry.axes:
            symbolic, filled = pool_axis_formula(axis)
            rows.append((f"output {axis.label}", f"{symbolic} = {filled}"))
        for axis in geometry.axes:
            for note in (ceil_note(axis), uncovered_note(axis), gap_note(axis)):
                if note:
                    rows.append(("note", note))
        if geometry.spec.kind == "avg":
            rows.append(("divisor", corner_note(geometry)))
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


def to_json(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> dict[str, Any]:
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
                        "unread_input": axis_unread(a),
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


def pool_axis_formula(axis: AxisGeometry) -> tuple[str, str]:
    """The seed's (W − F)/S + 1, with torch's padding, dilation and ceil_mode."""
    w = axis.label
    p = axis.pad_before
    if axis.dilation > 1:
        symbolic = f"({w} + 2P − d·(F − 1) − 1)/S + 1"
        numerator = f"{axis.size} + 2·{p} − {axis.dilation}·({axis.kernel} − 1) − 1"
    elif p:
        symbolic = f"({w} − F + 2P)/S + 1"
        numerator = f"{axis.size} − {axis.kernel} + 2·{p}"
    else:
        symbolic = f"({w} − F)/S + 1"
        numerator = f"{axis.size} − {axis.kernel}"
    s = axis.stride
    if axis.ceil_mode:
        ceiled = -(-axis.numerator // s)
        filled = f"⌈({numerator})/{s}⌉ + 1 = ⌈{axis.numerator}/{s}⌉ + 1"
        if axis.ceil_dropped:
            filled += f" − 1 = {ceiled} + 1 − 1"
        return f"⌈{symbolic[:-4]}⌉ + 1", f"{filled} = {axis.output}"
    if s == 1 or axis.exact:
        return symbolic, f"({numerator})/{s} + 1 = {axis.output}"
    return symbolic, f"({numerator})/{s} + 1 = ⌊{axis.numerator}/{s}⌋ + 1 = {axis.output}"


def ceil_note(axis: AxisGeometry) -> str:
    """What ceil_mode did on this axis ("" when it changed nothing)."""
    if not axis.ceil_mode or axis.numerator % axis.stride == 0:
        return ""
    floor_output = axis.numerator // axis.stride + 1
    if axis.ceil_dropped:
        start = (axis.output) * axis.stride
        return (
            f"{axis.label}: ceil_mode would add a window at {start}, but it would start in the right padding "
            f"(input and left padding end at {axis.size + axis.pad_before}): torch drops it, "
            f"{axis.output} as without ceil_mode"
        )
    last = (axis.output - 1) * axis.stride
    return (
        f"{axis.label}: ceil_mode keeps a last, partial window starting at {last} "
        f"(it reaches past the padded input, {axis.padded_size}): {axis.output} instead of {floor_output}"
    )


def adaptive_formula(axis: AdaptiveAxis) -> str:
    return (
        f"window i = [⌊i·{axis.size}/{axis.output}⌋, ⌈(i + 1)·{axis.size}/{axis.output}⌉) for i = 0 … {axis.output - 1}"
    )


def adaptive_note(axis: AdaptiveAxis, shown: int = 8) -> str:
    windows = [axis.window(i) for i in range(min(axis.output, shown))]
    listed = " ".join(f"[{start}, {end})" for start, end in windows)
    if axis.output > shown:
        listed += f" … ({axis.output} windows)"
    sizes = axis.window_sizes
    if len(sizes) == 1 and not axis.overlapping:
        return f"{axis.label}: {listed}: {plural(axis.output, 'windows')} of {sizes[0]}, tiling the input"
    kinds = " and ".join(map(str, sizes))
    return (
        f"{axis.label}: {listed}: {axis.output} does not divide {axis.size}, so the windows overlap "
        f"and are {kinds} wide"
    )


def corner_note(geometry: PoolGeometry) -> str:
    """Average pooling's divisor with padding: what count_include_pad does at the corner."""
    corner = geometry.corner
    spec = geometry.spec
    if corner is None:
        return "no padding: every window is all input, count_include_pad changes nothing"
    share = f"{corner.input_cells}/{corner.counted_cells} = {corner.value_with_pad:.3g}"
    if spec.count_include_pad:
        return (
            f"count_include_pad=True: padding counts in the divisor; the corner window holds {corner.input_cells} "
            f"input cells of {corner.counted_cells}, so a constant input of 1 averages to {share} there "
            "(1 with --no-count-pad); the shape is the same either way"
        )
    return (
        f"count_include_pad=False: the divisor counts input cells only; the corner window averages its "
        f"{corner.input_cells} input cells, so a constant input of 1 stays 1 (with padding counted: {share}); "
        "the shape is the same either way"
    )


def explain(geometry: PoolGeometry | AdaptiveGeometry) -> list[str]:
    """The arithmetic step by step (--explain): a sliding window's; adaptive pooling lists its windows instead."""
    return _explain_window(geometry) if isinstance(geometry, PoolGeometry) else []


def _explain_window(geometry: PoolGeometry) -> list[str]:
    """The pooling arithmetic step by step."""
    lines: list[str] = []
    for axis in geometry.axes:
        lines.append(f"Output size along {axis.label} (input {axis.size}):")
        if axis.dilation > 1:
            lines.append(
                f"  the dilated window spans d·(F − 1) + 1 = {axis.dilation}·({axis.kernel} − 1) + 1 = {axis.span}"
            )
        else:
            lines.append(f"  the window spans F = {axis.span} cells")
        if axis.pad_before:
            lines.append(f"  padded input: {axis.label} + 2P = {axis.size} + 2·{axis.pad_before} = {axis.padded_size}")
        lines.append(f"  room to slide: {axis.padded_size} − {axis.span} = {axis.numerator}")
        floor_steps = axis.numerator // axis.stride
        if axis.ceil_mode:
            ceil_steps = -(-axis.numerator // axis.stride)
            lines.append(
                f"  steps of {axis.stride}, rounded up (ceil_mode): ⌈{axis.numerator}/{axis.stride}⌉ = {ceil_steps}"
            )
            lines.append(f"  positions: the first plus {plural(ceil_steps, 'steps')} = {ceil_steps + 1}")
            if axis.ceil_dropped:
                start = ceil_steps * axis.stride
                lines.append(
                    f"  the last one would start at {ceil_steps}·{axis.stride} = {start}, at or past "
                    f"{axis.label} + P = {axis.size + axis.pad_before}, in the right padding:"
                    f" torch drops it, leaving {axis.output}"
                )
        else:
            lines.append(f"  steps of {axis.stride}: ⌊{axis.numerator}/{axis.stride}⌋ = {floor_steps}")
            lines.append(f"  positions: the first plus {plural(floor_steps, 'steps')} = {axis.output}")
            for note in (uncovered_note(axis), gap_note(axis)):
                if note:
                    lines.append(f"  {note}")
    lines.append(f"Channels: D1 = D = {geometry.spec.channels}; pooling has no parameters.")
    return lines
