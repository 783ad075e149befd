"""The input tensor, as the options give it: the seed's ``--w/--h/--d`` or
torch's ``--input 3x224x224``. Shared by every calculator."""

from __future__ import annotations

from ..errors import InvalidParameter, Name, Setting, either
from .values import Given, IntLike, format_shape, parse_int, parse_shape


def resolve_input(
    *,
    w: IntLike | None = None,
    h: IntLike | None = None,
    d: IntLike | None = None,
    dims: IntLike | None = None,
    input: Given = None,
) -> tuple[int, tuple[int, ...]]:
    """Return (channels, spatial sizes in torch order).

    ``--input`` gives C×L, C×H×W or C×D×H×W; otherwise ``w`` (and ``h``, which
    defaults to ``w``) with ``d`` channels (default 1) and ``dims`` spatial
    dimensions (default 2; a 3D input made from ``--w`` is a cube of side W
    unless ``--h`` sets H).

    >>> resolve_input(w=7, d=3)
    (3, (7, 7))
    >>> resolve_input(input="3x32x64")
    (3, (32, 64))
    """
    n_dims = None if dims is None else parse_int(dims, "dims", 1, "1, 2 or 3")
    if n_dims is not None and n_dims > 3:
        raise InvalidParameter("dims", dims, "1, 2 or 3")
    if input is not None:
        for name, given in (("w", w), ("h", h), ("d", d)):
            if given is not None:
                raise InvalidParameter(
                    name,
                    given,
                    ("no ", Name("w"), "/", Name("h"), "/", Name("d"), " together with ", Name("input")),
                    ("give the whole shape with ", Name("input"), ", or drop it"),
                )
        shape = parse_shape(input)
        if n_dims is not None and n_dims != len(shape) - 1:
            raise InvalidParameter(
                "dims",
                n_dims,
                (f"{len(shape) - 1}, the spatial dimensions of ", Setting("input", format_shape(shape))),
                ("drop ", Name("dims"), ": ", Name("input"), " sets it"),
            )
        return shape[0], shape[1:]
    if w is None:
        if h is not None:
            raise InvalidParameter("h", h, (Name("w"), " with it"), ("give the width with ", Name("w"), " too"))
        give = ("give ", Name("w"), " (and ", Name("h"), ", ", Name("d"), ") or ", Setting("input", "CxHxW"))
        raise InvalidParameter("w", "nothing", "the input size", give)
    width = parse_int(w, "w", 1, "a width of at least 1")
    height = width if h is None else parse_int(h, "h", 1, "a height of at least 1")
    channels = 1 if d is None else parse_int(d, "d", 1, "at least 1 input channel (depth)")
    n = 2 if n_dims is None else n_dims
    if n == 1:
        if h is not None:
            fix = either(("drop ", Name("h")), ("use ", Setting("dims", 2)))
            raise InvalidParameter("h", h, "no height for a 1D input", fix)
        return channels, (width,)
    if n == 2:
        return channels, (height, width)
    return channels, (width, height, width)
