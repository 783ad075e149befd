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

import os
import sys
import warnings
import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from math import prod
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from . import costs
from .meta import NOT_HANDLED, SYMBOLIC_SHAPES, Shortcuts

Shape = tuple[int, ...]


class NeedsValues(Exception):
    """A meta-device run reached an operation whose result depends on tensor values."""

    def __init__(self, op: str) -> None:
        self.op = op
        self.what = _READS.get(op, f"{op}()") + " reads tensor values"
        super().__init__(self.what)


_READS = {"_local_scalar_dense": "a tensor's value (.item(), float(), int() or an if on a tensor)"}


class MemoryBound(Exception):
    """A CPU run allocated past the bound cnncalc sets for it."""

    def __init__(self, bound: int, what: str) -> None:
        self.bound = bound
        self.what = what
        super().__init__(what)


# On the meta device these read values that do not exist: the run must move to the CPU.
_NEEDS_VALUES = frozenset(
    "aten::" + name
    for name in (
        "_local_scalar_dense nonzero masked_select _unique2 unique_consecutive unique_dim equal is_nonzero bincount "
        "histc _assert_async"
    ).split()
)
# Copies that keep a weight a weight (a cast, a contiguous copy of its transpose).
_VIEW_LIKE = frozenset(["aten::_to_copy", "aten::clone", "aten::contiguous", "aten::_unsafe_view", "aten::expand"])
# Tensors made from their arguments alone: a CPU run checks their size before they are allocated.
_FACTORIES = frozenset(
    "aten::" + name
    for name in "empty empty_strided zeros ones full rand randn randint new_empty new_zeros new_ones new_full".split()
)


@dataclass
class Call:
    """One module call or one function call, and the work attributed to it."""

    module: Any  # None for a function call
    name: str  # the module's qualified name, or the function as written (torch.flatten)
    owner: Call | None  # the module call whose forward ran this
    inputs: tuple[Shape, ...] = ()
    input_dtypes: tuple[str, ...] = ()
    outputs: tuple[Shape, ...] = ()
    params: int = 0
    macs: dict[str, int] = field(default_factory=dict)
    uncounted: dict[str, int] = field(default_factory=dict)
    operations: int = 0
    allocated: int = 0  # bytes of its outputs that an operation allocated (not views, not in-place results)
    items: list[Call] = field(default_factory=list)  # calls made directly in its forward, in order
    calls_modules: bool = False

    @property
    def is_module(self) -> bool:
        return self.module is not None

    @property
    def leaf(self) -> bool:
        """A module call during which no hooked module ran: one row."""
        return self.is_module and not self.calls_modules

    def add(self, other: Call) -> None:
        for kind, macs in other.macs.items():
            self.macs[kind] = self.macs.get(kind, 0) + macs
        for name, count in other.uncounted.items():
            self.uncounted[name] = self.uncounted.get(name, 0) + count
        self.operations += other.operations


@dataclass(frozen=True)
class Operation:
    """What the engine knows of an aten operation before it runs (cached per overload)."""

    name: str
    rule: bool  # priced by costs
    counted: bool  # priced or known to cost nothing
    fresh: bool  # allocates its output (not a view, not in place)
    view_like: bool  # its output is its input seen another way (a view, or a copy of one: weight.t(), .to())
    needs_values: bool
    factory: bool


@dataclass
class Run:
    """A finished run: the model's own call (the root of the call tree) and what it returned."""

    root: Call | None  # None: no hook ran (a scripted model)
    output: Any
    operations: int


def shapes_in(value: Any) -> tuple[Shape, ...]:
    """Every tensor's shape in ``value`` (tensors, tuples, lists, dicts), in order."""
    if isinstance(value, torch.Tensor):
        return (tuple(value.shape),)
    if isinstance(value, (tuple, list)):
        return tuple(s for item in value for s in shapes_in(item))
    if isinstance(value, dict):
        return tuple(s for item in value.values() for s in shapes_in(item))
    return ()


