"""A window sliding along one axis: the arithmetic convolution and pooling share.

Along an axis of W cells, padded by P_before and P_after, a window of F taps
d apart spans d·(F − 1) + 1 cells and moves S at a time. torch counts the
positions as ⌊(W + P_before + P_after − span)/S⌋ + 1, or with ceil_mode as
⌈…⌉ + 1 less one when the last window would start in the right padding.
TensorFlow's "same" padding (``tf_same``) is the window run from its output.

>>> slide("W", 7, 3, 2).output
3
>>> slide("W", 6, 2, 4, 1, 1, ceil_mode=True).ceil_dropped  # torch drops a window here
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidParameter

# Axis names in torch order. D is the seed's channel depth, so the third
# spatial axis (torch's D) is called Z here.
AXIS_LABELS: dict[int, tuple[str, ...]] = {1: ("W",), 2: ("H", "W"), 3: ("Z", "H", "W")}


@dataclass(frozen=True)
class AxisGeometry:
    """The output size along one spatial axis, with every term of the formula."""

    label: str
    size: int
    kernel: int
    stride: int
    pad_before: int
    pad_after: int
    dilation: int
    span: int  # d·(F − 1) + 1: the input extent one window covers
    numerator: int  # W + P_before + P_after − span (transposed conv: (W − 1)·S)
    output: int
    remainder: int  # padded cells past the last window (0 when ceil_mode keeps a partial window)
    uncovered_input: int  # of those, the input (not padding) cells
    gap: int  # S − span when the stride exceeds the window: cells skipped between windows
    output_padding: int = 0  # transposed convolutions only
    ceil_mode: bool = False
    ceil_dropped: bool = False  # ceil_mode's extra window would start in the right padding

    @property
    def padded_size(self) -> int:
        return self.size + self.pad_before + self.pad_after

    @property
    def exact(self) -> bool:
        """The stride divides the room to slide: no rounding, floor or ceil."""
        return self.numerator >= 0 and self.numerator % self.stride == 0


def slide(
    label: str,
    size: int,
    kernel: int,
    stride: int,
    pad_before: int = 0,
    pad_after: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> AxisGeometry:
    """Count a window's positions along one axis, as torch does.

    The output may come out below 1 (the window does not fit): callers decide
    how to refuse it, since convolution and pooling word it differently.
    """
    span = dilation * (kernel - 1) + 1
    numerator = size + pad_before + pad_after - span
    dropped = False
    if ceil_mode:
        output = -(-numerator // stride) + 1
        # A window may start in the input or the left padding, never in the right padding.
        if output > 1 and (output - 1) * stride >= size + pad_before:
            output -= 1
            dropped = True
    else:
        output = numerator // stride + 1
    # Floor mode, or a ceil_mode window dropped (back to the floor): cells past
    # the last window go unused. A kept partial window covers them.
    remainder = numerator % stride if numerator >= 0 and (not ceil_mode or dropped) else 0
    uncovered = remainder - pad_after if remainder > pad_after else 0
    gap = stride - span if stride > span else 0
    # Positionally, in the fields' order: batch mode builds two or three of these a line.
    return AxisGeometry(
        label, size, kernel, stride, pad_before, pad_after, dilation, span, numerator, output, remainder, uncovered,
        gap, 0, ceil_mode, dropped,
    )  # fmt: skip


def window_taps(axis: AxisGeometry, i: int) -> list[int]:
    """The padded cells window i reads along one axis (past the padded input for ceil_mode's extra window).

    >>> window_taps(slide("W", 9, 3, 3, dilation=2), 1)
    [3, 5, 7]
    """
    return [i * axis.stride + j * axis.dilation for j in range(axis.kernel)]


# Counting the cells read means listing every tap of every window; past this many taps it is not attempted.
MAX_TAPS = 200_000


def unread_cells(size: int, kernel: int, stride: int, pad_before: int, dilation: int, output: int) -> int | None:
    """How many of the input's cells no tap of any window reads: the far edge past the last window, the gaps
    between windows, and the cells between dilated taps (window i reads i·S − P + j·d, j < F). None past
    ``MAX_TAPS`` taps.

    >>> unread_cells(9, 3, 3, 0, 3, 1)  # one window, taps at 0, 3, 6
    6
    """
    if output < 1:
        return size
    if dilation == 1:  # in padded coordinates y = x + P, window i reads [i·S, i·S + F): counted, not listed
        lo, hi = pad_before, pad_before + size
        if kernel >= stride:  # the windows touch or overlap: one run of cells
            return size - max(0, min(hi, (output - 1) * stride + kernel) - lo)
        reach = min(hi, output * stride)

        def read_below(n: int) -> int:  # cells y < n with y mod S < F
            return (n // stride) * kernel + min(n % stride, kernel)

        return size - max(0, read_below(reach) - read_below(lo)) if reach > lo else size
    if output * kernel > MAX_TAPS:
        return None
    read = {i * stride - pad_before + j * dilation for i in range(output) for j in range(kernel)}
    return size - sum(1 for cell in read if 0 <= cell < size)


def axis_unread(axis: AxisGeometry) -> int | None:
    """``unread_cells`` of a sliding window's axis."""
    return unread_cells(axis.size, axis.kernel, axis.stride, axis.pad_before, axis.dilation, axis.output)


@dataclass(frozen=True)
class SamePadding:
    """TensorFlow's "same" along one axis, and what reproduces it in torch."""

    size: int
    kernel: int
    stride: int
    dilation: int
    output: int  # ⌈W/S⌉
    before: int
    after: int

    @property
    def total(self) -> int:
        return self.before + self.after


def tf_same(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> SamePadding:
    """TensorFlow/Keras "same": output ⌈W/S⌉, padding max(0, (out − 1)·S + d·(k − 1) + 1 − W),
    the odd cell after.

    >>> p = tf_same(224, 7, 2)
    >>> (p.output, p.before, p.after)
    (112, 2, 3)
    """
    if kernel < 1 or stride < 1 or dilation < 1 or size < 1:
        raise InvalidParameter("padding", "same-tf", "a kernel, stride, dilation and size of at least 1")
    output = -(-size // stride)
    total = max(0, (output - 1) * stride + dilation * (kernel - 1) + 1 - size)
    return SamePadding(size, kernel, stride, dilation, output, total // 2, total - total // 2)
