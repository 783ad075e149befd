"""Running torch for a confirmation: imported here only, and only when an answer is confirmed (importing it costs
about a second).

A small layer runs on the CPU: torch's real kernels take microseconds, import nothing more and enforce every
check. A large one runs on the meta device: shapes without memory or arithmetic, but through Python kernels
whose first call imports sympy (about 0.3 s). ``device_for`` draws the line; both give the same answer."""

from __future__ import annotations

import functools
import warnings
from math import prod
from types import ModuleType
from typing import Any

from ..core.dtypes import FLOAT32_BYTES
from ..errors import TorchDisagreement

# A judgement, measured (make bench's device rows): a convolution of 10^7 multiply-accumulates takes ~0.4 ms on
# the CPU; the meta device takes ~0.03 ms a call at any size, once its first call has paid ~0.3 s of imports.
# Below the bound, a command line answer is spared that 0.3 s, and a confirmed batch line at the bound spends
# ~0.4 ms where the meta device would spend 0.03; far above it, the CPU's arithmetic (ms, then seconds) and
# memory outweigh the meta device's imports.
# Work: multiply-accumulates for a convolution, window reads for pooling.
CPU_MAX_WORK = 10**7
# The CPU allocates the input, output and weights (and a padded copy of the input, if a padding layer runs first)
# for real: 8 MiB at float32 at most.
CPU_MAX_ELEMENTS = 2**21
DEVICES = ("cpu", "meta")

# torch sizes tensors (in bytes, too) with int64; past this the meta device
# itself overflows, so a confirmation is skipped, not failed.
TORCH_MAX_BYTES = 2**63 - 1


@functools.cache  # once a process: batch mode confirms a line at a time
def import_torch() -> ModuleType:
    """Import torch without letting its import-time warnings reach the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
    return torch


def too_big_for_torch(shapes: dict[str, tuple[int, ...]]) -> str:
    for what, shape in shapes.items():
        size = prod(shape) * FLOAT32_BYTES
        if size > TORCH_MAX_BYTES:
            return (
                f"the {what} tensor would be {size:,} bytes, past torch's int64 limit "
                f"of {TORCH_MAX_BYTES:,}; cnncalc's exact arithmetic stands alone"
            )
    return ""


def device_for(work: int, elements: int) -> str:
    """Where a confirmation runs: the CPU when the forward pass is small enough (``CPU_MAX_WORK`` and
    ``CPU_MAX_ELEMENTS``), else the meta device.

    >>> device_for(81, 59), device_for(10**9, 59)
    ('cpu', 'meta')
    """
    return "cpu" if work <= CPU_MAX_WORK and elements <= CPU_MAX_ELEMENTS else "meta"


def squeeze(values: tuple[int, ...]) -> int | tuple[int, ...]:
    return values[0] if len(set(values)) == 1 else values


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


@functools.lru_cache(maxsize=256)
def meta_layer(name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...], weights: bool) -> Any:
    """A layer on the meta device, built once per distinct set of arguments.

    Building costs more than running on the meta device (torch initialises the
    weights through its Python decompositions), and batch mode asks about the
    same layer at many input sizes. Meta layers hold no values to go stale.
    """
    # Pooling layers hold no tensors and take no device argument.
    return build(import_torch(), name, args, {**dict(kwargs), **({"device": "meta"} if weights else {})})


@functools.lru_cache(maxsize=256)
def parameter_count(layer: Any) -> int:
    """What torch counts in a (cached, never changed) layer: its parameters' elements."""
    return sum(p.numel() for p in layer.parameters())


def build(torch: ModuleType, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return getattr(torch.nn, name)(*args, **kwargs)
    except Exception as error:
        raise TorchDisagreement("validity", "valid", first_line(error)) from error


def run_on(device: str, torch: ModuleType, layer: Any, input_shape: tuple[int, ...]) -> Any:
    """One forward pass of a layer built on the meta device, with batch 1: there as it is, or on the CPU with
    zeros for its input, weights and buffers (the layer's own forward, torch's real kernels; nothing to
    initialise, and the caller's random stream untouched)."""
    if device == "meta":
        return forward(torch, layer, torch.empty((1, *input_shape), device="meta"))
    zeros = {
        name: torch.zeros(t.shape, dtype=t.dtype) for name, t in (*layer.named_parameters(), *layer.named_buffers())
    }
    # torch's own CPU kernels, not oneDNN's: oneDNN builds a primitive for every new shape (~0.5 ms), more than
    # the arithmetic of a layer this small; the checks are torch's, before either runs.
    mkldnn = torch.backends.mkldnn
    before, mkldnn.enabled = mkldnn.enabled, False  # (its flags() context also resets TF32, with a warning)
    try:
        return forward(torch, lambda x: torch.func.functional_call(layer, zeros, (x,)), torch.zeros((1, *input_shape)))
    finally:
        mkldnn.enabled = before


def forward(torch: ModuleType, layer: Any, x: Any) -> Any:
    # e.g. "LSTM with projections is not supported with oneDNN": torch's business, not the user's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.no_grad():
                return layer(x)
        except Exception as error:
            raise TorchDisagreement("validity", "valid", first_line(error)) from error