def _tensors_in(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _shaped(value: Any) -> Any:
    """Arguments for costs: each tensor as its shape, a quantized kernel's packed weight as its weight's."""
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return [_shaped(v) for v in value]
    packed = _packed(value)
    if packed:
        return tuple(packed[0].shape)
    return value


def _packed(value: Any) -> list[torch.Tensor]:
    """The tensors of a quantized kernel's packed weight and bias (torch keeps them outside parameters())."""
    if isinstance(value, torch.ScriptObject) and hasattr(value, "unpack"):
        return [t for t in _tensors_in(value.unpack())]
    return []


def weights_of(module: Any) -> list[torch.Tensor]:
    """A module's parameters and packed quantized weights, its children's included, each once."""
    found: dict[Any, torch.Tensor] = {id(p): p for p in module.parameters()}
    for part in module.modules():
        for value in vars(part).values():
            for i, tensor in enumerate(_packed(value)):
                found[id(value), i] = tensor
    return list(found.values())


_OPERATORS = {
    "add": "+", "__add__": "+", "__radd__": "+", "__iadd__": "+=", "sub": "−", "__sub__": "−", "__rsub__": "−",
    "__isub__": "−=", "mul": "*", "__mul__": "*", "__rmul__": "*", "__imul__": "*=", "div": "/",
    "__truediv__": "/", "__rtruediv__": "/", "__itruediv__": "/=", "matmul": "@", "__matmul__": "@",
    "__rmatmul__": "@", "__getitem__": "[…]", "__setitem__": "[…] =", "__pow__": "**", "__neg__": "−",
}  # fmt: skip


def function_name(func: Any) -> str:
    """How a forward wrote the call: ``torch.flatten``, ``F.interpolate``, ``Tensor.view``, ``+``."""
    name = getattr(func, "__name__", None) or repr(func)
    qualified = getattr(func, "__qualname__", "") or ""
    if qualified.startswith(("TensorBase.", "Tensor.", "_TensorBase.")):
        return _OPERATORS.get(name, f"Tensor.{name}")
    module = getattr(func, "__module__", None) or ""
    if module.startswith(("torch.nn.functional", "torch._C._nn")):
        return f"F.{name}"
    for namespace in ("fft", "linalg", "special"):  # torch.fft.rfft is torch._C._fft.fft_rfft
        if module == f"torch._C._{namespace}":
            return f"torch.{namespace}.{name.removeprefix(namespace + '_')}"
    return f"torch.{name}"


class _Memory:
    """The CPU run's allocations, held under ``bound`` bytes of resident memory over where it started."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.start = _resident()

    def before(self, op: Operation, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not op.factory:
            return
        size = next((a for a in args if isinstance(a, (list, tuple))), kwargs.get("size"))
        if size is None or not all(isinstance(n, int) for n in size):
            return
        dtype = kwargs.get("dtype") or torch.get_default_dtype()
        wanted = prod(size) * dtype.itemsize
        if _resident() - self.start + wanted > self.bound:
            raise MemoryBound(self.bound, f"{op.name} of {list(size)} ({wanted:,} bytes)")

    def after(self, op: Operation) -> None:
        grown = _resident() - self.start
        if grown > self.bound:
            raise MemoryBound(self.bound, f"{op.name} (resident memory grew by {grown:,} bytes)")


def _resident() -> int:
    """Resident memory of this process in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Recorder:
    """The modes and hooks of one run. ``shortcuts`` prices meta operations without torch's slow kernels."""

    def __init__(self, meta_shortcuts: bool = True, memory_bound: int | None = None) -> None:
        self.stack: list[Call] = []
        # Once sympy is imported (torchvision imports it), torch's own convolution and pooling meta kernels start
        # at no extra cost, and the stand-ins' first CPU convolution would only add ~10 MB of oneDNN state.
        self.shortcuts = Shortcuts(stand_ins=SYMBOLIC_SHAPES not in sys.modules) if meta_shortcuts else None
        self.memory = _Memory(memory_bound) if memory_bound is not None else None
        # Tensors an operation allocated, by id; the weak reference tells a live tensor from a reused id.
        self.fresh: dict[int, weakref.ref[torch.Tensor]] = {}
        self.in_hook = False  # the engine's own tensor calls are not the model's
        # Views and copies of parameters (F.linear multiplies by weight.t()), by id, as `fresh` keeps them.
        self.weights: dict[int, weakref.ref[torch.Tensor]] = {}
        self.operations: dict[Any, Operation] = {}
        self.count = 0
        self.failed_call: Call | None = None
        self.top: list[Call] = []  # module calls made outside any other (the model's own call)

    # --- aten operations --------------------------------------------------------------------------------------------

    def describe(self, func: Any) -> Operation:
        found = self.operations.get(func)
        if found is None:
            name = func._schema.name
            tags = func.tags
            rule = name in costs.RULES
            returns_alias = any(r.alias_info is not None for r in func._schema.returns)
            counted = rule or costs.costs_nothing(name) or torch.Tag.pointwise in tags or func.is_view or returns_alias
            found = Operation(
                name=name,
                rule=rule,
                counted=counted,
                fresh=not returns_alias and not func._schema.is_mutable,
                view_like=func.is_view or name in _VIEW_LIKE,
                needs_values=name in _NEEDS_VALUES,
                factory=name in _FACTORIES,
            )
            self.operations[func] = found
        return found

    def dispatch(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        op = self.describe(func)
        on_meta = any(t.device.type == "meta" for t in _tensors_in(args))
        if op.needs_values and on_meta:
            raise NeedsValues(op.name.removeprefix("aten::"))  # the CPU can run it, the meta device cannot
        if self.memory is not None:
            self.memory.before(op, func, args, kwargs)
        out = NOT_HANDLED
        if self.shortcuts is not None and on_meta:
            out = self.shortcuts.run(func, args, kwargs)
        if out is NOT_HANDLED:
            out = func(*args, **kwargs)
        if self.memory is not None:
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
        if op.rule:
            first = next(_tensors_in(out), None)
            weights = [i for i, a in enumerate(args) if self._is_weight(a)]
            shaped = [_shaped(a) for a in args]
            priced = costs.cost(op.name, shaped, tuple(first.shape) if first is not None else (), weights)
            for kind, macs in (priced or {}).items():
                target.macs[kind] = target.macs.get(kind, 0) + macs
        elif not op.counted:
            target.uncounted[op.name] = target.uncounted.get(op.name, 0) + 1
        if op.fresh:
            for tensor in _tensors_in(out):
                self._remember(self.fresh, tensor)
        elif op.view_like and args and self._is_weight(args[0]):
            for tensor in _tensors_in(out):
                self._remember(self.weights, tensor)

    def _is_weight(self, value: Any) -> bool:
        if isinstance(value, (torch.nn.Parameter, torch.ScriptObject)):
            return True
        reference = self.weights.get(id(value))
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
        received = [*_tensors_in(args), *_tensors_in(kwargs)]
        call = Call(module, name, owner, tuple(tuple(t.shape) for t in received))
        call.input_dtypes = tuple(str(t.dtype).removeprefix("torch.") for t in received)
        if owner is not None:
            owner.calls_modules = True
            owner.items.append(call)
        else:
            self.top.append(call)
        self.stack.append(call)

    def exit_module(self, output: Any) -> None:
        self.in_hook = True
        try:
            self._exit(output)
        finally:
            self.in_hook = False

    def _exit(self, output: Any) -> None:
        call = self.stack.pop()
        call.outputs = shapes_in(output)
        call.allocated = self._allocated(output)
        call.params = sum(p.numel() for p in weights_of(call.module))

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
        for tensor in _tensors_in(output):
            reference = self.fresh.get(id(tensor))
            if reference is not None and reference() is tensor:
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
            if self.failed_call is None:
                self.failed_call = call  # the innermost: outer calls see the same exception pass
            raise
        finally:
            self.stack.pop()
        self.failed_call = None  # a failure the forward caught and went on from is not where it broke
        tensors = list(_tensors_in(out))
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


@contextmanager
def hooked(model: Any, recorder: Recorder) -> Iterator[None]:
    """Pre and post hooks on every module of ``model``, named as ``named_modules()`` names them."""
    handles = []
    for qualified, module in model.named_modules():
        name = qualified or type(module).__name__

        def before(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], name: str = name) -> None:
            recorder.enter_module(module, name, args, kwargs)

        def after(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> None:
            recorder.exit_module(output)

        handles.append(module.register_forward_pre_hook(before, with_kwargs=True))
        handles.append(module.register_forward_hook(after, with_kwargs=True))
    try:
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
    its own left untouched. The model's training flags are put back afterwards. Raises what the forward
    raised, with ``recorder`` holding where it broke.
    """
    modes = {module: module.training for module in model.modules()}
    model.eval()
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
    return Run(recorder.top[0] if recorder.top else None, output, operations=recorder.count)
