"""The command line: parse, call the core, confirm, render. Nothing else.

Numbers are taken as text and read by the core, so that a bad value gets the
same one-line error as every other bad input (not Click's usage box).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from .errors import CnnCalcError

app = typer.Typer(
    name="cnncalc",
    help="Shape calculator and layer inspector for CNNs and RNNs, confirmed by torch.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

INPUT_HELP = "Input size in torch order without batch: CxL (1D), CxHxW (2D) or CxDxHxW (3D)."
PER_DIM = "One value for every dimension, or one per dimension in torch order (3x5: H=3, W=5)."

Text = str | None


@contextmanager
def reporting() -> Iterator[None]:
    """Turn cnncalc's errors into one line on stderr and their exit code."""
    try:
        yield
    except CnnCalcError as error:
        sys.stderr.write(f"cnncalc: error: {error.describe('--')}\n")
        raise typer.Exit(error.exit_code) from None


@app.callback()
def main_callback() -> None:
    """Shape calculator and layer inspector for CNNs and RNNs, confirmed by torch.

    Exit codes: 0 ok, 1 --expect not met, 2 bad input or impossible geometry,
    3 cnncalc and torch disagree (a bug: please report it).
    """


@app.command()
def conv(
    w: Annotated[Text, typer.Option("--w", help="Input width W.", metavar="INT")] = None,
    h: Annotated[Text, typer.Option("--h", help="Input height H (default: --w, a square).", metavar="INT")] = None,
    d: Annotated[Text, typer.Option("--d", help="Input channels: the depth D (default 1).", metavar="INT")] = None,
    input: Annotated[Text, typer.Option("--input", help=INPUT_HELP, metavar="SHAPE")] = None,
    dims: Annotated[Text, typer.Option("--dims", help="1, 2 or 3 spatial dimensions with --w (default 2).")] = None,
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
    expect: Annotated[Text, typer.Option("--expect", help="Exit 1 unless the output is this (3x3 or 16x3x3).")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show the arithmetic step by step.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the table.")] = False,
    verify: Annotated[
        bool, typer.Option("--verify/--no-verify", help="Confirm the answer by building the torch layer.")
    ] = True,
) -> None:
    """Convolution output size, parameters and MACs: (W − F + 2P)/S + 1 and F·F·D·K + K.

    Example: cnncalc conv --w 7 --f 3 --s 2
    """
    from . import formulas, render
    from .conv import conv_geometry, make_conv_spec
    from .inputs import resolve_input
    from .values import check_expectation

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
        confirmation = None
        if verify:
            from .confirm import confirm_conv

            confirmation = confirm_conv(geometry)
        if as_json:
            render.print_json(render.conv_json(geometry, confirmation))
        else:
            render.print_table(
                render.conv_title(geometry),
                render.conv_rows(geometry, confirmation),
                formulas.explain_conv(geometry) if explain else None,
            )
        if expect is not None:
            check_expectation(expect, geometry.output_shape)


def main() -> None:
    """Entry point: like ``app()``, but usage errors are one line too."""
    from .usage import run

    run(app)
