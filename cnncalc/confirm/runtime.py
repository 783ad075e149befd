"""Running torch for a confirmation: imported here only, and only when an answer is confirmed (importing it costs
about a second). Layers run on the meta device: shapes without memory or randomness."""

from __future__ import annotations

import functools
import warnings
from math import prod
from types import ModuleType
from typing import Any

from ..core.dtypes import FLOAT32_BYTES
from ..errors import TorchDisagreement

# torch sizes tensors (in bytes, too) with int64; past this the meta device
# itself overflows, so a confirmation is skipped, not failed.
TORCH_MAX_BYTES = 2**63 - 1


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


def build(torch: ModuleType, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return getattr(torch.nn, name)(*args, **kwargs)
    except Exception as error:
        raise TorchDisagreement("validity", "valid", first_line(error)) from error


def run_on_meta(torch: ModuleType, layer: Any, input_shape: tuple[int, ...]) -> Any:
    return forward(torch, layer, torch.empty((1, *input_shape), device="meta"))


def forward(torch: ModuleType, layer: Any, x: Any) -> Any:
    # e.g. "LSTM with projections is not supported with oneDNN": torch's business, not the user's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.no_grad():
                return layer(x)
        except Exception as error:
            raise TorchDisagreement("validity", "valid", first_line(error)) from error
