"""Hypothesis strategies shared by the property tests against torch."""

from hypothesis import strategies as st

PerDim = int | tuple[int, ...]


def per_dim(dims: int, lo: int, hi: int) -> st.SearchStrategy[PerDim]:
    """One value for every axis, or one per axis (sometimes different)."""
    return st.one_of(st.integers(lo, hi), st.tuples(*[st.integers(lo, hi)] * dims))


def axes(value: PerDim, dims: int) -> tuple[int, ...]:
    """A per-axis value spelled out for every axis."""
    return value if isinstance(value, tuple) else (value,) * dims
