"""The command line: parse, call the core, confirm, render. Nothing else.

Numbers are taken as text and read by the core, so that a bad value gets the
same one-line error as every other bad input (not Click's usage box).
"""

# No `from __future__ import annotations`: Typer would eval every annotation
# at each start-up.
import copy
import os
import sys
from typing import Annotated

import typer

from .errors import InvalidParameter
from .running import end_now, refuse_with_target, reporting, run_command
from .shell import choices, completion_option, print_version

app = typer.Typer(
    name="cnncalc",
    help="Shape calculator and layer inspector for CNNs and RNNs, confirmed by torch.",
    no_args_is_help=True,
    add_completion=False,  # cnncalc's own --show-completion/--install-completion take the shell by name (below)
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
# The window, shared by conv and pool (each command's defaults live on its Request, in cnncalc/commands).
F = Annotated[Text, typer.Option("--f", help="Kernel size F. " + PER_DIM, metavar="INT|AxB")]
P = Annotated[Text, typer.Option("--p", help="Padding P (default 0). " + PER_DIM, metavar="INT|AxB")]
Dilation = Annotated[Text, typer.Option("--dilation", help="Dilation d (default 1). " + PER_DIM, metavar="INT|AxB")]
# What every calculator does with its answer.
Expect = Annotated[Text, typer.Option("--expect", help="Exit 1 unless the output is this (3x3 or 16x3x3).")]
Explain = Annotated[bool, typer.Option("--explain", help="Show the arithmetic step by step.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")]
Verify = Annotated[bool, typer.Option("--verify/--no-verify", help="Confirm the answer with the torch layer.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the output shape, like 16x3x3.")]
# Pictures, and saving what was printed.
Show = Annotated[bool, typer.Option("--show", help="Draw it: the window over the padded input, or the cell.")]
Frames = Annotated[bool, typer.Option("--frames", help="With --show: one picture per window position.")]
Svg = Annotated[Text, typer.Option("--svg", help="Also save the output as an SVG picture.", metavar="FILE")]
Html = Annotated[Text, typer.Option("--html", help="Also save the output as an HTML page.", metavar="FILE")]
Animate = Annotated[
    Text, typer.Option("--animate", help="Save it animated, step by step: FILE.svg, or FILE.html.", metavar="FILE")
]
FramesDir = Annotated[
    Text, typer.Option("--frames-dir", help="Save one still SVG per step in DIR (made if missing).", metavar="DIR")
]
Speed = Annotated[Text, typer.Option("--speed", help="With --animate: seconds a step (0.8).", metavar="SECONDS")]
# Solving for a target size instead of computing one.
Target = Annotated[
    Text, typer.Option("--target", help="List every F, S, P, d that gives this output size. " + PER_DIM, metavar="OUT")
]
MaxF = Annotated[str, typer.Option("--max-f", help="With --target: the largest kernel tried.", metavar="INT")]
MaxS = Annotated[str, typer.Option("--max-s", help="With --target: the largest stride tried.", metavar="INT")]
MaxP = Annotated[str, typer.Option("--max-p", help="With --target: the largest padding tried.", metavar="INT")]
MaxD = Annotated[str, typer.Option("--max-dilation", help="With --target: the largest dilation tried.", metavar="INT")]


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", help="Print cnncalc's version.", is_eager=True, callback=print_version)
    ] = False,
    show_completion: Annotated[str | None, completion_option(install=False)] = None,
    install_completion: Annotated[str | None, completion_option(install=True)] = None,
) -> None:
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
    f: F = None,
    s: Annotated[Text, typer.Option("--s", help="Stride S (default 1). " + PER_DIM, metavar="INT|AxB")] = None,
    p: Annotated[
        Text,
        typer.Option(
            "--p",
            help="Padding P (default 0); 'same' or 'valid' as torch; 'same-tf' for TensorFlow's rule (any stride). "
            + PER_DIM,
            metavar="INT|AxB",
        ),
    ] = None,
    dilation: Dilation = None,
    groups: Annotated[
        Text, typer.Option("--groups", help="Groups g: each filter sees D/g channels (default 1).", metavar="INT")
    ] = None,
    no_bias: Annotated[bool, typer.Option("--no-bias", help="A layer without bias.")] = False,
    transposed: Annotated[bool, typer.Option("--transposed", help="A transposed convolution.")] = False,
    output_padding: Annotated[
        Text,
        typer.Option(
            "--output-padding", help="Extra output size of a transposed convolution (default 0).", metavar="INT|AxB"
        ),
    ] = None,
    target: Target = None,
    max_f: MaxF = "11",
    max_s: MaxS = "4",
    max_p: MaxP = "5",
    max_dilation: MaxD = "3",
    expect: Expect = None,
    explain: Explain = False,
    as_json: Json = False,
    verify: Verify = True,
    quiet: Quiet = False,
    show: Show = False,
    frames: Frames = False,
    svg: Svg = None,
    html: Html = None,
    animate: Animate = None,
    frames_dir: FramesDir = None,
    speed: Speed = None,
) -> None:
    """Convolution output size, parameters and MACs: (W − F + 2P)/S + 1 and F·F·D·K + K.

    Example: cnncalc conv --w 7 --f 3 --s 2
    """
    if target is not None:
        from .commands.solve import CONV_TARGET, ConvTargetRequest

        solving = ConvTargetRequest(
            w=w, h=h, d=d, input=input, dims=dims, target=target, max_f=max_f, max_s=max_s, max_p=max_p,
            max_dilation=max_dilation, f=f, s=s, p=p, dilation=dilation, k=k, transposed=transposed,
        )  # fmt: skip
        with reporting():
            refuse_with_target(
                explain, groups=groups, no_bias=no_bias, output_padding=output_padding, animate=animate,
                frames_dir=frames_dir, speed=speed,
            )  # fmt: skip
        run_command(CONV_TARGET, solving, verify, as_json, False, expect, quiet, show, svg, html, frames)
        return
    from .commands.conv import CONV, ConvRequest

    request = ConvRequest(
        w=w, h=h, d=d, input=input, dims=dims, k=k, f=f, s=s, p=p, dilation=dilation, groups=groups,
        no_bias=no_bias, transposed=transposed, output_padding=output_padding,
    )  # fmt: skip
    run_command(
        CONV, request, verify, as_json, explain, expect, quiet, show, svg, html, frames, animate, frames_dir, speed
    )


