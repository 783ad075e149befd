"""cnncalc from Python: trace the model object you already have, in a notebook or a script.

Like ``torchinfo.summary``, but counting every operation torch runs, and
without touching the model: it is never moved (a model with real weights runs
on the meta device with stand-ins for them, or, if its forward reads values,
as it is on the CPU), its training flags are put back and its values stay.
torch is imported only when ``trace`` is called.
"""

from __future__ import annotations

import operator
from typing import Any

from .core.dtypes import check_dtype
from .errors import InvalidParameter, Spelling, spoken_as
from .network.trace import InputSpec, Trace, parse_input

# One input without batch: (3, 224, 224), 4, "3x224x224", "35:int64", or a shape with its dtype: ((35,), "int64"),
# (35, "int64"), ("35", "int64"). Sizes may be any integers (numpy's too).
InputLike = Any


def trace(
    model: Any,
    *inputs: InputLike,
    batch: Any = 1,
    dtype: str = "float32",
    device: Any = "auto",
    depth: Any = None,
    **named_inputs: InputLike,
) -> Trace:
    """Trace ``model`` on inputs given without batch: positional ones in order, keyword ones by name.

    ``cnncalc.trace(model, (3, 224, 224))``;
    ``cnncalc.trace(tagger, ((35,), "int64"), mask=((35,), "bool"))``. The result is what the command line
    prints: its repr is the table (``depth``: the module tree down to that depth, each block with its totals;
    ``.with_depth(n)`` shows another), ``to_json()`` the JSON of ``cnncalc trace --json``. ``device`` is
    "auto", "meta", "cpu" or a torch.device of those.
    """
    with spoken_as(ARGUMENTS):
        return _trace(model, inputs, batch, dtype, device, depth, named_inputs)


class _Arguments(Spelling):
    """``trace``'s own words: an input is an argument (``'35:int64'``), not ``--input``."""

    def setting(self, param: str, value: object) -> str | None:
        return f"{value!r} as the input" if param == "input" else super().setting(param, value)


ARGUMENTS = _Arguments()


def _trace(
    model: Any,
    inputs: tuple[InputLike, ...],
    batch: Any,
    dtype: str,
    device: Any,
    depth: Any,
    named_inputs: dict[str, InputLike],
) -> Trace:
    from .tracing.python import trace_module

    batch = _integer(batch, "batch", 1, "a batch of at least 1")
    depth = None if depth is None else _integer(depth, "depth", 0, "a depth of 0 or more")
    specs = [_spec(value, None) for value in inputs] + [_spec(value, name) for name, value in named_inputs.items()]
    if not specs:
        raise InvalidParameter("inputs", "none", "at least one input shape without batch, like (3, 224, 224)")
    where = str(getattr(device, "type", device))  # torch.device("cpu") as "cpu"
    return trace_module(model, specs, batch, check_dtype(dtype), where).with_depth(depth)


def _integer(value: Any, name: str, least: int, expected: str) -> int:
    try:
        number = operator.index(value)  # int, numpy's integers; not bool's True, not 2.0
    except TypeError:
        raise InvalidParameter(name, repr(value), expected) from None
    if isinstance(value, bool) or number < least:
        raise InvalidParameter(name, repr(value), expected)
    return number


def _spec(value: Any, name: str | None) -> InputSpec:
    if isinstance(value, str):
        spec = parse_input(value)
        return InputSpec(spec.shape, spec.dtype, name or spec.name)
    if isinstance(value, (tuple, list)) and len(value) >= 2 and isinstance(value[-1], str):  # a shape, its dtype
        *shape, dtype = value
        return InputSpec(_shape(shape[0] if len(shape) == 1 else shape), check_dtype(dtype, "input"), name)
    return InputSpec(_shape(value), None, name)


def _shape(value: Any) -> tuple[int, ...]:
    expected = 'a shape without batch: (3, 224, 224), 4, "35:int64" or ((35,), "int64")'
    if isinstance(value, str):
        return parse_input(value).shape
    parts = list(value) if isinstance(value, (tuple, list)) or hasattr(value, "__iter__") else [value]
    try:
        sizes = [operator.index(part) for part in parts if not isinstance(part, bool)]
    except TypeError:
        raise InvalidParameter("input", repr(value), expected) from None
    if len(sizes) != len(parts):
        raise InvalidParameter("input", repr(value), expected)
    return parse_input(sizes).shape
