"""A tensor's shape through a chain of layers, with parameters, MACs and the
receptive field — cnncalc's own formulas, no torch.

The receptive field follows Distill's "Computing Receptive Fields of CNNs":
along each axis r grows by (k − 1)·d·jump at every window, and jump (the
effective stride) multiplies by the window's stride.

>>> from cnncalc.chain import parse_chain
>>> t = trace_chain(parse_chain("Conv2d(3, 8, 3) -> MaxPool2d(2) -> Flatten() -> Linear(_, 10)"), [(3, 32, 32)])
>>> t.output_shape, t.total_params
((1, 10), 18234)
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from .errors import InvalidParameter
from .layers import Context, Layer, Outcome, apply

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int32": 4}
INTEGER_DTYPES = ("int64", "int32")


def check_dtype(dtype: str) -> str:
    if dtype not in DTYPE_BYTES:
        raise InvalidParameter("dtype", dtype, ", ".join(DTYPE_BYTES))
    return dtype


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


@dataclass(frozen=True)
class Trace:
    rows: tuple[TraceRow, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    dtype: str
    total_params: int
    trainable_params: int

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.rows[-1].output_shape if self.rows else self.input_shapes[0]

    @property
    def total_macs(self) -> int:
        return sum(row.macs for row in self.rows)

    @property
    def activation_bytes(self) -> int:
        """Every layer's output held at once, at the dtype (what a forward pass for training keeps)."""
        return sum(prod(row.output_shape) for row in self.rows) * DTYPE_BYTES[self.dtype]

    @property
    def param_dtype(self) -> str:
        """Weights take the dtype, except that integer inputs (indices) still meet float32 weights."""
        return "float32" if self.dtype in INTEGER_DTYPES else self.dtype

    @property
    def param_bytes(self) -> int:
        return self.total_params * DTYPE_BYTES[self.param_dtype]


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


def trace_chain(
    layers: list[Layer], input_shapes: list[tuple[int, ...]], batch: int = 1, dtype: str = "float32"
) -> Trace:
    """Follow the input through ``layers``; raises ``LayerMismatch`` at the first that cannot take it."""
    shape = (batch, *input_shapes[0])
    field = Field(len(shape) - 2)
    context = Context(integer_input=dtype in INTEGER_DTYPES)
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
            )
        )
        flattened_spatial = layer.kind == "Flatten" and outcome.factors is not None and len(outcome.factors) > 1
        context = Context(
            integer_input=outcome.integer_output,
            factors=outcome.factors,
            after_flatten_of_spatial=flattened_spatial,
        )
        shape = outcome.shape
    total = sum(row.params for row in rows)
    return Trace(tuple(rows), tuple(input_shapes), dtype, total, total)
