"""The worked formulas of each calculator, as text with the numbers filled in.

Kept apart from the arithmetic (which returns numbers only) and from the
table layout (which only places these strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .core.window import AxisGeometry

if TYPE_CHECKING:
    from .core.conv import ConvGeometry
    from .core.pool import AdaptiveAxis, PoolGeometry
    from .core.rnn import GateLayout, RnnGeometry

# What an axis's cells are called in prose: rows along H, columns along W.
CELL_NAMES = {"W": "columns", "H": "rows", "Z": "planes"}


def plural(n: int, word: str) -> str:
    """``plural(1, "columns")`` → ``"1 column"``."""
    return f"{n:,} {word if n != 1 else word.rstrip('s')}"


def padding_term(axis: AxisGeometry) -> str:
    if axis.pad_before == axis.pad_after:
        return f"2·{axis.pad_before}"
    return f"{axis.pad_before} + {axis.pad_after}"


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


def uncovered_note(axis: AxisGeometry) -> str:
    """Why the division is not whole, and what torch does about it ("" when nothing is left over)."""
    if not axis.remainder:
        return ""
    cells = CELL_NAMES[axis.label]
    quotient = axis.numerator / axis.stride
    text = (
        f"{axis.label}: {axis.numerator}/{axis.stride} = {quotient:g} is not a whole number; "
        f"torch floors it to {axis.numerator // axis.stride}, so "
    )
    if axis.uncovered_input:
        text += f"{plural(axis.uncovered_input, cells)} of input at the far edge "
        text += "are" if axis.uncovered_input != 1 else "is"
        text += " never covered by the kernel"
        padding_left = axis.remainder - axis.uncovered_input
        if padding_left:
            text += f" (and {plural(padding_left, cells)} of padding)"
    else:
        text += f"{plural(axis.remainder, cells)} of padding at the far edge "
        text += "are" if axis.remainder != 1 else "is"
        text += " never used"
        if axis.gap == 0 and axis.dilation == 1:  # else cells between windows or taps go unused too
            text += " (every input cell is covered)"
    return text


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


def gap_note(axis: AxisGeometry) -> str:
    if not axis.gap:
        return ""
    cells = CELL_NAMES[axis.label]
    return (
        f"{axis.label}: the stride {axis.stride} is larger than the window ({axis.span}), "
        f"so {plural(axis.gap, cells)} between consecutive windows {'is' if axis.gap == 1 else 'are'} skipped"
    )


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


def explain_conv(geometry: ConvGeometry) -> list[str]:
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
        lines.append(f"  positions: the first plus {steps} steps = {axis.output}")
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


def explain_pool(geometry: PoolGeometry) -> list[str]:
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
            lines.append(f"  positions: the first plus {ceil_steps} steps = {ceil_steps + 1}")
            if axis.ceil_dropped:
                start = ceil_steps * axis.stride
                lines.append(
                    f"  the last one would start at {ceil_steps}·{axis.stride} = {start}, at or past "
                    f"{axis.label} + P = {axis.size + axis.pad_before}, in the right padding:"
                    f" torch drops it, leaving {axis.output}"
                )
        else:
            lines.append(f"  steps of {axis.stride}: ⌊{axis.numerator}/{axis.stride}⌋ = {floor_steps}")
            lines.append(f"  positions: the first plus {floor_steps} steps = {axis.output}")
            for note in (uncovered_note(axis), gap_note(axis)):
                if note:
                    lines.append(f"  {note}")
    lines.append(f"Channels: D1 = D = {geometry.spec.channels}; pooling has no parameters.")
    return lines


SIGMA = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu"}


@dataclass(frozen=True)
class GateRow:
    """One step of a recurrent cell, as the tables and JSON show it."""

    name: str
    equation: str
    weight_shape: tuple[int, ...] | None  # the seed's concatenated form [H, h + I]
    output_shape: tuple[int, ...]
    shapes: str  # the product with its sizes, in words
    torch: dict[str, str] | None  # where its numbers live in torch's packed tensors


def _slices(geometry: RnnGeometry, gate: GateLayout, suffix: str = "_l0") -> dict[str, str]:
    start, end = geometry.rows(gate)
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if geometry.spec.bias else [])
    return {name: f"{name}{suffix}[{start}:{end}]" for name in names}


def gate_rows(geometry: RnnGeometry) -> list[GateRow]:
    """The seed's steps for the first layer, forward direction, in reading order."""
    spec = geometry.spec
    b, big_h, h, x = spec.batch, spec.hidden, spec.h_size, spec.input_size
    out = (b, big_h)

    def seed_gate(gate: GateLayout, symbol: str, weight: str, bias: str) -> GateRow:
        activation = SIGMA[gate.activation]
        bias_term = f" + {bias}" if spec.bias else ""
        bias_words = f" + {bias} [{big_h}] (broadcast over the batch of {b})" if spec.bias else ""
        return GateRow(
            gate.name,
            f"{symbol} = {activation}({weight}·[h_(t−1), x_t]{bias_term})",
            (big_h, h + x),
            out,
            f"{weight} [{big_h}, {h + x}] · [h_(t−1), x_t] [{b}, {h} + {x}]{bias_words} → [{b}, {big_h}]",
            _slices(geometry, gate),
        )

    gates = {g.key: g for g in geometry.gates}
    rows: list[GateRow] = []
    if spec.cell == "lstm":
        rows.append(seed_gate(gates["f"], "f_t", "W_f", "b_f"))
        rows.append(seed_gate(gates["i"], "i_t", "W_i", "b_i"))
        rows.append(seed_gate(gates["g"], "c̃_t", "W_c", "b_c"))
        rows.append(
            GateRow(
                "cell state",
                "c_t = f_t ⊙ c_(t−1) + i_t ⊙ c̃_t",
                None,
                out,
                f"element-wise on [{b}, {big_h}] (f_t, c_(t−1), i_t, c̃_t all [{b}, {big_h}]) → [{b}, {big_h}]",
                None,
            )
        )
        rows.append(seed_gate(gates["o"], "o_t", "W_o", "b_o"))
        if spec.proj:
            rows.append(
                GateRow(
                    "hidden state",
                    "h_t = W_hr·(o_t ⊙ tanh(c_t))",
                    (spec.proj, big_h),
                    (b, spec.proj),
                    f"o_t ⊙ tanh(c_t) [{b}, {big_h}], then W_hr [{spec.proj}, {big_h}] projects it"
                    f" → [{b}, {spec.proj}]",
                    {"weight_hr": "weight_hr_l0"},
                )
            )
        else:
            rows.append(
                GateRow("hidden state", "h_t = o_t ⊙ tanh(c_t)", None, out, f"element-wise → [{b}, {big_h}]", None)
            )
    elif spec.cell == "gru":
        rows.append(seed_gate(gates["r"], "r_t", "W_r", "b_r"))
        rows.append(seed_gate(gates["z"], "z_t", "W_z", "b_z"))
        n = gates["n"]
        biases = (" + b_in", " + b_hn") if spec.bias else ("", "")
        rows.append(
            GateRow(
                n.name,
                f"n_t = tanh(W_in·x_t{biases[0]} + r_t ⊙ (W_hn·h_(t−1){biases[1]}))",
                None,
                out,
                f"W_in [{big_h}, {x}] · x_t [{b}, {x}] and W_hn [{big_h}, {h}] · h_(t−1) [{b}, {h}] → [{b}, {big_h}]; "
                "r_t scales only the h-part (torch's placement), so it cannot use one weight over [h_(t−1), x_t]",
                _slices(geometry, n),
            )
        )
        rows.append(
            GateRow(
                "hidden state",
                "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)",
                None,
                out,
                f"element-wise → [{b}, {big_h}]",
                None,
            )
        )
    else:
        rows.append(seed_gate(gates["h"], "h_t", "W", "b"))
        if spec.nonlinearity == "relu":
            rows[-1] = GateRow(
                rows[-1].name,
                rows[-1].equation.replace("tanh(", "relu(", 1),
                rows[-1].weight_shape,
                rows[-1].output_shape,
                rows[-1].shapes,
                rows[-1].torch,
            )
    return rows


