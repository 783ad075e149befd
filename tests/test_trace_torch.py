"""The trace against real torch on the CPU.

- A ResNet-18-shaped Python model (tests/models/resnet.py): cnncalc's trace (run on the meta device, with hooks)
  against a real CPU forward pass of the same model with forward hooks on its leaf modules, call by call.
- Random sequential chains (hypothesis): cnncalc's own formulas (``trace_chain``) against an ``nn.Sequential`` of the
  same layers run on zeros on the CPU — the same shapes and parameters, or both refuse at the same layer.
- Python models that break: one line naming the module.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import Run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import torch_side

from cnncalc.commands.base import CLI
from cnncalc.confirm.chain import confirm_chain
from cnncalc.confirm.runtime import import_torch
from cnncalc.errors import CnnCalcError, InvalidParameter, LayerMismatch, TorchDisagreement
from cnncalc.network.chain import parse_chain
from cnncalc.network.models import parse_reference
from cnncalc.network.trace import InputSpec, Trace, trace_chain
from cnncalc.tracing.python import trace_model

pytestmark = pytest.mark.torch

torch = import_torch()
nn = torch.nn

MODELS = Path(__file__).parent / "models"
RESNET = MODELS / "resnet.py"


def trace_python(reference: str, *shapes: tuple[int, ...], batch: int = 1) -> Trace:
    parsed = parse_reference(reference)
    assert parsed is not None
    return trace_model(parsed, [InputSpec(shape) for shape in shapes], batch, "float32")


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"trace_test_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shapes(value: Any) -> list[tuple[int, ...]]:
    if isinstance(value, torch.Tensor):
        return [tuple(value.shape)]
    if isinstance(value, (tuple, list)):
        return [s for item in value for s in shapes(item)]
    return []


def cpu_calls(model: Any, *inputs: Any) -> list[tuple[str, tuple[int, ...], tuple[int, ...], int]]:
    """A real CPU forward pass with hooks on every leaf module: (qualified name, input, output, own params) per call."""
    names = {id(m): name for name, m in model.named_modules() if not any(True for _ in m.children())}
    calls: list[tuple[str, tuple[int, ...], tuple[int, ...], int]] = []

    def hook(module: Any, args: tuple[Any, ...], output: Any) -> None:
        own = sum(p.numel() for p in module.parameters(recurse=False))
        calls.append((names[id(module)], shapes(args)[0], shapes(output)[0], own))

    handles = [m.register_forward_hook(hook) for m in model.modules() if id(m) in names]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    return calls


# --- a ResNet-style Python model, call by call ------------------------------------------------------------------


@pytest.fixture(scope="module")
def resnet_module() -> ModuleType:
    return load(RESNET)


@pytest.mark.parametrize(("batch", "size"), [(1, 64), (2, 48), (1, 32)])
def test_resnet_trace_matches_a_real_cpu_forward_pass(resnet_module: ModuleType, batch: int, size: int) -> None:
    model = resnet_module.resnet18().eval()
    expected = cpu_calls(model, torch.zeros(batch, 3, size, size))
    traced = trace_python(f"{RESNET}:resnet18", (3, size, size), batch=batch)
    modules = [row for row in traced.rows if row.type == "module"]
    got = [(row.name, row.input_shape, row.output_shape, row.params) for row in modules]
    assert got == expected
    assert [row.index for row in traced.rows] == list(range(1, len(traced.rows) + 1))
    assert all(row.computed for row in modules)  # every leaf of a ResNet has a cnncalc formula
    # What the forwards do outside modules: each block's residual add, then the head's flatten.
    functions = [(row.name, row.layer) for row in traced.rows if row.type == "function"]
    assert functions == [(f"layer{s}.{b}", "+") for s in range(1, 5) for b in range(2)] + [("ResNet", "torch.flatten")]
    unique = sum(p.numel() for p in model.parameters())
    assert traced.total_params == traced.trainable_params == unique
    assert traced.output_shape == (batch, 10)


def test_resnet_topology(resnet_module: ModuleType) -> None:
    """The calls a ResNet-18 makes: stem, 8 blocks (3 with a downsample branch), each block's ReLU twice, head."""
    model = resnet_module.resnet18().eval()
    calls = cpu_calls(model, torch.zeros(1, 3, 64, 64))
    names = [name for name, *_ in calls]
    assert names[:4] == ["conv1", "bn1", "relu", "maxpool"]
    assert names[-2:] == ["avgpool", "fc"]
    assert names[4:11] == [
        "layer1.0.conv1",
        "layer1.0.bn1",
        "layer1.0.relu",
        "layer1.0.conv2",
        "layer1.0.bn2",
        "layer1.0.relu",
        "layer1.1.conv1",
    ]
    assert names.index("layer2.0.downsample.0") < names.index("layer2.0.downsample.1") < names.index("layer2.1.conv1")
    assert sum(name.endswith("downsample.0") for name in names) == 3
    assert sum(name.endswith(".relu") for name in names) == 16
    assert len(calls) == 4 + 8 * 6 + 3 * 2 + 2 == 60
    # 64 → conv1 32 → maxpool 16 → layer1 16 → layer2 8 → layer3 4 → layer4 2 → avgpool 1
    by_name = {name: out for name, _, out, _ in calls}
    assert by_name["maxpool"] == (1, 16, 16, 16)
    assert by_name["layer2.1.bn2"] == (1, 32, 8, 8)
    assert by_name["layer4.1.bn2"] == (1, 128, 2, 2)
    assert by_name["fc"] == (1, 10)


