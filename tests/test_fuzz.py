"""Random and hostile input to every option, chain and batch line: cnncalc answers, or refuses in one line.

Exit codes stay in {0, 1, 2} (3 is kept for a disagreement with torch on valid input), a refusal is one line on
stderr, nothing ever prints a traceback, and batch mode answers every line it is given. Seeded (derandomized by
the conftest profile), so a failure replays; bounded, so make test stays quick.
"""

import io
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc.batch import run_batch
from cnncalc.network.layer import known_kinds

# Values a script or a person might send: numbers in every spelling, the edges of each range, other scripts'
# digits, separators, control characters, and plain noise.
HOSTILE = [
    "", " ", "0", "-1", "1", "2", "3", "7", "1e3", "1e12", "1e100", "1e999", "-1e999", "nan", "inf", "-inf", "1.5",
    "0.5", "3x", "x3", "3xx3", "3x5", "3x5x7", "3x5x7x9", "1_000", "0x10", "٧", "𝟕", "²", "\x00", "\t", "--", "-",
    "same", "valid", "same-tf", "max", "avg", "lp", "lstm", "gru", "rnn", "relu", "tanh", "true", "None", "_",
    "9" * 120, "3" * 5000,
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(-(10**6), 10**6).map(str),
    st.text(alphabet=string.printable, max_size=12),
)

OPTIONS = {
    "conv": ["--w", "--h", "--d", "--dims", "--input", "--k", "--f", "--s", "--p", "--dilation", "--groups",
             "--output-padding", "--target", "--max-f", "--max-s", "--max-p", "--max-dilation", "--expect"],
    "pool": ["--w", "--h", "--d", "--dims", "--input", "--type", "--f", "--s", "--p", "--dilation", "--norm",
             "--adaptive", "--target", "--expect"],
    "lstm": ["--hidden", "--input", "--layers", "--proj", "--batch", "--seq", "--cell", "--nonlinearity", "--expect"],
    "trace": ["--input", "--batch", "--dtype", "--depth", "--expect"],
}  # fmt: skip
FLAGS = {
    "conv": ["--transposed", "--no-bias", "--explain", "--show", "--frames", "--json", "--quiet"],
    "pool": ["--ceil", "--global", "--no-count-pad", "--explain", "--show", "--frames", "--json", "--quiet"],
    "lstm": ["--bidirectional", "--no-bias", "--batch-first", "--explain", "--show", "--json", "--quiet"],
    "trace": ["--json", "--quiet"],
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(OPTIONS)))
    args = [command]
    for option in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=5, unique=True)):
        args += [option, draw(VALUES)]
    args += draw(st.lists(st.sampled_from(FLAGS[command]), max_size=3, unique=True))
    if command == "trace":
        args.append(draw(st.one_of(st.sampled_from(["ReLU()", "Flatten()", "Conv2d(_, 4, 3)"]), VALUES)))
    return [*args, "--no-verify"]


def assert_answered_or_refused(code: int, err: str) -> None:
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    if code:
        assert err.startswith("cnncalc: error: ") and err.count("\n") == 1, err


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(command_lines())
def test_any_command_line_is_answered_or_refused_in_one_line(args: list[str]) -> None:
    code, err = entry_point(args)
    assert_answered_or_refused(code, err)


def entry_point(args: list[str]) -> tuple[int, str]:
    """Run ``cnncalc ARGS`` as its entry point does (usage errors are one line there too): (exit code, stderr)."""
    from contextlib import redirect_stderr, redirect_stdout

    from cnncalc.cli import app
    from cnncalc.usage import run

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            run(app, args)
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
        else:  # pragma: no cover - run always exits
            code = 0
    return code, err.getvalue()


