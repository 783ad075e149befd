"""Tracing a Python model: build it, run it once through the engine, and read the calls as rows.

Where cnncalc has a formula for a module (found through its class hierarchy:
torchvision's ``Conv3DSimple(nn.Conv3d)`` is a Conv3d), the formula's shape,
parameters and MACs must equal what torch ran, or cnncalc has a bug (exit 3).
A subclass that overrides what the torch class computes with (``forward``,
``_conv_forward``…), or an instance whose ``forward`` was replaced, is
counted by what it runs.

The run is on the meta device (no weights, no arithmetic) unless the model
needs tensor values — to build (then only its weights go to the meta device)
or in its forward (``.item()``, ``nonzero``, ``if x.sum() > 0``): then it is
built and run on the CPU, under ``CPU_MEMORY_BOUND``, with a note that says so.
While the user's code runs, what it prints goes to stderr: stdout is the answer.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, redirect_stdout
from math import prod
from typing import Any

import torch
from torch.nn.utils import parametrize

from ..collector import paused
from ..confirm.runtime import TORCH_MAX_BYTES
from ..core.dtypes import DTYPE_BYTES, INDEX_DTYPES, INTEGER_DTYPES
from ..core.values import bracketed
from ..errors import CnnCalcError, InvalidParameter, LayerMismatch, TorchDisagreement
from ..network.layer import Context, Layer, apply, known_kinds
from ..network.models import PythonReference
from ..network.trace import InputSpec, Trace, TraceBlock, TraceRow, check_device
from .costs import KINDS
from .engine import Call, MemoryBound, NeedsValues, NotHookable, Recorder, Usage, run, weights_of
from .loading import BuildFailed, Built, build, first_line, import_target, imports_kept_apart

# A CPU build and run may hold this much more resident memory than the process held before the trace began.
CPU_MEMORY_BOUND = 4 << 30


class _NeedsCpu(Exception):
    """The meta device cannot run this forward; ``line`` says why."""

    def __init__(self, line: str) -> None:
        self.line = line
        super().__init__(line)


def trace_model(
    reference: PythonReference, inputs: Sequence[InputSpec], batch: int, dtype: str, device: str = "auto"
) -> Trace:
    """Trace the model ``reference`` names on ``inputs`` (each without batch)."""
    with imports_kept_apart(reference):
        return _traced(reference, None, inputs, batch, dtype, device)


def trace_module(model: Any, inputs: Sequence[InputSpec], batch: int, dtype: str, device: str = "auto") -> Trace:
    """Trace a live ``nn.Module`` on ``inputs``: never moved, its training flags and values as they were after."""
    if not isinstance(model, torch.nn.Module):
        raise InvalidParameter("model", type(model).__name__, "an nn.Module", "pass the model object itself")
    name = type(model).__name__
    return _traced(PythonReference(name, "", (name,)), model, inputs, batch, dtype, device)


def _traced(
    reference: PythonReference, target: Any, inputs: Sequence[InputSpec], batch: int, dtype: str, device: str
) -> Trace:
    check_device(device)
    for spec in inputs:  # a tensor torch cannot hold: exact arithmetic has no model to run through
        size = batch * prod(spec.shape) * DTYPE_BYTES[spec.dtype or dtype]
        if size > TORCH_MAX_BYTES:
            raise InvalidParameter(
                "input", spec.written(), f"an input torch can hold: with batch {batch:,} it is {size:,} bytes, past "
                f"torch's int64 limit of {TORCH_MAX_BYTES:,}", "give a smaller size or batch",
            )  # fmt: skip
    with ExitStack() as stack:
        stack.enter_context(paused())  # a library call: the collector is back as it was when it returns
        stack.enter_context(redirect_stdout(sys.stderr))
        memory = Usage(CPU_MEMORY_BOUND)  # one bound for everything the trace runs on the CPU
        try:
            if target is None:
                target = import_target(reference)
            return _build_and_trace(reference, target, inputs, batch, dtype, device, memory)
        except MemoryBound as bound:
            raise _too_big(reference, bound.what) from None
        except NotHookable as error:
            raise InvalidParameter(
                "model", reference.text, "a model whose modules torch can hook (not scripted with torch.jit)",
                str(error).splitlines()[0],
            ) from None  # fmt: skip
    raise AssertionError("unreachable")  # ExitStack does not swallow exceptions; this satisfies the type checker


def _build_and_trace(
    reference: PythonReference,
    target: Any,
    inputs: Sequence[InputSpec],
    batch: int,
    dtype: str,
    device: str,
    memory: Usage,
) -> Trace:
    if device == "cpu":
        return _trace(_build(target, reference, "cpu", memory), reference, inputs, batch, dtype, memory, [])
    try:
        built = build(target, reference, "meta", memory)
    except BuildFailed as failed:
        if device == "meta":
            raise InvalidParameter(
                "model", reference.text, "a model that builds on the meta device", f"{failed.line}; try --device cpu"
            ) from None
        note = f"built and run on the CPU: it does not build on the meta device ({failed.line})"
        return _trace(_build(target, reference, "cpu", memory), reference, inputs, batch, dtype, memory, [note])
    mixed = _mixed_dtypes(built.model, inputs, dtype)
    if mixed:  # the meta device does not check that a layer's input and weights share a dtype; the CPU does
        if device == "meta":
            raise InvalidParameter(
                "device", "meta", f"cpu or auto: the meta device does not check {mixed}", "use --device auto"
            )
        note = f"run on the CPU: the meta device does not check {mixed}"
        return _trace(_build(target, reference, "cpu", memory), reference, inputs, batch, dtype, memory, [note])
    try:
        return _trace(built, reference, inputs, batch, dtype, memory, [built.note] if built.note else [])
    except _NeedsCpu as needs:
        if device == "meta":
            raise InvalidParameter(
                "model",
                reference.text,
                "a forward pass that runs on the meta device",
                f"{needs.line}; try --device cpu",
            ) from None
        weights = sum(p.numel() * p.element_size() for p in weights_of(built.model))
        if weights > CPU_MEMORY_BOUND:
            raise _too_big(reference, f"its weights alone are {weights:,} bytes") from None
        note = f"run on the CPU: {needs.line}"
        return _trace(_build(target, reference, "cpu", memory), reference, inputs, batch, dtype, memory, [note])


def _mixed_dtypes(model: Any, inputs: Sequence[InputSpec], dtype: str) -> str:
    """A floating input whose dtype none of the model's floating weights has ("" when they agree)."""
    weights = {str(p.dtype).removeprefix("torch.") for p in weights_of(model) if p.is_floating_point()}
    for spec in inputs:
        given = spec.dtype or dtype
        if weights and given not in INTEGER_DTYPES and given not in weights:
            return f"a {given} input against {' and '.join(sorted(weights))} weights"
    return ""


