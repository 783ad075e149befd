"""Confirmation by torch: build the layer cnncalc describes and compare. The only package besides ``tracing``
that imports torch, and only when an answer is confirmed (``runtime.import_torch``).

A small layer runs on the CPU, a large one on the meta device (``runtime.device_for``). The meta device skips a
few of the CPU kernel's checks, so the core enforces those itself, and the property tests hold both devices to
the same answers.
One module per thing confirmed: ``layers`` (conv, pool), ``rnn`` (with the ``reference`` cell), ``chain``,
``solutions``; ``results`` holds what each returns, as data.
"""
