"""What the trace command's MODEL argument names: a chain, a chain file, or a
Python model to import. Deciding needs no torch.

A Python model is ``path/to/file.py:NAME`` or ``package.module:NAME``, where
NAME may be dotted (``models:video.r3d_18``) and may be called with literal
arguments, read by the same safe rules as a chain (nothing is evaluated):
``torchvision.models:resnet50(num_classes=10)``.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidParameter
from .chain import MAX_CHAIN_CHARACTERS, literal, parse_chain
from .layer import Layer

# package.module:name or path/to/file.py:name, then an optional dotted name and a call
_PYTHON_REFERENCE = re.compile(
    r"^(?P<where>[^:(]+\.py|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)"
    r"(?P<call>\(.*)?$",
    re.DOTALL,
)


@dataclass(frozen=True)
class PythonReference:
    """Where a Python model lives and how to build it."""

    text: str  # as given
    where: str  # a file path (ends in .py) or a dotted module name
    name: tuple[str, ...]  # the attribute path inside it
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    called: bool = False  # NAME(...) was written: call it even with no arguments

    @property
    def is_file(self) -> bool:
        return self.where.endswith(".py")


@dataclass(frozen=True)
class ModelSource:
    python: PythonReference | None = None
    layers: list[Layer] = field(default_factory=list)

    @property
    def dtype_default(self) -> str:
        """Indices for a chain that starts with Embedding, else float32."""
        return "int64" if self.layers and self.layers[0].kind == "Embedding" else "float32"


def parse_reference(text: str) -> PythonReference | None:
    """A Python model reference, or None if ``text`` is not one.

    >>> parse_reference("models/net.py:Net").where
    'models/net.py'
    >>> r = parse_reference("torchvision.models:resnet50(num_classes=10)")
    >>> r.where, r.name, r.kwargs
    ('torchvision.models', ('resnet50',), {'num_classes': 10})
    """
    match = _PYTHON_REFERENCE.match(text)
    if match is None:
        return None
    name = tuple(match["name"].split("."))
    call = match["call"]
    if call is None:
        return PythonReference(text, match["where"], name)
    try:
        tree = ast.parse(f"f{call}", mode="eval").body
    except SyntaxError:
        raise InvalidParameter(
            "model", text, "a call with literal arguments, like resnet50(num_classes=10)", "check the brackets"
        ) from None
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name) or tree.func.id != "f":
        raise InvalidParameter("model", text, "one call with literal arguments, like resnet50(num_classes=10)")
    args = tuple(literal(arg, text) for arg in tree.args)
    kwargs: dict[str, Any] = {}
    for keyword in tree.keywords:
        if keyword.arg is None:
            raise InvalidParameter("model", text, "named arguments, not **")
        kwargs[keyword.arg] = literal(keyword.value, text)
    return PythonReference(text, match["where"], name, args, kwargs, called=True)


def resolve_model(text: str) -> ModelSource:
    """A Python reference, a file of layers, or the chain itself.

    >>> resolve_model("models/net.py:Net").python is not None
    True
    >>> [layer.kind for layer in resolve_model("Linear(4, 2) -> ReLU()").layers]
    ['Linear', 'ReLU']
    """
    stripped = text.strip()
    reference = parse_reference(stripped)
    if reference is not None:
        return ModelSource(python=reference)
    if "(" not in stripped and "->" not in stripped:
        if os.path.isfile(stripped):
            try:
                with open(stripped, encoding="utf-8") as handle:  # a chain past the limit is refused, not read
                    return ModelSource(layers=parse_chain(handle.read(MAX_CHAIN_CHARACTERS + 1)))
            except (OSError, UnicodeDecodeError) as error:
                raise InvalidParameter("model", text, "a readable text file of layers", str(error)) from None
        if os.path.exists(stripped):  # /dev/null, a folder, a pipe
            raise InvalidParameter("model", text, "a text file of layers, but this is not a regular file")
        if os.sep in stripped or os.path.splitext(stripped)[1]:  # a path, not a layer's name like ReLU
            raise InvalidParameter("model", text, "a file of layers or a chain, but there is no such file")
    return ModelSource(layers=parse_chain(stripped))
