"""``cnncalc conv``: its title, table, step-by-step explanation and JSON, the formulas written out with the
numbers filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.conv import ConvGeometry
from ..core.window import AxisGeometry, axis_unread
from .common import SCHEMA_VERSION, confirmation_json, confirmation_text, memory_row, plural, shape_rows
from .table import Section
from .window import gap_note, padding_term, uncovered_note

if TYPE_CHECKING:
    from ..confirm.results import Confirmation


MACS_CONVENTION = "one multiply-accumulate per weight use, bias excluded; transposed counted from the input side"


def title(geometry: ConvGeometry) -> str:
    spec = geometry.spec
    kind = "transposed convolution" if spec.transposed else "convolution"
    return f"cnncalc conv: {spec.dims}D {kind}"


def tables(geometry: ConvGeometry, confirmation: Confirmation | None) -> list[Section]:
    return [Section(conv_rows(geometry, confirmation))]


def conv_rows(geometry: ConvGeometry, confirmation: Confirmation | None) -> list[tuple[str, str]]:
    spec = geometry.spec
    rows = shape_rows(geometry.input_shape, geometry.output_shape)
    for axis in geometry.axes:
        symbolic, filled = axis_formula(axis, spec.transposed)
        rows.append((f"output {axis.label}", f"{symbolic} = {filled}"))
    for axis in geometry.axes:
        for note in (uncovered_note(axis), gap_note(axis)):
            if note:
                rows.append(("note", note))
    if spec.padding_mode == "same":
        pads = ", ".join(f"{a.label} {a.pad_before}+{a.pad_after}" for a in geometry.axes)
        rows.append(("padding", f"'same': torch pads d·(F − 1) per axis, the odd cell after: {pads}"))
    if spec.padding_mode == "same-tf":
        rows.append(("padding", tf_same_note(geometry)))
    symbolic, filled = params_formula(geometry)
    rows.append(("parameters", f"{symbolic} = {filled}"))
    rows.append(
        ("weight", f"{list(geometry.weight_shape)}" + (f", bias [{spec.out_channels}]" if spec.bias else ", no bias"))
    )
    rows.append(("MACs", macs_formula(geometry)))
    rows.append(memory_row(geometry.output_elements))
    rows.append(("torch", confirmation_text(confirmation)))
    return rows


def to_json(geometry: ConvGeometry, confirmation: Confirmation | None) -> dict[str, Any]:
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
                "unread_input": None if geometry.spec.transposed else axis_unread(a),
                "remainder": a.remainder,
                "uncovered_input": a.uncovered_input,
            }
            for a in geometry.axes
        ],
        **confirmation_json(confirmation),
    }


def axis_formula(axis: AxisGeometry, transposed: bool) -> tuple[str, str]:
    """(symbolic, filled) output-size formula along one axis."""
    w = axis.label
    if transposed:
        pad = f"2·{axis.pad_before}"
        return (
            f"({w} − 1)·S − 2P + d·(F − 1) + output_padding + 1",
            f"({axis.size} − 1)·{axis.stride} − {pad} + {axis.dilation}·({axis.kernel} − 1)"
            f" + {axis.output_padding} + 1 = {axis.output}",
        )
    pad = padding_term(axis)
    if axis.dilation == 1:
        symbolic = f"({w} − F + 2P)/S + 1"
        numerator = f"{axis.size} − {axis.kernel} + {pad}"
    else:
        symbolic = f"({w} + 2P − d·(F − 1) − 1)/S + 1"
        numerator = f"{axis.size} + {pad} − {axis.dilation}·({axis.kernel} − 1) − 1"
    if axis.stride == 1 or axis.exact:
        return symbolic, f"({numerator})/{axis.stride} + 1 = {axis.output}"
    return (
        symbolic,
        f"({numerator})/{axis.stride} + 1 = ⌊{axis.numerator}/{axis.stride}⌋ + 1 = {axis.output}",
    )


def tf_same_note(geometry: ConvGeometry) -> str:
    """TensorFlow's 'same' beside torch's, with the padding that reproduces it in torch."""
    parts = []
    for axis in geometry.axes:
        total = axis.pad_before + axis.pad_after
        parts.append(
            f"{axis.label}: out ⌈{axis.size}/{axis.stride}⌉ = {axis.output}, padding max(0, ({axis.output} − 1)·"
            f"{axis.stride} + {axis.dilation}·({axis.kernel} − 1) + 1 − {axis.size}) = {total}: "
            f"{axis.pad_before} before, {axis.pad_after} after"
        )
    torch_same = (
        "torch's own 'same' pads d·(F − 1) and refuses strides above 1"
        if any(a.stride > 1 for a in geometry.axes)
        else "torch's own 'same' pads d·(F − 1), the same here only when the stride is 1"
    )
    even = all(a.pad_before == a.pad_after for a in geometry.axes)
    how = "symmetric, so padding=P reproduces it" if even else "uneven, so a ZeroPad layer pads first"
    return f"TensorFlow 'same' (any stride): {'; '.join(parts)}. {torch_same}; this one is {how}"


def _kernel_factors(geometry: ConvGeometry) -> tuple[str, str]:
    kernel = geometry.spec.kernel
    if len(set(kernel)) == 1:
        return "·".join("F" * len(kernel)), "·".join(map(str, kernel))
    labels = [axis.label for axis in geometry.axes]
    return "·".join(f"F_{label}" for label in labels), "·".join(map(str, kernel))


def params_formula(geometry: ConvGeometry) -> tuple[str, str]:
    """The seed's F·F·D·K + K, generalised to groups, no bias and transposed."""
    spec = geometry.spec
    symbols, numbers = _kernel_factors(geometry)
    d, k, g = spec.in_channels, spec.out_channels, spec.groups
    if g == 1:
        symbolic = f"{symbols}·D·K"
        filled = f"{numbers}·{d}·{k}"
    elif spec.transposed:
        symbolic = f"{symbols}·D·(K/g)"
        filled = f"{numbers}·{d}·({k}/{g})"
    else:
        symbolic = f"{symbols}·(D/g)·K"
        filled = f"{numbers}·({d}/{g})·{k}"
    if spec.bias:
        symbolic += " + K"
        filled += f" + {k}"
    return symbolic, f"{filled} = {geometry.params:,}"


