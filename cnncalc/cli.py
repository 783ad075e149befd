"""The command line: parse, call the core, confirm, render. Nothing else.

Numbers are taken as text and read by the core, so that a bad value gets the
same one-line error as every other bad input (not Click's usage box).
"""

# No `from __future__ import annotations`: Typer would eval every annotation
# at each start-up.
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from .errors import CnnCalcError, InvalidParameter

app = typer.Typer(
    name="cnncalc",
    help="Shape calculator and layer inspector for CNNs and RNNs, confirmed by torch.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

PER_DIM = "One value for every axis, or one per axis in torch order (3x5: H=3, W=5)."

Text = str | None
# The input, shared by every calculator.
W = Annotated[Text, typer.Option("--w", help="Input width W.", metavar="INT")]
H = Annotated[Text, typer.Option("--h", help="Input height H (default: --w, a square).", metavar="INT")]
D = Annotated[Text, typer.Option("--d", help="Input channels: the depth D (default 1).", metavar="INT")]
Input = Annotated[
    Text,
    typer.Option("--input", help="Input in torch order without batch: CxL, CxHxW or CxDxHxW.", metavar="SHAPE"),
]
Dims = Annotated[Text, typer.Option("--dims", help="1, 2 or 3 spatial axes with --w (default 2).", metavar="N")]
# What every calculator does with its answer.
Expect = Annotated[Text, typer.Option("--expect", help="Exit 1 unless the output is this (3x3 or 16x3x3).")]
Explain = Annotated[bool, typer.Option("--explain", help="Show the arithmetic step by step.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")]
Verify = Annotated[bool, typer.Option("--verify/--no-verify", help="Confirm the answer with the torch layer.")]


@contextmanager
def reporting() -> Iterator[None]:
    """Turn cnncalc's errors into one line on stderr and their exit code."""
    try:
        yield
    except CnnCalcError as error:
        sys.stderr.write(f"cnncalc: error: {error.describe('--')}\n")
        raise typer.Exit(error.exit_code) from None


def answer(
    geometry: Any,
    confirm: Callable[[Any], Any] | None,
    to_json: Callable[[Any, Any], dict[str, Any]],
    title: Callable[[Any], str],
    tables: Callable[[Any, Any], list[Any]],
    explain: Callable[[Any], list[str]] | None,
    as_json: bool,
    expect: Text,
    short: Callable[[tuple[int, ...]], tuple[int, ...]] = lambda shape: shape[1:],
    short_name: str = "the spatial size",
    full_name: str = "the whole shape without batch",
) -> None:
    """Confirm, print, then check --expect: the same last steps for every calculator."""
    from . import render
    from .values import check_expectation

    confirmation = confirm(geometry) if confirm else None
    if as_json:
        render.print_json(to_json(geometry, confirmation))
    else:
        render.print_table(title(geometry), tables(geometry, confirmation), explain(geometry) if explain else None)
    if expect is not None:
        check_expectation(expect, geometry.output_shape, short(geometry.output_shape), short_name, full_name)


@app.callback()
def main_callback() -> None:
    """Shape calculator and layer inspector for CNNs and RNNs, confirmed by torch.

    Exit codes: 0 ok, 1 --expect not met, 2 bad input or impossible geometry,
    3 cnncalc and torch disagree (a bug: please report it).
    """


@app.command()
def conv(
    w: W = None,
    h: H = None,
    d: D = None,
    input: Input = None,
    dims: Dims = None,
    k: Annotated[str, typer.Option("--k", help="Filters: output channels K.", metavar="INT")] = "1",
    f: Annotated[str, typer.Option("--f", help="Kernel size F. " + PER_DIM, metavar="INT|AxB")] = "1",
    s: Annotated[str, typer.Option("--s", help="Stride S. " + PER_DIM, metavar="INT|AxB")] = "1",
    p: Annotated[str, typer.Option("--p", help="Padding P, 'same' or 'valid'. " + PER_DIM, metavar="INT|AxB")] = "0",
    dilation: Annotated[str, typer.Option("--dilation", help="Dilation d. " + PER_DIM, metavar="INT|AxB")] = "1",
    groups: Annotated[
        str, typer.Option("--groups", help="Groups g: each filter sees D/g channels.", metavar="INT")
    ] = "1",
    no_bias: Annotated[bool, typer.Option("--no-bias", help="A layer without bias.")] = False,
    transposed: Annotated[bool, typer.Option("--transposed", help="A transposed convolution.")] = False,
    output_padding: Annotated[
        str, typer.Option("--output-padding", help="Extra output size of a transposed convolution.", metavar="INT|AxB")
    ] = "0",
    expect: Expect = None,
    explain: Explain = False,
    as_json: Json = False,
    verify: Verify = True,
) -> None:
    """Convolution output size, parameters and MACs: (W − F + 2P)/S + 1 and F·F·D·K + K.

    Example: cnncalc conv --w 7 --f 3 --s 2
    """
    from . import formulas, render
    from .conv import conv_geometry, make_conv_spec
    from .inputs import resolve_input

    with reporting():
        channels, size = resolve_input(w=w, h=h, d=d, dims=dims, input=input)
        spec = make_conv_spec(
            size=size,
            in_channels=channels,
            out_channels=k,
            kernel=f,
            stride=s,
            padding=p,
            dilation=dilation,
            groups=groups,
            bias=not no_bias,
            transposed=transposed,
            output_padding=output_padding,
        )
        geometry = conv_geometry(spec)
        confirm: Callable[[Any], Any] | None = None
        if verify:
            from .confirm import confirm_conv

            confirm = confirm_conv
        answer(
            geometry,
            confirm,
            render.conv_json,
            render.conv_title,
            render.conv_tables,
            formulas.explain_conv if explain else None,
            as_json,
            expect,
        )


@app.command()
def pool(
    w: W = None,
    h: H = None,
    d: D = None,
    input: Input = None,
    dims: Dims = None,
    type: Annotated[str, typer.Option("--type", help="max, avg or lp.", metavar="KIND")] = "max",
    f: Annotated[Text, typer.Option("--f", help="Kernel size F. " + PER_DIM, metavar="INT|AxB")] = None,
    s: Annotated[
        Text, typer.Option("--s", help="Stride S (default: the kernel). " + PER_DIM, metavar="INT|AxB")
    ] = None,
    p: Annotated[Text, typer.Option("--p", help="Padding P, at most F/2. " + PER_DIM, metavar="INT|AxB")] = None,
    dilation: Annotated[
        Text, typer.Option("--dilation", help="Dilation d (max pooling only). " + PER_DIM, metavar="INT|AxB")
    ] = None,
    ceil: Annotated[bool, typer.Option("--ceil", help="torch's ceil_mode: round the window count up.")] = False,
    adaptive: Annotated[
        Text, typer.Option("--adaptive", help="Adaptive pooling to this output size. " + PER_DIM, metavar="OUT")
    ] = None,
    global_pool: Annotated[bool, typer.Option("--global", help="Global pooling: output 1 on every axis.")] = False,
    norm: Annotated[Text, typer.Option("--norm", help="LP pooling's p (default 2).", metavar="P")] = None,
    no_count_pad: Annotated[
        bool, typer.Option("--no-count-pad", help="Average pooling: count_include_pad=False.")
    ] = False,
    expect: Expect = None,
    explain: Explain = False,
    as_json: Json = False,
    verify: Verify = True,
) -> None:
    """Pooling output size: (W − F)/S + 1, D1 = D, no parameters; torch's edge rules included.

    Example: cnncalc pool --w 224 --f 2 --s 2 --d 64
    """
    from . import formulas, render
    from .inputs import resolve_input
    from .pool import make_adaptive, make_pool_spec, pool_geometry, reject_with_adaptive

    with reporting():
        channels, size = resolve_input(w=w, h=h, d=d, dims=dims, input=input)
        geometry: Any
        if adaptive is not None or global_pool:
            reject_with_adaptive(
                global_pool=global_pool,
                adaptive=adaptive,
                f=f,
                s=s,
                p=p,
                dilation=dilation,
                ceil=ceil,
                norm=norm,
                no_count_pad=no_count_pad,
            )
            geometry = make_adaptive(
                size=size,
                output=1 if global_pool or adaptive is None else adaptive,
                channels=channels,
                kind=type,
                global_pool=global_pool,
            )
            explainer = None
        else:
            if f is None:
                raise InvalidParameter("f", "nothing", "a kernel size", "give --f, or --adaptive OUT or --global")
            spec = make_pool_spec(
                size=size,
                channels=channels,
                kind=type,
                kernel=f,
                stride=s,
                padding=0 if p is None else p,
                dilation=1 if dilation is None else dilation,
                ceil_mode=ceil,
                count_include_pad=not no_count_pad,
                norm=norm,
            )
            geometry = pool_geometry(spec)
            explainer = formulas.explain_pool
        confirm: Callable[[Any], Any] | None = None
        if verify:
            from .confirm import confirm_pool

            confirm = confirm_pool
        answer(
            geometry,
            confirm,
            render.pool_json,
            render.pool_title,
            render.pool_tables,
            explainer if explain else None,
            as_json,
            expect,
        )


@app.command()
def lstm(
    hidden: Annotated[str, typer.Option("--hidden", help="Hidden size H.", metavar="INT")],
    input: Annotated[str, typer.Option("--input", help="Input feature size I of x_t.", metavar="INT")],
    cell: Annotated[str, typer.Option("--cell", help="lstm, gru or rnn.", metavar="KIND")] = "lstm",
    layers: Annotated[str, typer.Option("--layers", help="Stacked layers (num_layers).", metavar="INT")] = "1",
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="Run each layer both ways.")] = False,
    proj: Annotated[
        str, typer.Option("--proj", help="LSTM projection size P < H (proj_size; 0: none).", metavar="INT")
    ] = "0",
    no_bias: Annotated[bool, typer.Option("--no-bias", help="A layer without biases.")] = False,
    batch: Annotated[str, typer.Option("--batch", help="Batch size.", metavar="INT")] = "1",
    seq: Annotated[str, typer.Option("--seq", help="Sequence length.", metavar="INT")] = "1",
    batch_first: Annotated[bool, typer.Option("--batch-first", help="Tensors as [batch, seq, features].")] = False,
    nonlinearity: Annotated[
        str, typer.Option("--nonlinearity", help="tanh or relu (plain RNN only).", metavar="NAME")
    ] = "tanh",
    expect: Annotated[Text, typer.Option("--expect", help="Exit 1 unless the output is this (64 or 1x1x64).")] = None,
    explain: Explain = False,
    as_json: Json = False,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Confirm shapes and the gate equations with the torch layer.")
    ] = True,
) -> None:
    """Per-gate shapes of an LSTM, GRU or RNN over \\[h_(t−1), x_t], and both parameter counts.

    Each gate's weight in the seed's form, where its rows live in torch's packed weights, and the gate
    equations checked numerically against the torch layer.

    Example: cnncalc lstm --hidden 64 --input 32
    """
    from . import formulas, render
    from .rnn import make_rnn_spec, rnn_geometry

    with reporting():
        spec = make_rnn_spec(
            hidden=hidden,
            input=input,
            cell=cell,
            layers=layers,
            bidirectional=bidirectional,
            proj=proj,
            bias=not no_bias,
            batch=batch,
            seq=seq,
            batch_first=batch_first,
            nonlinearity=nonlinearity,
        )
        geometry = rnn_geometry(spec)
        confirm: Callable[[Any], Any] | None = None
        if verify:
            from .confirm import confirm_rnn

            confirm = confirm_rnn
        answer(
            geometry,
            confirm,
            render.rnn_json,
            render.rnn_title,
            render.rnn_tables,
            formulas.explain_rnn if explain else None,
            as_json,
            expect,
            short=lambda shape: shape[-1:],
            short_name="the features",
        )


