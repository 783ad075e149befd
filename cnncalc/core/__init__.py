"""The pure arithmetic: plain functions and frozen dataclasses of numbers, no torch and no display text.

Reading what users write (``values``, ``inputs``), a window sliding along an axis (``window``), and the
calculators built on it: ``conv``, ``pool``, ``rnn``, and ``solve`` (the calculators run backwards).
"""
