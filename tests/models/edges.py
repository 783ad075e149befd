"""Models that test the trace engine's edges (each found by review): caught exceptions, odd return values, layers
whose computation was replaced, tied and lazy weights, code that exits, prints, or asks for too much memory."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations, weight_norm


class Catching(nn.Module):
    """A child that raises, caught: the run goes on, and the work after it counts."""

    def __init__(self) -> None:
        super().__init__()
        self.bad = nn.Linear(7, 3)
        self.good = nn.Linear(16, 40)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with contextlib.suppress(RuntimeError):
            self.bad(x)
        return self.good(x)


class RaisesAfterCatching(Catching):
    """After the caught failure, its own check fails: that, not the caught one, is where it broke."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        super().forward(x)
        raise ValueError("my own check failed")


class ReturnsNone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> None:
        self.linear(x)


class ReturnsScalar(ReturnsNone):
    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return self.linear(x).sum()


@dataclass
class Prediction:
    logits: torch.Tensor
    features: torch.Tensor


class ReturnsDataclass(ReturnsNone):
    def forward(self, x: torch.Tensor) -> Prediction:  # type: ignore[override]
        return Prediction(self.linear(x), x)


class Patched(nn.Module):
    """A LoRA-style adapter patched onto a Linear instance: no Linear formula for it, its extra work counted."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(16, 16)
        self.a = nn.Parameter(torch.zeros(2, 16))
        self.b = nn.Parameter(torch.zeros(16, 2))
        original = self.linear.forward
        self.linear.forward = lambda x: original(x) + (x @ self.a.t()) @ self.b.t()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class PaddedConv(nn.Conv2d):
    """Overrides _conv_forward (what Conv2d's forward computes with), not forward."""

    def _conv_forward(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        return F.conv2d(F.pad(x, (1, 1, 1, 1)), weight, bias)


class OverridesConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = PaddedConv(3, 8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Mapped(nn.Module):
    """A child called under torch.vmap: its hooks see one sample, its kernels the whole batch."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(16, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.vmap(self.linear)(x)


class Tied(nn.Module):
    """An embedding tied to the output layer."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 16)
        self.out = nn.Linear(16, 100, bias=False)
        self.out.weight = self.embed.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.out(self.embed(ids))


tied = Tied()


class Lazy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.LazyLinear(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class Exits(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sys.exit(0)


class Huge(nn.Module):
    """Its forward reads a value (the CPU must run it), then asks for 8.5 GB in one operation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            pass
        return x.reshape(1, 1).expand(46000, 46000).contiguous()


class CallOverridden(nn.Module):
    """Overrides __call__: no hook sees the model's own call, its children's work counts all the same."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(16, 32)
        self.b = nn.Linear(32, 4)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x))


class Prints(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        print("x:", tuple(x.shape))
        return self.linear(x)


class Normalised(nn.Module):
    """Weight normalisation, both of torch's ways: each layer is one row, its product priced as a linear layer's."""

    def __init__(self) -> None:
        super().__init__()
        self.new = parametrizations.weight_norm(nn.Linear(16, 8))
        self.old = weight_norm(nn.Linear(8, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.old(self.new(x))


class Scripted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.jit.script(nn.Linear(16, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x)


class Counts(nn.Module):
    """Its forward writes a buffer and reads a value (so it runs on the CPU): a traced model must keep its count."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.linear(x) * float(self.calls)
