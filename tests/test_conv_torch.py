"""Property tests: cnncalc's convolution geometry against real torch layers on the CPU.

For every generated configuration, cnncalc (``make_conv_spec`` + ``conv_geometry``)
and torch (``nn.ConvXd`` / ``nn.ConvTransposeXd`` run on a zero input under
``torch.no_grad()``) must either both accept it — with the same output shape,
parameter count and weight shape — or both reject it (cnncalc with
``InvalidParameter``, torch with any exception at construction or forward).

The CPU kernel is the reference: it runs checks the meta device skips, so this
is what holds cnncalc's own validation to torch's rules.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from math import gcd
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from oracle import Verdict, cnncalc_side, examples, torch_side
from strategies import PerDim, axes, per_dim

from cnncalc.confirm.layers import confirm_conv
from cnncalc.confirm.runtime import DEVICES, import_torch
from cnncalc.core.conv import ConvGeometry, conv_geometry, make_conv_spec

pytestmark = pytest.mark.torch

torch = import_torch()


@dataclass(frozen=True)
class Config:
    """One convolution, in the arguments both cnncalc and torch take."""

    transposed: bool
    in_channels: int
    out_channels: int
    size: tuple[int, ...]
    kernel: PerDim
    stride: PerDim
    padding: PerDim | str
    dilation: PerDim
    groups: int
    bias: bool
    output_padding: PerDim = 0

    @property
    def dims(self) -> int:
        return len(self.size)

    @property
    def layer_name(self) -> str:
        return f"Conv{'Transpose' if self.transposed else ''}{self.dims}d"

    def torch_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "kernel_size": self.kernel,
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "groups": self.groups,
            "bias": self.bias,
        }
        if self.transposed:
            kwargs["output_padding"] = self.output_padding
        return kwargs


def run_cnncalc(cfg: Config) -> tuple[Verdict, ConvGeometry | None]:
    def compute() -> ConvGeometry:
        spec = make_conv_spec(
            size=cfg.size,
            in_channels=cfg.in_channels,
            out_channels=cfg.out_channels,
            kernel=cfg.kernel,
            stride=cfg.stride,
            padding=cfg.padding,
            dilation=cfg.dilation,
            groups=cfg.groups,
            bias=cfg.bias,
            transposed=cfg.transposed,
            output_padding=cfg.output_padding,
        )
        return conv_geometry(spec)

    geometry, refusal = cnncalc_side(compute)
    if geometry is None:
        return refusal or Verdict(False), None
    return Verdict(True, geometry.output_shape, geometry.params, geometry.weight_shape), geometry


def run_torch(cfg: Config) -> Verdict:
    # e.g. "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy"
    layer, out = torch_side(
        lambda: getattr(torch.nn, cfg.layer_name)(cfg.in_channels, cfg.out_channels, **cfg.torch_kwargs()),
        (1, cfg.in_channels, *cfg.size),
    )
    if layer is None:
        verdict: Verdict = out
        return verdict
    params = sum(p.numel() for p in layer.parameters())
    return Verdict(True, tuple(out.shape[1:]), params, tuple(layer.weight.shape))


@contextmanager
def onednn_disabled() -> Iterator[None]:
    # Not torch.backends.mkldnn.flags(): it also sets the TF32 flag, which warns on CPU-only
    # builds, and a warning-turned-error in its __enter__ would leave oneDNN off for good.
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = before


def onednn_empty_output_quirk(cfg: Config, ours: Verdict, theirs: Verdict) -> bool:
    """The one known disagreement, a torch CPU inconsistency (torch 2.13).

    A *grouped* transposed convolution whose output is exactly 0 along an axis
    goes to oneDNN (mkldnn) on the CPU, which returns an empty tensor instead of
    raising "Output size is too small". The same layer with groups=1, or with
    oneDNN disabled, is rejected, as cnncalc rejects it. Excused only when all
    of that holds, and pinned by ``test_grouped_transpose_zero_output_onednn_quirk``.
    """
    if not (cfg.transposed and cfg.groups > 1 and theirs.accepted and not ours.accepted):
        return False
    if 0 not in theirs.output_shape[1:] or "param='p'" not in ours.error:
        return False
    with onednn_disabled():
        without_onednn = run_torch(cfg)
    return not without_onednn.accepted and "Output size is too small" in without_onednn.error


def check_agreement(cfg: Config, allow_known_quirk: bool = True) -> Verdict:
    """Assert cnncalc and torch agree on ``cfg``; return cnncalc's outcome."""
    ours, _ = run_cnncalc(cfg)
    theirs = run_torch(cfg)
    if allow_known_quirk and onednn_empty_output_quirk(cfg, ours, theirs):
        return ours
    call = (
        f"torch.nn.{cfg.layer_name}({cfg.in_channels}, {cfg.out_channels}, **{cfg.torch_kwargs()}) "
        f"on input {(1, cfg.in_channels, *cfg.size)}"
    )
    if ours.accepted and not theirs.accepted:
        pytest.fail(
            f"cnncalc accepts but torch rejects {call}:\n"
            f"  cnncalc: output {ours.output_shape}, params {ours.params}\n"
            f"  torch:   {theirs.error}"
        )
    if theirs.accepted and not ours.accepted:
        pytest.fail(
            f"torch accepts but cnncalc rejects {call}:\n"
            f"  torch:   output {theirs.output_shape}, params {theirs.params}\n"
            f"  cnncalc: {ours.error}"
        )
    if ours.accepted:
        assert ours.output_shape == theirs.output_shape, (
            f"output shape differs for {call}: cnncalc {ours.output_shape}, torch {theirs.output_shape}"
        )
        assert ours.params == theirs.params, f"params differ for {call}: cnncalc {ours.params}, torch {theirs.params}"
        assert ours.weight_shape == theirs.weight_shape, (
            f"weight shape differs for {call}: cnncalc {ours.weight_shape}, torch {theirs.weight_shape}"
        )
    return ours


