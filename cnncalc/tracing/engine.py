"""Running a model once with every operation seen, and each attributed to the code that ran it.

Three views of one forward pass, each at the level where it is exact:

- **module hooks** (pre and post, on every module of the model) give the call
  tree: which module's forward is running, with what inputs and outputs;
- a **TorchFunctionMode** sees each torch function a forward calls
  (``torch.flatten``, ``F.interpolate``, ``x + y``, ``x @ w``): the functional
  work a model does outside its leaf modules becomes rows of its own;
- a **TorchDispatchMode** sees every aten operation that actually computes —
  whichever path torch takes (``F.linear`` is ``addmm``, attention is
  ``bmm`` or a fused kernel) — and prices it by ``costs``.

Each aten operation goes to the innermost open call. A module during whose
call no hooked module ran is one row (a leaf, or a layer like
``nn.MultiheadAttention`` that does all its work through functions); a module
that calls others gives its own direct functional calls as rows between its
children's. The TorchFunctionMode makes torch skip its fused fast paths
(``nn.MultiheadAttention``'s ``_native_multi_head_attention``); the fused
kernels are priced too, for code that calls them itself.
"""

from __future__ import annotations

import sys
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from . import costs
from .calls import (
    NEEDS_VALUES,
    VIEW_LIKE,
    Call,
    MemoryBound,
    NeedsValues,
    Operation,
    Run,
    Shape,
    function_name,
    shaped,
    shapes_in,
    tensors_in,
    transformed,
    weights_of,
)
from .memory import Usage
from .meta import NOT_HANDLED, SYMBOLIC_SHAPES, UNTAGGED_POINTWISE, Shortcuts

__all__ = ["Call", "MemoryBound", "NeedsValues", "Recorder", "Run", "Usage", "recording", "run", "weights_of"]


