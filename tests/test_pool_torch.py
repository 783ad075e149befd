"""Property tests: cnncalc's pooling geometry against real torch pooling layers on the CPU.

For every generated configuration, cnncalc (``make_pool_spec`` + ``pool_geometry``, or
``make_adaptive``) and torch (``nn.MaxPoolXd`` / ``nn.AvgPoolXd`` / ``nn.LPPoolXd`` /
``nn.AdaptiveMaxPoolXd`` / ``nn.AdaptiveAvgPoolXd`` run on a zero input under
``torch.no_grad()``) must either both accept it, with the same output shape, or both
reject it (cnncalc with ``InvalidParameter``, torch with any exception).

Where values matter, torch's own numbers are the reference: the adaptive windows are
read back from ``AdaptiveMaxPool`` indices on a ramp input (and from ``AdaptiveAvgPool``
means), and the average-pooling corner value from ``AvgPool`` on a constant-1 input.

cnncalc also rejects a few things torch has no argument for, or accepts and misbehaves
on (dilation on avg/LP pooling, padding on LP pooling, adaptive output 0, LP norm <= 0):
those are checked on cnncalc alone, never compared.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from oracle import Verdict, cnncalc_side, examples, torch_side
from strategies import PerDim, axes, per_dim

from cnncalc.commands.base import CLI
from cnncalc.confirm.layers import confirm_pool
from cnncalc.confirm.runtime import import_torch
from cnncalc.core.pool import (
    AdaptiveGeometry,
    PoolGeometry,
    adaptive_windows,
    make_adaptive,
    make_pool_spec,
    pool_geometry,
    pool_output_size,
)
from cnncalc.errors import InvalidParameter

pytestmark = pytest.mark.torch

torch = import_torch()

LAYER_NAMES = {"max": "MaxPool", "avg": "AvgPool", "lp": "LPPool"}


@dataclass(frozen=True)
class Config:
    """One sliding-window pooling layer, in the arguments both cnncalc and torch take."""

    kind: str  # "max", "avg" or "lp"
    channels: int
    size: tuple[int, ...]
    kernel: PerDim
    stride: PerDim | None = None
    padding: PerDim = 0
    dilation: PerDim = 1
    ceil_mode: bool = False
    count_include_pad: bool = True
    norm: float = 2.0  # LP only

    @property
    def dims(self) -> int:
        return len(self.size)

    @property
    def layer_name(self) -> str:
        return f"{LAYER_NAMES[self.kind]}{self.dims}d"

    def torch_args(self) -> tuple[Any, ...]:
        if self.kind != "lp":
            return (self.kernel,)
        # LPPool1d.forward multiplies by kernel_size, so a 1-tuple kernel fails there with a TypeError
        # (a torch limitation, not a geometry rule); confirm_pool passes an int too.
        kernel = self.kernel[0] if self.dims == 1 and isinstance(self.kernel, tuple) else self.kernel
        return (self.norm, kernel)

    def torch_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"stride": self.stride, "ceil_mode": self.ceil_mode}
        if self.kind == "max":
            kwargs.update(padding=self.padding, dilation=self.dilation)
        elif self.kind == "avg":
            kwargs.update(padding=self.padding, count_include_pad=self.count_include_pad)
        return kwargs

    def call(self) -> str:
        args = ", ".join(map(repr, self.torch_args()))
        return f"torch.nn.{self.layer_name}({args}, **{self.torch_kwargs()}) on input {(1, self.channels, *self.size)}"


def run_cnncalc(cfg: Config) -> tuple[Verdict, PoolGeometry | None]:
    def compute() -> PoolGeometry:
        spec = make_pool_spec(
            size=cfg.size,
            channels=cfg.channels,
            kind=cfg.kind,
            kernel=cfg.kernel,
            stride=cfg.stride,
            padding=cfg.padding,
            dilation=cfg.dilation,
            ceil_mode=cfg.ceil_mode,
            count_include_pad=cfg.count_include_pad,
            norm=cfg.norm if cfg.kind == "lp" else None,
        )
        return pool_geometry(spec)

    geometry, refusal = cnncalc_side(compute)
    if geometry is None:
        return refusal or Verdict(False), None
    return Verdict(True, geometry.output_shape), geometry


def run_torch(cfg: Config, fill: float = 0.0) -> tuple[Verdict, Any]:
    """Run the layer on a constant input; return the verdict and the output tensor (None if refused)."""
    layer, out = torch_side(
        lambda: getattr(torch.nn, cfg.layer_name)(*cfg.torch_args(), **cfg.torch_kwargs()),
        (1, cfg.channels, *cfg.size),
        fill,
        torch.float64,
    )
    if layer is None:
        return out, None
    return Verdict(True, tuple(out.shape[1:])), out


def input_smaller_than_3d_kernel(cfg: Config) -> bool:
    """torch's avg_pool3d (so AvgPool3d and LPPool3d, which pools with it) requires every
    *unpadded* input axis to be at least the kernel, on the CPU and the meta device alike;
    AvgPool1d/2d and MaxPool3d have no such check. cnncalc once missed it (found here)."""
    kernel = axes(cfg.kernel, cfg.dims)
    return cfg.kind in ("avg", "lp") and cfg.dims == 3 and any(w < k for w, k in zip(cfg.size, kernel, strict=True))


def check_agreement(cfg: Config) -> Verdict:
    """Assert cnncalc and torch agree on ``cfg``; return cnncalc's outcome."""
    ours, _ = run_cnncalc(cfg)
    theirs, _ = run_torch(cfg)
    if ours.accepted and not theirs.accepted:
        pytest.fail(
            f"cnncalc accepts but torch rejects {cfg.call()}:\n"
            f"  cnncalc: output {ours.output_shape}\n"
            f"  torch:   {theirs.error}"
        )
    if theirs.accepted and not ours.accepted:
        pytest.fail(
            f"torch accepts but cnncalc rejects {cfg.call()}:\n"
            f"  torch:   output {theirs.output_shape}\n"
            f"  cnncalc: {ours.error}"
        )
    if ours.accepted:
        assert ours.output_shape == theirs.output_shape, (
            f"output shape differs for {cfg.call()}: cnncalc {ours.output_shape}, torch {theirs.output_shape}"
        )
    return ours