# --- strategies ---------------------------------------------------------------------------------


def _divisors(n: int) -> list[int]:
    return [g for g in range(1, n + 1) if n % g == 0]


@st.composite
def conv_configs(
    draw: st.DrawFn,
    dims: int,
    transposed: bool,
    max_size: int = 12,
    max_channels: int = 6,
    valid_groups_only: bool = False,
    string_padding: bool = True,
) -> Config:
    c_in = draw(st.integers(1, max_channels))
    c_out = draw(st.integers(1, max_channels))
    # Mostly groups that divide both channel counts, else anything (both sides must reject).
    if valid_groups_only or draw(st.integers(0, 3)):
        groups = draw(st.sampled_from(_divisors(gcd(c_in, c_out))))
    else:
        groups = draw(st.integers(1, max_channels))
    size = draw(st.tuples(*[st.integers(1, max_size)] * dims))
    kernel = draw(per_dim(dims, 1, 5))
    stride = draw(per_dim(dims, 1, 4))
    dilation = draw(per_dim(dims, 1, 3))
    numeric_padding = per_dim(dims, 0, 4)
    if transposed:
        # Transposed padding shrinks the output: lean to small values so most outputs stay >= 1.
        numeric_padding = st.one_of(per_dim(dims, 0, 1), numeric_padding)
    padding: PerDim | str
    if not string_padding:
        padding = draw(numeric_padding)
    elif transposed:
        # 'same'/'valid' are both-reject cases for a transposed conv: keep them rare.
        padding = draw(st.one_of(numeric_padding, numeric_padding, numeric_padding, st.sampled_from(["same", "valid"])))
    else:
        padding = draw(st.one_of(numeric_padding, st.sampled_from(["same", "valid"])))
        if padding == "same" and draw(st.booleans()):
            stride = 1  # 'same' rejects strides > 1: make half of the 'same' cases legal
    output_padding: PerDim = 0
    if transposed:
        if draw(st.integers(0, 3)):
            # Mostly below max(stride, dilation) on every axis (torch's rule), so most are legal ...
            bounds = [max(s, d) - 1 for s, d in zip(axes(stride, dims), axes(dilation, dims), strict=True)]
            output_padding = draw(st.tuples(*[st.integers(0, min(b, 3)) for b in bounds]))
            if len(set(output_padding)) == 1 and draw(st.booleans()):
                output_padding = output_padding[0]
        else:
            output_padding = draw(per_dim(dims, 0, 3))  # ... else anything in 0..3
    return Config(
        transposed=transposed,
        in_channels=c_in,
        out_channels=c_out,
        size=size,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()),
        output_padding=output_padding,
    )


# --- property tests against the CPU kernels -----------------------------------------------------


@examples(800)
@given(conv_configs(dims=1, transposed=False))
def test_conv1d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(1500)
@given(conv_configs(dims=2, transposed=False))
def test_conv2d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(400)
@given(conv_configs(dims=3, transposed=False, max_size=7, max_channels=4))
def test_conv3d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(250)
@given(conv_configs(dims=1, transposed=True))
def test_conv_transpose1d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(350)
@given(conv_configs(dims=2, transposed=True))
def test_conv_transpose2d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


