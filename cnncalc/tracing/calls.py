"""What a run records: each module or function call with the work attributed to it, the aten operations it
ran, and reading tensors out of the values a forward passes around."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

Shape = tuple[int, ...]


class NeedsValues(Exception):
    """A meta-device run reached an operation whose result depends on tensor values."""

    def __init__(self, op: str) -> None:
        self.op = op
        self.what = _READS.get(op, f"{op}()")  # what read them, as the user wrote it
        super().__init__(self.what)


_READS = {"_local_scalar_dense": "a tensor's value (.item(), float(), int() or an if on a tensor)"}


class MemoryBound(Exception):
    """A CPU build or run would pass the memory bound cnncalc sets for it; ``what`` says where."""

    def __init__(self, bound: int, what: str) -> None:
        self.bound = bound
        self.what = what
        super().__init__(what)


# On the meta device these read values that do not exist: the run must move to the CPU.
NEEDS_VALUES = frozenset(
    "aten::" + name
    for name in (
        "_local_scalar_dense nonzero masked_select _unique2 unique_consecutive unique_dim equal is_nonzero bincount "
        "histc _assert_async"
    ).split()
)
# Copies that keep a weight a weight (a cast, a contiguous copy of its transpose).
VIEW_LIKE = frozenset(["aten::_to_copy", "aten::clone", "aten::contiguous", "aten::_unsafe_view", "aten::expand"])


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
    flops: int = 0
    uncounted: dict[str, int] = field(default_factory=dict)
    operations: int = 0
    allocated: int = 0  # bytes of its outputs that an operation allocated (not views, not in-place results)
    items: list[Call] = field(default_factory=list)  # calls made directly in its forward, in order
    calls_modules: bool = False
    raised: bool = False  # its forward raised (and the model caught it, or the run failed there)
    computes_weight: bool = False  # a parametrization: it computes its owner's weight
    wrapped: bool = False  # it ran on functorch-transformed tensors (vmap): shapes are per sample

    @property
    def is_module(self) -> bool:
        return self.module is not None

    @property
    def leaf(self) -> bool:
        """A module call during which no hooked module ran: one row."""
        return self.is_module and not self.calls_modules

    def add(self, other: Call) -> None:
        """Take in ``other``'s work and that of every call it made."""
        for kind, macs in other.macs.items():
            self.macs[kind] = self.macs.get(kind, 0) + macs
        self.flops += other.flops
        for name, count in other.uncounted.items():
            self.uncounted[name] = self.uncounted.get(name, 0) + count
        self.operations += other.operations
        for item in other.items:
            self.add(item)


@dataclass(frozen=True)
class Operation:
    """What the engine knows of an aten operation before it runs (cached per overload)."""

    name: str
    rule: bool  # priced by costs
    counted: bool  # priced or known to cost nothing
    elementwise: bool  # torch tags it pointwise (FLOPs: one per output element)
    fresh: bool  # allocates its output (not a view, not in place)
    view_like: bool  # its output is its input seen another way (a view, or a copy of one: weight.t(), .to())
    needs_values: bool
    takes_device: bool  # a factory: where its result is made is an argument


@dataclass
class Run:
    """A finished run: the model's own call (the root of the call tree) and what it returned."""

    root: Call
    output: Any
    operations: int


def shapes_in(value: Any) -> tuple[Shape, ...]:
    """Every tensor's shape in ``value`` (tensors, tuples, lists, dicts), in order."""
    return tuple(tuple(t.shape) for t in tensors_in(value))


def transformed(tensor: torch.Tensor) -> bool:
    """A functorch-wrapped tensor (inside vmap or grad): its shape is not what the kernels compute on."""
    check = getattr(torch._C._functorch, "is_functorch_wrapped_tensor", None)
    return bool(check(tensor)) if check is not None else False


def tensors_in(value: Any) -> Iterator[torch.Tensor]:
    if torch.nn.parameter.is_lazy(value):
        return  # a lazy module's parameter before its first call: no shape yet
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors_in(item)


def shaped(value: Any) -> Any:
    """Arguments for costs: each tensor as its shape, a quantized kernel's packed weight as its weight's."""
    if torch.nn.parameter.is_lazy(value):
        return None  # a lazy layer's weight while it is being given its size
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return [shaped(v) for v in value]
    packed = _packed(value)
    if packed:
        return tuple(packed[0].shape)
    return value


def _packed(value: Any) -> list[torch.Tensor]:
    """The tensors of a quantized kernel's packed weight and bias (torch keeps them outside parameters())."""
    if isinstance(value, torch.ScriptObject) and hasattr(value, "unpack"):
        return [t for t in tensors_in(value.unpack())]
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
