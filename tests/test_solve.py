"""Solving for a target size, and TensorFlow's "same", checked against torch."""

import itertools
import json

import pytest
from conftest import Run
from oracle import torch_side

from cnncalc.core.solve import SolveBounds, solve_axis, solve_transposed_axis
from cnncalc.core.window import tf_same

SMALL = SolveBounds(max_f=5, max_s=3, max_p=3, max_dilation=2)


def torch_out(size: int, f: int, s: int, p: int, d: int, kind: str = "conv", op: int = 0) -> int | None:
    """The length torch gives a 1-D layer, or None if it refuses it."""
    import torch

    def build() -> torch.nn.Module:
        if kind == "conv":
            return torch.nn.Conv1d(1, 1, f, s, p, d)
        if kind == "transposed":
            return torch.nn.ConvTranspose1d(1, 1, f, s, p, op, dilation=d)
        return torch.nn.MaxPool1d(f, s, p, d)

    layer, out = torch_side(build, (1, 1, size))
    return None if layer is None else int(out.shape[-1])


@pytest.mark.parametrize(("size", "target"), [(7, 3), (8, 4), (10, 5), (5, 5), (9, 2), (6, 1)])
@pytest.mark.torch
def test_every_solution_is_right_and_none_is_missing(size: int, target: int) -> None:
    listed = {(x.f, x.s, x.p, x.dilation) for x in solve_axis(size, target, SMALL)}
    every = {
        (f, s, p, d)
        for f, s, p, d in itertools.product(range(1, 6), range(1, 4), range(4), range(1, 3))
        if not (f == 1 and d > 1) and torch_out(size, f, s, p, d) == target
    }
    assert listed == every


@pytest.mark.parametrize(("size", "target"), [(8, 4), (7, 3), (12, 6)])
@pytest.mark.torch
def test_pool_solutions_follow_the_half_kernel_rule(size: int, target: int) -> None:
    listed = {(x.f, x.s, x.p, x.dilation) for x in solve_axis(size, target, SMALL, pooling=True)}
    every = {
        (f, s, p, d)
        for f, s, p, d in itertools.product(range(1, 6), range(1, 4), range(4), range(1, 3))
        if not (f == 1 and d > 1) and p <= f // 2 and torch_out(size, f, s, p, d, "pool") == target
    }
    assert listed == every


@pytest.mark.parametrize(("size", "target"), [(4, 8), (3, 7), (5, 10), (2, 2)])
@pytest.mark.torch
def test_transposed_solutions_and_their_output_padding(size: int, target: int) -> None:
    listed = {(x.f, x.s, x.p, x.dilation, x.output_padding) for x in solve_transposed_axis(size, target, SMALL)}
    every = {
        (f, s, p, d, op)
        for f, s, p, d in itertools.product(range(1, 6), range(1, 4), range(4), range(1, 3))
        for op in range(max(s, d))
        if not (f == 1 and d > 1) and torch_out(size, f, s, p, d, "transposed", op) == target
    }
    assert listed == every


def test_reading_every_input_counts_every_unread_cell() -> None:
    by_layer = {(x.f, x.s, x.p, x.dilation): x for x in solve_axis(224, 112)}
    assert by_layer[(2, 2, 0, 1)].reads_every_input
    assert by_layer[(1, 2, 0, 1)].unread == 112  # every other cell
    assert not by_layer[(1, 2, 0, 1)].reads_every_input