@app.command()
def trace(
    model: Annotated[
        str,
        typer.Argument(
            help='The network: a chain like "Conv2d(3, 16, 3) -> ReLU() -> Flatten() -> Linear(_, 10)", '
            "a file with one layer a line, or a Python model as path/to/file.py:Net or package.module:factory "
            "(this imports, so runs, that file's code).",
            metavar="MODEL",
        ),
    ],
    input: Annotated[
        list[str],
        typer.Option(
            "--input", help="Input shape without batch, e.g. 3x32x32; repeat for several inputs.", metavar="SHAPE"
        ),
    ],
    batch: Annotated[str, typer.Option("--batch", help="Batch size added in front.", metavar="INT")] = "1",
    dtype: Annotated[
        Text,
        typer.Option(
            "--dtype",
            help="float32, float16, bfloat16, float64, int64 or int32 (default float32; int64 before Embedding).",
        ),
    ] = None,
    expect: Annotated[
        Text, typer.Option("--expect", help="Exit 1 unless the output is this (10, or 1x10 with batch).")
    ] = None,
    as_json: Json = False,
    verify: Verify = True,
) -> None:
    """A tensor's shape through a whole network, and the layer that breaks, with the fix.

    Each layer's output, parameters, MACs and receptive field, computed by cnncalc and confirmed by torch.

    Layers (allow-list): Conv/ConvTranspose 1-3d, every pooling, Linear, Flatten, Unflatten, BatchNorm, LayerNorm,
    GroupNorm, InstanceNorm, Dropout, activations, Identity, PReLU, Embedding, Zero/Constant/Reflection/Replication
    padding, Upsample, LSTM, GRU, RNN. `_` infers in_channels, in_features, input_size or num_features.

    Example: cnncalc trace --input 3x32x32 "Conv2d(3, 16, 3, padding=1) -> ReLU() -> Flatten() -> Linear(_, 10)"
    """
    from . import render
    from .models import resolve_model
    from .trace import check_dtype, trace_chain
    from .values import parse_int, parse_shape

    with reporting():
        shapes = [parse_shape(text, "input", any_rank=True) for text in input]
        batch_size = parse_int(batch, "batch", 1, "a batch of at least 1")
        source = resolve_model(model)
        kind = check_dtype(source.dtype_default if dtype is None else dtype)
        check: Any = None
        if source.python:
            from .confirm import trace_model

            traced = trace_model(source.reference, shapes, batch_size, kind)
        else:
            traced = trace_chain(source.layers, shapes, batch_size, kind)
            if verify:
                from .confirm import confirm_chain

                check = confirm_chain(traced, source.layers)
        python_model = source.python
        answer(
            traced,
            lambda _: check,
            lambda t, c: render.trace_json(t, c, python_model),
            render.trace_title,
            lambda t, c: render.trace_tables(t, c, python_model),
            None,
            as_json,
            expect,
            short_name="without batch",
            full_name="with batch",
        )


def main() -> None:
    """Entry point: like ``app()``, but usage errors are one line too."""
    from .usage import run

    run(app)
