"""A traced chain: every layer built and run through the trace engine, on the CPU or the meta device (as
``device_for`` chooses by the chain's size), agreeing row by row."""

from __future__ import annotations

import warnings
from math import prod
from typing import Any

from ..core.dtypes import INTEGER_DTYPES
from ..errors import InvalidParameter, TorchDisagreement
from ..network.layer import Layer, dims_of
from ..network.trace import Trace, TraceRow
from .results import TraceCheck
from .runtime import device_for, first_line, import_torch, too_big_for_torch


def work_of(layer: Layer, row: TraceRow) -> int:
    """A row's share of the forward pass's work: its MACs, and a pooling layer's window reads (it has no MACs)."""
    if "Pool" not in layer.kind:
        return row.macs
    kernel = layer.bound().get("kernel_size")
    if kernel is None:  # adaptive: a window is at most one cell wider than input / output, per axis
        return prod(row.input_shape) * 2 ** dims_of(layer.kind)
    taps = prod(kernel) if isinstance(kernel, tuple) else kernel ** dims_of(layer.kind)
    return prod(row.output_shape) * taps


def chain_device(trace: Trace, layers: list[Layer]) -> str:
    """Where a chain is confirmed: ``device_for`` of its whole forward pass."""
    work = sum(work_of(layer, row) for layer, row in zip(layers, trace.rows, strict=True))
    elements = prod(trace.rows[0].input_shape) + sum(prod(row.output_shape) + row.params for row in trace.rows)
    return device_for(work, elements)


def confirm_chain(trace: Trace, layers: list[Layer], device: str | None = None) -> TraceCheck:
    """Build every layer on ``device`` (default: as ``chain_device`` chooses) and run the input through them with
    the trace engine: each layer's output, parameters and MACs must be cnncalc's."""
    from ..tracing.engine import Call, NeedsValues, run
    from ..tracing.engine import Recorder as Engine

    for layer, row in zip(layers, trace.rows, strict=True):
        shapes = {"input": row.input_shape, "output": row.output_shape, f"{layer.label}'s weight": (row.params,)}
        if reason := too_big_for_torch(shapes):
            return TraceCheck((), skipped=f"{layer.label}: {reason}")
    device = device or chain_device(trace, layers)
    torch = import_torch()
    modules = []
    for layer, row in zip(layers, trace.rows, strict=True):
        built = layer.replaced(**dict(row.inferred))  # `_` filled in with what the trace inferred
        try:
            # The CPU's weights come from a fork of the random state: confirming leaves the caller's stream alone.
            with torch.device(device), torch.random.fork_rng(devices=[]), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                modules.append(getattr(torch.nn, layer.kind)(*built.args, **built.kwargs))
        except (TypeError, ValueError, RuntimeError, AssertionError) as error:  # no layer from these: bad input
            raise InvalidParameter(
                "model", layer.written(), f"arguments torch accepts (torch: {first_line(error)})"
            ) from None

    if trace.dtype not in INTEGER_DTYPES:  # a float16 input meets float16 weights, as a model cast .half() has
        modules = [module.to(dtype=getattr(torch, trace.dtype)) for module in modules]

    class Chain(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList(modules)

        def forward(self, x: Any) -> Any:
            for module in self.layers:
                out = module(x)
                x = out[0] if isinstance(out, tuple) else out  # a recurrent layer's sequence goes on
            return x

    # Zeros on the CPU: index 0 is in range of every Embedding.
    x = torch.zeros((*trace.rows[0].input_shape,), device=device, dtype=getattr(torch, trace.dtype))
    engine = Engine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # evaluation mode, as Python models are traced: batch norm uses its running statistics
            done = run(Chain(), (x,), {}, engine, lambda: torch.device(device))
        except NeedsValues as needs:
            raise TorchDisagreement("validity", "valid", needs.what) from None
        except Exception as error:
            if isinstance(error, NotImplementedError) and device == "cpu":
                # A CPU kernel torch lacks for this dtype ("avg_pool3d_out_frame" not implemented for 'Half'):
                # the layer is valid (other devices have it), so it is confirmed where no kernel is needed.
                return confirm_chain(trace, layers, "meta")
            raise TorchDisagreement(_validity_of(engine.broke_at(error), layers), "valid", first_line(error)) from error
    calls = [item for item in done.root.items if item.is_module]
    flops: list[int | None] = []
    for layer, row, call in zip(layers, trace.rows, calls, strict=True):
        total = Call(None, call.name, None)
        total.add(call)
        if call.outputs[:1] != (row.output_shape,):
            raise TorchDisagreement(f"{layer.label}'s output", list(row.output_shape), list(call.outputs[0]))
        if call.params != row.params:
            raise TorchDisagreement(f"{layer.label}'s parameters", row.params, call.params)
        if sum(total.macs.values()) != row.macs:
            raise TorchDisagreement(f"{layer.label}'s MACs", row.macs, sum(total.macs.values()))
        flops.append(None if total.uncounted else total.flops)
    return TraceCheck(tuple(True for _ in calls), tuple(flops), device=device)


def _validity_of(failed: Any, layers: list[Layer]) -> str:
    """What torch found invalid: the layer whose forward raised (its call is named ``layers.k``), else the chain."""
    _, _, index = (failed.name if failed is not None else "").rpartition("layers.")
    if index.isdigit() and int(index) < len(layers):
        return f"{layers[int(index)].label}'s validity"
    return "validity"
