"""cnncalc.trace from Python, on model objects as a notebook has them: the same answer as the command line, and
the model left exactly as it was found (device, training flags, values, hooks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from cnncalc import Trace, trace
from cnncalc.confirm.runtime import import_torch
from cnncalc.errors import InvalidParameter, LayerMismatch

pytestmark = pytest.mark.torch

torch = import_torch()  # first, so that its import-time warnings stay quiet
from torch import nn  # noqa: E402

MODELS = Path(__file__).parent / "models"
sys.path.insert(0, str(MODELS))

import cases  # noqa: E402  (tests/models, beside the tests)
import resnet  # noqa: E402


def snapshot(model: Any) -> tuple[Any, ...]:
    return (
        {name: value.clone() for name, value in model.state_dict().items()},
        [(name, p.device.type, p.requires_grad) for name, p in model.named_parameters()],
        [m.training for m in model.modules()],
        [len(m._forward_hooks) + len(m._forward_pre_hooks) for m in model.modules()],
    )


def same(before: tuple[Any, ...], after: tuple[Any, ...]) -> bool:
    values, *rest = before
    return all(torch.equal(values[k], v) for k, v in after[0].items()) and tuple(rest) == after[1:]


def test_the_same_answer_as_the_command_line(cnncalc: Run) -> None:
    model = resnet.resnet18()
    traced = trace(model, (3, 64, 64))
    code, out, _ = cnncalc("trace", "--input", "3x64x64", f"{MODELS}/resnet.py:resnet18", "--json")
    assert code == 0
    assert traced.to_json() == json.loads(out)
    assert isinstance(traced, Trace)


def test_the_model_is_left_as_it_was() -> None:
    model = resnet.resnet18().train()
    model.layer2.eval()  # mixed flags stay mixed
    model.fc.weight.requires_grad_(False)
    before = snapshot(model)
    trace(model, (3, 32, 32), batch=2)
    assert same(before, snapshot(model))
    data_dependent = cases.DataDependent().train()  # runs for real on the CPU
    before = snapshot(data_dependent)
    assert trace(data_dependent, (8,)).device == "cpu"
    assert same(before, snapshot(data_dependent))


def test_what_a_forward_writes_stays_out_of_the_model() -> None:
    """A CPU run writes a copy's buffers; weight norm's per-call weight is put back after a meta run."""
    import edges

    counting = edges.Counts()
    assert trace(counting, (4,)).device == "cpu"
    assert float(counting.get_buffer("calls")) == 0
    with pytest.warns(FutureWarning):  # the old weight_norm is deprecated: what this model is for
        normalised = edges.Normalised()
    before = normalised.old.weight.clone()
    trace(normalised, (16,))
    assert normalised.old.weight.device.type == "cpu" and torch.equal(normalised.old.weight, before)


def test_a_model_built_on_the_meta_device() -> None:
    with torch.device("meta"):
        model = resnet.resnet18()
    traced = trace(model, "3x64x64")
    assert traced.output_shape == (1, 10) and traced.device == "meta"
    assert next(model.parameters()).device.type == "meta"


def test_named_and_typed_inputs() -> None:
    traced = trace(cases.Tagger(), ((7,), "int64"), mask="7:bool")
    assert [(spec.name, spec.shape, spec.dtype) for spec in traced.inputs] == [
        (None, (7,), "int64"),
        ("mask", (7,), "bool"),
    ]
    assert traced.outputs == (("output", (1, 7, 5)),)


@pytest.mark.parametrize(
    "given",
    [(7, "int64"), ((7,), "int64"), ("7", "int64"), "7:int64", [7, "int64"], (torch.Size([7]), "int64")],
)
def test_the_forms_of_an_input(given: Any) -> None:
    traced = trace(nn.Embedding(10, 4), given)
    assert traced.inputs[0].shape == (7,) and traced.inputs[0].dtype == "int64"


def test_numpy_sizes_and_torch_devices() -> None:
    import numpy

    traced = trace(
        nn.Linear(4, 2), numpy.int64(4), batch=numpy.int64(3), depth=numpy.int64(1), device=torch.device("cpu")
    )
    assert traced.output_shape == (3, 2) and traced.device == "cpu" and traced.depth == 1


def test_repr_is_the_table() -> None:
    traced = trace(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), [4])
    text = repr(traced)
    assert text.startswith("cnncalc trace: 2 rows, input [4] without batch, float32\n┌")
    assert "│ ReLU()" in text and "│ 27    │" in text  # the second row, and the first's FLOPs: 2·12 + 3
    assert traced._repr_html_().startswith("<pre>cnncalc trace: 2 rows")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ((nn.Linear(4, 2),), "inputs got none, expected at least one input shape without batch, like (3, 224, 224)"),
        (("resnet18", (3, 8, 8)), "model got str, expected an nn.Module: pass the model object itself"),
        ((nn.Linear(4, 2), 4.5), "input got 4.5, expected a shape without batch: (3, 224, 224), 4, \"35:int64\" "
         "or ((35,), \"int64\")"),
    ],
)  # fmt: skip
def test_bad_calls_raise_cnncalc_errors(args: tuple[Any, ...], line: str) -> None:
    with pytest.raises(InvalidParameter) as caught:
        trace(*args)
    assert str(caught.value) == line


def test_advice_names_the_call_s_arguments_not_the_command_line_s_options() -> None:
    with pytest.raises(LayerMismatch) as caught:
        trace(nn.Sequential(nn.Embedding(10, 4)), (35,))
    assert str(caught.value).endswith(": give the model integer indices, like '35:int64' as the input")
    assert "--" not in str(caught.value)


def test_importing_cnncalc_imports_no_torch() -> None:
    code = "import sys, cnncalc; cnncalc.trace; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_depth_shows_the_tree() -> None:
    traced = trace(resnet.resnet18(), (3, 32, 32), depth=1)
    text = repr(traced)
    assert "│ layer1 · Sequential" in text and "BasicBlock" not in text  # folded at depth 1
    assert "BasicBlock" in repr(traced.with_depth(2))
    assert "│ ResNet " in repr(traced.with_depth(0))
    with pytest.raises(InvalidParameter):
        traced.with_depth(-1)


@pytest.mark.parametrize(
    ("layer", "out"),
    [(nn.PReLU(), 4 * 6), (nn.LogSigmoid(), 4 * 6), (nn.RReLU(), 4 * 6), (nn.GLU(), 4 * 3)],
    ids=lambda value: type(value).__name__ if isinstance(value, nn.Module) else None,
)
def test_activations_torch_does_not_tag_pointwise_cost_one_flop_per_element(layer: nn.Module, out: int) -> None:
    traced = trace(layer, (4, 6))
    assert (traced.rows[0].macs, traced.rows[0].flops, traced.uncounted) == (0, out, {})
