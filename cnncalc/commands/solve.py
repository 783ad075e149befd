"""``--target``: every kernel, stride, padding and dilation that takes the input to a target size."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from ..core.pool import parse_kind
from ..core.solve import SolveResult, make_bounds, solve
from ..core.values import Given, parse_int, parse_per_dim
from .base import Command, InputOptions, View, flag, refuse_with

if TYPE_CHECKING:  # only the type: --no-verify never loads torch's results
    from ..confirm.results import SolveCheck


@dataclass(frozen=True)
class TargetRequest(InputOptions):
    target: Given = None
    max_f: Given = 11
    max_s: Given = 4
    max_p: Given = 5
    max_dilation: Given = 3
    # The window --target chooses: refused when given, not ignored.
    f: Given = None
    s: Given = None
    p: Given = None
    dilation: Given = None

    def kind(self) -> str:
        """What is solved for: "conv", "transposed conv", "max pool", …"""
        raise NotImplementedError

    def chosen(self) -> dict[str, Given]:
        """The options --target decides, as given."""
        return {"f": self.f, "s": self.s, "p": self.p, "dilation": self.dilation}

    def out_channels(self, channels: int) -> int:
        return channels


@dataclass(frozen=True)
class ConvTargetRequest(TargetRequest):
    k: Given = 1
    transposed: Given = False

    def kind(self) -> str:
        return "transposed conv" if flag(self.transposed, "transposed") else "conv"

    def out_channels(self, channels: int) -> int:
        return parse_int(self.k, "k", 1, "at least 1 filter")


@dataclass(frozen=True)
class PoolTargetRequest(TargetRequest):
    SPELLED: ClassVar[Mapping[str, str]] = {"global_pool": "global"}

    type: Given = "max"
    adaptive: Given = None
    global_pool: Given = False
    ceil: Given = False

    def kind(self) -> str:
        return f"{parse_kind(self.type)} pool"

    def chosen(self) -> dict[str, Given]:
        return {**super().chosen(), "adaptive": self.adaptive, "global": self.global_pool, "ceil": self.ceil}


TargetT = TypeVar("TargetT", bound=TargetRequest)


class SolveCommand(Command[TargetT, SolveResult, "SolveCheck"], Generic[TargetT]):
    def __init__(self, name: str, request: type[TargetT]) -> None:
        self.name = name
        self.request = request

    def build(self, request: TargetT) -> SolveResult:
        refuse_with("target", request.chosen(), fix="drop one")
        kind = request.kind()
        channels, size = request.resolved()
        targets = parse_per_dim(request.target, "target", len(size), 1, "a target size of at least 1")
        bounds = make_bounds(request.max_f, request.max_s, request.max_p, request.max_dilation)
        return solve(kind, size, targets, bounds, channels, request.out_channels(channels))

    def view(self) -> View[SolveResult, SolveCheck]:
        from ..views import solve

        return solve

    def confirm(self, result: SolveResult) -> SolveCheck:
        from ..confirm.solutions import confirm_solutions

        return confirm_solutions(result)

    def output_shape(self, result: SolveResult) -> tuple[int, ...]:
        return result.output_shape


CONV_TARGET = SolveCommand("conv-target", ConvTargetRequest)
POOL_TARGET = SolveCommand("pool-target", PoolTargetRequest)