def test_ranking_is_stable_and_puts_whole_reads_first() -> None:
    first = solve_axis(224, 112)
    assert first == solve_axis(224, 112)
    assert [(x.f, x.s, x.p) for x in first[:3]] == [(2, 2, 0), (3, 2, 1), (4, 2, 1)]
    exact = [x.reads_every_input for x in first]
    assert exact == sorted(exact, reverse=True)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation", "output", "before", "after"),
    [
        (224, 7, 2, 1, 112, 2, 3),  # ResNet's stem in TensorFlow: total (112 − 1)·2 + 7 − 224 = 5
        (5, 3, 2, 1, 3, 1, 1),
        (8, 4, 1, 1, 8, 1, 2),  # even kernel: the odd cell after
        (10, 1, 3, 1, 4, 0, 0),  # padding never negative
        (7, 3, 1, 2, 7, 2, 2),
    ],
)
def test_tf_same_against_hand_computed_cases(
    size: int, kernel: int, stride: int, dilation: int, output: int, before: int, after: int
) -> None:
    same = tf_same(size, kernel, stride, dilation)
    assert (same.output, same.before, same.after) == (output, before, after)


@pytest.mark.torch
def test_same_tf_is_confirmed_with_zero_pad_when_uneven(cnncalc: Run) -> None:
    code, out, err = cnncalc(
        "conv", "--input", "3x224x224", "--k", "64", "--f", "7", "--s", "2", "--p", "same-tf", "--json"
    )
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert data["output_shape"] == [64, 112, 112]
    assert data["padding"] == [[2, 3], [2, 3]]
    assert (
        data["torch"]["layer"]
        == "torch.nn.ZeroPad2d((2, 3, 2, 3)) then torch.nn.Conv2d(3, 64, kernel_size=7, stride=2)"
    )
    # torch's real CPU layers agree
    import torch

    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        y = torch.nn.Conv2d(3, 64, 7, stride=2)(torch.nn.ZeroPad2d((2, 3, 2, 3))(x))
    assert list(y.shape[1:]) == data["output_shape"]


@pytest.mark.torch
def test_target_cli_json_and_confirmation(cnncalc: Run) -> None:
    code, out, err = cnncalc("conv", "--input", "3x224x224", "--k", "64", "--target", "112", "--json")
    data = json.loads(out)
    assert (code, err) == (0, "")
    assert data["solutions"][0] == {
        "f": 2,
        "s": 2,
        "p": 0,
        "dilation": 1,
        "exact": True,
        "every_input_read": True,
        "unread_input": 0,
        "many_to_one": True,
    }
    assert (data["confirmed"], data["verified"]) == (10, True)
    assert data["torch"][1] == "torch.nn.Conv2d(3, 64, kernel_size=3, stride=2, padding=1)"


@pytest.mark.torch
def test_target_per_axis_when_axes_differ(cnncalc: Run) -> None:
    code, out, _ = cnncalc("pool", "--input", "8x12x9", "--target", "6x3", "--json", "--no-verify")
    data = json.loads(out)
    assert code == 0 and data["per_axis"] is True
    assert set(data["solutions"]) == {"H", "W"}
    assert all(torch_out(12, x["f"], x["s"], x["p"], x["dilation"], "pool") == 6 for x in data["solutions"]["H"])
    assert all(torch_out(9, x["f"], x["s"], x["p"], x["dilation"], "pool") == 3 for x in data["solutions"]["W"])


def test_unreachable_target_says_which_bound_to_raise(cnncalc: Run) -> None:
    code, out, err = cnncalc("conv", "--w", "224", "--target", "10", "--no-verify")
    assert (code, out) == (2, "")
    assert err == (
        "cnncalc: error: --target got 10, expected a size reachable from 224 on axis H with F ≤ 11, S ≤ 4, P ≤ 5, "
        "d ≤ 3: raise --max-f, --max-s, --max-p or --max-dilation\n"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("conv", "--w", "224", "--target", "112", "--f", "3"), "--f got 3, expected no --f with --target: drop one"),
        (
            ("pool", "--w", "224", "--target", "112", "--ceil"),
            "--ceil got given, expected no --ceil with --target: drop one",
        ),
    ],
)
def test_options_that_set_the_window_are_refused_with_target(cnncalc: Run, args: tuple[str, ...], line: str) -> None:
    assert cnncalc(*args) == (2, "", f"cnncalc: error: {line}\n")