# A chain layer: a known kind with literal arguments of every type, positional and by name.
LITERALS = st.recursive(
    st.one_of(
        st.integers(-3, 40),
        st.sampled_from([0, -1, 10**99, 10**100, 2**63]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
        st.sampled_from(["'same'", "'valid'", "'same-tf'", "'zeros'", "'circular'", "'nearest'", "'linear'", "'x'"]),
        st.just("_"),
    ),
    lambda inner: st.lists(inner, max_size=4).map(lambda xs: tuple(xs)),
    max_leaves=6,
)
KEYWORDS = ["stride", "padding", "dilation", "groups", "bias", "ceil_mode", "kernel_size", "output_size", "dim",
            "num_layers", "batch_first", "bidirectional", "proj_size", "scale_factor", "size", "mode", "p", "inplace",
            "eps", "affine", "start_dim", "end_dim", "negative_slope", "padding_mode", "divisor_override"]  # fmt: skip


def _literal(value: object) -> str:
    if isinstance(value, tuple):
        return "(" + "".join(f"{_literal(v)}, " for v in value) + ")"
    return str(value) if isinstance(value, str) else repr(value)


@st.composite
def chains(draw: st.DrawFn) -> str:
    links = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(sorted(known_kinds())))
        args = [_literal(v) for v in draw(st.lists(LITERALS, max_size=4))]
        kwargs = draw(st.dictionaries(st.sampled_from(KEYWORDS), LITERALS, max_size=2))
        links.append(f"{kind}({', '.join([*args, *(f'{k}={_literal(v)}' for k, v in kwargs.items())])})")
    return " -> ".join(links)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(chains(), st.sampled_from(["3x8x8", "3x16x16x16", "8", "5x3", "4x6", "1x1x1", "3x2x2", "7:int64"]))
def test_any_chain_is_traced_or_refused_in_one_line(chain: str, shape: str) -> None:
    code, err = entry_point(["trace", "--input", shape, chain, "--no-verify"])
    assert code in (0, 2), (chain, err)
    assert_answered_or_refused(code, err)
    assert "reached no check" not in err, (chain, err)  # every refusal here is a check's, not the last boundary's


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False), st.sampled_from(HOSTILE)
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=5,
)
KEYS = ["w", "h", "d", "dims", "input", "f", "s", "p", "k", "dilation", "groups", "type", "norm", "adaptive",
        "global", "ceil", "hidden", "layers", "cell", "batch", "seq", "proj", "target", "expect", "verify", "model",
        "no_bias", "no-count-pad", "transposed", "dtype", "depth"]  # fmt: skip


@st.composite
def batch_lines(draw: st.DrawFn) -> str | bytes:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=40)) + b"\n"
    if kind == 1:
        return draw(st.text(max_size=40)).replace("\n", " ") + "\n"
    request = draw(st.dictionaries(st.sampled_from(KEYS), JSON_VALUES, max_size=5))
    request["cmd"] = draw(st.sampled_from(["conv", "pool", "lstm", "trace", "conv-target", "pool-target", "x", 5]))
    request["verify"] = False
    return json.dumps(request) + "\n"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(batch_lines(), min_size=1, max_size=6))
def test_batch_answers_every_line(lines: list[str | bytes]) -> None:
    out = io.StringIO()
    code = run_batch(lines, out, verify=False)
    asked = [line for line in lines if not _blank(line)]
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code in (0, 1, 2)
    assert len(answers) == len(asked)
    for answer in answers:
        assert "error" in answer or "command" in answer
        assert "reached no check" not in str(answer.get("error", "")), answer


def _blank(line: str | bytes) -> bool:
    """A line that asks nothing (batch skips it): whitespace only, as text."""
    try:
        return not (line.decode("utf-8") if isinstance(line, bytes) else line).strip()
    except UnicodeDecodeError:
        return False


@pytest.mark.torch
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(chains(), st.sampled_from(["3x8x8", "8", "5x3", "4x6"]))
def test_and_confirmed_a_chain_is_never_a_false_disagreement(chain: str, shape: str) -> None:
    code, err = entry_point(["trace", "--input", shape, chain])
    assert code in (0, 2), (chain, err)
    assert_answered_or_refused(code, err)
