"""A recurrent cell in the seed's form: each gate's equation and shapes, where its rows live in torch's packed
weights, and both parameter-count conventions worked out."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.rnn import GateLayout, RnnGeometry

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
