"""Python's cyclic garbage collector, paused while cnncalc works.

Importing torch leaves millions of objects behind, and the first full collection after it rescans them all:
about 0.1 s, more than a whole trace of a small model. Tensors are freed by reference counting all the same;
the few reference cycles a trace makes among its own records are collected once the collector is back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, then as it was.

    >>> with paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
