"""Recurrent layers: torch's parameter tensors and output shapes, then the gate equations, computed by hand from
the layer's own weights, against its forward pass."""

from __future__ import annotations

from math import prod
from types import ModuleType
from typing import Any

from ..core.rnn import RnnGeometry
from ..errors import TorchDisagreement
from .reference import by_hand
from .results import Confirmation, NumericCheck, RnnConfirmation
from .runtime import build, forward, import_torch, too_big_for_torch

# The numeric check builds the layer for real on the CPU; past this many
# parameters (100 MB at float32) it is skipped rather than allocate them.
NUMERIC_MAX_PARAMS = 25_000_000
# Shapes come from a CPU forward pass on zeros when the activations stay small...
CPU_MAX_ELEMENTS = 32_000_000
# ...else from the meta device, whose recurrent kernels run step by step (~20 ms a step).
META_MAX_STEPS = 256
# The seeded tensor the gate equations are checked on: small, but every layer,
# direction and step of it.
NUMERIC_BATCH, NUMERIC_SEQ = 2, 5
NUMERIC_TOLERANCE = 1e-5


def rnn_layer_call(geometry: RnnGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    spec = geometry.spec
    kwargs: dict[str, Any] = {}
    if spec.layers != 1:
        kwargs["num_layers"] = spec.layers
    if not spec.bias:
        kwargs["bias"] = False
    if spec.batch_first:
        kwargs["batch_first"] = True
    if spec.bidirectional:
        kwargs["bidirectional"] = True
    if spec.proj:
        kwargs["proj_size"] = spec.proj
    if spec.cell == "rnn" and spec.nonlinearity != "tanh":
        kwargs["nonlinearity"] = spec.nonlinearity
    return spec.cell.upper(), (spec.input_size, spec.hidden), kwargs


def confirm_rnn(geometry: RnnGeometry) -> RnnConfirmation:
    """Check the shapes against torch's layer, then the gate equations numerically.

    Raises ``TorchDisagreement`` on a shape or count mismatch, or when the
    hand-computed states differ from torch's by more than 1e-5.
    """
    name, args, kwargs = rnn_layer_call(geometry)
    spec = geometry.spec
    x_shape = (spec.batch, spec.seq, spec.input_size) if spec.batch_first else (spec.seq, spec.batch, spec.input_size)
    too_big = too_big_for_torch(
        {"input": x_shape, "output": geometry.output_shape, **{p.name: p.shape for p in geometry.parameters}}
    )
    if too_big:
        return RnnConfirmation(
            Confirmation(None, name, args, kwargs, skipped=too_big), NumericCheck(None, skipped=too_big)
        )
    torch = import_torch()
    real = geometry.params <= NUMERIC_MAX_PARAMS
    if real:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            layer = build(torch, name, args, kwargs)
    else:
        layer = build(torch, name, args, {**kwargs, "device": "meta"})
    _compare_parameters(geometry, layer)
    activations = prod(x_shape) + prod(geometry.output_shape) * spec.layers
    skipped = ""
    device = "cpu" if real else "meta"  # where the parameters were compared, and the shapes run if they are
    if real and activations <= CPU_MAX_ELEMENTS:
        out = forward(torch, layer, torch.zeros(x_shape))
    elif spec.seq * spec.layers * spec.directions <= META_MAX_STEPS:
        meta = layer if not real else build(torch, name, args, {**kwargs, "device": "meta"})
        out = forward(torch, meta, torch.empty(x_shape, device="meta"))
        device = "meta"
    else:
        out = None
        skipped = (
            f"output shapes not run: {spec.seq * spec.layers * spec.directions:,} recurrent steps on the meta device "
            f"would take minutes and the real layer is too large for the CPU"
        )
    if out is not None:
        _compare_states(geometry, out)
    confirmation = Confirmation(
        True,
        name,
        args,
        kwargs,
        geometry.output_shape if out is not None else (),
        geometry.params,
        skipped,
        device=device,
    )
    if not real:
        reason = f"{geometry.params:,} parameters, more than the {NUMERIC_MAX_PARAMS:,} it builds for real"
        return RnnConfirmation(confirmation, NumericCheck(None, skipped=reason))
    return RnnConfirmation(confirmation, _check_numerics(torch, geometry, layer))


def _compare_parameters(geometry: RnnGeometry, layer: Any) -> None:
    ours = {p.name: p.shape for p in geometry.parameters}
    theirs = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    if ours != theirs:
        raise TorchDisagreement("parameters", ours, theirs)
    count = sum(p.numel() for p in layer.parameters())
    if count != geometry.params:
        raise TorchDisagreement("params", geometry.params, count)


def _compare_states(geometry: RnnGeometry, out: Any) -> None:
    output, state = out
    pairs: list[tuple[str, tuple[int, ...], Any]] = [
        ("output_shape", geometry.output_shape, output),
        ("h_n_shape", geometry.h_n_shape, state[0] if geometry.c_n_shape else state),
    ]
    if geometry.c_n_shape:
        pairs.append(("c_n_shape", geometry.c_n_shape, state[1]))
    for what, mine, tensor in pairs:
        if tuple(tensor.shape) != mine:
            raise TorchDisagreement(what, list(mine), list(tensor.shape))


def _check_numerics(torch: ModuleType, geometry: RnnGeometry, layer: Any) -> NumericCheck:
    spec = geometry.spec
    # Its own small tensor, whatever --batch and --seq say: several steps, so
    # that h_(t−1) and c_(t−1) take part, and more than one example.
    batch, seq = NUMERIC_BATCH, NUMERIC_SEQ
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(seq, batch, spec.input_size, generator=generator)
    output, state = forward(torch, layer, x.transpose(0, 1) if spec.batch_first else x)
    if spec.batch_first:
        output = output.transpose(0, 1)
    h_n, c_n = state if spec.cell == "lstm" else (state, None)
    with torch.no_grad():
        mine_output, mine_h, mine_c = by_hand(torch, geometry, layer, x)
    errors = [(output - mine_output).abs().max(), (h_n - mine_h).abs().max()]
    if c_n is not None:
        errors.append((c_n - mine_c).abs().max())
    worst = float(max(errors))
    if not worst <= NUMERIC_TOLERANCE:  # also catches NaN
        raise TorchDisagreement(
            "the gate equations", f"states within {NUMERIC_TOLERANCE:g} of torch's", f"a difference of {worst:.3g}"
        )
    return NumericCheck(worst, batch, seq)
