"""Recurrent layers: LSTM, GRU and RNN, through the calculator's gate arithmetic."""

from __future__ import annotations

from typing import Any

from ...core.rnn import make_rnn_spec, rnn_geometry
from ...core.values import bracketed
from ...errors import LayerMismatch
from ..layer import Arg, Context, Layer, Outcome, expected_size, flag, layer_kind, probability

# torch's order: RNN takes nonlinearity fourth; LSTM and GRU have none, and bias is their fourth.
_AFTER = (
    Arg("bias", True, check=flag), Arg("batch_first", False, check=flag), Arg("dropout", 0.0, check=probability),
    Arg("bidirectional", False, check=flag),
)  # fmt: skip
_SIZES = (Arg("input_size", infer=True), Arg("hidden_size"), Arg("num_layers", 1))
RNN = (*_SIZES, Arg("nonlinearity", "tanh"), *_AFTER)
LSTM = (*_SIZES, *_AFTER, Arg("proj_size", 0))


@layer_kind("RNN", signature=RNN)
@layer_kind("LSTM", "GRU", signature=LSTM)  # GRU refuses proj_size, with the reason (the formula)
def recurrent(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if len(shape) != 3:
        raise LayerMismatch(
            layer.label,
            "a 3D input [seq, batch, features] (or [batch, seq, features] with batch_first=True)",
            f"{bracketed(shape)} ({len(shape)}D)",
            "",
        )
    inferred: dict[str, int] = {}
    features = expected_size(layer, bound, "input_size", shape[2], inferred, "features")
    batch_first = bool(bound["batch_first"])
    batch, seq = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    spec = make_rnn_spec(
        hidden=bound["hidden_size"],
        input=features,
        cell=layer.kind.lower(),
        layers=bound["num_layers"],
        bidirectional=bool(bound["bidirectional"]),
        proj=bound.get("proj_size", 0),
        bias=bool(bound["bias"]),
        batch=batch,
        seq=seq,
        batch_first=batch_first,
        nonlinearity=bound["nonlinearity"] if layer.kind == "RNN" else "tanh",
    )
    geometry = rnn_geometry(spec)
    weights = sum(p.count for p in geometry.parameters if p.name.startswith("weight"))
    notes = [f"h_n {bracketed(geometry.h_n_shape)}"]
    if geometry.c_n_shape:
        notes.append(f"c_n {bracketed(geometry.c_n_shape)}")
    return Outcome(
        geometry.output_shape,
        geometry.params,
        weights * batch * seq,
        resets_field=True,
        inferred=inferred,
        notes=tuple(notes),
    )