@app.command()
def pool(
    w: W = None,
    h: H = None,
    d: D = None,
    input: Input = None,
    dims: Dims = None,
    type: Annotated[
        str, typer.Option("--type", help="max, avg or lp.", metavar="KIND", autocompletion=choices("max avg lp"))
    ] = "max",
    f: F = None,
    s: Annotated[
        Text, typer.Option("--s", help="Stride S (default: the kernel). " + PER_DIM, metavar="INT|AxB")
    ] = None,
    p: P = None,
    dilation: Dilation = None,
    ceil: Annotated[bool, typer.Option("--ceil", help="torch's ceil_mode: round the window count up.")] = False,
    adaptive: Annotated[
        Text, typer.Option("--adaptive", help="Adaptive pooling to this output size. " + PER_DIM, metavar="OUT")
    ] = None,
    global_pool: Annotated[bool, typer.Option("--global", help="Global pooling: output 1 on every axis.")] = False,
    norm: Annotated[Text, typer.Option("--norm", help="LP pooling's p (default 2).", metavar="P")] = None,
    no_count_pad: Annotated[
        bool, typer.Option("--no-count-pad", help="Average pooling: count_include_pad=False.")
    ] = False,
    target: Target = None,
    max_f: MaxF = "11",
    max_s: MaxS = "4",
    max_p: MaxP = "5",
    max_dilation: MaxD = "3",
    expect: Expect = None,
    explain: Explain = False,
    as_json: Json = False,
    verify: Verify = True,
    quiet: Quiet = False,
    show: Show = False,
    frames: Frames = False,
    svg: Svg = None,
    html: Html = None,
    animate: Animate = None,
    frames_dir: FramesDir = None,
    speed: Speed = None,
) -> None:
    """Pooling output size: (W − F)/S + 1, D1 = D, no parameters; torch's edge rules included.

    Example: cnncalc pool --w 224 --f 2 --s 2 --d 64
    """
    if target is not None:
        from .commands.solve import POOL_TARGET, PoolTargetRequest

        solving = PoolTargetRequest(
            w=w, h=h, d=d, input=input, dims=dims, type=type, target=target, max_f=max_f, max_s=max_s, max_p=max_p,
            max_dilation=max_dilation, f=f, s=s, p=p, dilation=dilation, adaptive=adaptive, global_pool=global_pool,
            ceil=ceil,
        )  # fmt: skip
        with reporting():
            refuse_with_target(
                explain, norm=norm, no_count_pad=no_count_pad, animate=animate, frames_dir=frames_dir, speed=speed
            )
        run_command(POOL_TARGET, solving, verify, as_json, False, expect, quiet, show, svg, html, frames)
        return
    from .commands.pool import POOL, PoolRequest

    request = PoolRequest(
        w=w, h=h, d=d, input=input, dims=dims, type=type, f=f, s=s, p=p, dilation=dilation, ceil=ceil,
        adaptive=adaptive, global_pool=global_pool, norm=norm, no_count_pad=no_count_pad,
    )  # fmt: skip
    run_command(
        POOL, request, verify, as_json, explain, expect, quiet, show, svg, html, frames, animate, frames_dir, speed
    )


