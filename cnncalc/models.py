"""What the trace command's MODEL argument names: a chain, a chain file, or a
Python model to import. Deciding needs no torch."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .chain import parse_chain
from .errors import InvalidParameter
from .layers import Layer

# package.module:name, or path/to/file.py:name
_PYTHON_REFERENCE = re.compile(r"^(?:[\w./\\-]+\.py|[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):[A-Za-z_]\w*$")


@dataclass(frozen=True)
class ModelSource:
    python: bool
    reference: str = ""
    layers: list[Layer] = field(default_factory=list)

    @property
    def dtype_default(self) -> str:
        """Indices for a chain that starts with Embedding, else float32."""
        return "int64" if self.layers and self.layers[0].kind == "Embedding" else "float32"


def resolve_model(text: str) -> ModelSource:
    """A Python reference, a file of layers, or the chain itself.

    >>> resolve_model("models/net.py:Net").python
    True
    >>> [layer.kind for layer in resolve_model("Linear(4, 2) -> ReLU()").layers]
    ['Linear', 'ReLU']
    """
    stripped = text.strip()
    if _PYTHON_REFERENCE.match(stripped):
        return ModelSource(True, stripped)
    if "(" not in stripped and "->" not in stripped and os.path.isfile(stripped):
        try:
            with open(stripped, encoding="utf-8") as handle:
                return ModelSource(False, layers=parse_chain(handle.read()))
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidParameter("model", text, "a readable text file of layers", str(error)) from None
    return ModelSource(False, layers=parse_chain(stripped))