class Recorder:
    """The modes and hooks of one run. ``shortcuts`` prices meta operations without torch's slow kernels."""

    def __init__(self, meta_shortcuts: bool = True, memory: Usage | None = None) -> None:
        self.stack: list[Call] = []
        # Once sympy is imported (torchvision imports it), torch's own convolution and pooling meta kernels start
        # at no extra cost, and the stand-ins' first CPU convolution would only add ~10 MB of oneDNN state.
        self.shortcuts = Shortcuts(stand_ins=SYMBOLIC_SHAPES not in sys.modules) if meta_shortcuts else None
        self.memory = memory
        # Tensors an operation allocated, by id; the weak reference tells a live tensor from a reused id.
        self.fresh: dict[int, weakref.ref[torch.Tensor]] = {}
        self.in_hook = False  # the engine's own tensor calls are not the model's
        # Views and copies of parameters (F.linear multiplies by weight.t()), by id, as `fresh` keeps them.
        self.weights: dict[int, weakref.ref[torch.Tensor]] = {}
        self.operations: dict[Any, Operation] = {}
        self.count = 0
        # The innermost call whose forward raised, and what it raised; cleared when any call completes after it
        # (the model caught it). Only where the run's own exception came from is where it broke.
        self.failure: Call | None = None
        self.failure_error: BaseException | None = None

    # --- aten operations --------------------------------------------------------------------------------------------

    def describe(self, func: Any) -> Operation:
        found = self.operations.get(func)
        if found is None:
            name = func._schema.name
            tags = func.tags
            rule = costs.priced(name)
            returns_alias = any(r.alias_info is not None for r in func._schema.returns)
            elementwise = torch.Tag.pointwise in tags or name.rstrip("_") in UNTAGGED_POINTWISE
            counted = rule or costs.costs_nothing(name) or elementwise or func.is_view
            found = Operation(
                name=name,
                rule=rule,
                counted=counted,
                elementwise=elementwise,
                fresh=not returns_alias and not func._schema.is_mutable,
                view_like=func.is_view or name in VIEW_LIKE,
                needs_values=name in NEEDS_VALUES,
                takes_device=any(argument.name == "device" for argument in func._schema.arguments),
            )
            self.operations[func] = found
        return found

    def dispatch(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        op = self.describe(func)
        on_meta = any(t.device.type == "meta" for t in tensors_in(args))
        if op.needs_values and on_meta:
            raise NeedsValues(op.name.removeprefix("aten::"))  # the CPU can run it, the meta device cannot
        if self.memory is not None and not on_meta:
            self.memory.before(op, func, args, kwargs)
        out = NOT_HANDLED
        if self.shortcuts is not None and on_meta:
            out = self.shortcuts.run(func, args, kwargs)
        if out is NOT_HANDLED:
            out = func(*args, **kwargs)
        if self.memory is not None and not on_meta:
            self.memory.after(op)
        self.count += 1
        self._attribute(op, args, out)
        return out

    def _attribute(self, op: Operation, args: tuple[Any, ...], out: Any) -> None:
        if not self.stack:
            return
        target = self.stack[-1]
        if target.is_module and target.module._modules:
            # Work a container runs without a torch function (rare): a row of its own, not lost.
            target = self.open_function(op.name.replace("::", "."), target, ())
            target.outputs = shapes_in(out)
            self.stack[-1].items.append(target)
        target.operations += 1
        if not op.counted:
            target.uncounted[op.name] = target.uncounted.get(op.name, 0) + 1
            self._remember_outputs(op, args, out)
            return
        first = next(tensors_in(out), None)
        as_shapes = [shaped(a) for a in args]
        out_shape = tuple(first.shape) if first is not None else ()
        macs = 0
        if op.rule:
            weights = [i for i, a in enumerate(args) if self._is_weight(a)]
            for kind, count in (costs.cost(op.name, as_shapes, out_shape, weights) or {}).items():
                target.macs[kind] = target.macs.get(kind, 0) + count
                macs += count
        flops = costs.flops(op.name, as_shapes, out_shape, macs, op.elementwise)
        target.flops += 0 if flops is None else flops  # None: a view (counted, and free)
        self._remember_outputs(op, args, out)

    def _remember_outputs(self, op: Operation, args: tuple[Any, ...], out: Any) -> None:
        if op.fresh:
            derived = list(tensors_in(args))
            from_weights = bool(derived) and all(self._is_weight(t) for t in derived)  # weight_norm's g·v/‖v‖
            for tensor in tensors_in(out):
                self._remember(self.weights if from_weights else self.fresh, tensor)
        elif op.view_like and args and isinstance(args[0], torch.Tensor):
            # A view of a weight is a weight; a view of a fresh tensor hands its allocation on (F.linear over 3-D
            # input returns a view of addmm's result: the row's output is that memory).
            if self._is_weight(args[0]):
                for tensor in tensors_in(out):
                    self._remember(self.weights, tensor)
            elif self._is_known(self.fresh, args[0]):
                del self.fresh[id(args[0])]
                for tensor in tensors_in(out):
                    self._remember(self.fresh, tensor)

    def _is_weight(self, value: Any) -> bool:
        return isinstance(value, (torch.nn.Parameter, torch.ScriptObject)) or self._is_known(self.weights, value)

    @staticmethod
    def _is_known(table: dict[int, weakref.ref[torch.Tensor]], value: Any) -> bool:
        reference = table.get(id(value))
        return reference is not None and reference() is value

    # --- module calls and function calls -----------------------------------------------------------------------------

    def owner(self) -> Call | None:
        return next((call for call in reversed(self.stack) if call.is_module), None)

    def open_function(self, name: str, owner: Call | None, inputs: tuple[Shape, ...]) -> Call:
        return Call(None, name, owner, inputs)

    def enter_module(self, module: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.in_hook = True
        try:
            self._enter(module, name, args, kwargs)
        finally:
            self.in_hook = False

    def _enter(self, module: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        owner = self.owner()
        call = self.module_call(module, name, owner, args, kwargs)
        if owner is not None:
            # A parametrization (weight_norm, spectral_norm…) computes its owner's weight: part of that layer.
            call.computes_weight = ".parametrizations." in name
            owner.calls_modules |= not call.computes_weight
            owner.items.append(call)
        self.stack.append(call)

    @staticmethod
    def module_call(module: Any, name: str, owner: Call | None, args: Any, kwargs: Any) -> Call:
        received = [*tensors_in(args), *tensors_in(kwargs)]
        call = Call(module, name, owner, tuple(tuple(t.shape) for t in received))
        call.input_dtypes = tuple(str(t.dtype).removeprefix("torch.") for t in received)
        call.wrapped = any(transformed(t) for t in received)
        return call

    def exit_module(self, output: Any, raised: bool) -> None:
        self.in_hook = True
        try:
            self.finish(self.stack.pop(), output, raised)
        finally:
            self.in_hook = False

    def finish(self, call: Call, output: Any, raised: bool) -> None:
        """A module call ends: its outputs, its weights, and whether it is where the run broke."""
        self._ended(call, raised)
        call.outputs = shapes_in(output)
        call.allocated = self._allocated(output)
        call.params = sum(p.numel() for p in weights_of(call.module))
        if call.computes_weight:  # what it returns is the weight its owner multiplies by
            for tensor in tensors_in(output):
                self._remember(self.weights, tensor)

    def _ended(self, call: Call, raised: bool) -> None:
        call.raised = raised
        if not raised:
            self.failure = self.failure_error = None  # whatever raised before was caught: not where the run broke
        elif self.failure is None:
            self.failure, self.failure_error = call, sys.exc_info()[1]  # the innermost: outer calls see it pass

    def broke_at(self, error: BaseException) -> Call | None:
        """The call whose forward raised ``error`` (None: the model's own forward raised it, outside any call)."""
        return self.failure if self.failure_error is error else None

    @staticmethod
    def _remember(table: dict[int, weakref.ref[torch.Tensor]], tensor: torch.Tensor) -> None:
        key = id(tensor)

        def forget(reference: weakref.ref[torch.Tensor]) -> None:
            if table.get(key) is reference:
                del table[key]

        table[key] = weakref.ref(tensor, forget)

    def _allocated(self, output: Any) -> int:
        """Bytes of the tensors in ``output`` that an operation allocated, each counted for one row only."""
        total = 0
        for tensor in tensors_in(output):
            if self._is_known(self.fresh, tensor):
                del self.fresh[id(tensor)]
                total += tensor.numel() * tensor.element_size()
        return total

    def function(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        top = self.stack[-1] if self.stack else None
        if top is None or self.in_hook or (top.is_module and not top.module._modules):
            return func(*args, **kwargs)  # inside a leaf module: its row takes everything
        call = self.open_function(function_name(func), self.owner(), shapes_in(args) + shapes_in(kwargs))
        self.stack.append(call)
        try:
            out = func(*args, **kwargs)
        except BaseException:
            self._ended(call, raised=True)
            raise
        finally:
            self.stack.pop()
        self._ended(call, raised=False)
        tensors = list(tensors_in(out))
        if call.operations or tensors:
            call.outputs = tuple(tuple(t.shape) for t in tensors)
            call.allocated = self._allocated(out)
            call.params = sum(p.numel() for p in {id(a): a for a in args if isinstance(a, torch.nn.Parameter)}.values())
            holder = self.stack[-1] if self.stack else None
            if holder is not None:
                holder.items.append(call)
        return out


class _DispatchMode(TorchDispatchMode):
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # torch wraps a mode's __torch_dispatch__ in torch._disable_dynamo unless the mode opts out; the wrapper's
        # first call imports torch._dynamo and sympy (~1 s). Nothing here is compiled, so there is nothing to skip.
        return False

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_dispatch__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
        return self.recorder.dispatch(func, args, kwargs or {})


class _FunctionMode(TorchFunctionMode):
    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (), kwargs: Any = None) -> Any:
        return self.recorder.function(func, args, kwargs or {})


class NotHookable(Exception):
    """A module torch cannot hook (a scripted one)."""


@contextmanager
def hooked(model: Any, recorder: Recorder) -> Iterator[None]:
    """Pre and post hooks on every module under ``model`` (the model's own call is the run's root), named as
    ``named_modules()`` names them. Ours run before the model's own pre-hooks (weight_norm computes its weight in
    one: that is the layer's work) and after its post-hooks, and even when the forward raises."""
    handles = []

    def after(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
        # Called from torch's `except` block, with no output, when the forward raised.
        recorder.exit_module(output, raised=output is None and sys.exc_info()[0] is not None)

    try:
        for qualified, module in model.named_modules():
            if module is model:
                continue

            def before(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], name: str = qualified) -> None:
                recorder.enter_module(module, name, args, kwargs)

            try:
                handles.append(module.register_forward_pre_hook(before, with_kwargs=True, prepend=True))
                handles.append(module.register_forward_hook(after, with_kwargs=True, always_call=True))
            except Exception as error:  # a scripted module (torch.jit) takes no such hooks
                raise NotHookable(f"{qualified} ({type(module).__name__}): {error}") from None
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def recording(recorder: Recorder, functions: bool = True) -> Iterator[None]:
    """The dispatch mode (and, unless ``functions`` is false, the function mode) around a block."""
    with ExitStack() as stack:
        if functions:
            stack.enter_context(_FunctionMode(recorder))
        stack.enter_context(_DispatchMode(recorder))
        yield


def _tensor_attributes(module: Any) -> dict[str, Any]:
    """Tensors a module holds as plain attributes (parameters and buffers live apart, in their own dicts)."""
    return {name: value for name, value in vars(module).items() if isinstance(value, torch.Tensor)}


def run(
    model: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    recorder: Recorder,
    device_context: Callable[[], Any] | None = None,
    stand_ins: dict[str, Any] | None = None,
) -> Run:
    """Call ``model(*args, **kwargs)`` once in evaluation mode, without gradients, recording everything.

    With ``stand_ins``, the model runs with those tensors in place of its parameters and buffers (by name),
    its own left untouched. The model's training flags, and the plain tensor attributes its modules hold
    (weight_norm sets ``weight`` in every call), are put back afterwards. Raises what the forward raised, with
    ``recorder`` holding where it broke.
    """
    modes = {module: module.training for module in model.modules()}
    attributes = [(module, _tensor_attributes(module)) for module in model.modules()]
    model.eval()
    root = recorder.module_call(model, type(model).__name__, None, args, kwargs)
    recorder.stack = [root]
    try:
        with ExitStack() as stack:
            if device_context is not None:
                stack.enter_context(device_context())
            stack.enter_context(torch.no_grad())
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
            stack.enter_context(hooked(model, recorder))
            stack.enter_context(recording(recorder))
            if stand_ins is None:
                output = model(*args, **kwargs)
            else:
                output = torch.func.functional_call(model, stand_ins, args, kwargs)
    finally:
        for module, training in modes.items():
            module.training = training
        for module, kept in attributes:
            for name in _tensor_attributes(module).keys() - kept.keys():
                del module.__dict__[name]  # a cache the run left
            module.__dict__.update(kept)
    recorder.stack.pop()
    recorder.in_hook = True
    recorder.finish(root, output, raised=False)
    recorder.in_hook = False
    return Run(root, output, operations=recorder.count)