# --- strategies ---------------------------------------------------------------------------------


NORMS = st.one_of(st.sampled_from([1.0, 2.0, 3.0, 0.5, 1.5, 4.0]), st.floats(0.25, 8.0))


@st.composite
def pool_configs(draw: st.DrawFn, dims: int, kind: str, max_size: int = 12, legal_padding: bool = False) -> Config:
    """Small pools, valid and invalid: padding over half the kernel and windows that don't fit come up often."""
    size = draw(st.tuples(*[st.integers(1, max_size)] * dims))
    kernel = draw(per_dim(dims, 1, 5))
    stride = draw(st.one_of(st.none(), per_dim(dims, 1, 5)))
    padding: PerDim = 0
    dilation: PerDim = 1
    count_include_pad = True
    norm = 2.0
    if kind in ("max", "avg"):
        # Mostly at most half the kernel on every axis (torch's rule), so most layers get to the window
        # arithmetic; else anything in 0..3, which is often over half the kernel (both must reject).
        if legal_padding or draw(st.integers(0, 2)):
            padding = tuple(draw(st.integers(0, k // 2)) for k in axes(kernel, dims))
            if len(set(padding)) == 1 and draw(st.booleans()):
                padding = padding[0]
        else:
            padding = draw(per_dim(dims, 0, 3))
    if kind == "max":
        dilation = draw(per_dim(dims, 1, 3))
    if kind == "avg":
        count_include_pad = draw(st.booleans())
    if kind == "lp":
        norm = draw(NORMS)
    return Config(
        kind=kind,
        channels=draw(st.integers(1, 3)),
        size=size,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=draw(st.booleans()),
        count_include_pad=count_include_pad,
        norm=norm,
    )


# --- property tests against the CPU kernels -----------------------------------------------------


@examples(300)
@given(pool_configs(dims=1, kind="max"))
def test_maxpool1d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(600)
@given(pool_configs(dims=2, kind="max"))
def test_maxpool2d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(400)
@given(pool_configs(dims=3, kind="max", max_size=8))
def test_maxpool3d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(250)
@given(pool_configs(dims=1, kind="avg"))
def test_avgpool1d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(500)
@given(pool_configs(dims=2, kind="avg"))
def test_avgpool2d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(400)
@given(pool_configs(dims=3, kind="avg", max_size=8))
def test_avgpool3d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(150)
@given(pool_configs(dims=1, kind="lp"))
def test_lppool1d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(400)
@given(pool_configs(dims=2, kind="lp"))
def test_lppool2d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(250)
@given(pool_configs(dims=3, kind="lp", max_size=8))
def test_lppool3d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


def _sweep_1d(kind: str) -> list[Config]:
    """Every 1d configuration in the small ranges (W 1..12, F 1..5, S 1..5 or None, P 0..3, d 1..3)."""
    strides: list[int | None] = [None, 1, 2, 3, 4, 5]
    paddings = range(4) if kind != "lp" else [0]
    dilations = range(1, 4) if kind == "max" else [1]
    counts = [True, False] if kind == "avg" else [True]
    return [
        Config(kind, 1, (w,), f, s, p, d, ceil, count)
        for w, f, s, p, d, ceil, count in itertools.product(
            range(1, 13), range(1, 6), strides, paddings, dilations, [False, True], counts
        )
    ]


@pytest.mark.parametrize("kind", ["max", "avg", "lp"])
def test_every_small_1d_pool_matches_torch(kind: str) -> None:
    """Exhaustive in 1d: the axis arithmetic (padding rule, fit, ceil_mode's dropped window) case by case."""
    configs = _sweep_1d(kind)
    mismatches = []
    accepted = 0
    for cfg in configs:
        ours, _ = run_cnncalc(cfg)
        theirs, _ = run_torch(cfg)
        accepted += ours.accepted
        if (ours.accepted, ours.output_shape) != (theirs.accepted, theirs.output_shape):
            mismatches.append(f"{cfg.call()}: cnncalc {ours.error or ours.output_shape}, torch {theirs}")
    assert not mismatches, f"{len(mismatches)} of {len(configs)} disagree:\n" + "\n".join(mismatches[:20])
    # The sweep holds both kinds of case.
    assert 0 < accepted < len(configs)


# --- cnncalc-only rejections (torch has no such argument) ---------------------------------------


@st.composite
def dilated_non_max(draw: st.DrawFn) -> Config:
    dims = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["avg", "lp"]))
    cfg = draw(pool_configs(dims, kind, max_size=8, legal_padding=True))
    dilation = draw(per_dim(dims, 1, 3).filter(lambda d: any(x != 1 for x in axes(d, dims))))
    return Config(**{**cfg.__dict__, "dilation": dilation})


@examples(150)
@given(dilated_non_max())
def test_dilation_only_on_max_pooling(cfg: Config) -> None:
    ours, _ = run_cnncalc(cfg)
    assert not ours.accepted and ours.param == "dilation", ours


@examples(100)
@given(
    st.integers(1, 3).flatmap(lambda dims: st.tuples(pool_configs(dims, "lp", max_size=8), per_dim(dims, 1, 3))),
)
def test_lp_pooling_takes_no_padding(args: tuple[Config, PerDim]) -> None:
    cfg, padding = args
    ours, _ = run_cnncalc(Config(**{**cfg.__dict__, "padding": padding}))
    assert not ours.accepted and ours.param == "p", ours


@pytest.mark.parametrize("norm", [0, 0.0, -1, -0.5, math.inf, -math.inf, math.nan, "abc"])
def test_lp_norm_must_be_positive_and_finite(norm: Any) -> None:
    with pytest.raises(InvalidParameter) as info:
        make_pool_spec(size=(8,), kind="lp", kernel=2, norm=norm)
    assert info.value.param == "norm"


@pytest.mark.parametrize("output", [0, (0, 3), (3, 0), (2, 2, 0)])
def test_adaptive_output_must_be_at_least_one(output: PerDim) -> None:
    dims = len(output) if isinstance(output, tuple) else 1
    with pytest.raises(InvalidParameter) as info:
        make_adaptive(size=(5,) * dims, output=output)
    assert CLI.key(info.value.param) == "adaptive"


def test_torch_accepts_adaptive_output_zero() -> None:
    """Why cnncalc refuses it itself: torch returns an empty tensor, no error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = torch.nn.AdaptiveAvgPool1d(0)(torch.zeros(1, 2, 5))
    assert tuple(out.shape) == (1, 2, 0)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"kind": "max", "count_include_pad": False}, "no_count_pad"),
        ({"kind": "lp", "count_include_pad": False}, "no_count_pad"),
        ({"kind": "max", "norm": 2}, "norm"),
        ({"kind": "avg", "norm": 2}, "norm"),
        ({"kind": "median"}, "type"),
    ],
)
def test_options_torch_has_no_argument_for(kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        make_pool_spec(size=(8, 8), kernel=2, **kwargs)
    assert CLI.key(info.value.param) == param


def test_adaptive_lp_is_rejected() -> None:
    with pytest.raises(InvalidParameter) as info:
        make_adaptive(size=(8,), output=2, kind="lp")
    assert CLI.key(info.value.param) == "type"


# --- adaptive pooling ---------------------------------------------------------------------------


@st.composite
def adaptive_configs(draw: st.DrawFn, dims: int, max_size: int = 12) -> tuple[str, int, tuple[int, ...], PerDim]:
    size = draw(st.tuples(*[st.integers(1, max_size)] * dims))
    # Output sizes from 1 up to twice the input: windows then overlap or repeat a cell.
    output = draw(st.one_of(st.integers(1, 2 * max_size), st.tuples(*[st.integers(1, 2 * max_size)] * dims)))
    return draw(st.sampled_from(["max", "avg"])), draw(st.integers(1, 3)), size, output


def _adaptive_name(kind: str, dims: int) -> str:
    return f"Adaptive{'Max' if kind == 'max' else 'Avg'}Pool{dims}d"


@pytest.mark.parametrize(("dims", "count"), [(1, 250), (2, 300), (3, 200)])
def test_adaptive_pool_shape_matches_torch(dims: int, count: int) -> None:
    @examples(count)
    @given(adaptive_configs(dims, max_size=12 if dims < 3 else 7))
    def check(cfg: tuple[str, int, tuple[int, ...], PerDim]) -> None:
        kind, channels, size, output = cfg
        geometry = make_adaptive(size=size, output=output, channels=channels, kind=kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with torch.no_grad():
                out = getattr(torch.nn, _adaptive_name(kind, dims))(output)(torch.zeros(1, channels, *size))
        assert geometry.output_shape == tuple(out.shape[1:]), (kind, size, output)

    check()


def torch_adaptive_windows(size: tuple[int, ...], output: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """Each axis's [start, end) windows, read off torch's AdaptiveMaxPool indices.

    On a ramp (the flat index, increasing along every axis) a window's argmax is its last
    cell; on the flipped ramp it is its first. Both come back as flat indices.
    """
    dims = len(size)
    ramp = torch.arange(math.prod(size), dtype=torch.float64).reshape(1, 1, *size)
    layer = getattr(torch.nn, f"AdaptiveMaxPool{dims}d")(output, return_indices=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            _, last = layer(ramp)
            _, first = layer(-ramp)
    last_cells = [torch.unravel_index(last.flatten(), size)[axis] for axis in range(dims)]
    first_cells = [torch.unravel_index(first.flatten(), size)[axis] for axis in range(dims)]
    windows = []
    for axis in range(dims):
        # Along each axis the window depends only on the index along that axis.
        per_position: dict[int, tuple[int, int]] = {}
        grid = list(itertools.product(*[range(o) for o in output]))
        for flat, position in enumerate(grid):
            window = (int(first_cells[axis][flat]), int(last_cells[axis][flat]) + 1)
            assert per_position.setdefault(position[axis], window) == window
        windows.append([per_position[i] for i in range(output[axis])])
    return windows


@examples(400)
@given(st.integers(1, 300), st.integers(1, 300))
def test_adaptive_windows_1d_match_torch(w: int, o: int) -> None:
    axis = make_adaptive(size=(w,), output=o).axes[0]
    ours = axis.windows()
    (theirs,) = torch_adaptive_windows((w,), (o,))
    assert list(ours) == theirs, (w, o)
    assert [axis.window(i) for i in range(o)] == theirs
    # The window widths cnncalc reports are exactly the set torch uses.
    assert axis.window_sizes == tuple(sorted({end - start for start, end in theirs})), (w, o)
    assert axis.overlapping == any(b[0] < a[1] for a, b in itertools.pairwise(theirs)), (w, o)
    # And AdaptiveAvgPool on the ramp averages each window to its midpoint (start + end − 1)/2.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            means = torch.nn.AdaptiveAvgPool1d(o)(torch.arange(w, dtype=torch.float64).reshape(1, 1, w)).flatten()
    expected = torch.tensor([(start + end - 1) / 2 for start, end in ours], dtype=torch.float64)
    assert torch.allclose(means, expected, rtol=0, atol=1e-9), (w, o)


def test_adaptive_windows_every_small_pair() -> None:
    """Exhaustive for W 1..24 and O 1..48: windows and widths against torch."""
    mismatches = []
    for w, o in itertools.product(range(1, 25), range(1, 49)):
        axis = make_adaptive(size=(w,), output=o, kind="max").axes[0]
        (theirs,) = torch_adaptive_windows((w,), (o,))
        widths = tuple(sorted({end - start for start, end in theirs}))
        if list(axis.windows()) != theirs or axis.window_sizes != widths:
            mismatches.append(f"W={w} O={o}: cnncalc {axis.windows()} {axis.window_sizes}, torch {theirs} {widths}")
    assert not mismatches, "\n".join(mismatches[:20])


@examples(200)
@given(st.integers(2, 3).flatmap(lambda dims: adaptive_configs(dims, max_size=9 if dims == 2 else 6)))
def test_adaptive_windows_nd_match_torch(cfg: tuple[str, int, tuple[int, ...], PerDim]) -> None:
    _, _, size, output = cfg
    geometry = make_adaptive(size=size, output=output)
    outputs = tuple(a.output for a in geometry.axes)
    theirs = torch_adaptive_windows(size, outputs)
    assert [list(a.windows()) for a in geometry.axes] == theirs, (size, output)


# --- the average-pooling corner value -----------------------------------------------------------


@examples(400)
@given(
    st.integers(1, 3).flatmap(
        lambda dims: pool_configs(dims, "avg", max_size=10 if dims < 3 else 7, legal_padding=True)
    )
)
def test_avg_corner_value_matches_torch(cfg: Config) -> None:
    ours, geometry = run_cnncalc(cfg)
    assume(geometry is not None)
    assert geometry is not None
    theirs, out = run_torch(cfg, fill=1.0)
    assert theirs.accepted and theirs.output_shape == ours.output_shape, (cfg.call(), theirs)
    first = float(out[(0, 0) + (0,) * cfg.dims])
    if not any(axes(cfg.padding, cfg.dims)):
        assert geometry.corner is None
        assert first == pytest.approx(1.0, abs=1e-6)
        return
    assert geometry.corner is not None, cfg.call()
    corner = geometry.corner
    assert corner.value_with_pad == corner.input_cells / corner.counted_cells
    if cfg.count_include_pad:
        assert first == pytest.approx(corner.input_cells / corner.counted_cells, abs=1e-6), (cfg.call(), corner)
    else:
        assert first == pytest.approx(1.0, abs=1e-6), cfg.call()
    # The divisor counts only the cells in the window's padded extent; the input cells are ...
    assert 1 <= corner.input_cells <= corner.counted_cells <= math.prod(axes(cfg.kernel, cfg.dims))
    # ... what torch sums from a constant-1 input when the divisor is overridden to 1
    # (AvgPool1d has no divisor_override: run a 1d pool as a 2d one over a height-1 input).
    dims = max(cfg.dims, 2)
    lift = (lambda v: (1, *axes(v, 1))) if cfg.dims == 1 else (lambda v: v)
    padding = (0, *axes(cfg.padding, 1)) if cfg.dims == 1 else cfg.padding
    stride = None if cfg.stride is None else lift(cfg.stride)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            layer = getattr(torch.nn, f"AvgPool{dims}d")(
                lift(cfg.kernel), stride, padding, cfg.ceil_mode, cfg.count_include_pad, divisor_override=1
            )
            summed = layer(torch.ones((1, 1, *((1,) * (dims - cfg.dims)), *cfg.size), dtype=torch.float64))
    assert float(summed[(0, 0) + (0,) * dims]) == pytest.approx(corner.input_cells, abs=1e-6), cfg.call()


# --- confirm_pool, on the CPU and on the meta device, on valid configurations -------------------


@st.composite
def valid_pool_geometries(draw: st.DrawFn) -> tuple[Config | None, PoolGeometry | AdaptiveGeometry]:
    dims = draw(st.integers(1, 3))
    max_size = 12 if dims < 3 else 7
    kind = draw(st.sampled_from(["max", "avg", "lp", "adaptive"]))
    if kind == "adaptive":
        pool_kind, channels, size, output = draw(adaptive_configs(dims, max_size=max_size))
        return None, make_adaptive(size=size, output=output, channels=channels, kind=pool_kind)
    cfg = draw(pool_configs(dims, kind, max_size=max_size, legal_padding=True))
    _, geometry = run_cnncalc(cfg)
    assume(geometry is not None)
    assert geometry is not None
    return cfg, geometry


@examples(300)
@given(valid_pool_geometries())
def test_confirm_pool_verifies_valid_configs(args: tuple[Config | None, PoolGeometry | AdaptiveGeometry]) -> None:
    cfg, geometry = args
    on_cpu, on_meta = confirm_pool(geometry, "cpu"), confirm_pool(geometry, "meta")
    assert (on_cpu.device, on_meta.device) == ("cpu", "meta")
    assert on_cpu == replace(on_meta, device="cpu")
    assert confirm_pool(geometry).device == "cpu"  # all small enough
    confirmation = on_meta
    assert confirmation.verified is True
    assert confirmation.output_shape == geometry.output_shape
    assert confirmation.params == 0
    if cfg is not None:
        assert confirmation.layer == cfg.layer_name
        # And both agree with the CPU kernel run independently.
        theirs, _ = run_torch(cfg)
        assert theirs.accepted, f"confirm_pool verified a layer the CPU rejects: {cfg.call()}: {theirs.error}"
        assert theirs.output_shape == confirmation.output_shape


# --- regressions --------------------------------------------------------------------------------


ACCEPTED = [
    # The case: ceil_mode's extra window would start in the right padding, so torch drops it.
    pytest.param(Config("max", 1, (6, 6), 2, 4, 1, ceil_mode=True), (1, 2, 2), id="ceil-drops-window-in-padding"),
    pytest.param(Config("max", 1, (5, 5), 2, 2), (1, 2, 2), id="max-5-k2-s2"),
    pytest.param(Config("max", 1, (5, 5), 2, 2, ceil_mode=True), (1, 3, 3), id="max-5-k2-s2-ceil"),
    pytest.param(Config("max", 3, (224, 224), 2, 2), (3, 112, 112), id="max-224"),
    pytest.param(Config("max", 2, (5,), 3, 2, 1, ceil_mode=True), (2, 3), id="ceil-last-window-starts-in-input"),
    pytest.param(Config("avg", 1, (6, 6), 2, 4, 1, ceil_mode=True), (1, 2, 2), id="avg-ceil-drops-window"),
    pytest.param(Config("lp", 1, (5, 5), 2, 2, ceil_mode=True), (1, 3, 3), id="lp-ceil"),
    pytest.param(Config("max", 1, (1,), 3, 2, 1, ceil_mode=True), (1, 1), id="padded-single-cell"),
    pytest.param(Config("max", 1, (7, 9), (3, 1), (1, 2), (1, 0), (2, 3)), (1, 5, 5), id="max-per-axis"),
    # ceil_mode gives one window even though it overhangs the padded input (1 + 2 < 4): torch agrees.
    pytest.param(Config("avg", 1, (1,), 4, padding=1, ceil_mode=True), (1, 1), id="ceil-window-overhangs"),
]


@pytest.mark.parametrize(("cfg", "expected"), ACCEPTED)
def test_regression_accepted(cfg: Config, expected: tuple[int, ...]) -> None:
    outcome = check_agreement(cfg)
    assert outcome.accepted
    assert outcome.output_shape == expected


def test_pool_output_size_helper() -> None:
    assert pool_output_size(6, 2, 4, p=1, ceil_mode=True) == 2
    assert pool_output_size(5, 2, 2) == 2
    assert pool_output_size(5, 2, 2, ceil_mode=True) == 3
    assert adaptive_windows(5, 3) == ((0, 2), (1, 4), (3, 5))
    assert [list(adaptive_windows(5, 3))] == torch_adaptive_windows((5,), (3,))


REJECTED = [
    pytest.param(Config("max", 1, (8, 8), 3, padding=2), "p", id="padding-over-half-kernel"),
    pytest.param(Config("avg", 1, (8,), 2, padding=2), "p", id="avg-padding-over-half-kernel"),
    pytest.param(Config("max", 1, (8,), 2, padding=2, dilation=3), "p", id="padding-vs-undilated-kernel"),
    pytest.param(Config("max", 1, (3, 6), 5), "f", id="kernel-larger-than-input"),
    pytest.param(Config("max", 1, (4,), 3, dilation=2), "f", id="dilated-kernel-larger-than-input"),
    pytest.param(Config("lp", 1, (2, 2), 3), "f", id="lp-kernel-larger-than-input"),
    pytest.param(Config("avg", 1, (1,), 4, padding=1), "f", id="avg-window-does-not-fit"),
]


@pytest.mark.parametrize(("cfg", "param"), REJECTED)
def test_regression_rejected(cfg: Config, param: str) -> None:
    outcome = check_agreement(cfg)
    assert not outcome.accepted
    assert outcome.param == param


# --- AvgPool3d/LPPool3d need every unpadded axis >= the kernel (a disagreement found here) ---


SMALLER_THAN_3D_KERNEL = [
    pytest.param(Config("avg", 1, (2, 2, 2), 3, padding=1), id="avg3d-padded"),
    pytest.param(Config("avg", 2, (2, 4, 4), (3, 1, 1), padding=(1, 0, 0)), id="avg3d-padded-one-axis"),
    pytest.param(Config("avg", 1, (1, 1, 1), 2, ceil_mode=True), id="avg3d-ceil"),
    pytest.param(Config("avg", 1, (1, 1, 1), 2, ceil_mode=True, count_include_pad=False), id="avg3d-ceil-no-count"),
    pytest.param(Config("lp", 1, (1, 1, 1), 2, ceil_mode=True), id="lp3d-ceil"),
]


@pytest.mark.parametrize("cfg", SMALLER_THAN_3D_KERNEL)
def test_avg_pool3d_input_smaller_than_kernel_torch_rule(cfg: Config) -> None:
    """Pin torch's rule (CPU and meta), and that the 1d/2d and max analogues have none."""
    assert input_smaller_than_3d_kernel(cfg)
    theirs, _ = run_torch(cfg)
    assert not theirs.accepted and "smaller than kernel size" in theirs.error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = getattr(torch.nn, cfg.layer_name)(*cfg.torch_args(), **cfg.torch_kwargs())
        with pytest.raises(RuntimeError, match="smaller than kernel size"):
            layer(torch.empty((1, cfg.channels, *cfg.size), device="meta"))
    for other in (
        Config(**{**cfg.__dict__, "size": cfg.size[1:], "kernel": axes(cfg.kernel, 3)[1:]}),
        Config(**{**cfg.__dict__, "size": cfg.size[:1], "kernel": axes(cfg.kernel, 3)[0]}),
    ):
        other = Config(**{**other.__dict__, "padding": axes(cfg.padding, 3)[: other.dims]})
        assert run_torch(other)[0].accepted == run_cnncalc(other)[0].accepted, other.call()
    if cfg.kind == "avg":
        as_max = Config(**{**cfg.__dict__, "kind": "max", "count_include_pad": True})
        assert run_torch(as_max)[0].accepted and run_cnncalc(as_max)[0].accepted


@pytest.mark.parametrize("cfg", SMALLER_THAN_3D_KERNEL)
def test_avg_pool3d_input_smaller_than_kernel_is_rejected(cfg: Config) -> None:
    ours = check_agreement(cfg)
    assert not ours.accepted and ours.param == "f"