def _per_direction(geometry: RnnGeometry, layer: int, two_biases: bool) -> tuple[str, int]:
    spec = geometry.spec
    g, big_h, h, i = spec.gate_count, spec.hidden, spec.h_size, geometry.layer_input_size(layer)
    bias = (f" + 2·{big_h}" if two_biases else f" + {big_h}") if spec.bias else ""
    count = g * (big_h * (h + i) + (2 if two_biases else 1) * big_h * spec.bias)
    text = f"{g}·({big_h}·({h} + {i}){bias})"
    if spec.proj:
        text += f" + {spec.proj}·{big_h}"
        count += spec.proj * big_h
    return text, count


def params_formulas(geometry: RnnGeometry) -> list[tuple[str, str]]:
    """Both conventions, per layer, with the numbers filled in."""
    spec = geometry.spec
    g = spec.gate_count
    symbolic = {
        True: f"{g}·(H·(H + I) + 2H)" if spec.bias else f"{g}·H·(H + I)",
        False: f"{g}·(H·(H + I) + H)" if spec.bias else f"{g}·H·(H + I)",
    }
    if spec.proj:
        symbolic = {k: v.replace("H·(H + I)", "H·(P + I)") + " + P·H" for k, v in symbolic.items()}
    # Layer 0 reads the input; layers 1…L−1 all read directions·h, so they share one term.
    groups = [(0, spec.directions)] + ([(1, (spec.layers - 1) * spec.directions)] if spec.layers > 1 else [])
    one_bias = (
        "one bias per gate (textbook GRU, Keras reset_after=False)"
        if spec.cell == "gru"
        else ("one bias per gate (the seed, Keras)")
    )
    rows = []
    for two_biases, name in ((False, one_bias), (True, "torch: bias_ih + bias_hh")):
        terms, total = [], 0
        for layer, times in groups:
            text, count = _per_direction(geometry, layer, two_biases)
            terms.append(f"{times}×[{text}]" if times > 1 else text)
            total += times * count
        rows.append((name, f"{symbolic[two_biases]} = {' + '.join(terms)} = {total:,}"))
    return rows