@examples(200)
@given(conv_configs(dims=3, transposed=True, max_size=5, max_channels=4))
def test_conv_transpose3d_matches_torch(cfg: Config) -> None:
    check_agreement(cfg)


# --- confirm_conv, on the CPU and on the meta device, on valid configurations -------------------


@st.composite
def valid_configs(draw: st.DrawFn) -> Config:
    dims = draw(st.integers(1, 3))
    transposed = draw(st.booleans())
    max_size = 12 if dims < 3 else 6
    return draw(conv_configs(dims, transposed, max_size=max_size, valid_groups_only=True, string_padding=False))


@examples(400)
@given(valid_configs())
def test_confirm_conv_verifies_valid_configs(cfg: Config) -> None:
    ours, geometry = run_cnncalc(cfg)
    assume(geometry is not None)
    assert geometry is not None
    # Both devices confirm it, whichever device_for would choose, and say where they ran.
    on_cpu, on_meta = confirm_conv(geometry, "cpu"), confirm_conv(geometry, "meta")
    assert (on_cpu.device, on_meta.device) == ("cpu", "meta")
    assert on_cpu == replace(on_meta, device="cpu")
    assert confirm_conv(geometry).device == "cpu"  # these layers are all small
    confirmation = on_meta
    assert confirmation.verified is True
    assert confirmation.layer == cfg.layer_name
    assert confirmation.output_shape == ours.output_shape
    assert confirmation.params == ours.params
    # And both agree with the CPU kernel run independently.
    theirs = run_torch(cfg)
    assert theirs.accepted, f"confirm_conv verified a layer the CPU rejects: {theirs.error}"
    assert (theirs.output_shape, theirs.params) == (confirmation.output_shape, confirmation.params)


@examples(300)
@given(
    st.integers(1, 3).flatmap(
        lambda dims: conv_configs(dims, transposed=False, max_size=12 if dims < 3 else 6, valid_groups_only=True)
    )
)
def test_confirm_conv_verifies_string_padding(cfg: Config) -> None:
    ours, geometry = run_cnncalc(cfg)
    assume(geometry is not None)
    assert geometry is not None
    for device in DEVICES:
        confirmation = confirm_conv(geometry, device)
        assert confirmation.verified is True and confirmation.device == device
        assert (confirmation.output_shape, confirmation.params) == (ours.output_shape, ours.params)


# --- regressions --------------------------------------------------------------------------------


def _cfg(size: tuple[int, ...], **kwargs: Any) -> Config:
    defaults: dict[str, Any] = {
        "transposed": False,
        "in_channels": 2,
        "out_channels": 3,
        "kernel": 3,
        "stride": 1,
        "padding": 0,
        "dilation": 1,
        "groups": 1,
        "bias": True,
        "output_padding": 0,
    }
    defaults.update(kwargs)
    return Config(size=size, **defaults)


ACCEPTED = [
    # Even kernel with 'same': torch pads d·(k − 1) = 3 unevenly (1 before, 2 after) at dilation 1 ...
    pytest.param(_cfg((8,), kernel=4, padding="same"), (3, 8), id="same-even-kernel-dilation1"),
    # ... and 6 evenly at dilation 2.
    pytest.param(_cfg((8,), kernel=4, padding="same", dilation=2), (3, 8), id="same-even-kernel-dilation2"),
    pytest.param(_cfg((5, 9), kernel=(2, 4), padding="same", dilation=(1, 3)), (3, 5, 9), id="same-even-kernel-2d"),
    pytest.param(_cfg((7, 7), kernel=3, stride=2, padding="valid"), (3, 3, 3), id="valid-strided"),
    # Output padding must be smaller than the stride OR the dilation: 1 < dilation 2 suffices.
    pytest.param(
        _cfg((5,), transposed=True, stride=1, dilation=2, output_padding=1), (3, 10), id="transposed-op1-s1-d2"
    ),
    pytest.param(
        _cfg((4, 4), transposed=True, stride=(1, 3), dilation=(3, 1), output_padding=(2, 2)),
        (3, 12, 14),
        id="transposed-op-per-axis",
    ),
    pytest.param(_cfg((3,), transposed=True, stride=2, output_padding=1), (3, 8), id="transposed-op1-s2"),
    # Output of exactly 1 is fine.
    pytest.param(_cfg((2,), transposed=True, kernel=1, stride=2, padding=1), (3, 1), id="transposed-output-1"),
    pytest.param(_cfg((4, 6), in_channels=4, out_channels=6, groups=2, bias=False), (6, 2, 4), id="grouped-no-bias"),
    pytest.param(_cfg((3,), kernel=5, padding=1), (3, 1), id="kernel-fills-padded-input"),
]


