"""Where a confirmation runs: the CPU below cnncalc's bound, the meta device above it, and the output saying which.

The property tests in test_conv_torch, test_pool_torch and test_trace_torch run both devices on every random
configuration and require the same answer; these pin the choice itself."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import Run

from cnncalc.confirm.chain import chain_device, confirm_chain
from cnncalc.confirm.layers import confirm_conv, confirm_pool
from cnncalc.confirm.runtime import CPU_MAX_ELEMENTS, CPU_MAX_WORK, device_for
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
