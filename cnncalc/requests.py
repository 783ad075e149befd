"""One request — a command and its options by their command-line names — turned
into an answer. The CLI and batch mode both go through here, so a line of a
batch file means exactly what the same options mean on the command line.

Nothing here imports torch: confirmation is looked up in ``confirm`` only when
a request asks for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameter

Options = Mapping[str, Any]


@dataclass(frozen=True)
class Answer:
    """A computed result, torch's confirmation (None when not asked), and how to show them."""

    command: str
    result: Any
    confirmation: Any

    @property
    def handler(self) -> Command:
        return COMMANDS[self.command]

    def to_json(self) -> dict[str, Any]:
        return self.handler.to_json(self.result, self.confirmation)

    def print(self, explain: bool = False, show: str = "", svg: str | None = None, html: str | None = None) -> None:
        """The tables; ``show`` adds pictures ("picture" or "frames"); svg/html save it all."""
        from .views.output import Export, print_table

        handler = self.handler
        steps = handler.explain(self.result) if explain and handler.explain else None
        pictures = self.pictures(show) if show else None
        export = Export(svg, html) if svg or html else None
        print_table(handler.title(self.result), handler.tables(self.result, self.confirmation), steps, pictures, export)

    def pictures(self, show: str) -> list[str]:
        from .views import pictures

        if self.command == "lstm":
            return pictures.cell_picture(self.result)
        axes = getattr(self.result, "axes", None)
        if self.command not in ("conv", "pool") or not axes or not hasattr(axes[0], "stride"):
            raise InvalidParameter("show", "given", "conv, pool (not adaptive) or lstm", "drop --show")
        if getattr(getattr(self.result, "spec", None), "transposed", False):
            raise InvalidParameter("show", "given", "a forward convolution: a transposed one spreads its input")
        if show == "frames":
            return [line for frame in pictures.window_frames(axes) for line in ("", *frame)]
        return ["", *pictures.window_picture(axes)]

    def check_expectation(self, expect: Any) -> None:
        from .core.values import check_expectation

        handler = self.handler
        if handler.expect is not None:
            handler.expect(self.result, expect)
            return
        shape = self.result.output_shape
        check_expectation(expect, shape, handler.short(shape), handler.short_name, handler.full_name)


@dataclass(frozen=True)
class Command:
    options: dict[str, Any]  # every option and its default
    build: Callable[[dict[str, Any]], Any]
    confirm: Callable[[Any, dict[str, Any]], Any]
    to_json: Callable[[Any, Any], dict[str, Any]]
    title: Callable[[Any], str]
    tables: Callable[[Any, Any], list[Any]]
    explain: Callable[[Any], list[str]] | None = None
    short: Callable[[tuple[int, ...]], tuple[int, ...]] = lambda shape: shape[1:]
    short_name: str = "the spatial size"
    full_name: str = "the whole shape without batch"
    expect: Callable[[Any, Any], None] | None = None  # a command's own reading of --expect


def respond(command: str, given: Options, verify: bool = True) -> Answer:
    """Compute (and unless ``verify`` is false, confirm) one request."""
    handler = COMMANDS.get(command)
    if handler is None:
        raise InvalidParameter("cmd", command, f"one of {', '.join(COMMANDS)}")
    options = dict(handler.options)
    for key, value in given.items():
        name = key.replace("-", "_")
        if name not in options:
            raise InvalidParameter(name, value, f"an option of {command}: {', '.join(sorted(options))}")
        if value is not None:  # None: not given, the default stands
            options[name] = value
    result = handler.build(options)
    return Answer(command, result, handler.confirm(result, options) if verify else None)


def _input(o: dict[str, Any]) -> tuple[int, tuple[int, ...]]:
    """The input of conv and pool, from --w/--h/--d/--dims or --input."""
    from .core.inputs import resolve_input

    return resolve_input(w=o["w"], h=o["h"], d=o["d"], dims=o["dims"], input=o["input"])


def _conv(o: dict[str, Any]) -> Any:
    from .core.conv import conv_geometry, make_conv_spec

    channels, size = _input(o)
    spec = make_conv_spec(
        size=size,
        in_channels=channels,
        out_channels=o["k"],
        kernel=o["f"],
        stride=o["s"],
        padding=o["p"],
        dilation=o["dilation"],
        groups=o["groups"],
        bias=not _flag(o, "no_bias"),
        transposed=_flag(o, "transposed"),
        output_padding=o["output_padding"],
    )
    return conv_geometry(spec)


def _conv_target(o: dict[str, Any]) -> Any:
    from .core.solve import make_bounds, solve
    from .core.values import parse_int, parse_per_dim

    channels, size = _input(o)
    targets = parse_per_dim(o["target"], "target", len(size), 1, "a target size of at least 1")
    bounds = make_bounds(o["max_f"], o["max_s"], o["max_p"], o["max_dilation"])
    kind = o.get("kind") or ("transposed conv" if _flag(o, "transposed") else "conv")
    out_channels = parse_int(o.get("k", 1), "k", 1, "at least 1 filter") if kind.endswith("conv") else channels
    return solve(kind, size, targets, bounds, channels, out_channels)