def test_resnet_via_cli_json(cnncalc: Run, resnet_module: ModuleType) -> None:
    model = resnet_module.resnet18().eval()
    expected = cpu_calls(model, torch.zeros(1, 3, 64, 64))
    code, out, err = cnncalc("trace", "--input", "3x64x64", f"{RESNET}:resnet18", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    rows = [r for r in data["layers"] if r["type"] == "module"]
    got = [(r["name"], tuple(r["input_shape"]), tuple(r["output_shape"]), r["params"]) for r in rows]
    assert got == expected
    assert all(r["computed"] and r["verified"] for r in rows)
    assert {r["layer"] for r in data["layers"] if r["type"] == "function"} == {"+", "torch.flatten"}
    assert data["total_params"] == sum(p.numel() for p in model.parameters())
    assert data["output_shape"] == [1, 10]
    assert data["verified"] is True
    # conv1: 16·(3·7·7) weights per output position, 32·32 positions, no bias.
    assert rows[0]["macs"] == 32 * 32 * 16 * 3 * 49
    assert rows[0]["params"] == 16 * 3 * 49


def test_shared_module_counts_once_but_calls_twice(resnet_module: ModuleType) -> None:
    model = resnet_module.Tied().eval()
    expected = cpu_calls(model, torch.zeros(1, 8))
    traced = trace_python(f"{RESNET}:Tied", (8,))
    modules = [r for r in traced.rows if r.type == "module"]
    assert [(r.name, r.input_shape, r.output_shape, r.params) for r in modules] == expected
    assert [(r.name, r.layer) for r in traced.rows] == [
        ("shared", "Linear(in_features=8, out_features=8, bias=True)"),
        ("Tied", "torch.relu"),
        ("shared", "Linear(in_features=8, out_features=8, bias=True)"),
        ("out", "Linear(in_features=8, out_features=2, bias=True)"),
    ]
    assert traced.total_params == sum(p.numel() for p in model.parameters()) == 72 + 18
    assert sum(r.params for r in modules) == 2 * 72 + 18  # per call, as torchinfo shows it


def test_module_without_formula_shows_torchs_shape(resnet_module: ModuleType) -> None:
    model = resnet_module.Shuffle().eval()
    expected = cpu_calls(model, torch.zeros(1, 3, 8, 8))
    traced = trace_python(f"{RESNET}:Shuffle", (3, 8, 8))
    assert [(r.name, r.input_shape, r.output_shape, r.params) for r in traced.rows] == expected
    assert [r.computed for r in traced.rows] == [True, False]
    assert traced.output_shape == (1, 3, 16, 16)


# --- Python models that break ------------------------------------------------------------------------------------


def test_linear_head_mismatch_names_the_module(cnncalc: Run) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", f"{RESNET}:BrokenHead")
    assert (code, out) == (2, "")
    assert err == (
        "cnncalc: error: head.fc (Linear) expects in_features=32 but receives 16: "
        "use Linear(in_features=16, out_features=10, bias=True)\n"
    )


def test_linear_head_mismatch_on_the_cpu_too(resnet_module: ModuleType) -> None:
    with pytest.raises(RuntimeError, match="16 and 32x10"):
        resnet_module.BrokenHead()(torch.zeros(1, 3, 8, 8))
    with pytest.raises(LayerMismatch) as caught:
        trace_python(f"{RESNET}:BrokenHead", (3, 8, 8))
    assert caught.value.layer == "head.fc (Linear)"


def test_resnet_given_the_wrong_channels(cnncalc: Run) -> None:
    code, out, err = cnncalc("trace", "--input", "1x64x64", f"{RESNET}:resnet18")
    assert (code, out) == (2, "")
    assert err == (
        "cnncalc: error: conv1 (Conv2d) expects in_channels=3 but receives 1 channels: "
        "use Conv2d(in_channels=1, out_channels=16, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), "
        "dilation=(1, 1), groups=1, bias=False, padding_mode='zeros')\n"
    )


def test_failure_outside_any_module_names_the_function(cnncalc: Run) -> None:
    """The add that breaks is no module, but the function mode saw it: the line names it, its owner and its inputs."""
    code, out, err = cnncalc("trace", "--input", "8x8x8", f"{RESNET}:BadResidual")
    assert (code, out) == (2, "")
    assert err.startswith(
        "cnncalc: error: + in BadResidual's forward expects inputs it can take (torch: RuntimeError: "
    )
    assert err.endswith(" but receives [1, 16, 8, 8], [1, 8, 8, 8]\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("Nope", "expected a name defined in {path}: Nope is not there"),
        (
            "BasicBlock",
            "expected a model that builds: TypeError: BasicBlock.__init__() missing 2 required positional arguments: "
            "'inplanes' and 'planes'",
        ),
    ],
)
def test_bad_reference_is_one_line(cnncalc: Run, name: str, line: str) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", f"{RESNET}:{name}")
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: model got {RESNET}:{name}, {line.format(path=RESNET)}\n"


