"""Recurrent layers (LSTM, GRU, plain RNN): gate shapes, where each gate lives
in torch's packed weights, and parameter counts — no torch here.

The seed writes each LSTM gate as one weight over the concatenation
[h_(t−1), x_t]: f_t = σ(W_f·[h_(t−1), x_t] + b_f). torch stores the same
numbers split and stacked: ``weight_ih_l0`` is [4H, I] (the x-parts of the
gates i, f, g, o, in that order), ``weight_hh_l0`` is [4H, H] (the h-parts),
and it keeps two bias vectors per gate, ``bias_ih`` and ``bias_hh``.

>>> rnn_geometry(make_rnn_spec(hidden=20, input=10)).params
2560
>>> rnn_geometry(make_rnn_spec(hidden=20, input=10)).params_one_bias
2480
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Literal

from ..errors import InvalidParameter, Name, Setting, either
from .values import Given, IntLike, at_most, parse_int

CellKind = Literal["lstm", "gru", "rnn"]
CELL_KINDS: tuple[CellKind, ...] = ("lstm", "gru", "rnn")


@dataclass(frozen=True)
class GateLayout:
    """One gate in torch's packing: rows [index·H, (index + 1)·H) of the stacked weights."""

    key: str  # torch's letter: i, f, g, o (LSTM); r, z, n (GRU); h (RNN)
    name: str
    activation: Literal["sigmoid", "tanh", "relu"]
    index: int


# torch's packing order, which is not the seed's reading order (f, i, c̃, o).
GATES: dict[CellKind, tuple[GateLayout, ...]] = {
    "lstm": (
        GateLayout("i", "input gate", "sigmoid", 0),
        GateLayout("f", "forget gate", "sigmoid", 1),
        GateLayout("g", "candidate", "tanh", 2),
        GateLayout("o", "output gate", "sigmoid", 3),
    ),
    "gru": (
        GateLayout("r", "reset gate", "sigmoid", 0),
        GateLayout("z", "update gate", "sigmoid", 1),
        GateLayout("n", "new gate", "tanh", 2),
    ),
    "rnn": (GateLayout("h", "hidden state", "tanh", 0),),
}


@dataclass(frozen=True)
class RnnSpec:
    cell: CellKind
    input_size: int
    hidden: int
    layers: int = 1
    bidirectional: bool = False
    proj: int = 0
    bias: bool = True
    batch: int = 1
    seq: int = 1
    batch_first: bool = False
    nonlinearity: Literal["tanh", "relu"] = "tanh"  # plain RNN only

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def h_size(self) -> int:
        """The size of h_t: proj_size when projecting, else hidden."""
        return self.proj or self.hidden

    @property
    def gate_count(self) -> int:
        return len(GATES[self.cell])


