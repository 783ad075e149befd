"""Every layer kind cnncalc knows, one module per family; importing them registers each with its signature
and formula (``network.layer.layer_kind``). A new kind goes in the module of its family, or a new one here."""

from . import conv, elementwise, linear, norm, padding, pool, recurrent, shape

__all__ = ["conv", "elementwise", "linear", "norm", "padding", "pool", "recurrent", "shape"]
