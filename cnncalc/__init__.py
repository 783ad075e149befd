"""cnncalc: shape arithmetic for CNN and RNN layers, confirmed by torch.

The formulas import without torch:

>>> from cnncalc import conv_output_size, conv_params
>>> conv_output_size(7, 3, s=2), conv_params(3, d=3, k=16)
(3, 448)
"""

from .conv import (
    ConvGeometry,
    ConvSpec,
    conv_geometry,
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    make_conv_spec,
)
from .errors import CnnCalcError, ExpectationNotMet, InvalidParameter, TorchDisagreement
from .inputs import resolve_input

__all__ = [
    "CnnCalcError",
    "ConvGeometry",
    "ConvSpec",
    "ExpectationNotMet",
    "InvalidParameter",
    "TorchDisagreement",
    "conv_geometry",
    "conv_output_size",
    "conv_params",
    "conv_transpose_output_size",
    "make_conv_spec",
    "resolve_input",
]
