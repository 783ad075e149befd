"""The ``cnncalc`` command's entry point: Python's cyclic garbage collector off before anything loads, then the
command line.

A command runs for milliseconds and ends with ``os._exit`` (``running.end_now``): the collector would only
rescan, during start-up, the objects typer, rich and cnncalc's modules make (~4 ms of the ~55 a command
takes), and never free anything a command needs freed. Objects are still freed by reference counting; batch
mode, which may run for hours, turns the collector back on.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from .cli import main as run

    run()
