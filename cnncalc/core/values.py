"""Reading numbers and per-dimension values the way users write them.

Per-dimension values are given in torch order, separated by ``x``: ``3x5`` is
H=3, W=5. One value stands for every dimension. Each reader names the
parameter it reads, so a bad value becomes an error that says which one.
"""

from __future__ import annotations

import re

from ..errors import ExpectationNotMet, InvalidParameter, Message, Name, Setting, Words

_SEPARATOR = re.compile(r"\s*[x×X,]\s*")
# Sizes past 10^100 are no network's; refusing them keeps every later step
# (floats in the notes, str() of the products) fast and finite.
MAX_DIGITS = 100
_LIMIT = 10**MAX_DIGITS

# What a reader takes: a value as a user gave it, a number or its text ("3", "1e3"; per axis "3x5" or (3, 5)),
# or whatever else a script sent, which the reader refuses in one line. The names say what is expected.
Given = object
IntLike = Given  # one whole number
PerDim = Given  # one whole number for every axis, or one per axis


def parse_int(value: IntLike, param: str, minimum: int = 0, what: Message = "") -> int:
    """Read a whole number of at least ``minimum``; ``1e12`` and ``1_000`` are fine.

    >>> parse_int("1e3", "w", minimum=1)
    1000
    """
    if type(value) is int and minimum <= value < _LIMIT:  # the common case, kept fast for batch mode
        return value
    expected: Message = what or f"a whole number of at least {minimum}"
    if isinstance(value, bool):
        raise InvalidParameter(param, value, expected)
    if isinstance(value, int):
        number = value
    elif not isinstance(value, (str, float)):  # a list or an object from a batch line: shown as it was sent
        raise InvalidParameter(param, value, expected)
    else:
        text = str(value).strip()
        if not text:
            raise InvalidParameter(param, "nothing", expected)
        if not text.isascii():  # int() reads other scripts' digits ('٧' as 7): a size is written in 0-9
            raise InvalidParameter(param, text, expected)
        if len(text) > MAX_DIGITS + 8:
            raise InvalidParameter(param, f"{text[:12]}…", (expected, f", below 10^{MAX_DIGITS}"))
        try:
            number = int(text)
        except ValueError:
            number = _parse_integral_decimal(text, param, expected)
    if number < minimum:
        raise InvalidParameter(param, value, expected)
    if number >= _LIMIT:
        raise InvalidParameter(
            param, f"{str(number)[:12]}… ({len(str(number))} digits)", (expected, f", below 10^{MAX_DIGITS}")
        )
    return number


def _parse_integral_decimal(text: str, param: str, expected: Message) -> int:
    # Decimal keeps 1e12 exact, where float would round past 2**53. Imported
    # here: most values are plain integers and start-up time matters.
    from decimal import Decimal, InvalidOperation

    if "_" in text:  # int() already took every well-placed underscore
        raise InvalidParameter(param, text, expected)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InvalidParameter(param, text, expected) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise InvalidParameter(param, text, expected)
    if number.adjusted() >= MAX_DIGITS:  # before int(): 1e10000000 would take minutes to expand
        raise InvalidParameter(param, text, (expected, f", below 10^{MAX_DIGITS}"))
    return int(number)


def check_flag(value: object, param: str) -> bool:
    """A flag is True or False: a truthy 'no' is not read as on."""
    if not isinstance(value, bool):
        raise InvalidParameter(param, value, "True or False")
    return value


def parse_expected_shape(expect: Given, what: str = "a shape like 3x3 or 16x3x3") -> tuple[int, ...]:
    """The numbers of ``--expect`` (``3x3``), each a whole number of at least 0."""
    return tuple(parse_int(part, "expect", 0, what) for part in split_values(expect))


def split_values(value: Given) -> list[Given]:
    """Split ``"3x5"`` (or a sequence) into its parts, without checking them."""
    if isinstance(value, (tuple, list)):
        return list(value)
    if isinstance(value, int):
        return [value]
    return _SEPARATOR.split(str(value).strip())