# --- random chains against nn.Sequential on the CPU -----------------------------------------------------------------

INFER = "_"
Spec = tuple[str, list[Any], dict[str, Any]]  # a layer: class name, arguments (`_` to infer), keyword arguments
Case = tuple[tuple[int, int, int], list[Spec]]  # the input without batch, and the chain


def _call_text(kind: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    parts = [INFER if a == INFER else repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{kind}({', '.join(parts)})"


@st.composite
def chains(draw: st.DrawFn) -> Case:
    """A random sequential CNN: spatial layers, then maybe Flatten and a Linear head. Channels are tracked, so
    in_channels and num_features are mostly right (or `_`); spatial sizes are not, so some chains break."""
    channels = draw(st.integers(1, 4))
    side = st.one_of(st.integers(1, 32), st.integers(8, 32))  # small sides now and then, mostly room to shrink
    size = (channels, draw(side), draw(side))
    layers: list[Spec] = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["Conv2d", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "ReLU"]))
        kwargs: dict[str, Any] = {}
        if kind == "Conv2d":
            c_in: Any = draw(st.sampled_from([channels] * 8 + [INFER] * 3 + [channels + 1]))
            out = draw(st.integers(1, 6))
            kernel: Any = draw(st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 4), st.integers(1, 4))))
            if draw(st.integers(0, 3)) == 0:
                kwargs["stride"] = draw(st.integers(1, 3))
            if draw(st.integers(0, 2)) == 0:
                kwargs["padding"] = draw(st.one_of(st.integers(0, 3), st.just("same"), st.just("valid")))
            if draw(st.integers(0, 4)) == 0:
                kwargs["dilation"] = draw(st.integers(1, 3))
            if draw(st.integers(0, 5)) == 0:  # mostly a common divisor of both channel counts, sometimes not
                common = [g for g in (1, 2, 3) if channels % g == out % g == 0]
                kwargs["groups"] = draw(st.sampled_from([*common, *common, *common, 2]))
            if draw(st.integers(0, 4)) == 0:
                kwargs["bias"] = False
            layers.append((kind, [c_in, out, kernel], kwargs))
            channels = out
        elif kind in ("MaxPool2d", "AvgPool2d"):
            kernel = draw(st.integers(1, 4))
            if draw(st.booleans()):
                kwargs["stride"] = draw(st.integers(1, 3))
            if draw(st.integers(0, 2)) == 0:  # at most half the kernel, as torch wants, but now and then more
                kwargs["padding"] = draw(st.sampled_from([*range(kernel // 2 + 1)] * 6 + [2]))
            if kind == "MaxPool2d" and draw(st.integers(0, 4)) == 0:
                kwargs["dilation"] = draw(st.integers(1, 2))
            if draw(st.integers(0, 3)) == 0:
                kwargs["ceil_mode"] = True
            if kind == "AvgPool2d" and draw(st.integers(0, 3)) == 0:
                kwargs["count_include_pad"] = False
            layers.append((kind, [kernel], kwargs))
        elif kind == "BatchNorm2d":
            layers.append((kind, [draw(st.sampled_from([channels] * 8 + [INFER] * 3 + [channels + 1]))], kwargs))
        else:
            layers.append((kind, [], kwargs))
    if draw(st.booleans()):
        layers.append(("Flatten", [], {}))
        first: Any = draw(st.sampled_from([INFER] * 6 + [draw(st.integers(1, 64))]))
        hidden = draw(st.integers(1, 16))
        layers.append(("Linear", [first, hidden], {}))
        if draw(st.booleans()):
            layers.append(("ReLU", [], {}))
            layers.append(("Linear", [draw(st.sampled_from([hidden] * 3 + [INFER] * 2 + [hidden + 1])), 3], {}))
    return size, layers


def _torch_run(size: tuple[int, ...], layers: list[Spec]) -> tuple[list[Any], int]:
    """Build each layer (``_`` from the tensor it receives) and run zeros through them on the CPU, in eval mode.

    Returns [(output shape, params)] per layer that ran, and the index of the layer torch refused (or -1).
    """
    x = torch.zeros(1, *size)
    results: list[Any] = []
    for i, (kind, args, kwargs) in enumerate(layers):
        actual = [(x.shape[-1] if kind == "Linear" else x.shape[1]) if a == INFER else a for a in args]
        module, x = torch_side(lambda: getattr(nn, kind)(*actual, **kwargs).eval(), x)  # noqa: B023  (called at once)
        if module is None:
            return results, i
        results.append((tuple(x.shape), sum(p.numel() for p in module.parameters())))
    return results, -1


def _cnncalc_run(size: tuple[int, ...], text: str) -> tuple[list[Any], int, CnnCalcError | None]:
    layers = parse_chain(text)
    try:
        traced = trace_chain(layers, [size])
    except CnnCalcError as error:
        # Which layer refused: the shortest prefix that fails.
        for n in range(1, len(layers) + 1):
            try:
                traced = trace_chain(layers[:n], [size])
            except CnnCalcError:
                return [(row.output_shape, row.params) for row in traced.rows] if n > 1 else [], n - 1, error
        raise AssertionError("the whole chain failed but no prefix does") from error
    return [(row.output_shape, row.params) for row in traced.rows], -1, None


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_random_chains_match_torch(case: Case) -> None:
    size, layers = case
    text = " -> ".join(_call_text(*layer) for layer in layers)
    theirs, torch_refused = _torch_run(size, layers)
    ours, cnncalc_refused, error = _cnncalc_run(size, text)
    note = f"input {size}: {text}"
    assert cnncalc_refused == torch_refused, note
    assert ours == theirs, note
    if error is not None:
        assert isinstance(error, (LayerMismatch, InvalidParameter)), note
        assert error.exit_code == 2
        assert "\n" not in error.describe(CLI)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_random_valid_chains_confirmed_on_either_device(
    case: Case,
) -> None:
    """What the CLI does after tracing: every layer built and run on the CPU and on the meta device, agreeing row
    by row, the same FLOPs counted on both."""
    size, layers = case
    chain = parse_chain(" -> ".join(_call_text(*layer) for layer in layers))
    try:
        traced = trace_chain(chain, [size])
    except CnnCalcError:
        return
    if any(row.kind == "BatchNorm2d" and row.input_shape[0] * row.input_shape[2] * row.input_shape[3] == 1
           for row in traced.rows):  # fmt: skip
        return  # training-mode batch norm on one value per channel: see test_batchnorm_on_one_value_per_channel
    on_cpu, on_meta = confirm_chain(traced, chain, "cpu"), confirm_chain(traced, chain, "meta")
    assert (on_cpu.device, on_meta.device) == ("cpu", "meta")
    assert on_cpu == replace(on_meta, device="cpu")
    check = on_meta
    assert check.verified == (True,) * len(traced.rows)
    assert None not in check.flops, "every layer a chain can hold has a cost rule for each operation it runs"


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(chains(), st.sampled_from(["float16", "bfloat16", "float64"]))
def test_random_valid_chains_in_other_dtypes_confirmed_on_either_device(case: Case, dtype: str) -> None:
    """The same in half, bfloat16 and double precision: both devices agree, or the CPU lacks a kernel for the
    dtype and the chain goes to the meta device."""
    size, layers = case
    chain = parse_chain(" -> ".join(_call_text(*layer) for layer in layers))
    try:
        traced = trace_chain(chain, [size], dtype=dtype)
    except CnnCalcError:
        return
    if any(row.kind == "BatchNorm2d" and row.input_shape[0] * row.input_shape[2] * row.input_shape[3] == 1
           for row in traced.rows):  # fmt: skip
        return
    on_cpu, on_meta = confirm_chain(traced, chain, "cpu"), confirm_chain(traced, chain, "meta")
    assert on_meta.verified == (True,) * len(traced.rows) and on_meta.device == "meta"
    assert on_cpu == replace(on_meta, device=on_cpu.device) and on_cpu.device in ("cpu", "meta")


def test_lenet5_against_nn_sequential() -> None:
    lenet = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )  # fmt: skip
    traced = trace_chain(parse_chain((MODELS / "lenet5.txt").read_text()), [(1, 32, 32)])
    assert traced.total_params == sum(p.numel() for p in lenet.parameters()) == 61_706
    x = torch.zeros(1, 1, 32, 32)
    for module, row in zip(lenet, traced.rows, strict=True):
        x = module(x)
        assert row.output_shape == tuple(x.shape)
        assert row.params == sum(p.numel() for p in module.parameters())


# --- bugs found by these tests, now fixed: each kept as a regression test ----------------------------------------


def test_softmax_dim_out_of_range(cnncalc: Run) -> None:
    with pytest.raises(IndexError):
        nn.Softmax(dim=5)(torch.zeros(1, 192))
    code, out, err = cnncalc("trace", "--input", "3x8x8", "Flatten() -> Softmax(dim=5)")
    assert (code, out) == (2, "")
    assert err.startswith("cnncalc: error: Softmax #2 ")


def test_batchnorm_on_one_value_per_channel(cnncalc: Run) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", "Conv2d(3, 4, 8) -> BatchNorm2d(4)")
    assert code in (0, 2), err
    assert code == 0 or (out == "" and err.count("\n") == 1)


@pytest.mark.parametrize(
    "chain",
    [
        "ReLU(foo=1)",
        "Conv2d(3, 4, 3, padding_mode='evil')",
        "Conv2d(3, 4, '3')",
        "Conv2d(3, 4, 3.0)",
    ],
)
def test_arguments_torch_refuses_are_exit_2(cnncalc: Run, chain: str) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", chain)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1


# Chains that torch's CPU kernels refuse even in evaluation mode, which cnncalc's formulas once accepted (exit 0
# with --no-verify, exit 3 with confirmation). Found by a wider random search than the property test above.
REFUSED_BY_TORCH = [
    pytest.param("1x1x2", "Upsample(scale_factor=0.5)", id="upsample-to-zero"),  # cnncalc: [1, 1, 0, 1]
    pytest.param("2x11x3", "Conv2d(2, 2, 1, padding=3, padding_mode='reflect')", id="reflect-padding-too-large"),
    pytest.param("1x12x1", "Conv2d(1, 4, (2, 3), padding=2, padding_mode='circular')", id="circular-wraps-twice"),
    pytest.param("1x1x1", "GroupNorm(1, 1)", id="groupnorm-one-value"),
    pytest.param("4x1x1", "InstanceNorm2d(4)", id="instancenorm-one-element"),
    pytest.param("3x4x5", "InstanceNorm2d(4, track_running_stats=True)", id="instancenorm-running-stats-channels"),
    pytest.param("1x11x1", "ZeroPad2d((-2, 4, 0, 0))", id="negative-pad-past-the-edge"),
    pytest.param("1x9x7", "Unflatten(1, (1, -1)) -> ReplicationPad2d(4)", id="replication-pad-5d"),
]


@pytest.mark.parametrize(("input_shape", "chain"), REFUSED_BY_TORCH)
def test_torch_refuses_these_chains(input_shape: str, chain: str) -> None:
    """The reference for the test below: torch's CPU forward pass, in evaluation mode, raises."""
    model = nn.Sequential(*(getattr(nn, layer.kind)(*layer.args, **layer.kwargs) for layer in parse_chain(chain)))
    x = torch.zeros(1, *map(int, input_shape.split("x")))
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InstanceNorm warns that num_features is unused before it fails
        model.eval()(x)


@pytest.mark.parametrize("verify", ["--no-verify", "--verify"])
@pytest.mark.parametrize(("input_shape", "chain"), REFUSED_BY_TORCH)
def test_cnncalc_refuses_these_chains(cnncalc: Run, input_shape: str, chain: str, verify: str) -> None:
    code, out, err = cnncalc("trace", "--input", input_shape, chain, verify)
    assert (code, out) == (2, ""), (code, err)
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("device", "words"), [("cpu", "shapes cannot be multiplied (1x8 and 5x2)"), ("meta", "[1, 8] X [5, 2]")]
)
def test_a_chain_torch_refuses_names_the_layer_that_raised(device: str, words: str) -> None:
    traced = trace_chain(parse_chain("Linear(4, 8) -> ReLU() -> Linear(8, 2)"), [(4,)])
    wrong = parse_chain("Linear(4, 8) -> ReLU() -> Linear(5, 2)")  # as if cnncalc had let a mismatch through
    with pytest.raises(TorchDisagreement) as caught:
        confirm_chain(traced, wrong, device)
    assert caught.value.field == "Linear #3's validity"
    assert words in str(caught.value.theirs)  # each device's words for a shape mismatch
