"""The dtypes a traced tensor may have, and their sizes: the one table every byte count reads."""

from __future__ import annotations

from ..errors import InvalidParameter

DTYPE_BYTES = {
    "float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int64": 8, "int32": 4, "int16": 2, "int8": 1,
    "uint8": 1, "bool": 1,
}  # fmt: skip
FLOAT32_BYTES = DTYPE_BYTES["float32"]  # the calculators' memory figures, and torch's limits on them
INTEGER_DTYPES = ("int64", "int32", "int16", "int8", "uint8", "bool")
INDEX_DTYPES = ("int64", "int32")  # what Embedding takes as indices


def integer_range(dtype: str) -> tuple[int, int]:
    """The values an integer dtype holds (bool aside: any value is true or false).

    >>> integer_range("uint8"), integer_range("int8")
    ((0, 255), (-128, 127))
    """
    bits = 8 * DTYPE_BYTES[dtype]
    return (0, 2**bits - 1) if dtype.startswith("u") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def check_dtype(dtype: str, param: str = "dtype") -> str:
    """``dtype`` if cnncalc knows it.

    >>> check_dtype("bfloat16")
    'bfloat16'
    """
    if dtype not in DTYPE_BYTES:
        raise InvalidParameter(param, dtype, ", ".join(DTYPE_BYTES))
    return dtype