def _pool_target(o: dict[str, Any]) -> Any:
    from .core.pool import parse_kind

    return _conv_target({**o, "kind": f"{parse_kind(o['type'])} pool"})


def _pool(o: dict[str, Any]) -> Any:
    from .core.pool import make_adaptive, make_pool_spec, pool_geometry, reject_with_adaptive

    channels, size = _input(o)
    global_pool = _flag(o, "global")
    if o["adaptive"] is not None or global_pool:
        reject_with_adaptive(
            global_pool=global_pool,
            adaptive=o["adaptive"],
            **{k: o[k] for k in ("f", "s", "p", "dilation", "ceil", "norm", "no_count_pad")},
        )
        output = 1 if global_pool else o["adaptive"]
        return make_adaptive(size=size, output=output, channels=channels, kind=o["type"], global_pool=global_pool)
    if o["f"] is None:
        raise InvalidParameter("f", "nothing", "a kernel size", "give --f, or --adaptive OUT or --global")
    spec = make_pool_spec(
        size=size,
        channels=channels,
        kind=o["type"],
        kernel=o["f"],
        stride=o["s"],
        padding=0 if o["p"] is None else o["p"],
        dilation=1 if o["dilation"] is None else o["dilation"],
        ceil_mode=_flag(o, "ceil"),
        count_include_pad=not _flag(o, "no_count_pad"),
        norm=o["norm"],
    )
    return pool_geometry(spec)


def _lstm(o: dict[str, Any]) -> Any:
    from .core.rnn import make_rnn_spec, rnn_geometry

    if o["hidden"] is None or o["input"] is None:
        missing = "hidden" if o["hidden"] is None else "input"
        raise InvalidParameter(missing, "nothing", f"--{missing}", "give --hidden and --input")
    spec = make_rnn_spec(
        hidden=o["hidden"],
        input=o["input"],
        cell=o["cell"],
        layers=o["layers"],
        bidirectional=_flag(o, "bidirectional"),
        proj=o["proj"],
        bias=not _flag(o, "no_bias"),
        batch=o["batch"],
        seq=o["seq"],
        batch_first=_flag(o, "batch_first"),
        nonlinearity=o["nonlinearity"],
    )
    return rnn_geometry(spec)


@dataclass(frozen=True)
class Traced:
    """A trace and what it was traced from (a chain's layers are needed to confirm it)."""

    trace: Any
    layers: list[Any]

    @property
    def python(self) -> bool:
        return bool(self.trace.python)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(self.trace.output_shape)


def _trace(o: dict[str, Any]) -> Traced:
    from .core.dtypes import check_dtype
    from .core.values import parse_int
    from .network.models import resolve_model
    from .network.trace import check_device, parse_input, trace_chain

    if o["model"] is None:
        raise InvalidParameter("model", "nothing", "a chain, a file of layers, or a Python model")
    if o["input"] is None:
        raise InvalidParameter("input", "nothing", "an input shape without batch, like 3x32x32")
    raw = o["input"]
    # One shape ("3x32x32" or [3, 32, 32]) or several (["35:int64", "mask=35:bool"], as --input repeated).
    several = isinstance(raw, (list, tuple)) and not all(isinstance(v, int) for v in raw)
    inputs = [parse_input(value) for value in (raw if several else [raw])]
    batch = parse_int(o["batch"], "batch", 1, "a batch of at least 1")
    device = check_device(o["device"])
    depth = None if o["depth"] is None else parse_int(o["depth"], "depth", 0, "a depth of 0 or more")
    source = resolve_model(str(o["model"]))
    dtype = check_dtype(source.dtype_default if o["dtype"] is None else str(o["dtype"]))
    if source.python is not None:
        from .tracing.python import trace_model

        return Traced(trace_model(source.python, inputs, batch, dtype, device).with_depth(depth), [])
    if len(inputs) != 1 or inputs[0].name:
        given = " ".join(spec.written() for spec in inputs)
        raise InvalidParameter("input", given, "one input, unnamed, for a chain", "give --input once, without NAME=")
    if device != "auto":
        raise InvalidParameter("device", device, "auto for a chain (--device chooses where a Python model runs)")
    traced = trace_chain(source.layers, [inputs[0].shape], batch, inputs[0].dtype or dtype)
    return Traced(traced.with_depth(depth), source.layers)


def _trace_expect(traced: Traced, expect: Any) -> None:
    """``10`` or ``1x10`` for the (first) output; ``out=21x520x520`` for a named one."""
    from .core.values import check_expectation
    from .errors import ExpectationNotMet

    trace = traced.trace
    name, equals, wanted = str(expect).partition("=") if isinstance(expect, str) else ("", "", expect)
    shape = trace.output_named(name.strip() if equals else "")
    if not shape:
        raise InvalidParameter(
            "expect", expect, "a shape, but the output is a 0-dim tensor (a scalar)", "drop --expect"
        )
    try:
        check_expectation(wanted if equals else expect, shape, shape[1:], "without batch", "with batch")
    except ExpectationNotMet as unmet:
        raise ExpectationNotMet(unmet.expected, unmet.got, name.strip() if equals else "") from None


