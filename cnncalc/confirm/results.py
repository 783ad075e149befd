"""What torch said of each answer, as data (no torch here): views show it, the JSON carries it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Confirmation:
    """What torch said, or why it was not asked (``verified`` is None then)."""

    verified: bool | None
    layer: str = ""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    output_shape: tuple[int, ...] = ()
    params: int | None = None
    skipped: str = ""
    before: str = ""  # a layer that runs first, e.g. "ZeroPad2d((2, 3, 2, 3))"
    device: str = ""  # where torch ran it: "cpu" or "meta" ("" when it did not)


@dataclass(frozen=True)
class NumericCheck:
    """The seed's gate equations, computed by hand, against torch's forward pass."""

    max_abs_error: float | None
    batch: int = 0
    seq: int = 0
    skipped: str = ""


@dataclass(frozen=True)
class RnnConfirmation:
    shapes: Confirmation
    numbers: NumericCheck


@dataclass(frozen=True)
class TraceCheck:
    """torch's word on each row of a traced chain (True: the same shape, parameters and MACs), and each row's
    FLOPs as its run counted them (None: the row ran an operation no cost rule prices)."""

    verified: tuple[bool, ...]
    flops: tuple[int | None, ...] = ()
    skipped: str = ""  # why torch was not asked (a tensor past its int64 limit): then nothing is verified
    device: str = ""  # where torch ran the chain: "cpu" or "meta"


@dataclass(frozen=True)
class SolveCheck:
    """The first solutions of ``--target``, each built and run in torch: the layers that gave the target."""

    calls: tuple[Confirmation, ...]

    @property
    def confirmed(self) -> int:
        """How many torch really built and ran (a layer too big for torch is skipped, not confirmed)."""
        return sum(1 for call in self.calls if call.verified)

    @property
    def skipped(self) -> str:
        """Why some were not built ("" when every one was)."""
        return next((call.skipped for call in self.calls if not call.verified), "")
