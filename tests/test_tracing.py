"""The trace engine on small models, each showing one thing real models do (tests/models/cases.py), through the
command line as a user meets it: subclassed layers, functional work in forward, nested outputs, models that need
values to build or to run, typed keyword inputs, references with arguments and sibling imports, what cnncalc
cannot price, and torch's fused kernels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Run

from cnncalc.confirm.runtime import import_torch
from cnncalc.errors import CnnCalcError
from cnncalc.tracing import engine, python

pytestmark = pytest.mark.torch

torch = import_torch()
nn = torch.nn
MODELS = Path(__file__).parent / "models"
CASES = MODELS / "cases.py"


def trace_json(cnncalc: Run, *args: str) -> dict[str, Any]:
    code, out, err = cnncalc("trace", *args, "--json")
    assert (code, err) == (0, ""), err
    data: dict[str, Any] = json.loads(out)
    return data


def rows(data: dict[str, Any], *fields: str) -> list[tuple[Any, ...]]:
    return [tuple(row[field] for field in fields) for row in data["layers"]]


def test_subclasses(cnncalc: Run) -> None:
    """A subclass that keeps Conv2d's forward has Conv2d's formula; one that overrides it is counted by what it runs."""
    data = trace_json(cnncalc, "--input", "3x8x8", f"{CASES}:Subclassed")
    assert rows(data, "name", "kind", "computed", "macs") == [
        ("conv", "MyConv", True, 6 * 6 * 8 * (3 * 9)),
        ("scaled", "ScaledConv", False, 6 * 6 * 8 * (8 * 9)),  # its own forward: conv then * 2, the conv's MACs
    ]


def test_functional_work_is_rows_with_shapes(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x8x8", f"{CASES}:Functional")
    assert rows(data, "type", "name", "layer", "input_shapes", "output_shapes", "params", "macs") == [
        ("module", "conv", "Conv2d(3, 4, kernel_size=(1, 1), stride=(1, 1))", [[1, 3, 8, 8]], [[1, 4, 8, 8]], 16, 768),
        ("function", "Functional", "F.interpolate", [[1, 4, 8, 8]], [[1, 4, 16, 16]], 0, 0),
        ("function", "Functional", "torch.cat", [[1, 4, 16, 16], [1, 4, 16, 16]], [[1, 8, 16, 16]], 0, 0),
        ("function", "Functional", "Tensor.flatten", [[1, 8, 16, 16]], [[1, 8, 256]], 0, 0),
        ("function", "Functional", "Tensor.transpose", [[1, 8, 256]], [[1, 256, 8]], 0, 0),
        ("function", "Functional", "@", [[1, 256, 8], [8, 5]], [[1, 256, 5]], 40, 256 * 8 * 5),  # x @ self.w
        ("function", "Functional", "+", [[1, 256, 5], [1, 256, 5]], [[1, 256, 5]], 0, 0),
    ]
    assert data["layers"][5]["macs_by_kind"] == {"linear": 256 * 8 * 5}  # self.w is a weight
    assert data["total_params"] == 16 + 40


def test_reference_with_literal_arguments(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x8x8", f"{CASES}:Functional(features=7)")
    assert data["outputs"] == {"output": [1, 256, 7]}
    code, _, err = cnncalc("trace", "--input", "3x8x8", f"{CASES}:Functional(features=__import__('os'))")
    assert code == 2
    assert err == (
        f"cnncalc: error: model got {CASES}:Functional(features=__import__('os')), expected literal arguments only "
        "(numbers, strings, True/False/None, tuples): nothing in a chain is evaluated\n"
    )


def test_nested_outputs_by_path(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x8x8", f"{CASES}:DictHead")
    assert data["outputs"] == {"out": [1, 21, 16, 16], "extra.0": [1, 6, 8, 8], "extra.1.pooled": [1, 6]}
    assert data["output_shape"] == [1, 21, 16, 16]
    assert cnncalc("trace", "--input", "3x8x8", f"{CASES}:DictHead", "--expect", "extra.1.pooled=6", "-q")[0] == 0


def test_a_constructor_that_reads_values_keeps_its_weights_on_meta(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x8x8", f"{CASES}:ReadsValues")
    assert data["device"] == "meta"
    assert data["notes"] == [
        "built with its weights on the meta device but its arithmetic on real tensors: its constructor reads "
        "tensor values (NotImplementedError: Cannot copy out of meta tensor; no data!)"
    ]
    assert [row["output_shape"][1] for row in data["layers"] if row["kind"] == "Conv2d"] == [8, 16, 24]


def test_a_constructor_that_reads_its_weights_builds_on_the_cpu(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "4", f"{CASES}:ReadsWeights")
    assert data["device"] == "cpu"
    assert data["notes"] == [
        "built and run on the CPU: it does not build on the meta device (it reads tensor values: a tensor's value "
        "(.item(), float(), int() or an if on a tensor))"
    ]
    code, _, err = cnncalc("trace", "--input", "4", f"{CASES}:ReadsWeights", "--device", "meta")
    assert code == 2
    assert err.startswith(f"cnncalc: error: model got {CASES}:ReadsWeights, expected a model that builds on the meta")
    assert err.endswith("; try --device cpu\n")


def test_a_forward_that_reads_values_runs_on_the_cpu(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "8", f"{CASES}:DataDependent")
    assert data["device"] == "cpu"
    assert data["notes"] == [
        "run on the CPU: its forward reads tensor values: a tensor's value (.item(), float(), int() or an if on "
        "a tensor)"
    ]
    assert data["outputs"] == {"output": [1, 4]}
    assert [row["layer"] for row in data["layers"] if row["type"] == "function"][:3] == [
        "Tensor.abs",
        "Tensor.max",
        "Tensor.item",
    ]
    code, out, err = cnncalc("trace", "--input", "8", f"{CASES}:DataDependent", "--device", "meta")
    assert (code, out) == (2, "")
    assert err == (
        f"cnncalc: error: model got {CASES}:DataDependent, expected a forward pass that runs on the meta device: "
        "its forward reads tensor values: a tensor's value (.item(), float(), int() or an if on a tensor); try "
        "--device cpu\n"
    )
    assert trace_json(cnncalc, "--input", "8", f"{CASES}:DataDependent", "--device", "cpu")["notes"] == []


def test_the_cpu_run_is_bounded(cnncalc: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python, "CPU_MEMORY_BOUND", 1 << 20)
    code, out, err = cnncalc("trace", "--input", "8", "--batch", "100000", f"{CASES}:DataDependent")
    assert (code, out) == (2, "")
    assert err.startswith(
        f"cnncalc: error: model got {CASES}:DataDependent, expected a model within cnncalc's CPU bound of "
        "1,048,576 bytes when it cannot run on the meta device: aten."
    )


def test_typed_keyword_inputs(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "7:int64", "--input", "mask=7:bool", f"{CASES}:Tagger")
    assert data["inputs"] == [
        {"name": None, "shape": [7], "dtype": "int64"},
        {"name": "mask", "shape": [7], "dtype": "bool"},
    ]
    assert data["outputs"] == {"output": [1, 7, 5]}
    lstm = next(row for row in data["layers"] if row["kind"] == "LSTM")
    assert lstm["computed"] and lstm["macs"] == 7 * 4 * 32 * (16 + 32)
    assert lstm["macs_by_kind"] == {"recurrent": lstm["macs"]}
    code, out, err = cnncalc("trace", "--input", "7", "--input", "mask=7:bool", f"{CASES}:Tagger")
    assert (code, out) == (2, "")
    assert err == (
        "cnncalc: error: embed (Embedding) expects integer indices (torch: Expected tensor for argument #1 'indices' "
        "to have scalar type Long) but receives a float tensor: give the model integer indices, like --input 35:int64\n"
    )
    code, _, err = cnncalc("trace", "--input", "7:int64", "--input", "masks=7:bool", f"{CASES}:Tagger")
    assert code == 2
    assert err.startswith(
        "cnncalc: error: --input got 7:int64 masks=7:bool, expected the arguments Tagger.forward takes: TypeError: "
    )


def test_a_chain_embedding_first_is_told_about_the_dtype(cnncalc: Run) -> None:
    code, _, err = cnncalc("trace", "--input", "7", "Embedding(10, 4)", "--dtype", "float32", "--no-verify")
    assert code == 2
    assert err.endswith(": give it integer indices: --dtype int64\n")
    code, _, err = cnncalc("trace", "--input", "7", "Identity() -> Embedding(10, 4)", "--no-verify")
    assert err.endswith(": put Embedding first, with --dtype int64\n")


def test_sibling_imports_and_module_references(cnncalc: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """path/file.py:NAME imports as `python path/file.py` would; package.module:NAME from the current directory."""
    assert trace_json(cnncalc, "--input", "3x8x8", f"{MODELS}/sibling/net.py:Net")["outputs"] == {
        "output": [1, 8, 6, 6]
    }
    monkeypatch.chdir(MODELS.parent)
    data = trace_json(cnncalc, "--input", "3x8x8", "models.cases:Subclassed")
    assert data["outputs"] == {"output": [1, 8, 6, 6]}


def test_what_cannot_be_priced_is_named(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "16", f"{CASES}:Spectral")
    assert data["uncounted"] == {"aten::_fft_r2c": 1}
    assert data["warnings"] == [
        "no cost rule for aten._fft_r2c (1 call, in #1): its work is in neither the MACs nor the FLOPs total"
    ]
    assert data["layers"][0]["layer"] == "torch.fft.rfft"
    code, out, _ = cnncalc("trace", "--input", "16", f"{CASES}:Spectral")
    assert code == 0
    assert "warning" in out and "aten._fft_r2c" in out


@pytest.mark.parametrize(
    ("reference", "line"),
    [
        ("nowhere.py:Net", "model got nowhere.py:Net, expected a Python file, but nowhere.py does not exist"),
        (f"{CASES}:Missing", f"model got {CASES}:Missing, expected a name defined in {CASES}: Missing is not there"),
        ("no_such_module_xyz:Net", "model got no_such_module_xyz:Net, expected a module that imports: "
         "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
        (f"{CASES}:huge(3)", f"model got {CASES}:huge(3), expected a model that builds: TypeError: "
         "huge() takes 0 positional arguments but 1 was given"),
        (f"{CASES}:Functional(", f"model got {CASES}:Functional(, expected a call with literal arguments, like "
         "resnet50(num_classes=10): check the brackets"),
    ],
)  # fmt: skip
def test_bad_references_are_one_line(cnncalc: Run, reference: str, line: str) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", reference)
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {line}\n"


def test_fused_kernels_count_as_their_unfused_paths() -> None:
    """In eval mode without gradients on the CPU, torch runs MultiheadAttention and TransformerEncoderLayer as one
    fused kernel each (the trace's function mode turns that path off; code may still call them): the same MACs and
    FLOPs as their unfused paths, whether the attention weights are returned, averaged or not."""

    def count(module: Any, x: Any, functions: bool, **options: Any) -> tuple[int, int, set[str]]:
        recorder = engine.Recorder(meta_shortcuts=False)
        root = engine.Call(None, "", None)
        recorder.stack = [root]
        with torch.no_grad(), engine.recording(recorder, functions=functions):
            module(x) if not isinstance(module, nn.MultiheadAttention) else module(x, x, x, **options)
        for item in root.items:  # the function mode's calls, each holding its own work
            root.add(item)
        return sum(root.macs.values()), root.flops, {op.name for op in recorder.operations.values()}

    x = torch.randn(2, 10, 16)
    mha, layer = "aten::_native_multi_head_attention", "aten::_transformer_encoder_layer_fwd"
    for module, options, fused in (
        (nn.MultiheadAttention(16, 4, batch_first=True), {"need_weights": False}, mha),
        (nn.MultiheadAttention(16, 4, batch_first=True), {}, mha),
        (nn.MultiheadAttention(16, 4, batch_first=True), {"average_attn_weights": False}, mha),
        (nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), {}, layer),
        (nn.TransformerEncoderLayer(16, 4, 32, activation="gelu", batch_first=True, norm_first=True), {}, layer),
    ):  # fmt: skip
        module.eval()
        macs, flops, ops = count(module, x, False, **options)
        assert fused in ops
        unfused_macs, unfused_flops, ops = count(module, x, True, **options)
        assert fused not in ops
        assert (macs, flops) == (unfused_macs, unfused_flops)
    attention = 2 * 10 * 10 * 16 * 2  # batch 2: QKᵀ and A·V over the full width
    attend = nn.MultiheadAttention(16, 4, batch_first=True).eval()
    assert count(attend, x, False, need_weights=False)[0] == 2 * 10 * 16 * 16 * 4 + attention


def test_scaled_dot_product_attention_on_the_cpu() -> None:
    """On the CPU, F.scaled_dot_product_attention is one fused kernel (or, where that kernel cannot take the shapes,
    the math path's bmm): priced as QKᵀ and A·V either way."""
    for value_width, kind in ((8, "matmul"), (6, "matmul")):
        recorder = engine.Recorder(meta_shortcuts=False)
        recorder.stack = [engine.Call(None, "", None)]
        q, k, v = torch.randn(2, 4, 10, 8), torch.randn(2, 4, 12, 8), torch.randn(2, 4, 12, value_width)
        with torch.no_grad(), engine.recording(recorder, functions=False):
            torch.nn.functional.scaled_dot_product_attention(q, k, v)
        assert recorder.stack[0].macs == {kind: 2 * 4 * 10 * 12 * (8 + value_width)}


def test_the_model_is_left_as_it_was() -> None:
    """Evaluation mode for the run, the training flags put back after it."""
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(), nn.BatchNorm1d(4)).train()
    model[1].eval()
    before = [m.training for m in model.modules()]
    engine.run(model, (torch.zeros(2, 4),), {}, engine.Recorder(meta_shortcuts=False))
    assert [m.training for m in model.modules()] == before


def test_batch_traces_python_models() -> None:
    """A batch line takes the same options: several typed inputs, the device, an expectation on a named output."""
    import io

    from cnncalc.batch import run_batch

    lines = [
        {"cmd": "trace", "model": f"{CASES}:Tagger", "input": ["7:int64", "mask=7:bool"], "expect": "7x5"},
        {"cmd": "trace", "model": f"{CASES}:DictHead", "input": "3x8x8", "expect": "extra.1.pooled=7"},
        {"cmd": "trace", "model": f"{CASES}:DataDependent", "input": [8], "device": "meta"},
        {"cmd": "trace", "model": f"{CASES}:DataDependent", "input": [8], "device": "cpu", "depth": 1},
    ]
    out = io.StringIO()
    code = run_batch([json.dumps(line) for line in lines], out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 2
    assert answers[0]["expect"] == {"wanted": "7x5", "met": True}
    assert answers[0]["inputs"][1] == {"name": "mask", "shape": [7], "dtype": "bool"}
    assert answers[1]["expect"]["met"] is False
    assert answers[1]["expect"]["message"] == "expect 7 not met: the output extra.1.pooled is 1x6"
    assert answers[2]["param"] == "model" and "try --device cpu" in answers[2]["error"]
    assert answers[3]["device"] == "cpu" and answers[3]["outputs"] == {"output": [1, 4]}
    assert answers[3]["depth"] == 1 and answers[3]["blocks"][0]["kind"] == "DataDependent"


def test_a_built_model_is_left_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reference to a model built at import runs with meta stand-ins for its weights: it is never moved, so the
    CPU can still run it when its forward needs values."""
    from cnncalc.network.models import parse_reference
    from cnncalc.network.trace import InputSpec
    from cnncalc.tracing.loading import import_target

    for name, shape, device in (("built_functional", (3, 8, 8), "meta"), ("built_data_dependent", (8,), "cpu")):
        reference = parse_reference(f"{CASES}:{name}")
        assert reference is not None
        model = import_target(reference)
        monkeypatch.setattr(python, "import_target", lambda _, model=model: model)  # this very object
        before = {key: value.clone() for key, value in model.state_dict().items()}
        traced = python.trace_model(reference, [InputSpec(shape)], 1, "float32")
        assert traced.device == device, traced.notes
        assert all(p.device.type == "cpu" for p in model.parameters())
        assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())


def test_quantized_kernels_are_priced_by_their_packed_weights(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x8x8", f"{CASES}:quantized")
    assert data["device"] == "cpu" and data["warnings"] == []
    assert data["macs_by_kind"] == {"convolution": 6 * 6 * 8 * 27, "linear": 288 * 10}
    assert data["total_params"] == (8 * 27 + 8) + (288 * 10 + 10)  # the packed weights and biases
    assert data["outputs"] == {"output": [1, 10]}


EDGES = MODELS / "edges.py"


def test_a_caught_failure_is_neither_lost_work_nor_the_culprit(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "16", f"{EDGES}:Catching")
    assert data["total_macs"] == 16 * 40  # the work after the caught exception counts
    assert rows(data, "name", "notes") == [("bad", ["its forward raised, and the model went on"]), ("good", [])]
    code, _, err = cnncalc("trace", "--input", "16", f"{EDGES}:RaisesAfterCatching")
    assert code == 2
    assert err == (
        f"cnncalc: error: model got {EDGES}:RaisesAfterCatching, expected a forward pass that runs on 1 input(s): "
        "ValueError: my own check failed\n"
    )


def test_what_is_returned_is_the_output(cnncalc: Run) -> None:
    none = trace_json(cnncalc, "--input", "16", f"{EDGES}:ReturnsNone")
    assert (none["outputs"], none["output_shape"]) == ({}, [])
    code, _, err = cnncalc("trace", "--input", "16", f"{EDGES}:ReturnsNone", "--expect", "4")
    assert (code, err) == (2, "cnncalc: error: --expect got a shape, expected a model that returns a tensor: it "
                              "returned none\n")  # fmt: skip
    code, _, err = cnncalc("trace", "--input", "16", f"{EDGES}:ReturnsScalar", "--expect", "1")
    assert (code, err) == (2, "cnncalc: error: --expect got 1, expected a shape, but the output is a 0-dim tensor "
                              "(a scalar): drop --expect\n")  # fmt: skip
    fields = trace_json(cnncalc, "--input", "16", f"{EDGES}:ReturnsDataclass")
    assert fields["outputs"] == {"logits": [1, 4], "features": [1, 16]}


@pytest.mark.parametrize(
    ("model", "shape", "macs"),
    [
        ("Patched", "16", 16 * 16 + 16 * 2 + 2 * 16),  # the Linear and the adapter's two products
        ("OverridesConv", "3x8x8", 8 * 8 * 8 * 27),  # padded by its own _conv_forward
        ("Mapped", "4x16", 4 * 16 * 8),  # under vmap: the hooks see [16], the kernel the 4 samples
    ],
)
def test_replaced_computations_have_no_formula(cnncalc: Run, model: str, shape: str, macs: int) -> None:
    data = trace_json(cnncalc, "--input", shape, f"{EDGES}:{model}")
    assert data["total_macs"] == macs
    assert not any(row["computed"] for row in data["layers"])


def test_weight_normalised_layers_are_one_row_each(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "16", f"{EDGES}:Normalised")
    assert rows(data, "name", "params", "macs_by_kind", "computed") == [
        ("new", 8 + 8 * 16 + 8, {"linear": 16 * 8}, False),  # g, v and bias; not Linear's formula's count
        ("old", 4 + 4 * 8 + 4, {"linear": 8 * 4}, False),
    ]
    assert data["warnings"] == []


def test_tied_weights_of_a_built_model(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "8:int64", f"{EDGES}:tied")
    assert data["total_params"] == 100 * 16  # one weight, two modules
    assert data["outputs"] == {"output": [1, 8, 100]}


def test_lazy_layers(cnncalc: Run) -> None:
    assert trace_json(cnncalc, "--input", "16", f"{EDGES}:Lazy")["total_params"] == 16 * 8 + 8


def test_a_model_that_exits_or_prints(cnncalc: Run) -> None:
    code, out, err = cnncalc("trace", "--input", "4", f"{EDGES}:Exits", "--json")
    assert (code, out) == (2, "")
    assert (
        err
        == f"cnncalc: error: model got {EDGES}:Exits, expected a forward pass that runs on 1 input(s): SystemExit: 0\n"
    )
    code, out, err = cnncalc("trace", "--input", "16", f"{EDGES}:Prints", "--json")
    assert code == 0 and json.loads(out)["outputs"] == {"output": [1, 4]}  # stdout is the answer alone
    assert err == "x: (1, 16)\n"


def test_the_cpu_bound_refuses_before_allocating() -> None:
    import resource

    from cnncalc.network.models import parse_reference
    from cnncalc.network.trace import InputSpec

    reference = parse_reference(f"{EDGES}:Huge")
    assert reference is not None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CnnCalcError) as caught:
        python.trace_model(reference, [InputSpec((1,))], 1, "float32")
    assert "aten.clone would allocate 8,464,000,000 bytes more" in str(caught.value)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 1024 * 1024  # KiB: under 1 GiB more


def test_a_root_that_overrides_call(cnncalc: Run) -> None:
    assert trace_json(cnncalc, "--input", "16", f"{EDGES}:CallOverridden")["total_macs"] == 16 * 32 + 32 * 4


def test_scripted_modules_are_refused_in_one_line(cnncalc: Run) -> None:
    code, _, err = cnncalc("trace", "--input", "16", f"{EDGES}:Scripted")
    assert code == 2
    assert err.startswith(
        f"cnncalc: error: model got {EDGES}:Scripted, expected a model whose modules torch can hook (not scripted "
        "with torch.jit): linear (RecursiveScriptModule): "
    )


def test_each_model_file_gets_its_own_siblings() -> None:
    """Two model files that each import a sibling `blocks`, in one batch: each gets its own."""
    import io

    from cnncalc.batch import run_batch

    lines = [json.dumps({"cmd": "trace", "model": f"{MODELS}/pair/{side}/net.py:Net", "input": "8"}) for side in "ab"]
    out = io.StringIO()
    assert run_batch(lines, out) == 0
    assert [json.loads(line)["output_shape"] for line in out.getvalue().splitlines()] == [[1, 4], [1, 100]]


def test_a_path_with_a_space(cnncalc: Run, tmp_path: Path) -> None:
    folder = tmp_path / "my models"
    folder.mkdir()
    (folder / "net.py").write_text("from torch import nn\n\n\ndef net():\n    return nn.Linear(4, 2)\n")
    assert trace_json(cnncalc, "--input", "4", f"{folder}/net.py:net")["outputs"] == {"output": [1, 2]}


def test_flops_by_hand(cnncalc: Run) -> None:
    """The FLOPs rule on each operation of a small residual model, counted by hand."""
    cells = 4 * 8 * 8
    data = trace_json(cnncalc, "--input", "4x8x8", f"{CASES}:Residual")
    assert rows(data, "layer", "macs", "flops") == [
        ("Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))", cells * 36, 2 * cells * 36 + cells),
        ("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)", 0, 2 * cells),
        ("ReLU()", 0, cells),
        ("+", 0, cells),
        ("torch.flatten", 0, 0),
        ("Linear(in_features=256, out_features=10, bias=True)", cells * 10, 2 * cells * 10 + 10),
        ("torch.softmax", 0, 5 * 10),
    ]
    assert data["total_flops"] == sum(row["flops"] for row in data["layers"])
    assert data["flops_convention"].startswith("every arithmetic operation: 2 per multiply-accumulate")


def test_flops_of_a_chain_come_from_its_confirmation(cnncalc: Run) -> None:
    chain = "Conv2d(3, 8, 3) -> BatchNorm2d(8) -> ReLU() -> MaxPool2d(2) -> Flatten() -> Linear(_, 10)"
    data = trace_json(cnncalc, "--input", "3x10x10", chain)
    out = 8 * 8 * 8
    assert [row["flops"] for row in data["layers"]] == [
        2 * out * 27 + out, 2 * out, out, (out // 4) * 4, 0, 2 * 128 * 10 + 10,
    ]  # fmt: skip
    unconfirmed = trace_json(cnncalc, "--input", "3x10x10", chain, "--no-verify")
    assert unconfirmed["total_flops"] is None and {row["flops"] for row in unconfirmed["layers"]} == {None}


def test_an_lstm_counts_the_same_flops_on_every_device(cnncalc: Run) -> None:
    """On the CPU, oneDNN runs an LSTM layer as one kernel; on the meta device, step by step: the same FLOPs."""
    meta = trace_json(cnncalc, "--input", "5:int64", f"{CASES}:Tagger", "--input", "mask=5:bool")
    cpu = trace_json(cnncalc, "--input", "5:int64", f"{CASES}:Tagger", "--input", "mask=5:bool", "--device", "cpu")
    lstm = [next(r for r in data["layers"] if r["kind"] == "LSTM") for data in (meta, cpu)]
    assert lstm[0]["flops"] == lstm[1]["flops"] == 2 * 5 * 4 * 32 * (16 + 32) + 5 * 32 * 21
