"""Unit tests of the recurrent-layer shapes and counts."""

import pytest

from cnncalc.core.rnn import make_rnn_spec, rnn_geometry
from cnncalc.errors import InvalidParameter
from cnncalc.views.gates import gate_rows, params_formulas


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, 2_560),  # LSTM(10, 20): 4·(20·(20 + 10) + 2·20)
        ({"bias": False}, 2_400),
        ({"layers": 2}, 5_920),
        ({"bidirectional": True}, 5_120),
        ({"layers": 2, "bidirectional": True, "proj": 5}, 5_840),
        ({"cell": "gru"}, 1_920),
        ({"cell": "rnn"}, 640),
    ],
)
def test_known_counts(kwargs: dict[str, object], expected: int) -> None:
    assert rnn_geometry(make_rnn_spec(hidden=20, input=10, **kwargs)).params == expected  # type: ignore[arg-type]


def test_the_seed_counts_one_bias_per_gate() -> None:
    geometry = rnn_geometry(make_rnn_spec(hidden=64, input=32))
    assert geometry.params_one_bias == 4 * (64 * (64 + 32) + 64)
    assert geometry.params == 4 * (64 * (64 + 32) + 2 * 64)
    (_, seed), (_, torch_form) = params_formulas(geometry)
    assert seed == "4·(H·(H + I) + H) = 4·(64·(64 + 32) + 64) = 24,832"
    assert torch_form == "4·(H·(H + I) + 2H) = 4·(64·(64 + 32) + 2·64) = 25,088"


def test_gates_sit_in_torch_order() -> None:
    geometry = rnn_geometry(make_rnn_spec(hidden=64, input=32))
    rows = {row.name: row for row in gate_rows(geometry)}
    assert rows["forget gate"].torch == {
        "weight_ih": "weight_ih_l0[64:128]",
        "weight_hh": "weight_hh_l0[64:128]",
        "bias_ih": "bias_ih_l0[64:128]",
        "bias_hh": "bias_hh_l0[64:128]",
    }
    assert rows["input gate"].torch is not None and rows["input gate"].torch["weight_ih"] == "weight_ih_l0[0:64]"
    assert rows["candidate"].torch is not None and rows["candidate"].torch["weight_hh"] == "weight_hh_l0[128:192]"
    assert rows["output gate"].torch is not None and rows["output gate"].torch["bias_hh"] == "bias_hh_l0[192:256]"
    assert rows["forget gate"].weight_shape == (64, 96)  # [hidden, hidden + input]
    assert rows["forget gate"].output_shape == (1, 64)


def test_layers_above_the_first_read_directions_times_h() -> None:
    geometry = rnn_geometry(make_rnn_spec(hidden=20, input=10, layers=3, bidirectional=True, proj=5))
    shapes = {p.name: p.shape for p in geometry.parameters}
    assert shapes["weight_ih_l0"] == (80, 10)
    assert shapes["weight_ih_l1_reverse"] == (80, 10)  # 2 directions · proj 5
    assert shapes["weight_hh_l2"] == (80, 5)
    assert shapes["weight_hr_l2_reverse"] == (5, 20)


@pytest.mark.parametrize(
    ("kwargs", "output", "h_n", "c_n"),
    [
        ({}, (1, 1, 20), (1, 1, 20), (1, 1, 20)),
        ({"seq": 7, "batch": 3, "layers": 2, "bidirectional": True}, (7, 3, 40), (4, 3, 20), (4, 3, 20)),
        ({"seq": 7, "batch": 3, "batch_first": True, "proj": 4}, (3, 7, 4), (1, 3, 4), (1, 3, 20)),
        ({"cell": "gru", "seq": 2}, (2, 1, 20), (1, 1, 20), None),
    ],
)
def test_state_shapes(
    kwargs: dict[str, object],
    output: tuple[int, ...],
    h_n: tuple[int, ...],
    c_n: tuple[int, ...] | None,
) -> None:
    geometry = rnn_geometry(make_rnn_spec(hidden=20, input=10, **kwargs))  # type: ignore[arg-type]
    assert (geometry.output_shape, geometry.h_n_shape, geometry.c_n_shape) == (output, h_n, c_n)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"hidden": 0}, "hidden"),
        ({"hidden": -3}, "hidden"),
        ({"input": 0}, "input"),
        ({"input": "ten"}, "input"),
        ({"hidden": "2.5"}, "hidden"),
        ({"proj": 20}, "proj"),
        ({"proj": 30}, "proj"),
        ({"proj": -1}, "proj"),
        ({"proj": 5, "cell": "gru"}, "proj"),
        ({"proj": 5, "cell": "rnn"}, "proj"),
        ({"layers": 0}, "layers"),
        ({"batch": 0}, "batch"),
        ({"seq": 0}, "seq"),
        ({"cell": "transformer"}, "cell"),
        ({"nonlinearity": "relu"}, "nonlinearity"),
        ({"nonlinearity": "gelu", "cell": "rnn"}, "nonlinearity"),
    ],
)
def test_bad_options_name_their_parameter(kwargs: dict[str, object], param: str) -> None:
    options: dict[str, object] = {"hidden": 20, "input": 10, **kwargs}
    with pytest.raises(InvalidParameter) as caught:
        make_rnn_spec(**options)  # type: ignore[arg-type]
    assert caught.value.param == param
