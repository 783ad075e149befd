"""Bounding the memory a trace's CPU work may take (the meta device takes none)."""

from __future__ import annotations

import os
from typing import Any

import torch

from .calls import MemoryBound, Operation, tensors_in


class Usage:
    """Memory a trace's CPU work may take: ``bound`` bytes of resident memory over what the process held when the
    trace began, for its builds and its forward pass together.

    Before each operation, its outputs are worked out on the meta device (no memory) and the operation refused if
    they would pass the bound; after it, the resident memory itself is checked.
    """

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.start = _resident()

    def before(self, op: Operation, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not op.fresh or op.needs_values:  # views and in-place results allocate nothing; these have no meta kernel
            return
        where = {"device": torch.device("meta")} if op.takes_device else {}  # a factory would allocate on the CPU
        try:
            shaped = func(*_on_meta(args), **{**_on_meta(kwargs), **where})
        except Exception:  # no meta kernel for it: the check after it still holds
            return
        wanted = sum(t.numel() * t.element_size() for t in tensors_in(shaped))
        if _resident() - self.start + wanted > self.bound:
            raise MemoryBound(self.bound, f"{op.name.replace('::', '.')} would allocate {wanted:,} bytes more")

    def after(self, op: Operation) -> None:
        grown = _resident() - self.start
        if grown > self.bound:
            raise MemoryBound(self.bound, f"{op.name.replace('::', '.')} took resident memory {grown:,} bytes up")


def _on_meta(value: Any) -> Any:
    """Arguments with every tensor as an empty meta tensor of its shape, dtype and strides."""
    if isinstance(value, torch.Tensor):
        if value.device.type == "meta":
            return value
        return torch.empty_strided(value.shape, value.stride(), dtype=value.dtype, device="meta")
    if isinstance(value, (list, tuple)):
        return type(value)(_on_meta(v) for v in value)
    if isinstance(value, dict):
        return {key: _on_meta(v) for key, v in value.items()}
    return value


def _resident() -> int:
    """Resident memory of this process in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
