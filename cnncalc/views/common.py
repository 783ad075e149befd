"""Formatting every view shares: shapes in the seed's and torch's notation, counts, bytes, and torch's word
on an answer (as text and as JSON)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..core.dtypes import FLOAT32_BYTES
from ..core.values import bracketed

if TYPE_CHECKING:
    from ..confirm.results import Confirmation


SCHEMA_VERSION = 1


def plural(n: int, word: str) -> str:
    """``plural(1, "columns")`` → ``"1 column"``."""
    return f"{n:,} {word if n != 1 else word.rstrip('s')}"


def seed_notation(shape: tuple[int, ...]) -> tuple[str, str]:
    """Torch's C×H×W as the seed writes it, W×H×D (width first, depth last)."""
    channels, spatial = shape[0], shape[1:]
    labels = {1: "W×D", 2: "W×H×D", 3: "W×H×Z×D"}[len(spatial)]
    values = "×".join(str(n) for n in (*reversed(spatial), channels))
    return labels, values


def torch_shape(shape: tuple[int, ...], batch: int = 1) -> str:
    """A shape without batch as torch prints it with one: ``[1, 16, 3, 3]``."""
    return bracketed((batch, *shape))


def human_bytes(n: int) -> str:
    """``1536`` → ``"1.5 KiB"``, in integers (a 3D input of 10^12 a side has no float)."""
    if n < 1024:
        return f"{n:,} B"
    units = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    power = min(len(units), (n.bit_length() - 1) // 10)
    shift = 10 * power
    tenths = (n * 10 + (1 << (shift - 1))) >> shift  # rounded to the nearest tenth
    return f"{tenths // 10:,}.{tenths % 10} {units[power - 1]}"


def memory_row(elements: int) -> tuple[str, str]:
    return (
        "output memory",
        f"{plural(elements, 'elements')}, {human_bytes(elements * FLOAT32_BYTES)} at float32 (batch 1)",
    )


def shape_rows(input_shape: tuple[int, ...], output_shape: tuple[int, ...]) -> list[tuple[str, str]]:
    rows = []
    for name, shape in (("input", input_shape), ("output", output_shape)):
        labels, values = seed_notation(shape)
        rows.append((name, f"{labels} = {values}    torch {torch_shape(shape)}"))
    return rows


def layer_call(confirmation: Confirmation) -> str:
    args = [str(a) for a in confirmation.args]
    args += [f"{key}={value!r}" for key, value in confirmation.kwargs.items()]
    call = f"torch.nn.{confirmation.layer}({', '.join(args)})"
    if confirmation.before:
        call = f"torch.nn.{confirmation.before} then {call}"
    return call


def confirmation_text(confirmation: Confirmation | None) -> str:
    if confirmation is None:
        return "not confirmed (--no-verify)"
    if confirmation.verified is None:
        return f"{layer_call(confirmation)}: not confirmed, {confirmation.skipped}"
    return f"{layer_call(confirmation)} → {torch_shape(confirmation.output_shape)}, {confirmation.params:,} params ✓"


def confirmation_json(confirmation: Confirmation | None) -> dict[str, Any]:
    if confirmation is None:
        return {"verified": None, "torch": None, "skipped": "--no-verify"}
    if confirmation.verified is None:
        return {"verified": None, "torch": None, "skipped": confirmation.skipped}
    return {
        "verified": True,
        "torch": {
            "layer": layer_call(confirmation),
            # None when a partial check skipped the forward pass (``skipped`` says why)
            "output_shape": list(confirmation.output_shape) if confirmation.output_shape else None,
            "params": confirmation.params,
            "device": confirmation.device,
        },
        "skipped": confirmation.skipped or None,
    }


def print_json(obj: dict[str, Any]) -> None:
    import json

    sys.stdout.write(json.dumps(obj) + "\n")
