"""Pictures in the terminal: a window sliding over a padded input, and the
inside of a recurrent cell. Plain text built from the geometry; no torch, no
rich (``--svg``/``--html`` export the same text through rich).

Symbols: ■ an input cell, · padding, × an input cell no window reads, ▣ the
cells one window reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.window import AxisGeometry, window_taps
from ..errors import InvalidParameter
from .table import width_of

if TYPE_CHECKING:
    from ..core.rnn import RnnGeometry

MAX_SIDE = 16  # the padded input must fit a terminal: 16 cells a side at most
INPUT, PAD, UNREAD, WINDOW = "■", "·", "×", "▣"


def _check(axes: tuple[AxisGeometry, ...]) -> None:
    if len(axes) > 2:
        raise InvalidParameter("show", "3D", "a 1D or 2D input: a 3D one does not fit a flat picture")
    for axis in axes:
        if axis.padded_size > MAX_SIDE:
            raise InvalidParameter(
                "show",
                f"{axis.label} = {axis.padded_size} padded",
                f"at most {MAX_SIDE} cells a side to draw",
                "try a smaller --w/--h: the arithmetic is the same",
            )


def _read(axis: AxisGeometry) -> set[int]:
    return {cell for i in range(axis.output) for cell in window_taps(axis, i)}


def _kind(axis: AxisGeometry, cell: int) -> str:
    inside = axis.pad_before <= cell < axis.pad_before + axis.size
    return "input" if inside else "pad"


def _grid(axes: tuple[AxisGeometry, ...], window: tuple[list[int], ...] | None = None) -> list[str]:
    rows_axis = axes[0] if len(axes) == 2 else None
    cols = axes[-1]
    read_cols = _read(cols)
    read_rows = _read(rows_axis) if rows_axis else {0}
    lines = ["    " + " ".join(f"{c % 10}" for c in range(cols.padded_size))]
    for r in range(rows_axis.padded_size if rows_axis else 1):
        cells = []
        for c in range(cols.padded_size):
            row_pad = rows_axis is not None and _kind(rows_axis, r) == "pad"
            if window is not None and c in window[-1] and (rows_axis is None or r in window[0]):
                symbol = WINDOW
            elif row_pad or _kind(cols, c) == "pad":
                symbol = PAD
            elif c not in read_cols or r not in read_rows:
                symbol = UNREAD
            else:
                symbol = INPUT
            cells.append(symbol)
        lines.append(f"{r:>3} " + " ".join(cells))
    return lines


def _output_grid(axes: tuple[AxisGeometry, ...], current: tuple[int, ...] | None = None) -> list[str]:
    rows = axes[0].output if len(axes) == 2 else 1
    cols = axes[-1].output
    lines = []
    for r in range(rows):
        cells = []
        for c in range(cols):
            here = current is not None and (c == current[-1]) and (len(axes) == 1 or r == current[0])
            cells.append(WINDOW if here else INPUT)
        lines.append(" ".join(cells))
    return lines


def _beside(left: list[str], right: list[str], gap: int = 6) -> list[str]:
    width = max(len(line) for line in left)
    right = ["", *right]  # under the column numbers' line
    height = max(len(left), len(right))
    return [
        ((left[i] if i < len(left) else "").ljust(width + gap) + (right[i] if i < len(right) else "")).rstrip()
        for i in range(height)
    ]


def window_picture(axes: tuple[AxisGeometry, ...], input_label: str = "input") -> list[str]:
    """The padded input with unread cells marked, the output beside it, and the
    window's positions along a row and a column."""
    _check(axes)
    sizes = "×".join(str(a.padded_size) for a in axes)
    outputs = "×".join(str(a.output) for a in axes)
    lines = [f"padded {input_label} {sizes}{' ' * 6}output {outputs}"]
    lines += _beside(_grid(axes), _output_grid(axes))
    lines.append(f"{INPUT} input   {PAD} padding   {UNREAD} input no window reads")
    for axis in reversed(axes):
        along = "a row" if axis.label == "W" else "a column"
        lines.append(f"Window positions along {along} ({axis.label}: kernel {axis.kernel}, stride {axis.stride}"
                     + (f", dilation {axis.dilation}" if axis.dilation > 1 else "") + "):")  # fmt: skip
        for i in range(axis.output):
            taps = set(window_taps(axis, i))
            cells = [
                WINDOW if c in taps else (PAD if _kind(axis, c) == "pad" else INPUT) for c in range(axis.padded_size)
            ]
            lines.append(f"{i:>3} " + " ".join(cells))
    return lines