@app.command()
def lstm(
    hidden: Annotated[str, typer.Option("--hidden", help="Hidden size H.", metavar="INT")],
    input: Annotated[str, typer.Option("--input", help="Input feature size I of x_t.", metavar="INT")],
    cell: Annotated[
        str, typer.Option("--cell", help="lstm, gru or rnn.", metavar="KIND", autocompletion=choices("lstm gru rnn"))
    ] = "lstm",
    layers: Annotated[str, typer.Option("--layers", help="Stacked layers (num_layers).", metavar="INT")] = "1",
    bidirectional: Annotated[bool, typer.Option("--bidirectional", help="Run each layer both ways.")] = False,
    proj: Annotated[
        str, typer.Option("--proj", help="LSTM projection size P < H (proj_size; 0: none).", metavar="INT")
    ] = "0",
    no_bias: Annotated[bool, typer.Option("--no-bias", help="A layer without biases.")] = False,
    batch: Annotated[str, typer.Option("--batch", help="Batch size.", metavar="INT")] = "1",
    seq: Annotated[str, typer.Option("--seq", help="Sequence length.", metavar="INT")] = "1",
    batch_first: Annotated[bool, typer.Option("--batch-first", help="Tensors as \\[batch, seq, features].")] = False,
    nonlinearity: Annotated[
        str,
        typer.Option(
            "--nonlinearity",
            help="tanh or relu (plain RNN only).",
            metavar="NAME",
            autocompletion=choices("tanh relu"),
        ),
    ] = "tanh",
    expect: Annotated[Text, typer.Option("--expect", help="Exit 1 unless the output is this (64 or 1x1x64).")] = None,
    explain: Explain = False,
    as_json: Json = False,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Confirm shapes and the gate equations with the torch layer.")
    ] = True,
    quiet: Quiet = False,
    show: Show = False,
    svg: Svg = None,
    html: Html = None,
    animate: Animate = None,
    frames_dir: FramesDir = None,
    speed: Speed = None,
) -> None:
    """Per-gate shapes of an LSTM, GRU or RNN over \\[h_(t−1), x_t], and both parameter counts.

    Each gate's weight in the seed's form, where its rows live in torch's packed weights, and the gate
    equations checked numerically against the torch layer.

    Example: cnncalc lstm --hidden 64 --input 32
    """
    from .commands.lstm import LSTM, LstmRequest

    request = LstmRequest(
        hidden=hidden, input=input, cell=cell, layers=layers, bidirectional=bidirectional, proj=proj,
        no_bias=no_bias, batch=batch, seq=seq, batch_first=batch_first, nonlinearity=nonlinearity,
    )  # fmt: skip
    run_command(
        LSTM, request, verify, as_json, explain, expect, quiet, show, svg, html, False, animate, frames_dir, speed
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
            "--input",
            help="Input shape without batch, e.g. 3x32x32; with its dtype, 35:int64; a keyword argument of forward, "
            "mask=35:bool. Repeat for several inputs (positional ones in order).",
            metavar="[NAME=]SHAPE[:DTYPE]",
        ),
    ],
    batch: Annotated[str, typer.Option("--batch", help="Batch size added in front.", metavar="INT")] = "1",
    dtype: Annotated[
        Text,
        typer.Option(
            "--dtype",
            help="The dtype of inputs that name none: float32, float16, bfloat16, float64, int64, int32, int16, int8, "
            "uint8 or bool (default float32; int64 before Embedding).",
            autocompletion=choices("float32 float16 bfloat16 float64 int64 int32 int16 int8 uint8 bool"),
        ),
    ] = None,
    depth: Annotated[
        Text,
        typer.Option(
            "--depth",
            help="Show the module tree down to this depth, each block with its totals (0: the whole model in one "
            "row); without it, the rows.",
            metavar="N",
        ),
    ] = None,
    device: Annotated[
        str,
        typer.Option(
            "--device",
            help="Where a Python model runs: meta (no weights, no arithmetic), cpu, or auto (meta, and the CPU only "
            "when the model needs tensor values).",
            metavar="auto|meta|cpu",
            autocompletion=choices("auto meta cpu"),
        ),
    ] = "auto",
    expect: Annotated[
        Text,
        typer.Option(
            "--expect",
            help="Exit 1 unless the output is this (10, or 1x10 with batch; out=21x520x520 for a named one).",
        ),
    ] = None,
    as_json: Json = False,
    verify: Verify = True,
    quiet: Quiet = False,
) -> None:
    """A tensor's shape through a whole network, and the layer that breaks, with the fix.

    Each layer's output, parameters, MACs and receptive field, computed by cnncalc and confirmed by torch.

    Chain layers (allow-list): Conv/ConvTranspose 1-3d, every pooling, Linear, Flatten, Unflatten, BatchNorm,
    LayerNorm, GroupNorm, InstanceNorm, Dropout, activations, Identity, PReLU, Embedding,
    Zero/Constant/Reflection/Replication padding, Upsample, LSTM, GRU, RNN. `_` infers in_channels, in_features,
    input_size or num_features.

    A Python model runs once on the meta device (the CPU if it needs values); every aten operation is counted.

    Example: cnncalc trace --input 3x32x32 "Conv2d(3, 16, 3, padding=1) -> ReLU() -> Flatten() -> Linear(_, 10)"

    Example: cnncalc trace --input 3x224x224 "torchvision.models:resnet50(num_classes=10)"
    """
    from .commands.trace import TRACE, TraceRequest

    request = TraceRequest(model=model, input=input, batch=batch, dtype=dtype, device=device, depth=depth)
    run_command(TRACE, request, verify, as_json, False, expect, quiet)


