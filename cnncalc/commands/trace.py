"""``cnncalc trace``: a tensor's shape through a chain of layers or a Python model, with what each costs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.dtypes import check_dtype
from ..core.values import Given, check_expectation, parse_int
from ..errors import ExpectationNotMet, InvalidParameter
from ..network.models import resolve_model
from ..network.trace import Trace, check_device, parse_input, trace_chain
from ..views.table import Section
from .base import JSON, Command, Request, View

if TYPE_CHECKING:  # only the type: --no-verify never loads torch's results
    from ..confirm.results import TraceCheck


@dataclass(frozen=True)
class TraceRequest(Request):
    model: Given = None
    input: Given = None  # one shape ("3x32x32", [3, 32, 32]) or several (["35:int64", "mask=35:bool"])
    batch: Given = 1
    dtype: Given = None  # None: float32, or int64 for a chain that starts with Embedding
    device: Given = "auto"
    depth: Given = None


class TraceCommand(Command[TraceRequest, Trace, "TraceCheck | None"]):
    name = "trace"
    request = TraceRequest

    def build(self, request: TraceRequest) -> Trace:
        if request.model is None:
            raise InvalidParameter("model", "nothing", "a chain, a file of layers, or a Python model")
        if request.input is None:
            raise InvalidParameter("input", "nothing", "an input shape without batch, like 3x32x32")
        raw = request.input
        several = isinstance(raw, (list, tuple)) and not all(isinstance(v, int) for v in raw)
        inputs = [parse_input(value) for value in (raw if several and isinstance(raw, (list, tuple)) else [raw])]
        batch = parse_int(request.batch, "batch", 1, "a batch of at least 1")
        device = check_device(str(request.device))
        depth = None if request.depth is None else parse_int(request.depth, "depth", 0, "a depth of 0 or more")
        source = resolve_model(str(request.model))
        dtype = check_dtype(source.dtype_default if request.dtype is None else str(request.dtype))
        if source.python is not None:
            from ..tracing.python import trace_model

            return trace_model(source.python, inputs, batch, dtype, device).with_depth(depth)
        if len(inputs) != 1 or inputs[0].name:
            given = " ".join(spec.written() for spec in inputs)
            raise InvalidParameter(
                "input", given, "one input, unnamed, for a chain", "give --input once, without NAME="
            )
        if device != "auto":
            raise InvalidParameter("device", device, "auto for a chain (--device chooses where a Python model runs)")
        return trace_chain(source.layers, [inputs[0].shape], batch, inputs[0].dtype or dtype).with_depth(depth)

    def view(self) -> View[Trace, TraceCheck | None]:
        from ..views import trace

        return trace

    def confirm(self, result: Trace) -> TraceCheck | None:
        if result.python:  # torch ran the model itself
            return None
        from ..confirm.chain import confirm_chain

        return confirm_chain(result, list(result.layers))

    def output_shape(self, result: Trace) -> tuple[int, ...]:
        return tuple(result.output_shape)

    def check_expectation(self, result: Trace, expect: Given) -> None:
        """``10`` or ``1x10`` for the (first) output; ``out=21x520x520`` for a named one."""
        name, equals, wanted = str(expect).partition("=") if isinstance(expect, str) else ("", "", expect)
        shape = result.output_named(name.strip() if equals else "")
        if not shape:
            raise InvalidParameter(
                "expect", expect, "a shape, but the output is a 0-dim tensor (a scalar)", "drop --expect"
            )
        try:
            check_expectation(wanted if equals else expect, shape, shape[1:], "without batch", "with batch")
        except ExpectationNotMet as unmet:
            raise ExpectationNotMet(unmet.expected, unmet.got, name.strip() if equals else "") from None

    # A confirmed chain's rows carry the FLOPs its confirmation run counted.
    def to_json(self, result: Trace, check: TraceCheck | None) -> JSON:
        return self.view().to_json(_counted(result, check), check)

    def tables(self, result: Trace, check: TraceCheck | None) -> list[Section]:
        return self.view().tables(_counted(result, check), check)


def _counted(trace: Trace, check: TraceCheck | None) -> Trace:
    """The trace with a chain's FLOPs from its confirmation run, where it ran."""
    return trace.with_flops(check.flops) if check is not None and not check.skipped else trace


TRACE = TraceCommand()
