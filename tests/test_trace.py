"""The trace command and its core: classic networks against their published counts, every kind of mismatch as one
line, hostile chains refused before anything runs, `_` inference, the receptive field, and --expect.

Most runs use --no-verify, so torch is never imported here; the tests marked `torch` confirm on the meta device.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, run_in_subprocess
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.errors import CnnCalcError, InvalidParameter, LayerMismatch
from cnncalc.network.chain import parse_chain, parse_layer
from cnncalc.network.models import resolve_model
from cnncalc.network.trace import trace_chain

MODELS = Path(__file__).parent / "models"

LENET5 = (
    "Conv2d(1, 6, 5) -> Tanh() -> AvgPool2d(2) -> Conv2d(6, 16, 5) -> Tanh() -> AvgPool2d(2) -> Flatten()"
    " -> Linear(400, 120) -> Tanh() -> Linear(120, 84) -> Tanh() -> Linear(84, 10)"
)


def trace_json(cnncalc: Run, *args: str) -> dict[str, Any]:
    code, out, err = cnncalc("trace", *args, "--json")
    assert (code, err) == (0, ""), err
    data: dict[str, Any] = json.loads(out)
    return data


def conv_macs(c_in: int, c_out: int, k: int, out: int) -> int:
    """A square convolution's multiply-accumulates, by hand: every output element takes c_in·k·k weights."""
    return c_out * out * out * c_in * k * k


# --- classic networks ----------------------------------------------------------------------------------------------


def test_lenet5_chain_matches_the_published_count(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "1x32x32", LENET5, "--no-verify")
    # C1 6·(25+1), C3 16·(6·25+1), C5 120·(400+1), F6 84·(120+1), output 10·(84+1); real torch agrees
    # (nn.Sequential of these layers: 61,706 — also checked in test_trace_torch.py).
    per_layer = [6 * 26, 16 * 151, 120 * 401, 84 * 121, 10 * 85]
    assert [row["params"] for row in data["layers"] if row["params"]] == per_layer
    assert data["total_params"] == sum(per_layer) == 61_706
    assert data["trainable_params"] == 61_706
    assert [row["output_shape"] for row in data["layers"]] == [
        [1, 6, 28, 28],
        [1, 6, 28, 28],
        [1, 6, 14, 14],
        [1, 16, 10, 10],
        [1, 16, 10, 10],
        [1, 16, 5, 5],
        [1, 400],
        [1, 120],
        [1, 120],
        [1, 84],
        [1, 84],
        [1, 10],
    ]
    assert data["output_shape"] == [1, 10]
    assert data["total_macs"] == conv_macs(1, 6, 5, 28) + conv_macs(6, 16, 5, 10) + 400 * 120 + 120 * 84 + 84 * 10
    assert data["param_bytes"] == 61_706 * 4
    assert data["verified"] is None
    assert all(row["verified"] is None for row in data["layers"])


@pytest.mark.torch
def test_lenet5_file_confirmed_by_torch(cnncalc: Run) -> None:
    """The chain file (with # comments) gives the same network, every layer built and run on the meta device."""
    data = trace_json(cnncalc, "--input", "1x32x32", str(MODELS / "lenet5.txt"))
    assert (data["total_params"], data["output_shape"], data["verified"]) == (61_706, [1, 10], True)
    assert [row["verified"] for row in data["layers"]] == [True] * 12
    assert [row["layer"] for row in data["layers"]][:4] == [
        "Conv2d(1, 6, 5)",
        "Tanh()",
        "AvgPool2d(2)",
        "Conv2d(6, 16, 5)",
    ]


@pytest.mark.torch
def test_lenet5_table_confirmed(cnncalc: Run) -> None:
    code, out, err = cnncalc("trace", "--input", "1x32x32", LENET5, env={"COLUMNS": "200"})
    assert (code, err) == (0, "")
    assert "61,706 (61,706 trainable, 0 not; shared weights counted once)" in out
    assert "every layer built and run on the CPU: 12 of 12 agree ✓" in out