def _flag(o: dict[str, Any], name: str) -> bool:
    value = o[name]
    if not isinstance(value, bool):
        raise InvalidParameter(name, value, "true or false")
    return value


def _confirm(name: str) -> Callable[[Any, dict[str, Any]], Any]:
    def confirm(result: Any, options: dict[str, Any]) -> Any:
        import importlib

        module = {"confirm_conv": "layers", "confirm_pool": "layers", "confirm_rnn": "rnn"}.get(name, "solutions")
        return getattr(importlib.import_module(f"cnncalc.confirm.{module}"), name)(result)

    return confirm


def _confirm_trace(traced: Traced, options: dict[str, Any]) -> Any:
    if traced.python:  # torch ran the model itself
        return None
    from .confirm.chain import confirm_chain

    return confirm_chain(traced.trace, traced.layers)


def _counted(traced: Traced, check: Any) -> Any:
    """The trace with a chain's FLOPs from its confirmation run, where it ran."""
    return traced.trace.with_flops(check.flops) if check is not None else traced.trace


def _render(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        import importlib

        module = {"conv": "conv", "pool": "pool", "rnn": "lstm", "solve": "solve"}[name.split("_")[0]]
        return getattr(importlib.import_module(f"cnncalc.views.{module}"), name)(*args)

    return call


def _trace_json(traced: Traced, check: Any) -> dict[str, Any]:
    from .views.trace import trace_json

    return trace_json(_counted(traced, check), check)


def _trace_title(traced: Traced) -> str:
    from .views.trace import trace_title

    return trace_title(traced.trace)


def _trace_tables(traced: Traced, check: Any) -> list[Any]:
    from .views.trace import trace_tables

    return trace_tables(_counted(traced, check), check)


def _explain(name: str) -> Callable[[Any], list[str]]:
    def call(result: Any) -> list[str]:
        from .views import conv, gates

        return getattr(conv if name == "explain_conv" else gates, name)(result)  # type: ignore[no-any-return]

    return call


def _explain_pool(result: Any) -> list[str]:
    from .core.pool import PoolGeometry
    from .views.pool import explain_pool

    return explain_pool(result) if isinstance(result, PoolGeometry) else []


_INPUT = {"w": None, "h": None, "d": None, "input": None, "dims": None}
_BOUNDS = {"target": None, "max_f": 11, "max_s": 4, "max_p": 5, "max_dilation": 3}

COMMANDS: dict[str, Command] = {
    "conv": Command(
        {
            **_INPUT,
            "k": 1,
            "f": 1,
            "s": 1,
            "p": 0,
            "dilation": 1,
            "groups": 1,
            "no_bias": False,
            "transposed": False,
            "output_padding": 0,
        },
        _conv,
        _confirm("confirm_conv"),
        _render("conv_json"),
        _render("conv_title"),
        _render("conv_tables"),
        _explain("explain_conv"),
    ),
    "pool": Command(
        {
            **_INPUT,
            "type": "max",
            "f": None,
            "s": None,
            "p": None,
            "dilation": None,
            "ceil": False,
            "adaptive": None,
            "global": False,
            "norm": None,
            "no_count_pad": False,
        },
        _pool,
        _confirm("confirm_pool"),
        _render("pool_json"),
        _render("pool_title"),
        _render("pool_tables"),
        _explain_pool,
    ),
    "lstm": Command(
        {
            "hidden": None,
            "input": None,
            "cell": "lstm",
            "layers": 1,
            "bidirectional": False,
            "proj": 0,
            "no_bias": False,
            "batch": 1,
            "seq": 1,
            "batch_first": False,
            "nonlinearity": "tanh",
        },
        _lstm,
        _confirm("confirm_rnn"),
        _render("rnn_json"),
        _render("rnn_title"),
        _render("rnn_tables"),
        _explain("explain_rnn"),
        short=lambda shape: shape[-1:],
        short_name="the features",
    ),
    "conv-target": Command(
        {**_INPUT, **_BOUNDS, "k": 1, "transposed": False},
        _conv_target,
        _confirm("confirm_solutions"),
        _render("solve_json"),
        _render("solve_title"),
        _render("solve_tables"),
    ),
    "pool-target": Command(
        {**_INPUT, **_BOUNDS, "type": "max"},
        _pool_target,
        _confirm("confirm_solutions"),
        _render("solve_json"),
        _render("solve_title"),
        _render("solve_tables"),
    ),
    "trace": Command(
        {"model": None, "input": None, "batch": 1, "dtype": None, "device": "auto", "depth": None},
        _trace,
        _confirm_trace,
        _trace_json,
        _trace_title,
        _trace_tables,
        expect=_trace_expect,
    ),
}
