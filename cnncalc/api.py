"""cnncalc from Python: trace the model object you already have, in a notebook or a script.

Like ``torchinfo.summary``, but counting every operation torch runs, and
without touching the model: it is never moved (a model with real weights runs
on the meta device with stand-ins for them, or, if its forward reads values,
as it is on the CPU), its training flags are put back and its values stay.
torch is imported only when ``trace`` is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import InvalidParameter
from .network import InputSpec, Trace, check_dtype, parse_input

# One input: (3, 224, 224); "3x224x224" or "35:int64"; or a shape with its dtype, ((35,), "int64").
InputLike = Sequence[int] | str | tuple[Sequence[int], str]


def trace(
    model: Any,
    *inputs: InputLike,
    batch: int = 1,
    dtype: str = "float32",
    device: str = "auto",
    depth: int | None = None,
    **named_inputs: InputLike,
) -> Trace:
    """Trace ``model`` on inputs given without batch: positional ones in order, keyword ones by name.

    ``cnncalc.trace(model, (3, 224, 224))``;
    ``cnncalc.trace(tagger, ((35,), "int64"), mask=((35,), "bool"))``. The result is what the command line
    prints: its repr is the table (``depth``: the module tree down to that depth, each block with its totals;
    ``.with_depth(n)`` shows another), ``to_json()`` the JSON of ``cnncalc trace --json``.
    """
    from .tracing.python import trace_module

    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise InvalidParameter("batch", batch, "a batch of at least 1")
    specs = [_spec(value, None) for value in inputs] + [_spec(value, name) for name, value in named_inputs.items()]
    if not specs:
        raise InvalidParameter("inputs", "none", "at least one input shape without batch, like (3, 224, 224)")
    return trace_module(model, specs, batch, check_dtype(dtype), device).with_depth(depth)


def _spec(value: Any, name: str | None) -> InputSpec:
    if isinstance(value, str):
        spec = parse_input(value)
        return InputSpec(spec.shape, spec.dtype, name or spec.name)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
        return InputSpec(parse_input(list(value[0])).shape, check_dtype(value[1], "input"), name)
    if isinstance(value, (tuple, list)):
        return InputSpec(parse_input(list(value)).shape, None, name)
    raise InvalidParameter("input", repr(value), 'a shape without batch: (3, 224, 224), "35:int64" or ((35,), "int64")')
