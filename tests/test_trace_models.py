"""Whole models, written in plain torch under tests/models, traced as a user would trace them.

Each against three counts cnncalc does not make itself: torchvision's published parameters and GFLOPS (its MAC
count, published to 3 decimals), torch's own ``FlopCounterMode`` on the same model (FLOPs = 2 × MACs), and the
attention written out by hand: QKᵀ and A·V are 2·B·heads·L²·d_head per layer, plus the four projections.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from cnncalc.confirm.runtime import import_torch

pytestmark = [pytest.mark.torch, pytest.mark.models]

torch = import_torch()
MODELS = Path(__file__).parent / "models"

# file:factory, input without batch, torchvision's num_params and _ops (GFLOPS) for the same architecture
PUBLISHED = [
    ("resnet50.py:resnet50", "3x224x224", 25_557_032, 4.089),
    ("vgg16.py:vgg16", "3x224x224", 138_357_544, 15.470),
    ("vit.py:vit_b_16", "3x224x224", 86_567_656, 17.564),
    ("swin.py:swin_t", "3x224x224", 28_288_354, 4.491),
    ("r3d.py:r3d_18", "3x16x112x112", 33_371_472, 40.697),
    ("fcn.py:fcn_resnet50", "3x520x520", 35_322_218, 152.717),
]


def trace_json(cnncalc: Run, *args: str) -> dict[str, Any]:
    code, out, err = cnncalc("trace", *args, "--json")
    assert (code, err) == (0, ""), err
    data: dict[str, Any] = json.loads(out)
    return data


def flop_counter_macs(reference: str, shape: str) -> dict[str, int]:
    """torch's FlopCounterMode on the meta device with autograd on, halved: MACs by aten operation."""
    import importlib.util

    from torch.utils.flop_counter import FlopCounterMode

    path, factory = reference.split(":")
    if str(MODELS) not in sys.path:
        sys.path.insert(0, str(MODELS))  # fcn.py imports resnet50.py beside it
    spec = importlib.util.spec_from_file_location(f"flops_{factory}", MODELS / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with torch.device("meta"):
        model = getattr(module, factory)().eval()
    counter = FlopCounterMode(display=False)
    with counter:
        model(torch.empty((1, *map(int, shape.split("x"))), device="meta"))
    return {str(op): flops // 2 for op, flops in counter.get_flop_counts()["Global"].items()}


@pytest.mark.parametrize(("reference", "shape", "params", "gflops"), PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_counts_and_flop_counter(
    cnncalc: Run, reference: str, shape: str, params: int, gflops: float
) -> None:
    data = trace_json(cnncalc, "--input", shape, str(MODELS / reference))
    assert data["total_params"] == params
    assert abs(data["total_macs"] / 1e9 - gflops) <= 0.0005  # the published figure's rounding
    assert data["uncounted"] == {} and data["warnings"] == []
    assert data["device"] == "meta" and data["notes"] == []
    theirs = flop_counter_macs(reference, shape)
    assert data["total_macs"] == sum(theirs.values())
    assert data["macs_by_kind"].get("convolution", 0) == theirs.get("aten.convolution", 0)
    products = sum(v for op, v in theirs.items() if op in ("aten.addmm", "aten.mm", "aten.bmm"))
    assert data["macs_by_kind"].get("linear", 0) + data["macs_by_kind"].get("matmul", 0) == products
    assert sum(row["macs"] for row in data["layers"]) == data["total_macs"]


def test_vit_attention_by_hand(cnncalc: Run) -> None:
    """Every nn.MultiheadAttention is one row: its projections (linear) and QKᵀ, A·V (matmul), written out."""
    data = trace_json(cnncalc, "--input", "3x224x224", str(MODELS / "vit.py:vit_b_16"))
    tokens, width, heads = 197, 768, 12
    attention = [row for row in data["layers"] if row["kind"] == "MultiheadAttention"]
    assert len(attention) == 12
    for row in attention:
        assert row["macs_by_kind"] == {
            "linear": 4 * tokens * width * width,  # q, k, v and out projections
            "matmul": 2 * heads * tokens * tokens * (width // heads),  # QKᵀ and A·V
        }
        assert row["params"] == 4 * width * width + 4 * width
        assert row["input_shapes"] == [[1, tokens, width]] * 3
        assert row["output_shapes"] == [[1, tokens, width]]  # need_weights=False: (output, None)
    functions = [row["layer"] for row in data["layers"] if row["type"] == "function"]
    assert functions.count("+") == 1 + 2 * 12  # the position embedding, then two residual adds a block
    assert {"Tensor.reshape", "Tensor.permute", "torch.cat", "[…]"} <= set(functions)
    assert data["layers"][-1]["layer"].startswith("Linear(in_features=768, out_features=1000")


def test_swin_window_attention_by_hand(cnncalc: Run) -> None:
    """Swin's attention is F.linear and matmul inside a module whose children are never called: one row each."""
    data = trace_json(cnncalc, "--input", "3x224x224", str(MODELS / "swin.py:swin_t"))
    rows = [row for row in data["layers"] if row["kind"] == "ShiftedWindowAttention"]
    assert len(rows) == 2 + 2 + 6 + 2
    expected = []
    for side, width, blocks in ((56, 96, 2), (28, 192, 2), (14, 384, 6), (7, 768, 2)):
        windows = (side // 7) ** 2
        attention = windows * 49 * 49 * width * 2  # per window: 49 queries × 49 keys, over the width, twice
        projections = side * side * width * (3 * width + width)
        expected += [{"linear": projections, "matmul": attention}] * blocks
    assert [row["macs_by_kind"] for row in rows] == expected


def test_a_subclassed_conv3d_is_a_conv3d(cnncalc: Run) -> None:
    """torchvision's Conv3DSimple(nn.Conv3d): cnncalc's Conv3d formula applies and agrees (a match by class name
    gave 0 MACs)."""
    data = trace_json(cnncalc, "--input", "3x16x112x112", str(MODELS / "r3d.py:r3d_18"))
    simple = [row for row in data["layers"] if row["kind"] == "Conv3DSimple"]
    assert len(simple) == 16
    assert all(row["computed"] and row["verified"] and row["macs"] > 0 for row in simple)


def test_a_dict_output_is_the_output(cnncalc: Run) -> None:
    reference = str(MODELS / "fcn.py:fcn_resnet50")
    data = trace_json(cnncalc, "--input", "3x520x520", reference)
    assert data["outputs"] == {"out": [1, 21, 520, 520], "aux": [1, 21, 520, 520]}
    assert data["output_shape"] == [1, 21, 520, 520]  # the dict's first key
    interpolations = [row for row in data["layers"] if row["layer"] == "F.interpolate"]
    assert [row["output_shapes"] for row in interpolations] == [[[1, 21, 520, 520]]] * 2
    assert [row["input_shapes"] for row in interpolations] == [[[1, 21, 65, 65]]] * 2
    for expect in ("out=21x520x520", "aux=1x21x520x520", "21x520x520"):
        assert cnncalc("trace", "--input", "3x520x520", reference, "--expect", expect, "-q")[0] == 0
    code, out, err = cnncalc("trace", "--input", "3x520x520", reference, "--expect", "aux=21x65x65", "-q")
    assert (code, out) == (1, "1x21x520x520\n")
    assert err == "cnncalc: error: --expect 21x65x65 not met: the output aux is 1x21x520x520\n"
    code, _, err = cnncalc("trace", "--input", "3x520x520", reference, "--expect", "logits=21x520x520")
    assert code == 2
    assert err == (
        "cnncalc: error: --expect got logits, expected the name of an output (out, aux): "
        "use NAME=SHAPE with one of them\n"
    )


def cnncalc_process(*args: str, python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``python -m cnncalc ARGS`` as its own process (it ends without the interpreter's teardown)."""
    command = [sys.executable, *python_flags, "-m", "cnncalc", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_pure_torch_models_trace_without_dynamo_or_sympy() -> None:
    """The meta device's slow-starting kernels (torch._dynamo, sympy: ~1.2 s) are never reached by the common
    operations of a CNN, a Transformer and an LSTM language model."""
    for args in (
        ("--input", "3x224x224", str(MODELS / "resnet50.py:resnet50")),
        ("--input", "35:int64", str(MODELS / "cases.py:TransformerModel")),
        ("--input", "35:int64", str(MODELS / "cases.py:LanguageModel")),
    ):
        done = cnncalc_process("trace", *args, "--json", python_flags=("-X", "importtime"))
        assert done.returncode == 0, done.stderr
        imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time")}
        assert "torch" in imported and "torch.nn" in imported  # what -X importtime shows, it shows
        assert not {"torch._dynamo", "sympy"} & imported, args


def test_forty_giant_linears_on_the_meta_device() -> None:
    """1.07·10¹⁰ parameters (40 GiB at float32) trace in well under 1 GB: no weight is ever allocated."""
    done = cnncalc_process("trace", "--input", "16384", str(MODELS / "cases.py:huge"), "--json")
    assert done.returncode == 0, done.stderr
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux: the largest child so far
    assert peak < 1024 * 1024
    data = json.loads(done.stdout)
    assert data["total_params"] == 40 * (16384 * 16384 + 16384)
    assert data["total_macs"] == 40 * 16384 * 16384


@pytest.mark.parametrize("width", [80, 120])
def test_the_tree_golden(cnncalc: Run, golden: Callable[..., str], width: int) -> None:
    """A ResNet-18 at --depth 2: its stages and blocks, each with its totals, indented; it fits the terminal."""
    args = ("trace", "--input", "3x64x64", str(MODELS / "resnet.py:resnet18"), "--depth", "2")
    code, out, _ = cnncalc(*args, env={"COLUMNS": str(width)})
    assert code == 0
    assert out == golden(f"trace_tree_{width}.txt", out)
    assert max(len(line) for line in out.splitlines()) <= width


@pytest.mark.parametrize(("reference", "shape"), [("resnet.py:resnet18", "3x64x64"), ("vit.py:vit_b_16", "3x224x224"),
                                                  ("swin.py:swin_t", "3x224x224")])  # fmt: skip
def test_the_tree_cut_at_any_depth_adds_up(cnncalc: Run, reference: str, shape: str) -> None:
    """The JSON keeps every row and every block with its depth and parent; at every depth, the blocks at that
    depth and the rows above it add up to the totals (parameters, MACs, FLOPs)."""
    data = trace_json(cnncalc, "--input", shape, str(MODELS / reference))
    blocks, rows = data["blocks"], data["layers"]
    assert blocks[0]["depth"] == 0 and blocks[0]["parent"] is None
    assert all(blocks[row["parent"]]["depth"] == row["depth"] - 1 for row in rows)
    assert all(blocks[b["parent"]]["depth"] == b["depth"] - 1 for b in blocks[1:])
    for depth in range(max(b["depth"] for b in blocks) + 2):
        cut = [b for b in blocks if b["depth"] == depth] + [r for r in rows if r["depth"] <= depth]
        for field, total in (("params", "total_params"), ("macs", "total_macs"), ("flops", "total_flops")):
            assert sum(entry[field] for entry in cut) == data[total], (depth, field)
