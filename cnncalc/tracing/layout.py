"""What torch's meta kernels decide besides a result's shape, worked out without them: which tensors are on
meta, how shapes broadcast, the strides TensorIterator gives an elementwise result, and the keys the shortcuts
cache their answers under."""

from __future__ import annotations

from math import prod
from typing import Any, TypeGuard

import torch

# A stand-in past these is not worth running (or would not fit): torch's meta kernel answers instead. Cells of
# its input or output, and multiply-accumulates (output cells × kernel cells, or input cells × kernel cells for a
# transposed convolution), each bounded before it runs.
STAND_IN_MAX_ELEMENTS = 1 << 22
STAND_IN_MAX_WORK = 1 << 25


def is_meta(value: Any) -> TypeGuard[torch.Tensor]:
    return isinstance(value, torch.Tensor) and value.device.type == "meta"


def first_meta(args: tuple[Any, ...]) -> torch.Tensor | None:
    return args[0] if args and is_meta(args[0]) else None


def meta_tensors(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[torch.Tensor] | None:
    """The tensor arguments, all on meta; None if one is elsewhere or sits inside a list."""
    found = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            if value.device.type != "meta":
                return None
            found.append(value)
        elif isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
            return None
    return found


def broadcast(*shapes: Any) -> tuple[int, ...] | None:
    """numpy's broadcasting rule, which torch follows; None where the shapes do not broadcast.

    (``torch.broadcast_shapes`` would do, but it checks with ``torch._check``, whose first call imports sympy.)
    """
    rank = max((len(shape) for shape in shapes), default=0)
    out = [1] * rank
    for shape in shapes:
        for i, size in enumerate(shape, start=rank - len(shape)):
            if size != 1:
                if out[i] not in (1, size):
                    return None
                out[i] = size
    return tuple(out)


def elementwise_strides(shape: tuple[int, ...], tensors: list[torch.Tensor]) -> tuple[int, ...]:
    """The strides of an elementwise result over ``tensors`` (broadcast to ``shape``), as torch lays it out.

    TensorIterator's rule: all inputs contiguous (or all channels-last) keep that layout; otherwise the axes are
    ordered by the inputs' strides, the first input that tells two axes apart deciding, and the result is dense in
    that order.
    """
    rank = len(shape)
    if rank <= 1:
        return (1,) * rank
    row_major = all(t.is_contiguous() for t in tensors)
    channels_last = rank == 4 and all(t.is_contiguous(memory_format=torch.channels_last) for t in tensors)
    if row_major and not channels_last:
        order = list(range(rank))
    elif channels_last and not row_major:
        order = [0, *range(2, rank), 1]
    else:
        order = axis_order(shape, [t.stride() for t in tensors])
    strides = [0] * rank
    step = 1
    for axis in reversed(order):  # the innermost axis last in `order`
        strides[axis] = step
        step *= max(shape[axis], 1)
    return tuple(strides)


def axis_order(shape: tuple[int, ...], strides: list[tuple[int, ...]]) -> list[int]:
    """Axes outermost first, sorted (stably, from the innermost) by the first input whose strides tell them apart."""

    def compare(a: int, b: int) -> int:  # > 0: axis a is inner to axis b
        for stride in strides:
            sa, sb = stride[a], stride[b]
            if sa == 0 or sb == 0:
                continue
            if sa == sb:
                if shape[b] >= shape[a]:
                    continue
                return 1
            return -1 if sb >= sa else 1
        return 0

    order = list(reversed(range(len(shape))))  # innermost first while sorting
    for i in range(1, len(order)):
        moving = i
        for j in reversed(range(i)):
            found = compare(order[j], order[moving])
            if found > 0:
                order[j], order[moving] = order[moving], order[j]
                moving = j
            elif found < 0:
                break
    return list(reversed(order))


def contiguous(*tensors: torch.Tensor | None) -> bool:
    return all(t is None or (is_meta(t) and t.is_contiguous()) for t in tensors)


def empty(shape: Any, dtype: torch.dtype, strides: Any = None) -> torch.Tensor:
    if strides is None:
        return torch.empty(tuple(shape), dtype=dtype, device="meta")
    return torch.empty_strided(tuple(shape), tuple(strides), dtype=dtype, device="meta")


def proxy(value: Any) -> Any:
    """A one-element CPU tensor standing in for a meta tensor in type promotion (same dtype, same rank class)."""
    if isinstance(value, torch.Tensor):
        return torch.ones([1] * value.dim(), dtype=value.dtype)
    return value


def plain_ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for value in values for v in value)


def pool_fits(func: Any, spatial: tuple[int, ...], args: tuple[Any, ...]) -> bool:
    """The stand-in's cells and work within bounds: a window (or an adaptive output) may be as large as asked."""
    if not args or not isinstance(args[0], (list, tuple)) or not plain_ints(args[0]) or len(args[0]) > len(spatial):
        return False
    sizes = [*args[0], *[args[0][-1]] * (len(spatial) - len(args[0]))] if args[0] else list(spatial)
    if "adaptive" in func._schema.name:  # the output is as asked; each cell reads at most its input's share, and one
        output = prod(sizes)
        work = output * prod(-(-n // max(o, 1)) + 1 for n, o in zip(spatial, sizes, strict=True))
    else:  # a window per output cell, at most one output cell per padded input cell
        padding = args[2] if len(args) > 2 and isinstance(args[2], (list, tuple)) and plain_ints(args[2]) else [0]
        pads = [*padding, *[padding[-1]] * (len(spatial) - len(padding))] if padding else [0] * len(spatial)
        output = prod(n + 2 * p for n, p in zip(spatial, pads, strict=False))
        work = output * prod(sizes)
    return max(prod(spatial), output) <= STAND_IN_MAX_ELEMENTS and work <= STAND_IN_MAX_WORK


def value_key(value: Any) -> Any:
    """Non-tensor arguments as a hashable key of their values."""
    if isinstance(value, (list, tuple)):
        return tuple(value_key(v) for v in value)
    return (type(value), value)


def describe(value: Any) -> Any:
    """An argument as type promotion sees it: a tensor's dtype and whether it is 0-dim, a scalar's type."""
    if isinstance(value, torch.Tensor):
        return ("tensor", value.dtype, value.dim() == 0)
    if isinstance(value, (bool, int, float, complex)):
        return ("scalar", type(value))
    if isinstance(value, (list, tuple)):
        return tuple(describe(v) for v in value)
    return value if isinstance(value, (str, torch.dtype, type(None))) else ("other", repr(value))