@app.command()
def batch(
    file: Annotated[
        str, typer.Argument(help="A JSON Lines file of requests, or - for standard input.", metavar="FILE")
    ],
    verify: Verify = True,
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            help="Processes that answer a --no-verify batch side by side (default: one per CPU; 1: this one only).",
            metavar="N",
        ),
    ] = "auto",
) -> None:
    """Answer many requests: one JSON request a line in, one JSON answer a line out, in order.

    Each line: {"cmd": "conv", "w": 7, "f": 3, "s": 2}, with the command's options by their command-line
    names, and optionally "verify": false and "expect": "3x3". Exit code: 3 if any line disagreed with torch,
    else 2 if any line was bad, else 1 if any expectation was not met, else 0.
    """
    import gc

    from .batch import processes_for, run_batch

    gc.enable()  # the command line starts without it (cnncalc/entry.py); a batch may run for hours
    with reporting():
        processes = processes_for(jobs)
        # Bytes, a line at a time: a line that is not UTF-8 spoils itself only.
        if file == "-":
            # Someone typing: each answer as soon as its line is in, not a chunk of 1,000 at a time.
            processes = 1 if sys.stdin.isatty() else processes
            code = run_batch(sys.stdin.buffer, sys.stdout, verify, processes)
        else:
            try:
                handle = open(file, "rb")  # noqa: SIM115 - closed below, streamed meanwhile
            except OSError as error:
                raise InvalidParameter("file", file, "a readable file of JSON lines", error.strerror or "") from None
            with handle:
                code = run_batch(handle, sys.stdout, verify, processes)
    raise typer.Exit(code)


@app.command()
def schema(
    command: Annotated[
        str,
        typer.Argument(
            help="conv, pool, lstm, trace, solve or batch-error.",
            metavar="COMMAND",
            autocompletion=choices("conv pool lstm trace solve batch-error"),
        ),
    ],
) -> None:
    """Print the JSON Schema of what COMMAND --json prints (schema_version 1)."""
    import json

    from .schema import SCHEMAS

    with reporting():
        if command not in SCHEMAS:
            raise InvalidParameter("command", command, ", ".join(SCHEMAS))
        sys.stdout.write(json.dumps(SCHEMAS[command], indent=2) + "\n")


def app_for(args: list[str]) -> typer.Typer:
    """The app with only the command ``args`` name, when they start with one: Typer builds every command's
    options from its signature at each start-up, and one is all a run needs (~2 ms of the ~10 cnncalc adds to
    Python's start-up). Anything else (--help, completion, a misspelt command) gets the whole app."""
    if not args or "_CNNCALC_COMPLETE" in os.environ:
        return app
    named = [info for info in app.registered_commands if info.callback and info.callback.__name__ == args[0]]
    if not named:
        return app
    alone = copy.copy(app)
    alone.registered_commands = named
    return alone


def main() -> None:
    """Entry point: like ``app()``, but usage errors are one line too."""
    from .usage import run

    if "_CNNCALC_COMPLETE" in os.environ:  # the shell asks for completions: register typer's shells first
        from typer._completion_classes import completion_init

        completion_init()

    try:
        run(app_for(sys.argv[1:]))
    except SystemExit as done:
        end_now(done.code)
