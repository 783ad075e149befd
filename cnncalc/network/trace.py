"""A tensor's shape through a chain of layers, with parameters, MACs and the
receptive field — cnncalc's own formulas, no torch.

The receptive field follows Distill's "Computing Receptive Fields of CNNs":
along each axis r grows by (k − 1)·d·jump at every window, and jump (the
effective stride) multiplies by the window's stride.

>>> from cnncalc.network.chain import parse_chain
>>> t = trace_chain(parse_chain("Conv2d(3, 8, 3) -> MaxPool2d(2) -> Flatten() -> Linear(_, 10)"), [(3, 32, 32)])
>>> t.output_shape, t.total_params
((1, 10), 18234)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from math import prod
from typing import Any

from ..core.dtypes import DTYPE_BYTES, INDEX_DTYPES, INTEGER_DTYPES, check_dtype
from ..core.values import format_shape, parse_shape
from ..errors import InvalidParameter
from .layer import MOVES_VALUES, Context, Layer, Outcome, apply

DEVICES = ("auto", "meta", "cpu")  # where a Python model runs (--device)


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise InvalidParameter("device", device, "auto, meta or cpu")
    return device


@dataclass(frozen=True)
class InputSpec:
    """One input of the traced network, without batch: its shape, dtype, and the keyword it is passed by."""

    shape: tuple[int, ...]
    dtype: str | None = None  # None: the trace's --dtype
    name: str | None = None  # None: positional, in the order given

    def written(self) -> str:
        text = format_shape(self.shape)
        text = f"{self.name}={text}" if self.name else text
        return f"{text}:{self.dtype}" if self.dtype else text


_INPUT = re.compile(r"^\s*(?:(?P<name>[A-Za-z_]\w*)\s*=\s*)?(?P<shape>[^:=]*?)\s*(?::\s*(?P<dtype>\w+))?\s*$")


def parse_input(value: Any) -> InputSpec:
    """``3x224x224``, ``35:int64`` or ``mask=35:bool`` (a keyword argument of forward, with its dtype).

    >>> parse_input("mask=35:bool")
    InputSpec(shape=(35,), dtype='bool', name='mask')
    """
    if isinstance(value, (list, tuple, int)):
        return InputSpec(parse_shape(value, "input", any_rank=True))
    match = _INPUT.match(str(value))
    if match is None:
        raise InvalidParameter(
            "input", value, "a shape without batch, optionally named and typed: 3x32x32, 35:int64, mask=35:bool"
        )
    dtype = check_dtype(match["dtype"], "input") if match["dtype"] else None
    try:
        shape = parse_shape(match["shape"], "input", any_rank=True)
    except InvalidParameter as error:
        raise InvalidParameter("input", value, error.expected, error.fix) from None
    return InputSpec(shape, dtype, match["name"])


@dataclass(frozen=True)
class TraceRow:
    """One layer call: what it received and what left it."""

    index: int
    name: str  # "3" in a chain; the qualified module name in a Python model
    layer: str  # as written
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int
    receptive_field: tuple[int, ...] | None  # per spatial axis
    jump: tuple[int, ...] | None
    computed: bool = True  # False: cnncalc has no formula, the shape is torch's
    inferred: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()
    type: str = "layer"  # a chain "layer"; in a Python model a "module" call or a "function" its owner's forward ran
    input_shapes: tuple[tuple[int, ...], ...] = ()  # every tensor it received (input_shape is the first)
    output_shapes: tuple[tuple[int, ...], ...] = ()  # every tensor it returned
    macs_by_kind: tuple[tuple[str, int], ...] = ()  # convolution, matmul, attention, recurrent
    uncounted: tuple[tuple[str, int], ...] = ()  # operations with no cost rule, and how often they ran
    allocated_bytes: int | None = None  # its outputs' bytes that were newly allocated (None: every output's)
    flops: int | None = None  # every arithmetic operation (None: not counted: a chain under --no-verify)
    depth: int = 1  # in the module tree: the whole model is 0, its children 1
    parent: int = 0  # the index of the block it belongs to (0: the whole model)


@dataclass(frozen=True)
class TraceBlock:
    """A module call whose work is in rows of its own (the whole model, a stage, a residual block), with the
    totals of everything under it."""

    index: int  # 0: the whole model
    name: str
    kind: str
    depth: int
    parent: int | None
    input_shapes: tuple[tuple[int, ...], ...]
    output_shapes: tuple[tuple[int, ...], ...]
    params: int
    macs: int
    flops: int | None
    children: tuple[tuple[str, int], ...]  # ("row", index) or ("block", index), in the order they ran
    structure: str = ""  # what it is made of (its rows' layers, its blocks' structures): alike blocks share it


@dataclass(frozen=True, repr=False)
class Trace:
    """A tensor's way through a network: its rows and totals. Its repr is the table ``cnncalc trace`` prints."""

    rows: tuple[TraceRow, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    dtype: str
    total_params: int
    trainable_params: int
    inputs: tuple[InputSpec, ...] = ()
    python: bool = False  # a Python model torch ran, not a chain of cnncalc's formulas
    outputs: tuple[tuple[str, tuple[int, ...]], ...] = ()  # what a Python model returned: path → shape, with batch
    device: str = ""  # where torch ran a Python model: "meta" or "cpu"
    notes: tuple[str, ...] = ()  # how it was built and run, when that was not the plain meta device
    operations: int = 0  # aten operations the forward pass ran
    measured_param_bytes: int | None = None  # a Python model's parameters at their own dtypes
    blocks: tuple[TraceBlock, ...] = ()  # the module tree above the rows; blocks[0] is the whole model
    depth: int | None = None  # shown as a tree down to this depth (None: the rows, flat)
    layers: tuple[Layer, ...] = ()  # a chain's layers as written, which its confirmation builds

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The (first) tensor a Python model returned, with batch, or () if it returned none; a chain's last
        layer's output."""
        if self.python or self.outputs:
            return self.outputs[0][1] if self.outputs else ()
        return self.rows[-1].output_shape if self.rows else self.input_shapes[0]

    @property
    def total_macs(self) -> int:
        return sum(row.macs for row in self.rows)

    @property
    def total_flops(self) -> int | None:
        """Every arithmetic operation (the FLOPs convention); None where not every row was counted."""
        counted = [row.flops for row in self.rows]
        return None if any(f is None for f in counted) else sum(f for f in counted if f is not None)

    @property
    def uncounted(self) -> dict[str, int]:
        """Operations without a cost rule, over the whole run: their MACs are not in the total."""
        found: dict[str, int] = {}
        for row in self.rows:
            for name, count in row.uncounted:
                found[name] = found.get(name, 0) + count
        return found

    @property
    def activation_bytes(self) -> int:
        """Every layer's output held at once (what a forward pass for training keeps); in a Python model, the
        outputs that were newly allocated (a view or an in-place result adds nothing)."""
        width = DTYPE_BYTES[self.dtype]
        return sum(
            row.allocated_bytes if row.allocated_bytes is not None else prod(row.output_shape) * width
            for row in self.rows
        )

    @property
    def param_dtype(self) -> str:
        """Weights take the dtype, except that integer inputs (indices) still meet float32 weights."""
        return "float32" if self.dtype in INTEGER_DTYPES else self.dtype

    @property
    def param_bytes(self) -> int:
        if self.measured_param_bytes is not None:
            return self.measured_param_bytes
        return self.total_params * DTYPE_BYTES[self.param_dtype]

    def with_flops(self, flops: tuple[int | None, ...]) -> Trace:
        """The same chain with each row's FLOPs, as torch's run counted them (a chain's one block is the whole)."""
        if not flops:
            return self
        rows = tuple(replace(row, flops=count) for row, count in zip(self.rows, flops, strict=True))
        whole = None if any(count is None for count in flops) else sum(count for count in flops if count is not None)
        return replace(self, rows=rows, blocks=(replace(self.blocks[0], flops=whole), *self.blocks[1:]))

    def with_depth(self, depth: int | None) -> Trace:
        """The same trace, shown as a tree down to ``depth`` (0: the whole model in one row)."""
        if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
            raise InvalidParameter("depth", depth, "a depth of 0 or more (0: the whole model in one row)")
        return replace(self, depth=depth)

    def cut(self, depth: int) -> list[TraceRow | TraceBlock]:
        """The tree cut at ``depth``: the blocks at that depth, folded, and the rows above it. Whatever the depth,
        these add up to the totals: MACs and FLOPs always; parameters too where no weight is shared (a module
        called twice, tied weights) and every module with weights runs.

        >>> from cnncalc.network.chain import parse_chain
        >>> t = trace_chain(parse_chain("Linear(4, 3) -> ReLU()"), [(4,)])
        >>> [entry.macs for entry in t.cut(0)], [entry.macs for entry in t.cut(1)]
        ([12], [12, 0])
        """
        return [entry for entry in self.tree(depth) if isinstance(entry, TraceRow) or entry.depth == depth]

    def tree(self, depth: int) -> list[TraceRow | TraceBlock]:
        """What the tree shows down to ``depth``, in order: each block above its children, folded at ``depth``."""
        if not self.blocks:
            return list(self.rows)
        if depth == 0:
            return [self.blocks[0]]
        shown: list[TraceRow | TraceBlock] = []

        def visit(block: TraceBlock) -> None:
            for kind, index in block.children:
                if kind == "row":
                    shown.append(self.rows[index - 1])
                else:
                    child = self.blocks[index]
                    shown.append(child)
                    if child.depth < depth:
                        visit(child)

        visit(self.blocks[0])
        return shown

    def to_json(self) -> dict[str, Any]:
        """What ``cnncalc trace --json`` prints for it."""
        from ..views.trace import to_json

        return to_json(self, None)

    def __repr__(self) -> str:
        from ..views.trace import trace_text

        return trace_text(self)

    def _repr_html_(self) -> str:
        """A notebook shows the same table (its box characters need a monospaced font)."""
        import html

        from ..views.trace import trace_text

        return f"<pre>{html.escape(trace_text(self, 120))}</pre>"

    def output_named(self, name: str) -> tuple[int, ...]:
        """The shape of one returned tensor by its path (``out``, ``0``, ``out.1``); the first for ``""``."""
        if self.python and not self.outputs:
            raise InvalidParameter("expect", name or "a shape", "a model that returns a tensor", "it returned none")
        if not name:
            return self.output_shape
        for path, shape in self.outputs:
            if path == name:
                return shape
        known = ", ".join(path for path, _ in self.outputs) or "none: name outputs only for a Python model"
        raise InvalidParameter("expect", name, f"the name of an output ({known})", "use NAME=SHAPE with one of them")


class Field:
    """The receptive field and jump per spatial axis, updated layer by layer."""

    def __init__(self, axes: int) -> None:
        self.size = [1] * axes
        self.jump = [1] * axes
        self.valid = axes > 0

    def update(self, outcome: Outcome) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
        if outcome.resets_field:
            self.valid = False
        elif outcome.windows is not None and self.valid and len(outcome.windows) == len(self.size):
            for i, window in enumerate(outcome.windows):
                self.size[i] += (window.kernel - 1) * window.dilation * self.jump[i]
                self.jump[i] *= window.stride
        if not self.valid:
            return None, None
        return tuple(self.size), tuple(self.jump)


def _batched(first: Layer, shape: tuple[int, ...], batch: int) -> tuple[int, ...]:
    """The input with its batch where the first layer reads it: a seq-first recurrent layer reads
    [seq, batch, features], so ``--input 8x3`` (8 steps of 3) becomes [8, N, 3]; anything else [N, …]."""
    if first.kind in ("LSTM", "GRU", "RNN") and len(shape) == 2 and first.bound()["batch_first"] is False:
        return (shape[0], batch, shape[1])
    return (batch, *shape)


def trace_chain(
    layers: list[Layer], input_shapes: list[tuple[int, ...]], batch: int = 1, dtype: str = "float32"
) -> Trace:
    """Follow the input through ``layers``; raises ``LayerMismatch`` at the first that cannot take it."""
    shape = _batched(layers[0], input_shapes[0], batch)
    field = Field(len(shape) - 2)
    integer = dtype if dtype in INTEGER_DTYPES else ""
    context = Context(integer_input=dtype in INDEX_DTYPES, integer_dtype=integer)
    rows = []
    for layer in layers:
        outcome = apply(layer, shape, context)
        if outcome is None:  # every chain layer is on the allow-list, and each has a formula
            raise AssertionError(f"no formula for {layer.kind}")
        size, jump = field.update(outcome)
        rows.append(
            TraceRow(
                index=layer.index,
                name=str(layer.index),
                layer=layer.written(**outcome.inferred),
                kind=layer.kind,
                input_shape=shape,
                output_shape=outcome.shape,
                params=outcome.params,
                macs=outcome.macs,
                receptive_field=size,
                jump=jump,
                inferred=tuple(outcome.inferred.items()),
                notes=outcome.notes,
                input_shapes=(shape,),
                output_shapes=(outcome.shape,),
            )
        )
        flattened_spatial = layer.kind == "Flatten" and outcome.factors is not None and len(outcome.factors) > 1
        integer = integer if layer.kind in MOVES_VALUES else ""  # what computes makes floats
        context = Context(
            integer_input=outcome.integer_output,
            integer_dtype=integer,
            factors=outcome.factors,
            after_flatten_of_spatial=flattened_spatial,
            first=False,
        )
        shape = outcome.shape
    total = sum(row.params for row in rows)
    whole = TraceBlock(
        0, "chain", "the chain", 0, None, (rows[0].input_shape,), (rows[-1].output_shape,), total,
        sum(row.macs for row in rows), None, tuple(("row", row.index) for row in rows),
    )  # fmt: skip
    return Trace(tuple(rows), tuple(input_shapes), dtype, total, total, blocks=(whole,), layers=tuple(layers))
