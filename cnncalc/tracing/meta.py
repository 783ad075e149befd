"""Shapes on the meta device without torch's Python meta kernels, where they are slow to start.

On current torch, the meta device runs elementwise operations, batch and layer
norm, ``addmm`` and a few others through Python reference kernels whose first
call imports ``torch._dynamo`` and sympy: about a second, more than tracing a
ResNet-50 costs. For those operations, and only on inputs whose result torch
defines without doubt, the trace engine builds the result here instead:

- elementwise (pointwise) operations: the broadcast shape, torch's own
  type promotion (asked of the real CPU kernel on one-element tensors of the
  same dtypes and ranks) and TensorIterator's rule for the output's strides;
- in-place elementwise operations and weight initialisation: ``self``, once
  every other tensor broadcasts to it and the CPU kernel accepts the dtypes;
- convolution and pooling: the output's spatial size from torch's own CPU
  kernel run on a one-channel stand-in of the same spatial size (the channels
  checked here), so a formula of cnncalc's is never checked against itself;
- matrix products, ``embedding``, batch and layer norm, ``mean``, ``cat``,
  ``stack``, ``roll`` and ``_safe_softmax`` on contiguous inputs.

Anything else — another operation, a layout or dtype not listed, an input
torch would refuse — goes to torch's own meta kernel, which then gives the
answer (or the error) itself. ``tests/test_tracing_meta.py`` holds every rule
to torch's meta kernels: the same shape, dtype and strides.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from math import prod
from typing import Any

import torch

from .layout import (
    STAND_IN_MAX_ELEMENTS,
    STAND_IN_MAX_WORK,
    broadcast,
    contiguous,
    describe,
    elementwise_strides,
    empty,
    first_meta,
    is_meta,
    meta_tensors,
    plain_ints,
    pool_fits,
    proxy,
    value_key,
)  # fmt: skip

aten = torch.ops.aten
NOT_HANDLED: Any = object()

# Written in place with values only: the tensor's metadata stays (weight initialisation, mostly).
_FILLS = frozenset(
    [
        aten.normal_.default,
        aten.uniform_.default,
        aten.zero_.default,
        aten.fill_.Scalar,
        aten.bernoulli_.float,
        aten.exponential_.default,
        aten.log_normal_.default,
        aten.cauchy_.default,
        aten.geometric_.default,
        aten.random_.default,
        getattr(aten.random_, "from"),
        aten.random_.to,
    ]
)
# Pooling whose output is (N, C, *spatial), the spatial size set by the kernel's arguments alone.
_POOLS = frozenset(
    [
        aten.max_pool2d_with_indices.default,
        aten.max_pool3d_with_indices.default,
        aten.avg_pool2d.default,
        aten.avg_pool3d.default,
        aten._adaptive_avg_pool2d.default,
        aten._adaptive_avg_pool3d.default,
        aten.adaptive_max_pool2d.default,
        aten.adaptive_max_pool3d.default,
    ]
)
# Imported by torch._check on its first call: from then on torch's Python meta kernels start at no extra cost.
SYMBOLIC_SHAPES = "torch.fx.experimental.symbolic_shapes"
# Pointwise by tag, but shaped by `self` alone (the mask must broadcast to it): left to torch.
_NOT_BROADCAST = frozenset([aten.masked_fill.Scalar, aten.masked_fill.Tensor])
_WHERE = frozenset([aten.where.self, aten.where.ScalarSelf, aten.where.ScalarOther, aten.where.Scalar])
# Elementwise, but not tagged so by torch.
UNTAGGED_POINTWISE = frozenset(["aten::hardswish"])
# Arguments that set the result's layout or type (clone's memory_format, to's dtype): left to torch.
_LAYOUT_ARGUMENTS = frozenset(["memory_format", "dtype", "layout", "device", "pin_memory", "out"])
_FLOATS = frozenset([torch.float32, torch.float64, torch.float16, torch.bfloat16])


class Shortcuts:
    """Results of meta operations built here; ``run`` gives NOT_HANDLED for torch to do it."""

    def __init__(self, stand_ins: bool = True) -> None:
        self.stand_ins = stand_ins
        self._dtypes: dict[Any, torch.dtype | None] = {}
        self._plain: dict[Any, bool] = {}
        self._rules: dict[Any, Callable[[tuple[Any, ...], dict[str, Any]], Any]] = {
            aten.addmm.default: self._addmm,
            aten.native_batch_norm.default: self._batch_norm,
            aten._native_batch_norm_legit_no_training.default: self._batch_norm_no_training,
            aten.native_layer_norm.default: self._layer_norm,
            aten.mean.dim: self._mean,
            aten.cat.default: self._cat,
            aten.stack.default: self._stack,
            aten._safe_softmax.default: self._softmax,
            aten.roll.default: self._roll,
            aten.mm.default: self._mm,
            aten.bmm.default: self._bmm,
            aten.baddbmm.default: self._baddbmm,
            aten.embedding.default: self._embedding,
            aten.convolution.default: self._convolution,
            **{op: partial(self._pool, op) for op in _POOLS},
        }
        self._spatial: dict[Any, tuple[int, ...] | None] = {}

    def run(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if func in _FILLS:
            tensors = meta_tensors(args, kwargs)
            return args[0] if tensors and len(tensors) == 1 else NOT_HANDLED
        found = self._rules.get(func)
        if found is not None:
            return found(args, kwargs)
        if self._elementwise(func):
            if torch.Tag.inplace in func.tags:
                return self._pointwise_in_place(func, args, kwargs)
            if not func._schema.is_mutable and len(func._schema.returns) == 1:
                return self._pointwise(func, args, kwargs)
        return NOT_HANDLED

    # --- elementwise -------------------------------------------------------------------------------------------

    def _elementwise(self, func: Any) -> bool:
        """A pointwise operation (or the in-place form of one) shaped and typed by its inputs alone."""
        known = self._plain.get(func)
        if known is None:
            names = {argument.name for argument in func._schema.arguments}
            pointwise = torch.Tag.pointwise in func.tags or func._schema.name.rstrip("_") in UNTAGGED_POINTWISE
            known = pointwise and func not in _NOT_BROADCAST and not names & _LAYOUT_ARGUMENTS
            self._plain[func] = known
        return known

    def _result_dtype(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.dtype | None:
        """The dtype torch's CPU kernel gives on one-element tensors of the same dtypes and ranks (None: it refuses)."""
        key = (func, tuple(describe(a) for a in args), tuple(sorted((k, describe(v)) for k, v in kwargs.items())))
        if key in self._dtypes:
            return self._dtypes[key]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = func(*[proxy(a) for a in args], **{k: proxy(v) for k, v in kwargs.items()})
            dtype = out.dtype if isinstance(out, torch.Tensor) else None
        except Exception:  # e.g. an integer to a negative power: torch's meta kernel will say so
            dtype = None
        self._dtypes[key] = dtype
        return dtype

    def _pointwise(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        tensors = meta_tensors(args, kwargs)
        if not tensors:
            return NOT_HANDLED
        if func in _WHERE and (not isinstance(args[0], torch.Tensor) or args[0].dtype != torch.bool):
            return NOT_HANDLED  # the meta kernel takes only a bool condition
        shape = broadcast(*(t.shape for t in tensors))
        if shape is None:
            return NOT_HANDLED
        dtype = self._result_dtype(func, args, kwargs)
        if dtype is None:
            return NOT_HANDLED
        return empty(shape, dtype, elementwise_strides(shape, [t.expand(shape) for t in tensors]))

    def _pointwise_in_place(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        tensors = meta_tensors(args, kwargs)
        target = first_meta(args)
        if not tensors or target is None:
            return NOT_HANDLED
        if any(stride == 0 and size > 1 for stride, size in zip(target.stride(), target.shape, strict=True)):
            return NOT_HANDLED  # torch refuses to write into overlapping memory
        if broadcast(*(t.shape for t in tensors)) != tuple(target.shape):
            return NOT_HANDLED
        if self._result_dtype(func, args, kwargs) is None:  # e.g. a float result into an integer tensor
            return NOT_HANDLED
        return target

    # --- the rest, on contiguous inputs -------------------------------------------------------------------------

    def _addmm(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        bias, first, second = args[:3]
        if kwargs or not is_meta(bias) or not is_meta(first) or not is_meta(second):
            return NOT_HANDLED
        if first.dim() != 2 or second.dim() != 2 or first.shape[1] != second.shape[0]:
            return NOT_HANDLED
        if not (bias.dtype == first.dtype == second.dtype) or first.dtype not in _FLOATS:
            return NOT_HANDLED
        shape = (first.shape[0], second.shape[1])
        if broadcast(bias.shape, shape) != shape:
            return NOT_HANDLED
        return empty(shape, first.dtype)

    def _matrices(self, *tensors: Any) -> torch.dtype | None:
        """The common float dtype of meta operands (the result of a matrix product is contiguous whatever theirs)."""
        if not all(is_meta(t) for t in tensors) or len({t.dtype for t in tensors}) != 1:
            return None
        return tensors[0].dtype if tensors[0].dtype in _FLOATS else None

    def _mm(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs or len(args) != 2:
            return NOT_HANDLED
        first, second = args
        if self._matrices(first, second) is None or first.dim() != 2 or second.dim() != 2:
            return NOT_HANDLED
        if first.shape[1] != second.shape[0]:
            return NOT_HANDLED
        return empty((first.shape[0], second.shape[1]), first.dtype)

    def _bmm(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs or len(args) != 2:
            return NOT_HANDLED
        return self._batched(*args)

    def _baddbmm(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if set(kwargs) - {"beta", "alpha"} or len(args) != 3 or not is_meta(args[0]):
            return NOT_HANDLED
        out = self._batched(args[1], args[2])
        if out is NOT_HANDLED or args[0].dtype != out.dtype or broadcast(args[0].shape, out.shape) != out.shape:
            return NOT_HANDLED
        return out

    def _batched(self, first: Any, second: Any) -> Any:
        if self._matrices(first, second) is None or first.dim() != 3 or second.dim() != 3:
            return NOT_HANDLED
        if first.shape[0] != second.shape[0] or first.shape[2] != second.shape[1]:
            return NOT_HANDLED
        return empty((first.shape[0], first.shape[1], second.shape[2]), first.dtype)

    def _embedding(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        weight, indices = args[0], args[1] if len(args) > 1 else None
        if indices is None or not contiguous(weight, indices) or weight.dim() != 2 or weight.dtype not in _FLOATS:
            return NOT_HANDLED
        if indices.dtype not in (torch.int64, torch.int32):
            return NOT_HANDLED
        return empty((*indices.shape, weight.shape[1]), weight.dtype)

    def _stand_in(self, key: Any, run: Callable[[], Any]) -> tuple[int, ...] | None:
        """The spatial size torch's CPU kernel gives a one-channel stand-in (None: it refuses, or stand-ins are off)."""
        if not self.stand_ins:
            return None
        if key not in self._spatial:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = run()
                self._spatial[key] = tuple((out[0] if isinstance(out, tuple) else out).shape[2:])
            except Exception:  # torch refuses these arguments: its meta kernel will say why
                self._spatial[key] = None
        return self._spatial[key]

    def _convolution(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs or len(args) != 9:
            return NOT_HANDLED
        x, weight, bias, stride, padding, dilation, transposed, output_padding, groups = args
        if not contiguous(x, weight, bias) or x.dim() not in (3, 4, 5) or weight.dim() != x.dim():
            return NOT_HANDLED
        if len({x.dtype, weight.dtype, *([bias.dtype] if bias is not None else [])}) != 1 or x.dtype not in _FLOATS:
            return NOT_HANDLED
        if not isinstance(groups, int) or groups < 1 or 0 in x.shape:
            return NOT_HANDLED
        if transposed:
            reads, out_channels = weight.shape[0], weight.shape[1] * groups
        else:
            reads, out_channels = weight.shape[1] * groups, weight.shape[0]
        if x.shape[1] != reads or out_channels % groups or (bias is not None and tuple(bias.shape) != (out_channels,)):
            return NOT_HANDLED
        spatial = tuple(x.shape[2:])
        kernel = tuple(weight.shape[2:])
        arguments = (tuple(stride), tuple(padding), tuple(dilation), bool(transposed), tuple(output_padding))
        if not plain_ints(*arguments[:3], arguments[4]):
            return NOT_HANDLED
        if len({len(a) for a in (spatial, kernel, *arguments[:3], arguments[4])}) != 1:
            return NOT_HANDLED
        rows = list(zip(spatial, kernel, stride, padding, dilation, output_padding, strict=True))
        if transposed:  # every input cell scatters the whole kernel: the output is at most this large
            largest = [(n - 1) * s + d * (k - 1) + 1 + o for n, k, s, _, d, o in rows]
            work = prod(spatial) * prod(kernel)
        else:  # every output cell reads the whole kernel, and there are at most as many as padded input cells
            largest = [n + 2 * p for n, _, _, p, _, _ in rows]
            work = prod(largest) * prod(kernel)
        if max(prod(spatial), prod(largest)) > STAND_IN_MAX_ELEMENTS or work > STAND_IN_MAX_WORK:
            return NOT_HANDLED

        def stand_in() -> Any:
            one = torch.zeros((1, 1, *spatial))
            return aten.convolution.default(one, torch.zeros((1, 1, *kernel)), None, *arguments[:4], arguments[4], 1)

        out = self._stand_in(("convolution", spatial, kernel, arguments), stand_in)
        if out is None:
            return NOT_HANDLED
        return empty((x.shape[0], out_channels, *out), x.dtype)

    def _pool(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        x = first_meta(args)
        axes = 3 if "3d" in func._schema.name else 2
        if x is None or not x.is_contiguous() or x.dim() != axes + 2 or x.dtype not in _FLOATS or 0 in x.shape:
            return NOT_HANDLED
        if meta_tensors(args[1:], kwargs) != []:
            return NOT_HANDLED
        spatial = tuple(x.shape[2:])
        if not pool_fits(func, spatial, args[1:]):
            return NOT_HANDLED
        rest = value_key(args[1:]), value_key(sorted(kwargs.items()))
        out = self._stand_in((func, spatial, rest), lambda: func(torch.zeros((1, 1, *spatial)), *args[1:], **kwargs))
        if out is None:
            return NOT_HANDLED
        result = empty((*x.shape[:2], *out), x.dtype)
        if len(func._schema.returns) == 2:  # values and their indices
            return result, empty(result.shape, torch.int64)
        return result

    def _batch_norm(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs or len(args) != 8:
            return NOT_HANDLED
        return self._batch_norm_result(*args[:5])

    def _batch_norm_no_training(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs or len(args) != 7:
            return NOT_HANDLED
        return self._batch_norm_result(*args[:5])

    def _batch_norm_result(self, x: Any, *per_channel: Any) -> Any:
        if not is_meta(x) or x.dtype != torch.float32 or x.dim() < 2:
            return NOT_HANDLED
        layout = torch.channels_last if x.dim() == 4 else torch.channels_last_3d if x.dim() == 5 else None
        if not (x.is_contiguous() or (layout is not None and x.is_contiguous(memory_format=layout))):
            return NOT_HANDLED
        channels = x.shape[1]
        for t in per_channel:
            if t is not None and (not contiguous(t) or tuple(t.shape) != (channels,) or t.dtype != x.dtype):
                return NOT_HANDLED
        stats = empty((channels,), x.dtype)
        return empty(x.shape, x.dtype, x.stride()), stats, empty((channels,), x.dtype)

    def _layer_norm(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if kwargs or len(args) != 5:
            return NOT_HANDLED
        x, normalized, weight, bias = args[:4]
        if not contiguous(x, weight, bias) or x.dtype != torch.float32:
            return NOT_HANDLED
        normalized = tuple(normalized)
        axis = x.dim() - len(normalized)
        if axis < 0 or tuple(x.shape[axis:]) != normalized:
            return NOT_HANDLED
        for t in (weight, bias):
            if t is not None and (tuple(t.shape) != normalized or t.dtype != x.dtype):
                return NOT_HANDLED
        stats = (*x.shape[:axis], *([1] * len(normalized)))
        return empty(x.shape, x.dtype), empty(stats, x.dtype), empty(stats, x.dtype)

    def _mean(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        x = args[0]
        dims = args[1] if len(args) > 1 else kwargs.get("dim")
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        if len(args) > 3 or set(kwargs) - {"dim", "keepdim"} or not contiguous(x) or x.dtype not in _FLOATS:
            return NOT_HANDLED
        if dims is None or x.dim() == 0:
            return NOT_HANDLED
        axes = set()
        for d in dims:
            if not -x.dim() <= d < x.dim():
                return NOT_HANDLED
            axes.add(d % x.dim())
        if len(axes) != len(dims) or not axes:
            return NOT_HANDLED
        shape = [1 if i in axes else n for i, n in enumerate(x.shape) if keepdim or i not in axes]
        return empty(shape, x.dtype)

    def _joined(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[torch.Tensor], int] | None:
        tensors = args[0] if args else None
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if len(args) > 2 or set(kwargs) - {"dim"} or not isinstance(tensors, (list, tuple)) or not tensors:
            return None
        if not all(contiguous(t) for t in tensors) or len({(t.dtype, t.dim()) for t in tensors}) != 1:
            return None
        if tensors[0].dim() == 0 or any(t.numel() == 0 for t in tensors):
            return None
        return list(tensors), dim

    def _cat(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        joined = self._joined(args, kwargs)
        if joined is None:
            return NOT_HANDLED
        tensors, dim = joined
        rank = tensors[0].dim()
        if not -rank <= dim < rank:
            return NOT_HANDLED
        dim %= rank
        rest = {tuple(n for i, n in enumerate(t.shape) if i != dim) for t in tensors}
        if len(rest) != 1:
            return NOT_HANDLED
        shape = list(tensors[0].shape)
        shape[dim] = sum(t.shape[dim] for t in tensors)
        return empty(shape, tensors[0].dtype)

    def _stack(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        joined = self._joined(args, kwargs)
        if joined is None:
            return NOT_HANDLED
        tensors, dim = joined
        rank = tensors[0].dim() + 1
        if not -rank <= dim < rank or len({tuple(t.shape) for t in tensors}) != 1:
            return NOT_HANDLED
        shape = list(tensors[0].shape)
        shape.insert(dim % rank, len(tensors))
        return empty(shape, tensors[0].dtype)

    def _softmax(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        x = args[0]
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        if len(args) > 2 or set(kwargs) - {"dim"} or not contiguous(x) or x.dtype not in _FLOATS:
            return NOT_HANDLED
        if not isinstance(dim, int) or not -max(x.dim(), 1) <= dim < max(x.dim(), 1):
            return NOT_HANDLED
        return empty(x.shape, x.dtype)

    def _roll(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        x = first_meta(args)
        shifts = args[1] if len(args) > 1 else kwargs.get("shifts")
        dims = args[2] if len(args) > 2 else kwargs.get("dims", ())
        if set(kwargs) - {"shifts", "dims"} or x is None or not x.is_contiguous() or x.dim() == 0 or not dims:
            return NOT_HANDLED
        if (
            not isinstance(shifts, (list, tuple))
            or len(shifts) != len(dims)
            or not all(-x.dim() <= d < x.dim() for d in dims)
        ):
            return NOT_HANDLED
        return empty(x.shape, x.dtype)
