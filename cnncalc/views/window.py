"""What convolution and pooling say alike about a window sliding along an axis: its padding, the cells it
leaves unread, the gaps between windows."""

from __future__ import annotations

from ..core.window import AxisGeometry
from .common import plural

# What an axis's cells are called in prose: rows along H, columns along W.
CELL_NAMES = {"W": "columns", "H": "rows", "Z": "planes"}


def padding_term(axis: AxisGeometry) -> str:
    if axis.pad_before == axis.pad_after:
        return f"2·{axis.pad_before}"
    return f"{axis.pad_before} + {axis.pad_after}"


def uncovered_note(axis: AxisGeometry) -> str:
    """Why the division is not whole, and what torch does about it ("" when nothing is left over)."""
    if not axis.remainder:
        return ""
    cells = CELL_NAMES[axis.label]
    quotient = axis.numerator / axis.stride
    text = (
        f"{axis.label}: {axis.numerator}/{axis.stride} = {quotient:g} is not a whole number; "
        f"torch floors it to {axis.numerator // axis.stride}, so "
    )
    if axis.uncovered_input:
        text += f"{plural(axis.uncovered_input, cells)} of input at the far edge "
        text += "are" if axis.uncovered_input != 1 else "is"
        text += " never covered by the kernel"
        padding_left = axis.remainder - axis.uncovered_input
        if padding_left:
            text += f" (and {plural(padding_left, cells)} of padding)"
    else:
        text += f"{plural(axis.remainder, cells)} of padding at the far edge "
        text += "are" if axis.remainder != 1 else "is"
        text += " never used"
        if axis.gap == 0 and axis.dilation == 1:  # else cells between windows or taps go unused too
            text += " (every input cell is covered)"
    return text


def gap_note(axis: AxisGeometry) -> str:
    if not axis.gap:
        return ""
    cells = CELL_NAMES[axis.label]
    return (
        f"{axis.label}: the stride {axis.stride} is larger than the window ({axis.span}), "
        f"so {plural(axis.gap, cells)} between consecutive windows {'is' if axis.gap == 1 else 'are'} skipped"
    )
