"""Where a confirmation runs: the CPU below cnncalc's bound, the meta device above it, and the output saying which.

The property tests in test_conv_torch, test_pool_torch and test_trace_torch run both devices on every random
configuration and require the same answer; these pin the choice itself."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from conftest import Run

from cnncalc.confirm.chain import chain_device, confirm_chain
from cnncalc.confirm.layers import confirm_conv, confirm_pool
from cnncalc.confirm.runtime import CPU_MAX_ELEMENTS, CPU_MAX_WORK, DEVICES, device_for
from cnncalc.core.conv import conv_geometry, make_conv_spec
from cnncalc.core.pool import make_pool_spec, pool_geometry
from cnncalc.network.chain import parse_chain
from cnncalc.network.trace import trace_chain


@pytest.mark.parametrize(
    ("work", "elements", "device"),
    [
        (0, 0, "cpu"),
        (CPU_MAX_WORK, CPU_MAX_ELEMENTS, "cpu"),
        (CPU_MAX_WORK + 1, 1, "meta"),
        (1, CPU_MAX_ELEMENTS + 1, "meta"),
    ],
)
def test_the_bound(work: int, elements: int, device: str) -> None:
    assert device_for(work, elements) == device


@pytest.mark.parametrize(
    ("w", "d", "k", "device"),
    [
        (7, 1, 1, "cpu"),
        (64, 16, 16, "cpu"),  # 8.9·10^6 MACs
        (64, 16, 64, "meta"),  # 3.5·10^7 MACs
        (2048, 1, 1, "meta"),  # few MACs, but 4.2·10^6 input cells
    ],
)
def test_conv_runs_where_its_size_says(w: int, d: int, k: int, device: str) -> None:
    geometry = conv_geometry(make_conv_spec(size=(w, w), in_channels=d, out_channels=k, kernel=3, padding=1))
    confirmation = confirm_conv(geometry)
    assert (confirmation.verified, confirmation.device) == (True, device)


def test_pool_counts_its_window_reads() -> None:
    """A pool has no MACs: its work is its windows' reads, so a wide window on a big input goes to the meta device."""
    small = pool_geometry(make_pool_spec(size=(224, 224), channels=16, kind="avg", kernel=2))
    wide = pool_geometry(make_pool_spec(size=(512, 512), channels=4, kind="avg", kernel=64, stride=1))
    assert (confirm_pool(small).device, confirm_pool(wide).device) == ("cpu", "meta")


def test_a_chain_runs_where_its_whole_forward_says() -> None:
    small = parse_chain("Conv2d(3, 16, 3) -> Flatten() -> Linear(_, 10)")
    big = parse_chain("Conv2d(3, 64, 3) -> MaxPool2d(2) -> Conv2d(64, 64, 3)")
    assert chain_device(trace_chain(small, [(3, 32, 32)]), small) == "cpu"
    assert chain_device(trace_chain(big, [(3, 224, 224)]), big) == "meta"