def test_alexnet_as_torchvision_defines_it(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x224x224", str(MODELS / "alexnet.txt"), "--no-verify")
    assert data["total_params"] == 61_100_840
    assert data["output_shape"] == [1, 1000]
    shapes = {row["index"]: row["output_shape"] for row in data["layers"]}
    assert shapes[1] == [1, 64, 55, 55]  # (224 − 11 + 2·2)/4 + 1 = 55
    assert shapes[3] == [1, 64, 27, 27]
    assert shapes[4] == [1, 192, 27, 27]
    assert shapes[6] == [1, 192, 13, 13]
    assert shapes[11] == [1, 256, 13, 13]
    assert shapes[13] == [1, 256, 6, 6]  # already 6×6: the adaptive pool keeps it
    assert shapes[14] == [1, 256, 6, 6]
    assert shapes[15] == [1, 9216]
    params = [row["params"] for row in data["layers"] if row["params"]]
    assert params == [23_296, 307_392, 663_936, 884_992, 590_080, 37_752_832, 16_781_312, 4_097_000]
    convs = (
        conv_macs(3, 64, 11, 55)
        + conv_macs(64, 192, 5, 27)
        + conv_macs(192, 384, 3, 13)
        + conv_macs(384, 256, 3, 13)
        + conv_macs(256, 256, 3, 13)
    )
    assert data["total_macs"] == convs + 9216 * 4096 + 4096 * 4096 + 4096 * 1000 == 714_188_480


def test_vgg16_as_torchvision_defines_it(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x224x224", str(MODELS / "vgg16.txt"), "--no-verify")
    assert data["total_params"] == 138_357_544
    assert data["output_shape"] == [1, 1000]
    kinds = [row["kind"] for row in data["layers"]]
    assert (kinds.count("Conv2d"), kinds.count("MaxPool2d"), kinds.count("Linear")) == (13, 5, 3)
    pools = [row["output_shape"] for row in data["layers"] if row["kind"] == "MaxPool2d"]
    assert pools == [[1, 64, 112, 112], [1, 128, 56, 56], [1, 256, 28, 28], [1, 512, 14, 14], [1, 512, 7, 7]]
    flatten = next(row for row in data["layers"] if row["kind"] == "Flatten")
    assert flatten["output_shape"] == [1, 25_088]
    linears = [row["params"] for row in data["layers"] if row["kind"] == "Linear"]
    assert linears == [25_088 * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000]
    # torchvision's model card: 15.47 GFLOPS (multiply-accumulates, as here).
    assert data["total_macs"] == 15_470_264_320


def test_vgg16_batch_scales_shapes_and_macs_not_params(cnncalc: Run) -> None:
    one = trace_json(cnncalc, "--input", "3x224x224", str(MODELS / "vgg16.txt"), "--no-verify")
    four = trace_json(cnncalc, "--input", "3x224x224", str(MODELS / "vgg16.txt"), "--no-verify", "--batch", "4")
    assert four["total_params"] == one["total_params"]
    assert four["total_macs"] == 4 * one["total_macs"]
    assert four["activation_bytes"] == 4 * one["activation_bytes"]
    assert four["output_shape"] == [4, 1000]


def test_api_matches_cli_for_alexnet() -> None:
    source = resolve_model(str(MODELS / "alexnet.txt"))
    assert not source.python
    traced = trace_chain(source.layers, [(3, 224, 224)])
    assert (traced.total_params, traced.output_shape, len(traced.rows)) == (61_100_840, (1, 1000), 22)


# --- mismatches: one line, exit 2, nothing on stdout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("input_shape", "chain", "line"),
    [
        pytest.param(
            "3x32x32",
            "Conv2d(3, 32, 3, padding=1) -> ReLU() -> MaxPool2d(2) -> MaxPool2d(2) -> Flatten() -> Linear(1024, 10)",
            "Linear #6 expects in_features=1024 but receives 32·8·8 = 2048: use Linear(2048, 10), "
            "or put an AdaptiveAvgPool before Flatten to fix the size",
            id="linear-after-flatten",
        ),
        pytest.param(
            "3x32x32",
            "Conv2d(3, 64, 3) -> ReLU() -> Conv2d(3, 16, 3)",
            "Conv2d #3 expects in_channels=3 but receives 64 channels: use Conv2d(64, 16, 3)",
            id="conv-channels",
        ),
        pytest.param(
            "3x4x4",
            "Conv2d(3, 8, 7)",
            "Conv2d #1 expects a kernel no larger than the padded input on axis H, 4 + 0 = 4 "
            "(torch: kernel size can't be greater than actual input size) but receives [1, 3, 4, 4]: "
            "use padding=2 or more, or a kernel of at most 4",
            id="kernel-larger-than-input",
        ),
        pytest.param(
            "784",
            "Conv2d(1, 8, 3)",
            "Conv2d #1 expects a 4D input [N, C, H, W] but receives [1, 784] (2D): "
            "reshape it first (Flatten or Unflatten), or use the layer of the right dimensionality",
            id="2d-into-conv2d",
        ),
        pytest.param(
            "3x32x32",
            "Flatten() -> Conv2d(3, 8, 3)",
            "Conv2d #2 expects a 4D input [N, C, H, W] but receives [1, 3072] (2D): "
            "reshape it first (Flatten or Unflatten), or use the layer of the right dimensionality",
            id="flattened-into-conv2d",
        ),
        pytest.param(
            "16x28x28",
            "BatchNorm2d(8)",
            "BatchNorm2d #1 expects num_features=8 but receives 16 channels: use BatchNorm2d(16)",
            id="batchnorm-features",
        ),
    ],
)
@pytest.mark.parametrize("verify", ["--no-verify", "--verify"])
def test_mismatch_is_one_line_and_exit_2(cnncalc: Run, input_shape: str, chain: str, line: str, verify: str) -> None:
    # The check is cnncalc's own, before torch: the same line with and without confirmation.
    code, out, err = cnncalc("trace", "--input", input_shape, chain, verify)
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {line}\n"


def test_mismatch_raises_layer_mismatch_with_fields() -> None:
    layers = parse_chain("Conv2d(3, 32, 3, padding=1) -> MaxPool2d(4) -> Flatten() -> Linear(1024, 10)")
    with pytest.raises(LayerMismatch) as caught:
        trace_chain(layers, [(3, 32, 32)])
    error = caught.value
    assert (error.layer, error.expected, error.got, error.exit_code) == (
        "Linear #4",
        "in_features=1024",
        "32·8·8 = 2048",
        2,
    )
    assert isinstance(error.fix, str) and error.fix.startswith("use Linear(2048, 10)")


def test_linear_mismatch_without_spatial_flatten_suggests_no_pooling(cnncalc: Run) -> None:
    code, _, err = cnncalc("trace", "--input", "20", "Linear(20, 30) -> ReLU() -> Linear(20, 5)", "--no-verify")
    assert code == 2
    assert err == "cnncalc: error: Linear #3 expects in_features=20 but receives 30: use Linear(30, 5)\n"


# --- hostile chains: refused by the parser, nothing evaluated --------------------------------------------------------

NOT_A_BARE_CALL = "expected a call of a torch.nn layer by its bare name, like Conv2d(3, 16, 3): write Name(args)"
NOT_LITERAL = (
    "expected literal arguments only (numbers, strings, True/False/None, tuples, or _ to infer a size): "
    "nothing in a chain is evaluated"
)


@pytest.mark.parametrize(
    ("chain", "line"),
    [
        ("nn.Conv2d(1,2,3)", f"model got nn.Conv2d(1,2,3), {NOT_A_BARE_CALL}"),
        ("torch.nn.ReLU()", f"model got torch.nn.ReLU(), {NOT_A_BARE_CALL}"),
        ("Conv2d(3, int('4'), 3)", f"model got Conv2d(3, int('4'), 3), {NOT_LITERAL}"),
        ("lambda: Conv2d(1, 2, 3)", f"model got lambda: Conv2d(1, 2, 3), {NOT_A_BARE_CALL}"),
        ("(lambda: ReLU())()", f"model got (lambda: ReLU())(), {NOT_A_BARE_CALL}"),
        ("Conv2d(3, 8, (lambda: 3)())", f"model got Conv2d(3, 8, (lambda: 3)()), {NOT_LITERAL}"),
        (
            "Evil(1)",
            "model got Evil, expected a torch.nn layer cnncalc knows: see `cnncalc trace --help` for the list",
        ),
        (
            "Conv2d(3, 8, 3) -> exec('import os')",
            "model got exec, expected a torch.nn layer cnncalc knows: see `cnncalc trace --help` for the list",
        ),
        ("f'{1}'", f"model got f'{{1}}', {NOT_A_BARE_CALL}"),
        ("Conv2d(3, f'{8}', 3)", f"model got Conv2d(3, f'{{8}}', 3), {NOT_LITERAL}"),
        ("Conv2d(3, 8, 3)[0]", f"model got Conv2d(3, 8, 3)[0], {NOT_A_BARE_CALL}"),
        ("Conv2d(3, 8, (3, 5)[0])", f"model got Conv2d(3, 8, (3, 5)[0]), {NOT_LITERAL}"),
        (
            "Conv2d(3, 8, **{'kernel_size': 3})",
            "model got Conv2d(3, 8, **{'kernel_size': 3}), expected named arguments, not **",
        ),
        ("Conv2d(3, 8, *[3])", f"model got Conv2d(3, 8, *[3]), {NOT_LITERAL}"),
        ("Conv2d(3, (n := 8), 3)", f"model got Conv2d(3, (n := 8), 3), {NOT_LITERAL}"),
        ("Conv2d(3, 8, 3, padding=1 + 1)", f"model got Conv2d(3, 8, 3, padding=1 + 1), {NOT_LITERAL}"),
        ("Conv2d(3, 8, 3).__class__", f"model got Conv2d(3, 8, 3).__class__, {NOT_A_BARE_CALL}"),
        (
            "Conv2d(3, 8, 3); import os",
            "model got Conv2d(3, 8, 3); import os, expected a layer like Conv2d(3, 16, 3): "
            "check the brackets and commas",
        ),
    ],
)
def test_hostile_chain_is_refused(cnncalc: Run, chain: str, line: str) -> None:
    code, out, err = cnncalc("trace", "--input", "3x8x8", chain, "--no-verify")
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {line}\n"


def test_import_os_system_never_runs(tmp_path: Path) -> None:
    """In a fresh interpreter, with confirmation on: refused, the file not created, torch not even imported."""
    marker = tmp_path / "pwned_cnncalc"
    for chain in (
        f"__import__('os').system('touch {marker}')",
        f"Conv2d(3, 8, 3) -> ReLU() -> __import__('os').system('touch {marker}')",
        f"Conv2d(3, 8, __import__('os').system('touch {marker}'))",
    ):
        done = run_in_subprocess(
            "trace", "--input", "3x8x8", chain, code="print(status, 'torch' in sys.modules, file=sys.stderr)\n"
        )
        assert done.stdout == ""
        assert done.stderr.startswith("cnncalc: error: model got ")
        assert done.stderr.endswith("\n2 False\n")
        assert len(done.stderr.splitlines()) == 2
    assert not marker.exists()


def test_the_seed_marker_is_not_created(cnncalc: Run) -> None:
    marker = Path("/tmp/pwned_cnncalc")
    existed = marker.exists()
    code, out, err = cnncalc("trace", "--input", "3x8x8", "__import__('os').system('touch /tmp/pwned_cnncalc')")
    assert (code, out) == (2, "")
    assert err.startswith("cnncalc: error: model got __import__('os').system('touch /tmp/pwned_cnncalc'), ")
    assert marker.exists() == existed  # not created by this run (nothing else should have made it either)


def test_hostile_chain_file_is_refused(cnncalc: Run, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    chain = tmp_path / "net.txt"
    chain.write_text(f"Conv2d(3, 8, 3)\n# fine so far\n__import__('os').system('touch {marker}')\n")
    code, out, err = cnncalc("trace", "--input", "3x8x8", str(chain), "--no-verify")
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: model got __import__('os').system('touch {marker}'), {NOT_A_BARE_CALL}\n"
    assert not marker.exists()


def test_chain_file_with_comments(cnncalc: Run, tmp_path: Path) -> None:
    chain = tmp_path / "net.txt"
    chain.write_text(
        "# a small CNN, one layer a line\n"
        "\n"
        "Conv2d(3, 16, 3, padding=1)   # keeps 32x32\n"
        "ReLU() -> MaxPool2d(2)        # arrows on a line work too\n"
        "   # an indented comment\n"
        "Flatten()\n"
        "Linear(_, 10)  # in_features inferred: 16·16·16\n"
    )
    data = trace_json(cnncalc, "--input", "3x32x32", str(chain), "--no-verify")
    assert [row["layer"] for row in data["layers"]] == [
        "Conv2d(3, 16, 3, padding=1)",
        "ReLU()",
        "MaxPool2d(2)",
        "Flatten()",
        "Linear(4096, 10)",
    ]
    assert [row["index"] for row in data["layers"]] == [1, 2, 3, 4, 5]
    assert data["total_params"] == 16 * 27 + 16 + 4096 * 10 + 10


def test_arrow_inside_a_string_is_not_a_link() -> None:
    layers = parse_chain("Conv2d(3, 8, 3, padding_mode='zeros') -> ReLU()")
    assert [layer.kind for layer in layers] == ["Conv2d", "ReLU"]
    assert parse_layer("ReLU").kind == "ReLU"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_().,:=[]{}'\"*+-@ 0123456789\\\n#", max_size=60))
def test_parser_only_ever_raises_invalid_parameter(text: str) -> None:
    """Whatever the text, the parser returns allow-listed layers or raises InvalidParameter: no other exception."""
    try:
        layers = parse_chain(text)
    except InvalidParameter:
        return
    assert layers
    for layer in layers:
        assert layer.kind[0].isupper()


# --- `_`: inferred sizes --------------------------------------------------------------------------------------------


def test_inferred_sizes_in_json_and_layer_text(cnncalc: Run) -> None:
    data = trace_json(
        cnncalc,
        "--input",
        "3x32x32",
        "Conv2d(_, 8, 3) -> BatchNorm2d(_) -> ReLU() -> Flatten() -> Linear(_, 10) -> LayerNorm(_)",
        "--no-verify",
    )
    rows = data["layers"]
    assert [row["inferred"] for row in rows] == [
        {"in_channels": 3},
        {"num_features": 8},
        {},
        {},
        {"in_features": 7200},
        {"normalized_shape": 10},
    ]
    assert [row["layer"] for row in rows] == [
        "Conv2d(3, 8, 3)",
        "BatchNorm2d(8)",
        "ReLU()",
        "Flatten()",
        "Linear(7200, 10)",
        "LayerNorm(10)",
    ]
    assert [row["params"] for row in rows] == [224, 16, 0, 0, 72_010, 20]


def test_inferred_keyword_in_layer_text(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "6x10", "Linear(in_features=_, out_features=4)", "--no-verify")
    assert data["layers"][0]["layer"] == "Linear(in_features=10, out_features=4)"
    assert data["layers"][0]["inferred"] == {"in_features": 10}
    assert data["output_shape"] == [1, 6, 4]


def test_inferred_sizes_in_table(cnncalc: Run) -> None:
    code, out, err = cnncalc(
        "trace",
        "--input",
        "3x32x32",
        "Conv2d(_, 8, 3) -> Flatten() -> Linear(_, 10)",
        "--no-verify",
        env={"COLUMNS": "200"},
    )
    assert (code, err) == (0, "")
    assert "Conv2d(3, 8, 3)" in out
    assert "Linear(7200, 10)" in out
    assert "#1 in_channels=3, #3 in_features=7200" in out


@pytest.mark.torch
def test_inferred_sizes_confirmed_by_torch(cnncalc: Run) -> None:
    data = trace_json(cnncalc, "--input", "3x16x16", "Conv2d(_, 8, 3) -> BatchNorm2d(_) -> Flatten() -> Linear(_, 10)")
    assert data["verified"] is True
    assert data["total_params"] == 224 + 16 + 8 * 14 * 14 * 10 + 10


# --- the receptive field ---------------------------------------------------------------------------------------------


def test_receptive_field_by_hand(cnncalc: Run) -> None:
    # Distill's recurrence per axis, starting from r = 1, jump = 1 (one input pixel):
    #   r += (k − 1)·d·jump, then jump *= s.
    # Conv2d(3, 8, 3):                r = 1 + 2·1·1 = 3,  jump 1
    # Conv2d(8, 8, 3):                r = 3 + 2·1·1 = 5,  jump 1
    # MaxPool2d(2) (stride 2):        r = 5 + 1·1·1 = 6,  jump 1·2 = 2
    # Conv2d(8, 8, 3, dilation=2):    r = 6 + 2·2·2 = 14, jump 2
    # ReLU: unchanged; Flatten and Linear: no spatial field any more (null).
    data = trace_json(
        cnncalc,
        "--input",
        "3x32x32",
        "Conv2d(3, 8, 3) -> Conv2d(8, 8, 3) -> MaxPool2d(2) -> Conv2d(8, 8, 3, dilation=2) -> ReLU()"
        " -> Flatten() -> Linear(_, 10)",
        "--no-verify",
    )
    rows = data["layers"]
    assert [row["receptive_field"] for row in rows] == [[3, 3], [5, 5], [6, 6], [14, 14], [14, 14], None, None]
    assert [row["jump"] for row in rows] == [[1, 1], [1, 1], [2, 2], [2, 2], [2, 2], None, None]
    # 32 → 30 → 28 → 14 → 14 − 2·(3 − 1) = 10
    assert [row["output_shape"] for row in rows][:4] == [[1, 8, 30, 30], [1, 8, 28, 28], [1, 8, 14, 14], [1, 8, 10, 10]]


def test_receptive_field_per_axis_with_strides(cnncalc: Run) -> None:
    # H: k 7 s 2 → r 7, jump 2; pool k 3 s 2 → r 7 + 2·2 = 11, jump 4; conv k 3 → r 11 + 2·4 = 19.
    # W: k 1 s 1 → r 1, jump 1; pool k 3 s 2 → r 3, jump 2; conv k 3 → r 3 + 2·2 = 7.
    data = trace_json(
        cnncalc,
        "--input",
        "3x64x64",
        "Conv2d(3, 4, (7, 1), stride=(2, 1), padding=(3, 0)) -> MaxPool2d(3, stride=2, padding=1) -> Conv2d(4, 4, 3)",
        "--no-verify",
    )
    rows = data["layers"]
    assert [row["receptive_field"] for row in rows] == [[7, 1], [11, 3], [19, 7]]
    assert [row["jump"] for row in rows] == [[2, 1], [4, 2], [4, 2]]


def test_lenet_receptive_field() -> None:
    # 5 → pool: 5 + 1·1 = 6 (jump 2) → 6 + 4·2 = 14 → pool: 14 + 1·2 = 16 (jump 4): a C5 unit sees 16×16 of 32×32.
    traced = trace_chain(parse_chain(LENET5), [(1, 32, 32)])
    assert [row.receptive_field for row in traced.rows[:6]] == [(5, 5), (5, 5), (6, 6), (14, 14), (14, 14), (16, 16)]
    assert traced.rows[5].jump == (4, 4)


# --- --expect ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "err"),
    [
        (("--expect", "10"), 0, ""),
        (("--expect", "1x10"), 0, ""),
        (("--expect", "4x10", "--batch", "4"), 0, ""),
        (("--expect", "5"), 1, "cnncalc: error: --expect 5 not met: the output is 1x10\n"),
        (("--expect", "2x10"), 1, "cnncalc: error: --expect 2x10 not met: the output is 1x10\n"),
        (("--expect", "1x10", "--batch", "4"), 1, "cnncalc: error: --expect 1x10 not met: the output is 4x10\n"),
    ],
)
def test_expect(cnncalc: Run, args: tuple[str, ...], code: int, err: str) -> None:
    result = cnncalc("trace", "--input", "1x32x32", LENET5, "--no-verify", *args)
    assert (result[0], result[2]) == (code, err)
    assert result[1]  # the table is printed before the expectation is checked


def test_expect_with_json_still_prints_the_object(cnncalc: Run) -> None:
    code, out, err = cnncalc("trace", "--input", "1x32x32", LENET5, "--no-verify", "--json", "--expect", "7")
    assert code == 1
    assert json.loads(out)["output_shape"] == [1, 10]
    assert err == "cnncalc: error: --expect 7 not met: the output is 1x10\n"


# --- bad inputs ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--input", "3x8x8", "--batch", "0", "ReLU()"), "--batch got 0, expected a batch of at least 1"),
        (("--input", "3x8x8", "--dtype", "int4", "ReLU()"), "--dtype got int4, expected " + "float32, float16, "
         "bfloat16, float64, int64, int32, int16, int8, uint8, bool"),
        (("--input", "3x8x8:int4", "ReLU()"), "--input got int4, expected float32, float16, bfloat16, float64, "
         "int64, int32, int16, int8, uint8, bool"),
        (("--input", "3x8x8", "--input", "3x8x8", "ReLU()"), "--input got 3x8x8 3x8x8, expected one input, unnamed, "
         "for a chain: give --input once, without NAME="),
        (("--input", "x=3x8x8", "ReLU()"), "--input got x=3x8x8, expected one input, unnamed, for a chain: give "
         "--input once, without NAME="),
        (("--input", "3x8x8", "--device", "cpu", "ReLU()"), "--device got cpu, expected auto for a chain (--device "
         "chooses where a Python model runs)"),
        (("--input", "3x8x8", "--device", "gpu", "ReLU()"), "--device got gpu, expected auto, meta or cpu"),
        (("--input", "3x8x8", "  "), "model got '', expected at least one layer, like Conv2d(3, 16, 3) -> ReLU()"),
        (("--input", "3x8x8", "# only a comment"), "model got '# only a comment', expected at least one layer, "
         "like Conv2d(3, 16, 3) -> ReLU()"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    code, out, err = cnncalc("trace", *args, "--no-verify")
    assert (code, out) == (2, "")
    assert err == f"cnncalc: error: {line}\n"


def test_every_error_is_a_cnncalc_error() -> None:
    for chain, shape in (("Conv2d(3, 8, 9)", (3, 4, 4)), ("Linear(3, 2)", (4,)), ("Evil()", (1,))):
        with pytest.raises(CnnCalcError):
            trace_chain(parse_chain(chain), [shape])