def _build(target: Any, reference: PythonReference, device: str, memory: Usage) -> Built:
    try:
        return build(target, reference, device, memory)
    except BuildFailed as failed:
        raise InvalidParameter("model", reference.text, "a model that builds", failed.line) from None


def _too_big(reference: PythonReference, why: str) -> InvalidParameter:
    bound = f"{CPU_MEMORY_BOUND >> 30} GiB" if CPU_MEMORY_BOUND % (1 << 30) == 0 else f"{CPU_MEMORY_BOUND:,} bytes"
    return InvalidParameter(
        "model", reference.text, f"a model within cnncalc's CPU bound of {bound} when it cannot run on the meta device",
        why,
    )  # fmt: skip


def _trace(
    built: Built,
    reference: PythonReference,
    inputs: Sequence[InputSpec],
    batch: int,
    dtype: str,
    memory: Usage,
    notes: list[str],
) -> Trace:
    model, device = built.model, built.device
    args, kwargs = _make_inputs(inputs, batch, dtype, device)
    meta = device == "meta"
    recorder = Recorder(meta_shortcuts=meta, memory=None if meta else memory)
    try:
        done = run(model, args, kwargs, recorder, (lambda: torch.device("meta")) if meta else None, built.stand_ins)
    except NeedsValues as needs:
        raise _NeedsCpu(f"its forward reads tensor values: {needs.what}") from None
    except (MemoryBound, NotHookable):
        raise
    except (Exception, SystemExit) as error:  # the user's forward may raise anything, sys.exit included
        if meta and _meta_limitation(error):
            raise _NeedsCpu(f"its forward cannot run on the meta device (torch: {first_line(error)})") from None
        _explain(recorder, error, reference, inputs)
        raise  # _explain always raises; this keeps the type checker sure of it
    rows, blocks = _tree(done.root)
    unique = weights_of(model)  # shared parameters count once; quantized layers' packed weights count too
    return Trace(
        rows=tuple(rows),
        input_shapes=tuple(spec.shape for spec in inputs),
        dtype=dtype,
        total_params=sum(p.numel() for p in unique),
        trainable_params=sum(p.numel() for p in unique if p.requires_grad),
        inputs=tuple(inputs),
        python=True,
        outputs=tuple(named_outputs(done.output)),
        device=device,
        notes=tuple(notes),
        operations=done.operations,
        measured_param_bytes=sum(p.numel() * p.element_size() for p in unique),
        blocks=tuple(blocks),
    )


