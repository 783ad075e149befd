"""cnncalc: shape arithmetic for CNN and RNN layers, confirmed by torch.

The formulas import without torch:

>>> from cnncalc import conv_output_size, conv_params
>>> conv_output_size(7, 3, s=2), conv_params(3, d=3, k=16)
(3, 448)

and ``cnncalc.trace(model, (3, 224, 224))`` traces a model object (importing torch then).
"""

from typing import TYPE_CHECKING

from .core.conv import (
    ConvGeometry,
    ConvSpec,
    conv_geometry,
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    make_conv_spec,
)
from .core.inputs import resolve_input
from .errors import CnnCalcError, ExpectationNotMet, InvalidParameter, TorchDisagreement

if TYPE_CHECKING:  # the type checker sees them; a run loads them on first use (below)
    from .api import trace
    from .network.trace import Trace

__all__ = [
    "CnnCalcError",
    "ConvGeometry",
    "ConvSpec",
    "ExpectationNotMet",
    "InvalidParameter",
    "TorchDisagreement",
    "Trace",
    "conv_geometry",
    "conv_output_size",
    "conv_params",
    "conv_transpose_output_size",
    "make_conv_spec",
    "resolve_input",
    "trace",
]


def __getattr__(name: str) -> object:
    # The trace's modules load when first asked for: `import cnncalc` (and every command line start) stays light.
    if name == "trace":
        from .api import trace

        return trace
    if name == "Trace":
        from .network.trace import Trace

        return Trace
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
