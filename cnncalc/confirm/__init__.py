"""Confirmation by torch: build the layer cnncalc describes and compare. The only package besides ``tracing``
that imports torch, and only when an answer is confirmed (``runtime.import_torch``).

Layers run on the meta device: shapes without memory or randomness. The meta device skips a few of the CPU
kernel's checks, so the core enforces those itself (and the property tests hold it to the CPU's rules).
One module per thing confirmed: ``layers`` (conv, pool), ``rnn`` (with the ``reference`` cell), ``chain``,
``solutions``; ``results`` holds what each returns, as data.
"""
