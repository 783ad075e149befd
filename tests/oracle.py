"""What the torch property tests share: torch as the oracle, and one verdict both sides give.

Each side either accepts a layer with a result or refuses it with a reason. cnncalc's refusal names the
option the command line would blame; torch's is its exception's first words. The tests compare verdicts.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings

from cnncalc.commands.base import CLI
from cnncalc.errors import InvalidParameter

T = TypeVar("T")


def examples(n: int) -> settings:
    """``n`` examples; derandomize, database=None and deadline=None come from the "cnncalc" profile (conftest)."""
    return settings(max_examples=n, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Verdict:
    """What one side said: accepted with a result, or refused with a reason."""

    accepted: bool
    output_shape: tuple[int, ...] = ()
    params: int = 0
    weight_shape: tuple[int, ...] = ()
    error: str = ""
    param: str = ""  # cnncalc's refusals: the option as the command line names it


def refused_by_cnncalc(error: InvalidParameter) -> Verdict:
    param = CLI.key(error.param)
    return Verdict(False, error=f"InvalidParameter(param={param!r}): {error}", param=param)


def refused_by_torch(error: BaseException) -> Verdict:
    return Verdict(False, error=f"{type(error).__name__}: {str(error).strip()[:300]}")


def cnncalc_side(compute: Callable[[], T]) -> tuple[T | None, Verdict | None]:
    """``compute()``, or cnncalc's refusal of it (any other exception is a bug, and propagates)."""
    try:
        return compute(), None
    except InvalidParameter as error:
        return None, refused_by_cnncalc(error)


def torch_side(build: Callable[[], Any], given: Any, fill: float = 0.0, dtype: Any = None) -> tuple[Any, Any]:
    """Build a torch layer and run it: (layer, output), or (None, torch's Verdict) if either step refuses.

    ``given`` is a tensor, or a shape to fill with ``fill``. Warnings are silenced (torch's advice about even
    kernels is not a verdict), and gradients are off.
    """
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = build()
            x = (
                given
                if isinstance(given, torch.Tensor)
                else torch.full(tuple(given), fill, dtype=dtype or torch.float32)
            )
            with torch.no_grad():
                return layer, layer(x)
        except Exception as error:  # every refusal, whatever torch raises it as
            return None, refused_by_torch(error)