@pytest.mark.parametrize(("cfg", "expected"), ACCEPTED)
def test_regression_accepted(cfg: Config, expected: tuple[int, ...]) -> None:
    outcome = check_agreement(cfg)
    assert outcome.accepted
    assert outcome.output_shape == expected


def test_same_padding_split_matches_torch() -> None:
    # torch puts the odd cell of 'same' padding after (k=4, d=1: 1 before, 2 after).
    odd = make_conv_spec(size=(8,), kernel=4, padding="same")
    even = make_conv_spec(size=(8,), kernel=4, padding="same", dilation=2)
    assert odd.padding == ((1, 2),)
    assert even.padding == ((3, 3),)


REJECTED = [
    pytest.param(_cfg((5,), transposed=True, stride=2, output_padding=2), "output_padding", id="op-equals-stride"),
    pytest.param(
        _cfg((5, 5), transposed=True, stride=2, dilation=2, output_padding=(1, 2)),
        "output_padding",
        id="op-equals-both",
    ),
    pytest.param(_cfg((5,), transposed=True, stride=1, dilation=1, output_padding=1), "output_padding", id="op-s1-d1"),
    pytest.param(_cfg((8,), padding="same", stride=2), "p", id="same-strided"),
    pytest.param(_cfg((8,), transposed=True, padding="same"), "p", id="transposed-same"),
    pytest.param(_cfg((8,), transposed=True, padding="valid"), "p", id="transposed-valid"),
    pytest.param(_cfg((4,), in_channels=4, out_channels=6, groups=4), "groups", id="groups-not-dividing-out"),
    pytest.param(_cfg((4,), in_channels=3, out_channels=6, groups=2), "groups", id="groups-not-dividing-in"),
    pytest.param(_cfg((2, 6), kernel=3), "f", id="kernel-larger-than-input"),
    pytest.param(_cfg((4,), kernel=3, dilation=2, padding=0), "f", id="dilated-kernel-larger-than-input"),
    # Transposed output of 0 and of −1: torch's "Output size is too small".
    pytest.param(
        _cfg((1,), transposed=True, kernel=1, stride=2, padding=1, output_padding=1), "p", id="transposed-output-0"
    ),
    pytest.param(_cfg((1,), transposed=True, kernel=1, padding=1), "p", id="transposed-output-negative"),
]


@pytest.mark.parametrize(("cfg", "param"), REJECTED)
def test_regression_rejected(cfg: Config, param: str) -> None:
    outcome = check_agreement(cfg)
    assert not outcome.accepted
    assert f"param={param!r}" in outcome.error


# --- the known torch-side inconsistency ---------------------------------------------------------


QUIRK = _cfg(
    (1, 3),
    transposed=True,
    in_channels=2,
    out_channels=2,
    kernel=1,
    stride=2,
    padding=1,
    output_padding=1,
    groups=2,
    bias=False,
)


def test_grouped_transpose_zero_output_onednn_quirk() -> None:
    """Pin torch's behaviour, so the excuse in ``check_agreement`` goes when torch changes."""
    ours, _ = run_cnncalc(QUIRK)
    theirs = run_torch(QUIRK)
    assert not ours.accepted and "param='p'" in ours.error
    # CPU + oneDNN: an empty output, no error (H = (1 − 1)·2 − 2·1 + 1 + 1 = 0).
    assert theirs.accepted and theirs.output_shape == (2, 0, 4)
    # groups=1, or oneDNN off: rejected, as cnncalc rejects it.
    assert not run_torch(replace(QUIRK, groups=1)).accepted
    with onednn_disabled():
        assert not run_torch(QUIRK).accepted


def test_meta_device_checks_output_size_only_when_every_axis_is_empty() -> None:
    """Why the CPU, not the meta device, is the reference: meta lets a single empty axis through."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = torch.nn.ConvTranspose2d(2, 2, 1, stride=2, padding=1, output_padding=1, device="meta")
        assert tuple(layer(torch.empty((1, 2, 1, 3), device="meta")).shape) == (1, 2, 0, 4)
        with pytest.raises(RuntimeError, match="Output size is too small"):
            layer(torch.empty((1, 2, 1, 1), device="meta"))
    assert not run_torch(replace(QUIRK, groups=1)).accepted  # the CPU rejects (1, 3) at groups=1
    assert not run_cnncalc(replace(QUIRK, groups=1))[0].accepted


@pytest.mark.xfail(
    strict=True, reason="torch CPU/oneDNN accepts a grouped transposed conv with a 0 output; cnncalc rejects"
)
def test_grouped_transpose_zero_output_strict() -> None:
    check_agreement(QUIRK, allow_known_quirk=False)
