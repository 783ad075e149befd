"""The trace engine's meta-device shortcuts against torch's own meta kernels.

For every operation cnncalc answers itself on the meta device (to spare torch's slow-starting Python kernels),
either the shortcut declines (NOT_HANDLED: torch answers) or its result has exactly the shape, dtype and strides
of torch's — and torch accepts the input. Random inputs (hypothesis, seeded): broadcasting, 0-dim tensors,
permuted and channels-last layouts, mixed dtypes, and arguments torch refuses. Each family also has inputs the
shortcut must answer, so that a rule which always declines cannot pass.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.confirm.runtime import import_torch
from cnncalc.tracing.layout import broadcast, elementwise_strides
from cnncalc.tracing.meta import NOT_HANDLED, Shortcuts

pytestmark = pytest.mark.torch

torch = import_torch()
aten = torch.ops.aten
REFUSED = object()


def metadata(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(metadata(v) for v in value)
    return tuple(value.shape), value.dtype, value.stride(), value.device.type


def torch_says(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(*args, **(kwargs or {}))
        except Exception:
            return REFUSED


def agree(func: Any, *args: Any, **kwargs: Any) -> bool:
    """True when the shortcut answered (and agreed); False when it declined. Fails when it answers wrongly."""
    mine = Shortcuts().run(func, args, kwargs)
    if mine is NOT_HANDLED:
        return False
    theirs = torch_says(func, args, kwargs)
    assert theirs is not REFUSED, f"{func} answered an input torch refuses: {[getattr(a, 'shape', a) for a in args]}"
    if torch.Tag.inplace in func.tags or func in FILLS:
        assert mine is args[0]
    assert metadata(mine) == metadata(theirs), (func, [getattr(a, "shape", a) for a in args])
    return True


def meta(shape: tuple[int, ...], dtype: Any = None, layout: str = "contiguous") -> Any:
    dtype = dtype or torch.float32
    if layout == "channels_last" and len(shape) == 4:
        return torch.empty(shape, dtype=dtype, device="meta").contiguous(memory_format=torch.channels_last)
    if layout == "transposed" and len(shape) >= 2:
        flipped = (*shape[:-2], shape[-1], shape[-2])
        return torch.empty(flipped, dtype=dtype, device="meta").transpose(-1, -2)
    if layout == "expanded" and shape and shape[0] > 1:
        return torch.empty((1, *shape[1:]), dtype=dtype, device="meta").expand(shape)
    return torch.empty(shape, dtype=dtype, device="meta")


LAYOUTS = st.sampled_from(["contiguous", "channels_last", "transposed", "expanded"])
DTYPES = st.sampled_from([torch.float32, torch.float16, torch.float64, torch.int64, torch.bool])
FILLS = {aten.normal_.default, aten.uniform_.default, aten.zero_.default, aten.fill_.Scalar}


@st.composite
def broadcastable(draw: st.DrawFn, count: int = 2) -> list[tuple[int, ...]]:
    """Shapes that broadcast (mostly), by dropping leading axes and setting some to 1 — and sometimes a misfit."""
    full = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    shapes = []
    for _ in range(count):
        start = draw(st.integers(0, len(full)))
        shape = [1 if draw(st.booleans()) and draw(st.booleans()) else n for n in full[start:]]
        if shape and draw(st.integers(0, 9)) == 0:
            shape[-1] += 1  # a misfit torch refuses
        shapes.append(tuple(shape))
    return shapes


BINARY = [aten.add.Tensor, aten.sub.Tensor, aten.mul.Tensor, aten.div.Tensor, aten.maximum.default]
BINARY += [aten.eq.Tensor, aten.lt.Tensor, aten.pow.Tensor_Tensor, aten.logical_and.default, aten.atan2.default]
UNARY = [aten.relu.default, aten.gelu.default, aten.sigmoid.default, aten.tanh.default, aten.exp.default]
UNARY += [aten.neg.default, aten.abs.default, aten.silu.default, aten.hardswish.default, aten.logical_not.default]
UNARY += [aten.sqrt.default, aten.hardsigmoid.default, aten.erf.default, aten.floor.default]


@settings(max_examples=400)
@given(st.sampled_from(BINARY), broadcastable(), st.tuples(DTYPES, DTYPES), st.tuples(LAYOUTS, LAYOUTS))
def test_binary_elementwise(func: Any, shapes: list[Any], dtypes: Any, layouts: Any) -> None:
    agree(func, *(meta(s, d, lay) for s, d, lay in zip(shapes, dtypes, layouts, strict=True)))


@settings(max_examples=200)
@given(st.sampled_from(UNARY), broadcastable(1), DTYPES, LAYOUTS)
def test_unary_elementwise(func: Any, shapes: list[Any], dtype: Any, layout: str) -> None:
    agree(func, meta(shapes[0], dtype, layout))


@settings(max_examples=200)
@given(broadcastable(3), st.tuples(DTYPES, DTYPES), st.tuples(LAYOUTS, LAYOUTS, LAYOUTS))
def test_where(shapes: list[Any], dtypes: Any, layouts: Any) -> None:
    condition = meta(shapes[0], torch.bool, layouts[0])
    agree(aten.where.self, condition, meta(shapes[1], dtypes[0], layouts[1]), meta(shapes[2], dtypes[1], layouts[2]))


@settings(max_examples=200)
@given(
    st.sampled_from(
        [aten.add.Scalar, aten.mul.Scalar, aten.div.Scalar, aten.clamp_min.default, aten.pow.Tensor_Scalar]
    ),
    broadcastable(1),
    DTYPES,
    st.sampled_from([2, 2.5, True, -1]),
)
def test_tensor_and_scalar(func: Any, shapes: list[Any], dtype: Any, scalar: Any) -> None:
    agree(func, meta(shapes[0], dtype), scalar)


@settings(max_examples=300)
@given(
    st.sampled_from([aten.add_.Tensor, aten.mul_.Tensor, aten.sub_.Tensor, aten.div_.Tensor]),
    broadcastable(),
    st.tuples(DTYPES, DTYPES),
    st.tuples(LAYOUTS, LAYOUTS),
)
def test_in_place_binary(func: Any, shapes: list[Any], dtypes: Any, layouts: Any) -> None:
    target, other = (meta(s, d, lay) for s, d, lay in zip(shapes, dtypes, layouts, strict=True))
    agree(func, target, other)


@settings(max_examples=100)
@given(st.sampled_from([aten.relu_.default, aten.sigmoid_.default, aten.tanh_.default, aten.hardswish_.default]))
def test_in_place_unary(func: Any) -> None:
    assert agree(func, meta((2, 3, 4, 5)))
    agree(func, meta((2, 3), torch.int64))  # tanh of integers has no integer result: torch refuses, so must we
    agree(func, meta((3, 4), layout="expanded"))  # writing into overlapping memory: torch refuses


def test_fills_return_the_tensor_itself() -> None:
    x = meta((4, 5), layout="transposed")
    assert agree(aten.normal_.default, x, 0.0, 0.02)
    assert agree(aten.uniform_.default, x, -0.1, 0.1)
    assert agree(aten.zero_.default, x)
    assert agree(aten.fill_.Scalar, x, 1.5)


def test_rules_that_must_answer() -> None:
    """Standard inputs of every rule are answered (so that a rule that always declined would fail here)."""
    x = meta((2, 8, 5, 5))
    c = meta((8,))
    assert agree(aten.add.Tensor, x, meta((8, 1, 1)))
    assert agree(aten.native_batch_norm.default, x, c, c, c, c, False, 0.1, 1e-5)
    assert agree(
        aten.native_batch_norm.default, meta((2, 8, 5, 5), layout="channels_last"), c, c, c, c, False, 0.1, 1e-5
    )
    assert agree(aten._native_batch_norm_legit_no_training.default, x, c, c, c, c, 0.1, 1e-5)
    assert agree(aten.native_layer_norm.default, meta((2, 7, 8)), [8], c, c, 1e-5)
    assert agree(aten.addmm.default, meta((10,)), meta((4, 20)), meta((20, 10), layout="transposed"))
    assert agree(aten.mm.default, meta((4, 20)), meta((20, 10)))
    assert agree(aten.bmm.default, meta((3, 4, 20)), meta((3, 20, 10)))
    assert agree(aten.baddbmm.default, meta((3, 4, 10)), meta((3, 4, 20)), meta((3, 20, 10)))
    assert agree(aten.mean.dim, x, [-1, -2], True)
    assert agree(aten.cat.default, [x, meta((2, 3, 5, 5))], 1)
    assert agree(aten.stack.default, [x, x], 2)
    assert agree(aten._safe_softmax.default, x, -1)
    assert agree(aten.roll.default, x, [1, 2], [2, 3])
    assert agree(aten.embedding.default, meta((100, 16)), meta((3, 7), torch.int64))
    assert agree(aten.convolution.default, x, meta((4, 8, 3, 3)), c[:4], [1, 1], [1, 1], [1, 1], False, [0, 0], 1)
    assert agree(aten.max_pool2d_with_indices.default, x, [3, 3], [2, 2], [1, 1], [1, 1], True)
    assert agree(aten.avg_pool2d.default, x, [2, 2], [2, 2], [0, 0], False, True, None)
    assert agree(aten._adaptive_avg_pool2d.default, x, [1, 1])


def test_rules_decline_what_torch_refuses() -> None:
    x = meta((2, 8, 5, 5))
    c = meta((8,))
    assert not agree(aten.addmm.default, meta((10,)), meta((4, 20)), meta((21, 10)))  # "cannot be multiplied"
    assert not agree(aten.mm.default, meta((4, 20)), meta((4, 20)))
    assert not agree(aten.native_batch_norm.default, x, meta((7,)), c, c, c, False, 0.1, 1e-5)
    assert not agree(aten.native_layer_norm.default, meta((2, 7, 8)), [7], None, None, 1e-5)
    assert not agree(aten.cat.default, [x, meta((3, 3, 5, 5))], 1)
    assert not agree(aten.convolution.default, x, meta((4, 7, 3, 3)), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    assert not agree(aten.convolution.default, x, meta((4, 8, 7, 7)), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    assert not agree(aten.max_pool2d_with_indices.default, x, [2, 2], [2, 2], [2, 2], [1, 1], False)  # pad > k/2
    assert not agree(aten.embedding.default, meta((100, 16)), meta((3, 7)))  # float indices


@st.composite
def convolutions(draw: st.DrawFn) -> tuple[Any, ...]:
    dims = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    if draw(st.integers(0, 9)) == 0:
        c_in += 1  # channels that do not fit the groups
    transposed = draw(st.booleans())
    size = [draw(st.integers(1, 12)) for _ in range(dims)]
    kernel = [draw(st.integers(1, 5)) for _ in range(dims)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    padding = [draw(st.integers(0, 3)) for _ in range(dims)]
    dilation = [draw(st.integers(1, 3)) for _ in range(dims)]
    output_padding = [draw(st.integers(0, 2)) for _ in range(dims)] if transposed else [0] * dims
    weight = (c_in, c_out // groups, *kernel) if transposed else (c_out, c_in // groups, *kernel)
    bias = meta((c_out,)) if draw(st.booleans()) else None
    x = meta((draw(st.integers(1, 2)), c_in, *size))
    return x, meta(weight), bias, stride, padding, dilation, transposed, output_padding, groups


@settings(max_examples=400)
@given(convolutions())
def test_convolution(args: tuple[Any, ...]) -> None:
    agree(aten.convolution.default, *args)


@st.composite
def poolings(draw: st.DrawFn) -> tuple[Any, ...]:
    dims = draw(st.sampled_from([2, 3]))
    size = [draw(st.integers(1, 12)) for _ in range(dims)]
    x = meta((draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size))
    kernel = [draw(st.integers(1, 5)) for _ in range(dims)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    padding = [draw(st.integers(0, 3)) for _ in range(dims)]
    ceil = draw(st.booleans())
    kind = draw(st.sampled_from(["max", "avg", "adaptive_avg", "adaptive_max"]))
    if kind == "max":
        op = aten.max_pool2d_with_indices if dims == 2 else aten.max_pool3d_with_indices
        dilation = [draw(st.integers(1, 3)) for _ in range(dims)]
        return op.default, x, kernel, stride, padding, dilation, ceil
    if kind == "avg":
        op = aten.avg_pool2d if dims == 2 else aten.avg_pool3d
        return op.default, x, kernel, stride, padding, ceil, draw(st.booleans()), draw(st.sampled_from([None, 3]))
    output = [draw(st.integers(1, 6)) for _ in range(dims)]
    if kind == "adaptive_avg":
        return (aten._adaptive_avg_pool2d if dims == 2 else aten._adaptive_avg_pool3d).default, x, output
    return (aten.adaptive_max_pool2d if dims == 2 else aten.adaptive_max_pool3d).default, x, output


@settings(max_examples=400)
@given(poolings())
def test_pooling(case: tuple[Any, ...]) -> None:
    agree(*case)


@settings(max_examples=200)
@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=4),
    st.lists(st.integers(-5, 4), min_size=1, max_size=3),
    st.booleans(),
    LAYOUTS,
)
def test_mean_and_softmax(shape: list[int], dims: list[int], keep: bool, layout: str) -> None:
    x = meta(tuple(shape), layout=layout)
    agree(aten.mean.dim, x, dims, keep)
    agree(aten._safe_softmax.default, x, dims[0])


@settings(max_examples=200)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(-5, 4), st.integers(1, 3), st.booleans())
def test_cat_and_stack(shape: list[int], dim: int, count: int, misfit: bool) -> None:
    tensors = [meta(tuple(shape)) for _ in range(count)]
    if misfit:
        tensors.append(meta((*shape[:-1], shape[-1] + 1)))
    agree(aten.cat.default, tensors, dim)
    agree(aten.stack.default, tensors, dim)


@settings(max_examples=200)
@given(
    st.tuples(st.integers(1, 3), st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)),
    st.booleans(),
    st.sampled_from([torch.float32, torch.float16]),
)
def test_matrix_products(sizes: tuple[int, int, int, int], transposed: bool, dtype: Any) -> None:
    b, n, k, m = sizes
    layout = "transposed" if transposed else "contiguous"
    agree(aten.mm.default, meta((n, k), dtype), meta((k, m), dtype, layout))
    agree(aten.addmm.default, meta((m,), dtype), meta((n, k), dtype), meta((k, m), dtype, layout))
    agree(aten.bmm.default, meta((b, n, k), dtype), meta((b, k, m), dtype, layout))
    agree(aten.baddbmm.default, meta((1, n, m), dtype), meta((b, n, k), dtype), meta((b, k, m), dtype, layout))


@settings(max_examples=300)
@given(broadcastable(), st.tuples(LAYOUTS, LAYOUTS))
def test_broadcast_and_strides_match_torch(shapes: list[Any], layouts: Any) -> None:
    """The two helpers alone: numpy's broadcasting and TensorIterator's layout."""
    theirs = torch_says(torch.broadcast_shapes, tuple(shapes))
    assert broadcast(*shapes) == (None if theirs is REFUSED else tuple(theirs))
    if theirs is REFUSED:
        return
    tensors = [meta(s, layout=lay).expand(tuple(theirs)) for s, lay in zip(shapes, layouts, strict=True)]
    assert elementwise_strides(tuple(theirs), tensors) == aten.add.Tensor(*tensors).stride()