def window_frames(axes: tuple[AxisGeometry, ...]) -> list[list[str]]:
    """One picture per window position, in the order the output is filled."""
    _check(axes)
    rows = range(axes[0].output) if len(axes) == 2 else [0]
    frames: list[list[str]] = []
    total = axes[0].output * axes[-1].output if len(axes) == 2 else axes[0].output
    for r in rows:
        for c in range(axes[-1].output):
            window = (
                (window_taps(axes[0], r), window_taps(axes[-1], c)) if len(axes) == 2 else (window_taps(axes[0], c),)
            )
            position = (r, c) if len(axes) == 2 else (c,)
            title = f"frame {len(frames) + 1}/{total}: output {position if len(axes) == 2 else c}"
            frames.append([title, *_beside(_grid(axes, window), _output_grid(axes, position))])
    return frames


def window_pictures(axes: tuple[AxisGeometry, ...], show: str) -> list[str]:
    """What --show prints: the window over the padded input ("picture"), or one frame a position ("frames")."""
    if show == "frames":
        return [line for frame in window_frames(axes) for line in ("", *frame)]
    return ["", *window_picture(axes)]


def cell_picture(geometry: RnnGeometry) -> list[str]:
    """The recurrent cell as the seed draws it, every edge labelled with its shape; joins computed from the
    labels' widths, so they line up whatever the sizes."""
    spec = geometry.spec
    b, big_h, h, x = spec.batch, spec.hidden, spec.h_size, spec.input_size
    state = f"[{b}, {big_h}]"
    joined = _join(f"h_(t−1) [{b}, {h}] ", f"x_t [{b}, {x}] ", f"[h_(t−1), x_t] [{b}, {h + x}]")
    lines = [f"{spec.cell.upper()} cell, layer 0 (batch {b}); the same for every step t", *joined]
    stem = " " * (width_of(joined[1]) - width_of(f"[h_(t−1), x_t] [{b}, {h + x}]") + 2)  # under the concatenation
    weight = f"[{big_h}, {h + x}]"
    if spec.cell == "lstm":
        gates = [("W_f", "b_f", "σ   ", "f_t"), ("W_i", "b_i", "σ   ", "i_t"), ("W_c", "b_c", "tanh", "c̃_t"),
                 ("W_o", "b_o", "σ   ", "o_t")]  # fmt: skip
        for n, (w, bias, act, out) in enumerate(gates):
            branch = "└─►" if n == len(gates) - 1 else "├─►"
            lines.append(f"{stem}{branch} {w} {weight}, {bias} ─► {act} ─► {out} {state}")
        lines += _join(f"c_(t−1) {state} ─► ⊙ f_t ", f"i_t {state} ⊙ c̃_t {state} ", f"+ ─► c_t {state}")
        tail = f"c_t {state} ─► tanh ─► ⊙ o_t ─► "
        if spec.proj:
            tail += f"{state} ─► W_hr [{spec.proj}, {big_h}] ─► h_t [{b}, {spec.proj}]"
        else:
            tail += f"h_t {state}"
        lines.append(tail)
    elif spec.cell == "gru":
        lines.append(f"{stem}├─► W_r {weight}, b_r ─► σ ─► r_t {state}")
        lines.append(f"{stem}└─► W_z {weight}, b_z ─► σ ─► z_t {state}")
        lines += _join(
            f"x_t ─► W_in [{big_h}, {x}] + b_in ", f"h_(t−1) ─► W_hn [{big_h}, {h}] + b_hn ─► ⊙ r_t ",
            f"+ ─► tanh ─► n_t {state}",
        )  # fmt: skip
        lines += _join(f"(1 − z_t) ⊙ n_t {state} ", f"z_t ⊙ h_(t−1) {state} ", f"+ ─► h_t {state}")
    else:
        activation = "relu" if spec.nonlinearity == "relu" else "tanh"
        lines.append(f"{stem}└─► W {weight}, b ─► {activation} ─► h_t {state}")
    return lines


def _join(upper: str, lower: str, result: str) -> list[str]:
    """Two edges meeting: ``upper ─┐`` over ``lower ─┴─► result``, the ┐ over the ┴ (widths, not characters:
    the tilde of c̃ takes no column)."""
    width = max(width_of(upper), width_of(lower))
    return [
        upper + "─" * (width - width_of(upper)) + "─┐",
        lower + "─" * (width - width_of(lower)) + "─┴─► " + result,
    ]