@dataclass(frozen=True)
class ParamTensor:
    """One parameter tensor, named as torch names it."""

    name: str
    shape: tuple[int, ...]
    layer: int
    reverse: bool

    @property
    def count(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class RnnGeometry:
    spec: RnnSpec
    gates: tuple[GateLayout, ...]
    parameters: tuple[ParamTensor, ...]
    output_shape: tuple[int, ...]
    h_n_shape: tuple[int, ...]
    c_n_shape: tuple[int, ...] | None

    @property
    def params(self) -> int:
        """torch's count: two bias vectors per gate."""
        return sum(p.count for p in self.parameters)

    @property
    def params_one_bias(self) -> int:
        """The seed's (and Keras') count: one bias vector per gate."""
        if not self.spec.bias:
            return self.params
        return self.params - sum(p.count for p in self.parameters if p.name.startswith("bias_hh"))

    def layer_input_size(self, layer: int) -> int:
        return layer_input_size(self.spec, layer)

    def rows(self, gate: GateLayout) -> tuple[int, int]:
        """The rows of the packed weights (and biases) that hold this gate."""
        h = self.spec.hidden
        return gate.index * h, (gate.index + 1) * h


def layer_input_size(spec: RnnSpec, layer: int) -> int:
    """Layer 0 reads the input; each layer above reads directions·h (h = proj or hidden)."""
    return spec.input_size if layer == 0 else spec.directions * spec.h_size


def parse_cell(cell: Given) -> CellKind:
    text = cell.strip().lower() if isinstance(cell, str) else None
    for kind in CELL_KINDS:
        if text == kind:
            return kind
    raise InvalidParameter("cell", cell, "lstm, gru or rnn")


def make_rnn_spec(
    *,
    hidden: IntLike,
    input: IntLike,
    cell: Given = "lstm",
    layers: IntLike = 1,
    bidirectional: bool = False,
    proj: IntLike = 0,
    bias: bool = True,
    batch: IntLike = 1,
    seq: IntLike = 1,
    batch_first: bool = False,
    nonlinearity: Given = "tanh",
) -> RnnSpec:
    """Check a recurrent layer's options against torch's rules."""
    kind = parse_cell(cell)
    hidden_size = parse_int(hidden, "hidden", 1, "a hidden size of at least 1")
    input_size = parse_int(input, "input", 1, "an input feature size of at least 1")
    proj_size = parse_int(proj, "proj", 0, "a projection size of at least 0 (0: none)")
    if proj_size and kind != "lstm":
        raise InvalidParameter(
            "proj",
            proj_size,
            "no projection for a GRU or RNN (torch: proj_size argument is only supported for LSTM)",
            either(("drop ", Name("proj")), ("use ", Setting("cell", "lstm"))),
        )
    if proj_size >= hidden_size:
        raise InvalidParameter(
            "proj",
            proj_size,
            ("less than ", Setting("hidden", hidden_size), " (torch: proj_size has to be smaller than hidden_size)"),
            at_most("proj", hidden_size - 1),
        )
    nl = nonlinearity.strip().lower() if isinstance(nonlinearity, str) else None
    if nl not in ("tanh", "relu"):
        raise InvalidParameter("nonlinearity", nonlinearity, "tanh or relu")
    if nl == "relu" and kind != "rnn":
        raise InvalidParameter(
            "nonlinearity",
            nl,
            "tanh for an LSTM or GRU (only a plain RNN takes relu)",
            ("use ", Setting("cell", "rnn")),
        )
    return RnnSpec(
        cell=kind,
        input_size=input_size,
        hidden=hidden_size,
        layers=_layers(layers),
        bidirectional=bidirectional,
        proj=proj_size,
        bias=bias,
        batch=parse_int(batch, "batch", 1, "a batch of at least 1"),
        seq=parse_int(seq, "seq", 1, "a sequence length of at least 1"),
        batch_first=batch_first,
        nonlinearity="relu" if nl == "relu" else "tanh",
    )


def rnn_geometry(spec: RnnSpec) -> RnnGeometry:
    """Every parameter tensor by torch's name, and the output, h_n and c_n shapes."""
    stacked = spec.gate_count * spec.hidden
    tensors: list[ParamTensor] = []
    for layer in range(spec.layers):
        layer_input = layer_input_size(spec, layer)
        for reverse in (False, True)[: spec.directions]:
            suffix = f"_l{layer}" + ("_reverse" if reverse else "")
            tensors.append(ParamTensor(f"weight_ih{suffix}", (stacked, layer_input), layer, reverse))
            tensors.append(ParamTensor(f"weight_hh{suffix}", (stacked, spec.h_size), layer, reverse))
            if spec.bias:
                tensors.append(ParamTensor(f"bias_ih{suffix}", (stacked,), layer, reverse))
                tensors.append(ParamTensor(f"bias_hh{suffix}", (stacked,), layer, reverse))
            if spec.proj:
                tensors.append(ParamTensor(f"weight_hr{suffix}", (spec.proj, spec.hidden), layer, reverse))
    features = spec.directions * spec.h_size
    output = (spec.batch, spec.seq, features) if spec.batch_first else (spec.seq, spec.batch, features)
    states = spec.directions * spec.layers
    return RnnGeometry(
        spec=spec,
        gates=GATES[spec.cell],
        parameters=tuple(tensors),
        output_shape=output,
        h_n_shape=(states, spec.batch, spec.h_size),
        c_n_shape=(states, spec.batch, spec.hidden) if spec.cell == "lstm" else None,
    )


# cnncalc lists every layer's tensors and confirms each one: a deeper stack takes seconds per thousand layers,
# and no recurrent network in use comes near it.
MAX_LAYERS = 1_000


def _layers(layers: IntLike) -> int:
    n = parse_int(layers, "layers", 1, "at least 1 layer")
    if n > MAX_LAYERS:
        raise InvalidParameter(
            "layers", n, f"at most {MAX_LAYERS:,} layers (cnncalc lists and confirms every layer's tensors)"
        )
    return n
