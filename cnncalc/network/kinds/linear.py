"""Layers with a weight per feature: Linear, and Embedding's lookup table."""

from __future__ import annotations

from math import prod
from typing import Any

from ...errors import LayerMismatch, Setting, Words
from ..layer import (
    INFER_TOKEN,
    Arg,
    Context,
    Layer,
    Outcome,
    flag,
    layer_kind,
    need_int,
    number,
    optional_number,
    positive,
)


@layer_kind("Linear", signature=(Arg("in_features", infer=True), Arg("out_features"), Arg("bias", True, check=flag)))
def linear(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if not shape:
        raise LayerMismatch(layer.label, "a tensor with a feature axis", "a scalar")
    inferred: dict[str, int] = {}
    got = shape[-1]
    wanted = bound["in_features"]
    if wanted is INFER_TOKEN:
        inferred["in_features"] = got
    else:
        need_int(layer, "in_features", wanted, got)
        if wanted != got:
            received = f"{'·'.join(map(str, context.factors))} = {got}" if context.factors else str(got)
            fix = f"use {layer.written(in_features=got)}"
            if context.after_flatten_of_spatial:
                fix += ", or put an AdaptiveAvgPool before Flatten to fix the size"
            raise LayerMismatch(layer.label, f"in_features={wanted}", received, fix)
    out = positive(layer, "out_features", bound["out_features"])
    params = got * out + (out if bound["bias"] else 0)
    return Outcome((*shape[:-1], out), params, prod(shape[:-1]) * got * out, resets_field=True, inferred=inferred)


EMBEDDING = (
    Arg("num_embeddings"), Arg("embedding_dim"), Arg("padding_idx", None), Arg("max_norm", None, check=optional_number),
    Arg("norm_type", 2.0, check=number), Arg("scale_grad_by_freq", False, check=flag),
    Arg("sparse", False, check=flag),
)  # fmt: skip


@layer_kind("Embedding", signature=EMBEDDING)
def embedding(layer: Layer, bound: dict[str, Any], shape: tuple[int, ...], context: Context) -> Outcome:
    if not context.integer_input:
        fix: Words
        if context.python_model:
            fix = ("give the model integer indices, like ", Setting("input", "35:int64"))
        elif context.first:
            fix = ("give it integer indices: ", Setting("dtype", "int64"))
        else:
            fix = ("put Embedding first, with ", Setting("dtype", "int64"))
        raise LayerMismatch(
            layer.label,
            "integer indices (torch: Expected tensor for argument #1 'indices' to have scalar type Long)",
            context.arriving,
            fix,
        )
    num = positive(layer, "num_embeddings", bound["num_embeddings"])
    dim = positive(layer, "embedding_dim", bound["embedding_dim"])
    return Outcome((*shape, dim), num * dim)
