"""Output: the rich table people read and the JSON scripts parse.

Nothing here computes; it lays out what the core and the confirmation found.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from . import formulas
from .formulas import plural

if TYPE_CHECKING:
    from .confirm import Confirmation
    from .conv import ConvGeometry
    from .pool import AdaptiveGeometry, PoolGeometry

SCHEMA_VERSION = 1
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
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if value < 1024 or unit == "EiB":
            return f"{n:,} B" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def memory_row(elements: int) -> tuple[str, str]:
    return ("output memory", f"{plural(elements, 'elements')}, {human_bytes(elements * 4)} at float32 (batch 1)")


def layer_call(confirmation: Confirmation) -> str:
    args = [str(a) for a in confirmation.args]
    args += [f"{key}={value!r}" for key, value in confirmation.kwargs.items()]
    return f"torch.nn.{confirmation.layer}({', '.join(args)})"


def confirmation_text(confirmation: Confirmation | None) -> str:
    if confirmation is None:
        return "not confirmed (--no-verify)"
    if confirmation.verified is None:
        return f"{layer_call(confirmation)}: not confirmed, {confirmation.skipped}"
    return f"{layer_call(confirmation)} → {torch_shape(confirmation.output_shape)}, {confirmation.params:,} params ✓"


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
    symbolic, filled = formulas.params_formula(geometry)
    rows.append(("parameters", f"{symbolic} = {filled}"))
    rows.append(
        ("weight", f"{list(geometry.weight_shape)}" + (f", bias [{spec.out_channels}]" if spec.bias else ", no bias"))
    )
    rows.append(("MACs", formulas.macs_formula(geometry)))
    rows.append(memory_row(geometry.output_elements))
    rows.append(("torch", confirmation_text(confirmation)))
    return rows


def print_table(title: str, rows: list[tuple[str, str]], explain: list[str] | None = None) -> None:
    from . import table

    lines = [title, *table.draw(rows, table.terminal_width(), table.use_colour(sys.stdout))]
    if explain:
        lines += explain
    sys.stdout.write("\n".join(lines) + "\n")


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
            "output_shape": list(confirmation.output_shape),
            "params": confirmation.params,
        },
        "skipped": None,
    }


def print_json(obj: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json.dumps(obj) + "\n")


POOL_NAMES = {"max": "max", "avg": "average", "lp": "LP"}


def pool_title(geometry: PoolGeometry | AdaptiveGeometry) -> str:
    from .pool import AdaptiveGeometry

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


def pool_rows(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> list[tuple[str, str]]:
    from .pool import AdaptiveGeometry

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
            rows.append(("norm", f"p = {geometry.spec.norm:g}: (Σ x^p)^(1/p) over each window"))
    channels = geometry.output_shape[0]
    rows.append(("channels", f"D1 = D = {channels}: each channel is pooled on its own"))
    rows.append(("parameters", "0: pooling has no weights"))
    rows.append(memory_row(geometry.output_elements))
    rows.append(("torch", confirmation_text(confirmation)))
    return rows


def pool_json(geometry: PoolGeometry | AdaptiveGeometry, confirmation: Confirmation | None) -> dict[str, Any]:
    from .pool import MAX_LISTED_WINDOWS, AdaptiveGeometry

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