def test_confirming_on_the_cpu_leaves_the_random_stream_alone() -> None:
    """The CPU layer's weights are drawn from a fork of torch's random state: an API caller's stream is theirs."""
    geometry = conv_geometry(make_conv_spec(size=(9, 9), in_channels=5, out_channels=7, kernel=3))
    chain = parse_chain("Linear(4, 8) -> ReLU() -> Linear(8, 2)")
    traced = trace_chain(chain, [(4,)])
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    confirm_conv(geometry, "cpu")
    confirm_chain(traced, chain, "cpu")
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(
    ("args", "device"),
    [
        (("conv", "--w", "7", "--f", "3", "--s", "2"), "cpu"),
        (("conv", "--w", "224", "--d", "64", "--k", "64", "--f", "3"), "meta"),
        (("pool", "--w", "7", "--f", "2"), "cpu"),
        (("lstm", "--hidden", "64", "--input", "32"), "cpu"),
    ],
)
def test_the_json_says_where_torch_ran(cnncalc: Run, args: tuple[str, ...], device: str) -> None:
    code, out, err = cnncalc(*args, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["torch"]["device"] == device


def test_a_chain_and_a_target_say_where_torch_ran(cnncalc: Run) -> None:
    code, out, _ = cnncalc("trace", "--input", "3x224x224", "Conv2d(3, 64, 3) -> Conv2d(64, 64, 3)", "--json")
    assert code == 0 and json.loads(out)["device"] == "meta"
    code, out, _ = cnncalc("trace", "--input", "3x224x224", "Conv2d(3, 64, 3)", "--no-verify", "--json")
    assert code == 0 and json.loads(out)["device"] is None  # nothing ran
    code, out, _ = cnncalc("conv", "--input", "3x32x32", "--target", "16", "--json")
    data = json.loads(out)
    assert code == 0 and data["device"] == ["cpu"] * data["confirmed"] and data["confirmed"] == len(data["torch"])


# --- where the CPU's kernels were stricter than the meta device's: the same answer on both now -------------------


def test_a_padding_layer_s_copy_counts_toward_the_cpu_bound(cnncalc: Run) -> None:
    """TF 'same' with uneven padding runs a ZeroPad first, which makes the padded input for real: a few MACs over
    a 20001-cell dilation would have padded 4·10^8 cells on the CPU."""
    code, out, _ = cnncalc("conv", "--w", "3", "--f", "2", "--dilation", "20001", "--p", "same-tf", "--json")
    assert code == 0
    assert json.loads(out)["torch"]["device"] == "meta"


@pytest.mark.parametrize(
    "args",
    [
        ("--w", "5", "--f", "3", "--s", "2147483648"),
        ("--w", "5", "--f", "3", "--s", "2147483648", "--type", "avg"),
        ("--w", "5", "--f", "3", "--s", "2147483648", "--type", "lp", "--norm", "2"),
        ("--w", "5", "--dims", "3", "--f", "3", "--s", "2147483648"),
        ("--w", "5", "--dims", "1", "--f", "3", "--s", "2147483648", "--type", "avg"),
        ("--input", "1x3000x3000", "--f", "3", "--s", "2147483648"),  # the meta device's size: refused all the same
        ("--w", "5", "--f", "1", "--dilation", "2147483648"),
    ],
)
def test_pooling_sizes_past_int32_are_refused_as_torch_s_kernels_refuse_them(
    cnncalc: Run, args: tuple[str, ...]
) -> None:
    code, out, err = cnncalc("pool", *args)
    assert (code, out) == (2, "")
    assert "at most 2,147,483,647 = 2^31 − 1 (torch's pooling kernels take it as a 32-bit int" in err


def test_one_d_max_pooling_takes_any_stride_on_both_devices() -> None:
    geometry = pool_geometry(make_pool_spec(size=(5,), kind="max", kernel=3, stride=2**31))
    assert confirm_pool(geometry, "cpu") == replace(confirm_pool(geometry, "meta"), device="cpu")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_kernel_the_cpu_lacks_for_a_dtype_sends_the_chain_to_the_meta_device(dtype: str) -> None:
    chain = parse_chain("AvgPool3d(2) -> LPPool3d(2, 2) -> Flatten()")
    traced = trace_chain(chain, [(3, 8, 8, 8)], dtype=dtype)
    check = confirm_chain(traced, chain)
    assert check.device == "meta" and check.verified == (True, True, True)


@pytest.mark.parametrize(
    ("dtype", "value", "refused"),
    [("uint8", -1, True), ("uint8", 255, False), ("uint8", 1.5, False), ("int8", 128, True), ("int8", -128, False),
     ("int32", 2**31, True), ("int64", 1e30, True), ("bool", -1, False)],
)  # fmt: skip
def test_a_constant_pad_value_must_fit_an_integer_input(cnncalc: Run, dtype: str, value: float, refused: bool) -> None:
    model = f"ConstantPad2d(1, {value!r})"
    code, _, err = cnncalc("trace", "--input", "1x8x8", "--dtype", dtype, model, "--json")
    if refused:
        assert code == 2 and f"expected value: a value a {dtype} tensor holds" in err
    else:
        assert (code, err) == (0, "")
        for device in DEVICES:  # and torch agrees on both devices
            chain = parse_chain(model)
            assert confirm_chain(trace_chain(chain, [(1, 8, 8)], dtype=dtype), chain, device).verified == (True,)


def test_a_cpu_confirmation_runs_torch_s_own_kernels_and_leaves_onednn_as_it_was() -> None:
    """oneDNN builds a primitive for every new shape (~0.5 ms, more than a small layer's arithmetic): a CPU
    confirmation turns it off for its one forward pass, and back as it found it."""
    geometry = conv_geometry(make_conv_spec(size=(9, 9), in_channels=5, out_channels=7, kernel=3))
    mkldnn = torch.backends.mkldnn  # its flag is a module property: set and read by name
    for before in (True, False):
        setattr(mkldnn, "enabled", before)  # noqa: B010
        try:
            assert confirm_conv(geometry, "cpu").verified is True
            assert getattr(mkldnn, "enabled") is before  # noqa: B009
        finally:
            setattr(mkldnn, "enabled", True)  # noqa: B010