def bias_note(geometry: RnnGeometry) -> str:
    spec = geometry.spec
    if not spec.bias:
        return "no bias: both conventions agree"
    extra = spec.gate_count * spec.hidden * spec.layers * spec.directions
    if spec.cell == "gru":
        summed = 2 * spec.hidden * spec.layers * spec.directions
        return (
            f"torch keeps two bias vectors per gate, b_ih and b_hh ({extra:,} more parameters). For r and z they "
            f"only ever appear summed ({summed:,} of them add nothing), but the new gate's b_hn sits inside "
            "r_t ⊙ (W_hn·h + b_hn), so it is not redundant: one bias per gate is a slightly different GRU. "
            "torch's count is the layer's."
        )
    return (
        f"torch keeps two bias vectors per gate, b_ih and b_hh, which only ever appear summed: "
        f"{extra:,} more parameters and no more expressive power. torch's count is the layer's."
    )


def explain_rnn(geometry: RnnGeometry) -> list[str]:
    """The shapes and counts layer by layer, as a teacher would write them."""
    spec = geometry.spec
    g, big_h, h = spec.gate_count, spec.hidden, spec.h_size
    lines: list[str] = []
    for layer in range(spec.layers):
        i = geometry.layer_input_size(layer)
        source = "the input features" if layer == 0 else f"{spec.directions}·{h} outputs of the layer below"
        lines.append(f"Layer {layer}: x_t has {i} features ({source}); h_(t−1) has {h}.")
        lines.append(f"  [h_(t−1), x_t] stacks them: {h} + {i} = {h + i} values per example")
        lines.append(f"  each of the {g} gates has a weight [{big_h}, {h + i}]: {big_h}·{h + i} = {big_h * (h + i):,}")
        lines.append(
            f"  torch splits it into weight_ih [{g}·{big_h}, {i}] = [{g * big_h}, {i}] and "
            f"weight_hh [{g * big_h}, {h}], the gates stacked as {', '.join(x.key for x in geometry.gates)}"
        )
        if spec.bias:
            lines.append(f"  biases: one of {big_h} per gate in the seed's form, two (b_ih, b_hh) in torch")
        if spec.proj:
            lines.append(f"  projection weight_hr [{spec.proj}, {big_h}] = {spec.proj * big_h:,}")
        _, one = _per_direction(geometry, layer, False)
        _, two = _per_direction(geometry, layer, True)
        per = f"per direction: {one:,} (one bias) or {two:,} (torch)"
        lines.append(f"  {per}" + (f", × {spec.directions} directions" if spec.directions > 1 else ""))
    lines.append(f"Total: {geometry.params_one_bias:,} with one bias per gate, {geometry.params:,} in torch.")
    return lines