def parse_per_dim(
    value: PerDim,
    param: str,
    dims: int,
    minimum: int = 0,
    what: Message = "",
) -> tuple[int, ...]:
    """Read one value for every dimension, or exactly ``dims`` values.

    >>> parse_per_dim("3x5", "f", 2, minimum=1)
    (3, 5)
    >>> parse_per_dim(3, "f", 3, minimum=1)
    (3, 3, 3)
    """
    if type(value) is int and minimum <= value < _LIMIT:
        return (value,) * dims
    parts = split_values(value)
    if len(parts) > 1 and any(isinstance(part, str) and not part for part in parts):
        raise InvalidParameter(param, value, "numbers between the x's, like 3x5", "a number is missing")
    numbers = tuple(parse_int(part, param, minimum, what) for part in parts)
    if len(numbers) == 1:
        return numbers * dims
    if len(numbers) != dims:
        shown = format_shape(numbers)
        raise InvalidParameter(
            param,
            shown,
            f"one value or {dims} (one per spatial dimension, torch order)",
            f"the input has {dims} spatial dimension{'s' if dims > 1 else ''}",
        )
    return numbers


def parse_shape(value: Given, param: str = "input", any_rank: bool = False) -> tuple[int, ...]:
    """Read a torch-order shape without batch, like ``3x224x224`` (C×H×W).

    A calculator's input has 2 to 4 axes; a traced network's (``any_rank``) 1 to 8.

    >>> parse_shape("3x224x224")
    (3, 224, 224)
    """
    parts = split_values(value)
    if any(isinstance(part, str) and not part for part in parts):
        raise InvalidParameter(param, value, "numbers between the x's, like 3x224x224", "a number is missing")
    low, high = (1, 8) if any_rank else (2, 4)
    expected = (
        "a shape of 1 to 8 whole numbers of at least 1, like 3x224x224"
        if any_rank
        else "a shape C×L, C×H×W or C×D×H×W of whole numbers of at least 1, like 3x224x224"
    )
    if not low <= len(parts) <= high:
        raise InvalidParameter(
            param, value if not isinstance(value, (tuple, list)) else format_shape(list(value)), expected
        )
    return tuple(parse_int(part, param, 1, expected) for part in parts)


def at_most(param: str, limit: int) -> Words:
    """The fix for a value over ``limit``: ``use --p 2 or less``, or ``drop --p`` at 0."""
    return ("use ", Setting(param, limit), " or less") if limit > 0 else ("drop ", Name(param))


def format_shape(shape: tuple[int, ...] | list[int]) -> str:
    """``(16, 3, 3)`` → ``"16x3x3"``: the notation the options take."""
    return "x".join(str(n) for n in shape)


def bracketed(shape: tuple[int, ...] | list[int]) -> str:
    """``(1, 16, 3, 3)`` → ``"[1, 16, 3, 3]"``: the notation torch prints shapes in."""
    return "[" + ", ".join(str(n) for n in shape) + "]"


def check_expectation(
    expect: Given,
    output_shape: tuple[int, ...],
    short: tuple[int, ...] | None = None,
    short_name: str = "the spatial size",
    full_name: str = "the whole shape without batch",
) -> None:
    """Raise ``ExpectationNotMet`` unless the output matches ``expect``.

    ``expect`` is the whole shape without batch (``16x3x3``) or its short form:
    by default the spatial size (``3x3``); a recurrent layer passes its features.

    >>> check_expectation("3x3", (16, 3, 3))
    >>> check_expectation("16x3x3", (16, 3, 3))
    """
    wanted = parse_expected_shape(expect)
    short_form = output_shape[1:] if short is None else short
    if len(wanted) == len(output_shape):
        got = output_shape
    elif len(wanted) == len(short_form):
        got = short_form
    else:
        raise InvalidParameter(
            "expect",
            format_shape(wanted),
            f"{len(short_form)} value{'s' if len(short_form) != 1 else ''} ({short_name}) "
            f"or {len(output_shape)} ({full_name})",
            f"the output is {format_shape(output_shape)}",
        )
    if wanted != got:
        raise ExpectationNotMet(wanted, output_shape)