def macs_formula(geometry: ConvGeometry) -> str:
    spec = geometry.spec
    taps = geometry.weight_shape[1:]
    per = "·".join(map(str, taps))
    if spec.transposed:
        count = f"{geometry.input_shape[0]}·" + "·".join(map(str, spec.size))
        return (
            f"input elements × weights per input = ({count}) × ({per}) = {geometry.macs:,}"
            " (counted from the input side; bias excluded)"
        )
    count = "·".join(map(str, geometry.output_shape))
    return f"output elements × weights per output = ({count}) × ({per}) = {geometry.macs:,} (bias excluded)"


def explain(geometry: ConvGeometry) -> list[str]:
    """The arithmetic step by step, as a teacher would write it on the board."""
    spec = geometry.spec
    lines: list[str] = []
    for axis in geometry.axes:
        lines.append(f"Output size along {axis.label} (input {axis.size}):")
        if axis.dilation > 1:
            lines.append(
                f"  the dilated kernel spans d·(F − 1) + 1 = {axis.dilation}·({axis.kernel} − 1) + 1"
                f" = {axis.span} cells"
            )
        else:
            lines.append(f"  the kernel spans F = {axis.span} cells")
        if spec.transposed:
            lines.append(
                f"  the {axis.size} inputs, spread {axis.stride} apart, reach ({axis.label} − 1)·S = "
                f"({axis.size} − 1)·{axis.stride} = {axis.numerator} cells past the first"
            )
            lines.append(
                f"  each throws a window of {axis.span}: {axis.numerator} + {axis.span} = {axis.numerator + axis.span}"
            )
            lines.append(
                f"  the padding trims 2·P = {2 * axis.pad_before} and output_padding adds {axis.output_padding}: "
                f"{axis.numerator + axis.span} − {2 * axis.pad_before} + {axis.output_padding} = {axis.output}"
            )
            continue
        lines.append(
            f"  padded input: {axis.label} + {'2P' if axis.pad_before == axis.pad_after else 'P_before + P_after'} = "
            f"{axis.size} + {padding_term(axis)} = {axis.padded_size}"
        )
        lines.append(
            f"  room to slide: {axis.padded_size} − {axis.span} = {axis.numerator} cells after the first position"
        )
        steps = axis.numerator // axis.stride
        if axis.exact:
            lines.append(f"  steps of {axis.stride}: {axis.numerator}/{axis.stride} = {steps}")
        else:
            lines.append(
                f"  steps of {axis.stride}: {axis.numerator}/{axis.stride} = {axis.numerator / axis.stride:g}, "
                f"and a window cannot stop part-way, so {steps}"
            )
        lines.append(f"  positions: the first plus {plural(steps, 'steps')} = {axis.output}")
        for note in (uncovered_note(axis), gap_note(axis)):
            if note:
                lines.append(f"  {note}")
    symbolic, filled = params_formula(geometry)
    lines.append("Parameters:")
    per_filter = geometry.weight_params // geometry.weight_shape[0]
    lines.append(
        f"  torch stores the weight as {list(geometry.weight_shape)}: {geometry.weight_shape[0]} × {per_filter:,} = "
        f"{geometry.weight_params:,} weights"
    )
    if spec.bias:
        lines.append(f"  plus one bias per output channel: {spec.out_channels}")
    lines.append(f"  {symbolic} = {filled}")
    lines.append("Multiply-accumulates:")
    lines.append(f"  {macs_formula(geometry)}")
    return lines