def _make_inputs(
    inputs: Sequence[InputSpec], batch: int, dtype: str, device: str
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Meta tensors; on the CPU, seeded values: normal floats, zero indices (valid for any embedding), true masks."""
    generator = torch.Generator().manual_seed(0)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for spec in inputs:
        kind = getattr(torch, spec.dtype or dtype)
        shape = (batch, *spec.shape)
        if device == "meta":
            tensor = torch.empty(shape, dtype=kind, device="meta")
        elif kind.is_floating_point:
            tensor = torch.randn(shape, generator=generator).to(kind)
        elif kind == torch.bool:
            tensor = torch.ones(shape, dtype=kind)
        else:
            tensor = torch.zeros(shape, dtype=kind)
        if spec.name:
            kwargs[spec.name] = tensor
        else:
            args.append(tensor)
    return tuple(args), kwargs


def _meta_limitation(error: BaseException) -> bool:
    """An error from the meta device itself (no kernel, no values, or a tensor the model made elsewhere), not one
    the model's shapes would raise on any device: torch says "meta" in those, and raises NotImplementedError for a
    kernel it lacks."""
    return isinstance(error, NotImplementedError) or "meta" in str(error).lower()


# --- rows ------------------------------------------------------------------------------------------------------------


def _tree(root: Call) -> tuple[list[TraceRow], list[TraceBlock]]:
    """The rows, and the blocks above them: a module call during which no hooked module ran is one row; another
    is a block, whose children are its modules' rows and blocks and its own functional calls, in the order they
    ran (numbered in that order, depth first)."""
    rows: list[TraceRow] = []
    blocks: list[TraceBlock | None] = []

    def block(call: Call, depth: int, parent: int | None) -> int:
        index = len(blocks)
        blocks.append(None)  # its place, before its children's
        children: list[tuple[str, int]] = []
        for item in call.items if not call.leaf else [call]:
            if item.is_module and not item.leaf:
                children.append(("block", block(item, depth + 1, index)))
            else:
                rows.append(_row(len(rows) + 1, item, depth + 1, index))
                children.append(("row", len(rows)))
        total = Call(None, call.name, None)
        total.add(call)
        parts = [blocks[i].structure if kind == "block" else _made_of(rows[i - 1]) for kind, i in children]  # type: ignore[union-attr]
        blocks[index] = TraceBlock(
            index, call.name, type(call.module).__name__, depth, parent, call.inputs, call.outputs, call.params,
            sum(total.macs.values()), total.flops, tuple(children),
            f"{type(call.module).__name__}({'; '.join(parts)})",
        )  # fmt: skip
        return index

    block(root, 0, None)
    return rows, [b for b in blocks if b is not None]


def _made_of(row: TraceRow) -> str:
    """A row as a block's structure sees it: what it is and computes, not its name."""
    return f"{row.layer}→{row.output_shapes}"


def _row(index: int, call: Call, depth: int, parent: int) -> TraceRow:
    total = Call(None, call.name, None)
    total.add(call)  # with its functional calls (MultiheadAttention's F.linear, …) and its parametrizations
    macs = sum(total.macs.values())
    by_kind = tuple((kind, total.macs[kind]) for kind in KINDS if kind in total.macs)
    if call.is_module and macs and isinstance(call.module, torch.nn.RNNBase):
        by_kind = (("recurrent", macs),)  # on the meta device its steps are plain products; on oneDNN one kernel
    common: dict[str, Any] = {
        "input_shape": call.inputs[0] if call.inputs else (),
        "output_shape": call.outputs[0] if call.outputs else (),
        "params": call.params,
        "macs": macs,
        "flops": total.flops,
        "receptive_field": None,
        "jump": None,
        "input_shapes": call.inputs,
        "output_shapes": call.outputs,
        "macs_by_kind": by_kind,
        "uncounted": tuple(sorted(total.uncounted.items())),
        "allocated_bytes": call.allocated,
        "depth": depth,
        "parent": parent,
    }
    if not call.is_module:
        owner = call.owner.name if call.owner is not None else ""
        return TraceRow(index, owner, call.name, call.name, computed=False, type="function", **common)
    module = call.module
    kind = type(module).__name__
    written = f"{kind}({module.extra_repr()})"
    notes: tuple[str, ...] = ()
    computed = False
    layer = layer_of(module)
    if layer is not None and len(call.inputs) == 1 and call.outputs and not call.wrapped and not call.raised:
        notes = _check_formula(call, layer, macs)
        computed = True
    if call.raised:
        notes = ("its forward raised, and the model went on",)
    return TraceRow(index, call.name, written, kind, computed=computed, notes=notes, type="module", **common)


def _check_formula(call: Call, layer: Layer, macs: int) -> tuple[str, ...]:
    """cnncalc's formula for this module against what torch ran: shape, parameters and MACs must agree."""
    indices = bool(call.input_dtypes) and call.input_dtypes[0] in INDEX_DTYPES
    try:
        outcome = apply(layer, call.inputs[0], Context(integer_input=indices, first=False, python_model=True))
    except CnnCalcError as error:
        raise TorchDisagreement(f"{call.name}'s input", f"refused ({error.describe()})", "accepted") from None
    if outcome is None:
        return ()
    if outcome.shape != call.outputs[0]:
        raise TorchDisagreement(f"{call.name}'s output", list(outcome.shape), list(call.outputs[0]))
    if outcome.params != call.params:
        raise TorchDisagreement(f"{call.name}'s parameters", outcome.params, call.params)
    if outcome.macs != macs:
        raise TorchDisagreement(f"{call.name}'s MACs", outcome.macs, macs)
    return outcome.notes


def layer_of(module: Any) -> Layer | None:
    """A module as cnncalc's Layer, read from its attributes, when cnncalc has a formula for its class or the
    torch.nn class it derives from (and it keeps that class's forward); else None."""
    kinds = known_kinds()
    base = next(
        (cls for cls in type(module).__mro__ if cls.__module__.startswith("torch.nn.") and cls.__name__ in kinds),
        None,
    )
    if base is None or "forward" in vars(module) or _overrides(type(module), base):
        return None
    if not _plain_parameters(module, base.__name__):  # weight_norm's weight_g and weight_v, parametrizations
        return None
    kind = base.__name__
    signature = kinds[kind].signature
    if signature is None:
        return Layer(kind, (), {})
    kwargs: dict[str, Any] = {}
    for arg in signature:
        name = arg.name
        if name == "bias" and (kind == "LayerNorm" or not isinstance(getattr(module, "bias", False), bool)):
            kwargs["bias"] = getattr(module, "bias", None) is not None
        elif hasattr(module, name):
            kwargs[name] = getattr(module, name)
    if kind == "LayerNorm":
        kwargs["normalized_shape"] = tuple(module.normalized_shape)
    return Layer(kind, (), kwargs)


# What a torch.nn subclass may redefine and still compute as its base class does.
_KEEPS_COMPUTATION = frozenset(["__init__", "extra_repr", "reset_parameters", "__repr__", "__setstate__", "_get_name"])


def _overrides(cls: type, base: type) -> bool:
    """A subclass that redefines a method its torch.nn base computes with (forward, _conv_forward, …)."""
    for ancestor in cls.__mro__[: cls.__mro__.index(base)]:
        for name, value in vars(ancestor).items():
            if name not in _KEEPS_COMPUTATION and callable(value) and hasattr(base, name):
                return True
    return False


_RECURRENT_PARAMETER = re.compile(r"(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?")


def _plain_parameters(module: Any, kind: str) -> bool:
    """The torch class's own parameters, by their own names, and nothing that re-parametrises them."""
    if parametrize.is_parametrized(module) or any(True for _ in module.children()):
        return False
    names = [name for name, _ in module.named_parameters(recurse=False)]
    if kind in ("LSTM", "GRU", "RNN"):
        return all(_RECURRENT_PARAMETER.fullmatch(name) for name in names)
    return set(names) <= {"weight", "bias"}


def named_outputs(value: Any, path: str = "") -> Iterator[tuple[str, tuple[int, ...]]]:
    """Every tensor a model returned, by path: ``output`` alone, ``0``/``1`` in a tuple, ``out``/``aux`` in a dict
    or a dataclass, ``out.0`` nested."""
    if isinstance(value, torch.Tensor):
        yield (path or "output"), tuple(value.shape)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for part in dataclasses.fields(value):
            yield from named_outputs(getattr(value, part.name), f"{path}.{part.name}" if path else part.name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from named_outputs(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (tuple, list)):
        fields = getattr(value, "_fields", None)  # a namedtuple names its parts
        for i, item in enumerate(value):
            key = fields[i] if fields else str(i)
            yield from named_outputs(item, f"{path}.{key}" if path else key)


# --- when the forward raises ----------------------------------------------------------------------------------------


def _explain(recorder: Recorder, error: BaseException, reference: PythonReference, inputs: Sequence[InputSpec]) -> None:
    """Say in cnncalc's words where the forward broke and why; raises."""
    failure = recorder.broke_at(error)
    if failure is None:  # in the model's own forward, outside any call cnncalc saw
        root = recorder.stack[0]
        if isinstance(error, TypeError) and not root.items and not root.operations:
            raise InvalidParameter(
                "input", " ".join(spec.written() for spec in inputs),
                f"the arguments {type(root.module).__name__}.forward takes", first_line(error),
            ) from None  # fmt: skip
        raise InvalidParameter(
            "model", reference.text, f"a forward pass that runs on {len(inputs)} input(s)", first_line(error)
        ) from None
    if not failure.is_module:
        owner = failure.owner.name if failure.owner is not None else "the model"
        raise LayerMismatch(
            f"{failure.name} in {owner}'s forward", f"inputs it can take (torch: {first_line(error)})", _shapes(failure)
        ) from None
    label = f"{failure.name} ({type(failure.module).__name__})"
    layer = layer_of(failure.module)
    if layer is not None and len(failure.inputs) == 1 and not failure.wrapped:
        indices = bool(failure.input_dtypes) and failure.input_dtypes[0] in INDEX_DTYPES
        try:
            apply(layer, failure.inputs[0], Context(integer_input=indices, first=False, python_model=True))
        except LayerMismatch as mismatch:
            raise LayerMismatch(label, mismatch.expected, mismatch.got, mismatch.fix) from None
        except InvalidParameter:
            pass
    raise LayerMismatch(label, f"an input it can take (torch: {first_line(error)})", _shapes(failure)) from None


def _shapes(call: Call) -> str:
    return ", ".join(bracketed(shape) for shape in call.inputs) or "its input"
