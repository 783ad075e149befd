"""Reading a network written as a chain of torch layers, safely.

``Conv2d(3, 16, 3, padding=1) -> ReLU() -> MaxPool2d(2) -> Linear(_, 10)``:
each link is parsed with Python's ``ast`` and accepted only if it is a call
of an allowed ``torch.nn`` class name with literal arguments (numbers,
strings, True/False/None, tuples and lists of them) or ``_``. Nothing is ever
evaluated: ``__import__('os')``, attribute access and calls inside arguments
are refused.

>>> [layer.kind for layer in parse_chain("Conv2d(3, 8, 3) -> ReLU() -> Flatten()")]
['Conv2d', 'ReLU', 'Flatten']
"""

from __future__ import annotations

import ast
from typing import Any

from ..core.values import MAX_DIGITS
from ..errors import InvalidParameter
from .layer import INFER, INFER_TOKEN, Layer, check_known

ARROW = "->"
MAX_CHAIN_CHARACTERS = 100_000  # a network of hundreds of layers fits many times over


def parse_chain(text: str) -> list[Layer]:
    """Layers from ``A(...) -> B(...)``; also one layer a line, with ``#`` comments."""
    if len(text) > MAX_CHAIN_CHARACTERS:  # before ast.parse, which a megabyte of brackets runs out of memory
        raise InvalidParameter(
            "model", f"{len(text):,} characters", f"a chain of at most {MAX_CHAIN_CHARACTERS:,}", "write it in a file"
        )
    links: list[str] = []
    for line in text.splitlines():
        code = line.split("#", 1)[0].strip()
        if code:
            parts = [part.strip() for part in _split_arrows(code)]
            if "" in parts:  # "A ->", "-> B", "A -> -> B": a link with no layer is a typo, not a layer
                raise InvalidParameter(
                    "model", code, "a layer on each side of every ->", "drop the extra ->, or add the missing layer"
                )
            links += parts
    if not links:
        raise InvalidParameter("model", repr(text), "at least one layer, like Conv2d(3, 16, 3) -> ReLU()")
    return [parse_layer(link, index) for index, link in enumerate(links, start=1)]


def _split_arrows(code: str) -> list[str]:
    # An arrow inside brackets or quotes is not a link; split only at depth 0.
    parts, depth, start, quote = [], 0, 0, ""
    i = 0
    while i < len(code):
        ch = code[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and code.startswith(ARROW, i):
            parts.append(code[start:i])
            start = i + len(ARROW)
            i += len(ARROW) - 1
        i += 1
    parts.append(code[start:])
    return parts


def parse_layer(text: str, index: int = 0) -> Layer:
    """One ``Name(args)``: an allowed layer name with literal arguments only."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise InvalidParameter(
            "model", text, "a layer like Conv2d(3, 16, 3)", "check the brackets and commas"
        ) from None
    if isinstance(tree, ast.Name):  # "ReLU" for "ReLU()"
        tree = ast.Call(func=tree, args=[], keywords=[])
    if not isinstance(tree, ast.Call) or not isinstance(tree.func, ast.Name):
        raise InvalidParameter(
            "model", text, "a call of a torch.nn layer by its bare name, like Conv2d(3, 16, 3)", "write Name(args)"
        )
    kind = tree.func.id
    check_known(kind)
    args = tuple(literal(arg, text, infer=True) for arg in tree.args)
    kwargs: dict[str, Any] = {}
    for keyword in tree.keywords:
        if keyword.arg is None:
            raise InvalidParameter("model", text, "named arguments, not **", "")
        kwargs[keyword.arg] = literal(keyword.value, text, infer=True)
    return Layer(kind, args, kwargs, index)


def literal(node: ast.expr, text: str, infer: bool = False) -> Any:
    """A literal argument (numbers, strings, True/False/None, tuples and lists of them; ``_`` where ``infer``)."""
    if infer and isinstance(node, ast.Name) and node.id == INFER:
        return INFER_TOKEN
    if isinstance(node, (ast.Tuple, ast.List)):
        values = [literal(element, text, infer) for element in node.elts]
        return tuple(values) if isinstance(node, ast.Tuple) else values
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -literal(node.operand, text)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 10**MAX_DIGITS:
            # as the options refuse it (floats too: 1e300)
            raise InvalidParameter("model", text, f"numbers below 10^{MAX_DIGITS}", "")
        return node.value
    raise InvalidParameter(
        "model",
        text,
        "literal arguments only (numbers, strings, True/False/None, tuples"
        + (", or _ to infer a size)" if infer else ")"),
        "nothing in a chain is evaluated",
    )
