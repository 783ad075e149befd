"""The seed's recurrent cell, step by step, with weights cut from torch's packed tensors: the reference the
numeric check holds ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` to."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..core.rnn import RnnGeometry


def by_hand(torch: ModuleType, geometry: RnnGeometry, layer: Any, x: Any) -> tuple[Any, Any, Any]:
    """The seed's equations, step by step, with weights cut from torch's packed tensors.

    Returns (output, h_n, c_n) in torch's layout, time first.
    """
    spec = geometry.spec
    seq, batch = x.shape[0], x.shape[1]
    layer_input = x
    finals_h, finals_c = [], []
    for number in range(spec.layers):
        outputs = []
        for reverse in (False, True)[: spec.directions]:
            suffix = f"_l{number}" + ("_reverse" if reverse else "")
            cell = _SeedCell(torch, geometry, layer, suffix)
            h = torch.zeros(batch, spec.h_size)
            c = torch.zeros(batch, spec.hidden)
            steps: list[Any] = [None] * seq
            for t in reversed(range(seq)) if reverse else range(seq):
                h, c = cell.step(layer_input[t], h, c)
                steps[t] = h
            outputs.append(torch.stack(steps))
            finals_h.append(h)
            finals_c.append(c)
        layer_input = torch.cat(outputs, dim=2)
    return layer_input, torch.stack(finals_h), torch.stack(finals_c)


class _SeedCell:
    """One layer and direction of a recurrent layer, in the seed's form.

    Gate k gets the seed's weight W_k = [W_hk | W_ik] over [h_(t−1), x_t] and
    one bias b_k = b_ik + b_hk. A GRU's new gate cannot take that form: torch
    applies r to (W_hn·h + b_hn) alone, so it is computed as torch defines it.
    """

    def __init__(self, torch: ModuleType, geometry: RnnGeometry, layer: Any, suffix: str) -> None:
        self.torch = torch
        self.spec = geometry.spec
        w_ih = getattr(layer, f"weight_ih{suffix}")
        w_hh = getattr(layer, f"weight_hh{suffix}")
        zeros = torch.zeros(w_ih.shape[0])
        b_ih = getattr(layer, f"bias_ih{suffix}") if self.spec.bias else zeros
        b_hh = getattr(layer, f"bias_hh{suffix}") if self.spec.bias else zeros
        self.w_hr = getattr(layer, f"weight_hr{suffix}") if self.spec.proj else None
        self.seed: dict[str, tuple[Any, Any]] = {}
        self.parts: dict[str, tuple[Any, Any, Any, Any]] = {}
        for gate in geometry.gates:
            rows = slice(*geometry.rows(gate))
            self.seed[gate.key] = (torch.cat([w_hh[rows], w_ih[rows]], dim=1), b_ih[rows] + b_hh[rows])
            self.parts[gate.key] = (w_ih[rows], b_ih[rows], w_hh[rows], b_hh[rows])

    def gate(self, key: str, hx: Any) -> Any:
        weight, bias = self.seed[key]
        return hx @ weight.T + bias  # the bias [H] broadcasts over the batch

    def step(self, x_t: Any, h: Any, c: Any) -> tuple[Any, Any]:
        torch, spec = self.torch, self.spec
        hx = torch.cat([h, x_t], dim=1)  # [h_(t−1), x_t]
        if spec.cell == "lstm":
            f_t = torch.sigmoid(self.gate("f", hx))
            i_t = torch.sigmoid(self.gate("i", hx))
            c_tilde = torch.tanh(self.gate("g", hx))
            c = f_t * c + i_t * c_tilde
            o_t = torch.sigmoid(self.gate("o", hx))
            h = o_t * torch.tanh(c)
            return (h @ self.w_hr.T if self.w_hr is not None else h), c
        if spec.cell == "gru":
            r_t = torch.sigmoid(self.gate("r", hx))
            z_t = torch.sigmoid(self.gate("z", hx))
            w_in, b_in, w_hn, b_hn = self.parts["n"]
            n_t = torch.tanh(x_t @ w_in.T + b_in + r_t * (h @ w_hn.T + b_hn))
            return (1 - z_t) * n_t + z_t * h, c
        activation = torch.relu if spec.nonlinearity == "relu" else torch.tanh
        return activation(self.gate("h", hx)), c
