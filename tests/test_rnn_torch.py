"""Recurrent layers against real torch layers: shapes, counts, and the gate
equations computed by hand against nn.LSTM/GRU/RNN."""

import dataclasses
import warnings
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import torch_side

from cnncalc.confirm.rnn import confirm_rnn
from cnncalc.core.rnn import GateLayout, make_rnn_spec, rnn_geometry
from cnncalc.errors import InvalidParameter, TorchDisagreement

pytestmark = pytest.mark.torch


@st.composite
def rnn_options(draw: st.DrawFn, valid: bool = True) -> dict[str, Any]:
    cell = draw(st.sampled_from(["lstm", "gru", "rnn"]))
    hidden = draw(st.integers(1, 12))
    options: dict[str, Any] = {
        "cell": cell,
        "hidden": hidden,
        "input": draw(st.integers(1, 12)),
        "layers": draw(st.integers(1, 3)),
        "bidirectional": draw(st.booleans()),
        "bias": draw(st.booleans()),
        "batch": draw(st.integers(1, 3)),
        "seq": draw(st.integers(1, 4)),
        "batch_first": draw(st.booleans()),
    }
    if cell == "lstm" and hidden > 1:
        options["proj"] = draw(st.integers(0, hidden - 1))
    if cell == "rnn":
        options["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    if not valid:
        options["proj"] = draw(st.integers(1, 14)) if cell != "lstm" else draw(st.integers(hidden, hidden + 3))
    return options


def torch_layer(options: dict[str, Any]) -> Any:
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[options["cell"]]
    kwargs: dict[str, Any] = {
        "num_layers": options["layers"],
        "bias": options["bias"],
        "batch_first": options["batch_first"],
        "bidirectional": options["bidirectional"],
    }
    if options.get("proj"):
        kwargs["proj_size"] = options["proj"]
    if "nonlinearity" in options:
        kwargs["nonlinearity"] = options["nonlinearity"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(options["input"], options["hidden"], **kwargs)


@settings(max_examples=400)
@given(rnn_options())
def test_shapes_and_counts_match_torch(options: dict[str, Any]) -> None:
    geometry = rnn_geometry(make_rnn_spec(**options))
    layer = torch_layer(options)
    assert {p.name: p.shape for p in geometry.parameters} == {n: tuple(p.shape) for n, p in layer.named_parameters()}
    assert geometry.params == sum(p.numel() for p in layer.parameters())
    b, s, i = options["batch"], options["seq"], options["input"]
    # (torch warns "LSTM with projections is not supported with oneDNN": not a verdict)
    built, ran = torch_side(lambda: layer, (b, s, i) if options["batch_first"] else (s, b, i))
    assert built is not None, ran
    output, state = ran
    assert tuple(output.shape) == geometry.output_shape
    h_n, c_n = state if options["cell"] == "lstm" else (state, None)
    assert tuple(h_n.shape) == geometry.h_n_shape
    assert (tuple(c_n.shape) if c_n is not None else None) == geometry.c_n_shape


@settings(max_examples=150)
@given(rnn_options(valid=False))
def test_both_reject_a_bad_projection(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameter) as caught:
        make_rnn_spec(**options)
    assert caught.value.param == "proj"
    with pytest.raises(ValueError):
        torch_layer(options)


@settings(max_examples=150)
@given(rnn_options())
def test_gate_equations_by_hand_match_torch(options: dict[str, Any]) -> None:
    confirmed = confirm_rnn(rnn_geometry(make_rnn_spec(**options)))
    assert confirmed.shapes.verified is True
    assert confirmed.numbers.max_abs_error is not None
    assert confirmed.numbers.max_abs_error <= 1e-5


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_the_numeric_check_catches_gates_read_from_the_wrong_rows(cell: str) -> None:
    geometry = rnn_geometry(make_rnn_spec(hidden=8, input=5, cell=cell, seq=3, batch=2))
    first, second, *rest = geometry.gates
    swapped = (dataclasses.replace(first, index=second.index), dataclasses.replace(second, index=first.index))
    wrong = dataclasses.replace(geometry, gates=(*swapped, *rest))
    with pytest.raises(TorchDisagreement) as caught:
        confirm_rnn(wrong)
    assert caught.value.field == "the gate equations"


def test_the_shape_check_catches_a_wrong_count() -> None:
    geometry = rnn_geometry(make_rnn_spec(hidden=8, input=5))
    wrong = dataclasses.replace(geometry, parameters=geometry.parameters[:-1])
    with pytest.raises(TorchDisagreement) as caught:
        confirm_rnn(wrong)
    assert caught.value.field == "parameters"


def test_layers_too_large_to_build_skip_only_the_numeric_check() -> None:
    confirmed = confirm_rnn(rnn_geometry(make_rnn_spec(hidden=3000, input=3000)))
    assert confirmed.shapes.verified is True
    assert confirmed.numbers.max_abs_error is None
    assert "72,024,000 parameters" in confirmed.numbers.skipped


def test_gate_layout_is_torchs_packing_order() -> None:
    # torch documents weight_ih_l[k] as (W_ii|W_if|W_ig|W_io) and (W_ir|W_iz|W_in).
    assert [g.key for g in rnn_geometry(make_rnn_spec(hidden=2, input=2)).gates] == ["i", "f", "g", "o"]
    assert [g.key for g in rnn_geometry(make_rnn_spec(hidden=2, input=2, cell="gru")).gates] == ["r", "z", "n"]
    assert all(isinstance(g, GateLayout) for g in rnn_geometry(make_rnn_spec(hidden=2, input=2)).gates)
