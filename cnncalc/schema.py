"""JSON Schemas (draft 2020-12) of what ``--json`` and ``batch`` print, one per
command. Scripts can rely on every field named ``required`` here; the tests
validate real outputs against these schemas.

>>> sorted(SCHEMAS)
['batch-error', 'conv', 'lstm', 'pool', 'solve', 'trace']
"""

from __future__ import annotations

from typing import Any

from .views.common import SCHEMA_VERSION

NONNEG: dict[str, Any] = {"type": "integer", "minimum": 0}
POSITIVE: dict[str, Any] = {"type": "integer", "minimum": 1}
BOOL: dict[str, Any] = {"type": "boolean"}
STRING: dict[str, Any] = {"type": "string"}
SHAPE: dict[str, Any] = {"type": "array", "items": NONNEG}
NULLABLE_SHAPE: dict[str, Any] = {"type": ["array", "null"], "items": NONNEG}
VERIFIED: dict[str, Any] = {"type": ["boolean", "null"], "description": "true: torch agreed; null: not asked"}
TORCH: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "layer": STRING,
        "output_shape": NULLABLE_SHAPE,
        "params": {"type": ["integer", "null"]},
        "device": {"enum": ["cpu", "meta"], "description": "where torch ran the layer (README: which device)"},
    },
    "required": ["layer", "output_shape", "params", "device"],
}
VERSION: dict[str, Any] = {"const": SCHEMA_VERSION}


def _object(title: str, properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": {"schema_version": VERSION, "line": POSITIVE, **properties},
        "required": ["schema_version", *(required if required is not None else properties)],
    }


# One spatial axis of a sliding window, as conv and pool both report it.
_AXIS: dict[str, Any] = {
    "axis": {"enum": ["W", "H", "Z"]},
    "input": POSITIVE,
    "output": POSITIVE,
    "exact": {"type": "boolean", "description": "the stride divides the room to slide: no rounding"},
    "uncovered_input": {"type": "integer", "minimum": 0, "description": "input cells past the last window"},
    "unread_input": {
        "type": ["integer", "null"],
        "minimum": 0,
        "description": "input cells no tap reads: past the last window, between windows, between dilated taps "
        "(null: a transposed convolution, or too many taps to count)",
    },
}
_CONFIRMATION = {"verified": VERIFIED, "torch": TORCH, "skipped": {"type": ["string", "null"]}}

CONV = _object(
    "cnncalc conv --json",
    {
        "command": {"const": "conv"},
        "dims": {"enum": [1, 2, 3]},
        "input_shape": SHAPE,
        "d": POSITIVE,
        "k": POSITIVE,
        "f": SHAPE,
        "s": SHAPE,
        "p": {"oneOf": [SHAPE, {"enum": ["same", "valid", "same-tf"]}]},
        "padding": {"type": "array", "items": {"type": "array", "items": NONNEG, "minItems": 2, "maxItems": 2}},
        "dilation": SHAPE,
        "groups": POSITIVE,
        "bias": BOOL,
        "transposed": BOOL,
        "output_padding": SHAPE,
        "output_shape": SHAPE,
        "weight_shape": SHAPE,
        "params": NONNEG,
        "macs": NONNEG,
        "macs_convention": STRING,
        "output_elements": NONNEG,
        "output_bytes": NONNEG,
        "axes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    **_AXIS,
                    "kernel": POSITIVE,
                    "stride": POSITIVE,
                    "padding": {"type": "array", "items": NONNEG, "minItems": 2, "maxItems": 2},
                    "dilation": POSITIVE,
                    "output_padding": NONNEG,
                    "remainder": NONNEG,
                },
                "required": [*_AXIS, "remainder"],
            },
        },
        **_CONFIRMATION,
    },
)

POOL = _object(
    "cnncalc pool --json",
    {
        "command": {"const": "pool"},
        "dims": {"enum": [1, 2, 3]},
        "input_shape": SHAPE,
        "d": POSITIVE,
        "type": {"enum": ["max", "avg", "lp"]},
        "output_shape": SHAPE,
        "params": {"const": 0},
        "output_elements": NONNEG,
        # a sliding window: its options per axis, and each axis's fit
        "f": SHAPE,
        "s": SHAPE,
        "p": SHAPE,
        "dilation": SHAPE,
        "ceil": BOOL,
        "count_include_pad": {"type": ["boolean", "null"], "description": "average pooling only"},
        "norm": {"type": ["number", "null"], "description": "LP pooling only"},
        "corner_value_with_pad": {"type": "number", "description": "average pooling with padding: a corner's value"},
        "axes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {**_AXIS, "ceil_dropped": BOOL},
                "required": [*_AXIS, "ceil_dropped"],
            },
        },
        # adaptive (or global) pooling: the output asked for, and the windows torch picks
        "adaptive": SHAPE,
        "global": BOOL,
        "windows": {"type": "object", "additionalProperties": {"type": ["array", "null"]}},
        "window_sizes": {"type": "object", "additionalProperties": SHAPE},
        **_CONFIRMATION,
    },
    ["command", "dims", "input_shape", "d", "type", "output_shape", "params", "verified", "torch", "skipped"],
)

LSTM = _object(
    "cnncalc lstm --json",
    {
        "command": {"const": "lstm"},
        "cell": {"enum": ["lstm", "gru", "rnn"]},
        "input": POSITIVE,
        "hidden": POSITIVE,
        "layers": POSITIVE,
        "bidirectional": BOOL,
        "proj": NONNEG,
        "bias": BOOL,
        "batch": POSITIVE,
        "seq": POSITIVE,
        "batch_first": BOOL,
        "nonlinearity": {"enum": ["tanh", "relu"]},
        "params": NONNEG,
        "params_one_bias": NONNEG,
        "gates": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": STRING,
                    "equation": STRING,
                    "weight_shape": NULLABLE_SHAPE,
                    "output_shape": SHAPE,
                    "torch": {"type": ["object", "null"], "additionalProperties": STRING},
                },
                "required": ["name", "equation", "weight_shape", "output_shape", "torch"],
            },
        },
        "parameters": {"type": "object", "additionalProperties": SHAPE},
        "output_shape": SHAPE,
        "h_n_shape": SHAPE,
        "c_n_shape": NULLABLE_SHAPE,
        "max_abs_error": {"type": ["number", "null"]},
        "numeric_check": {
            "type": ["object", "null"],
            "description": "the gate equations run by hand against the torch layer: on what input, or why not",
            "properties": {"batch": POSITIVE, "seq": POSITIVE, "skipped": {"type": ["string", "null"]}},
        },
        **_CONFIRMATION,
    },
)

MACS_BY_KIND: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"enum": ["convolution", "linear", "matmul", "recurrent"]},
    "additionalProperties": NONNEG,
    "description": "MACs by kind: convolution; linear (a product with a weight); matmul (of two activations: "
    "QKᵀ, A·V, fused attention kernels); recurrent",
}
UNCOUNTED: dict[str, Any] = {
    "type": "object",
    "additionalProperties": POSITIVE,
    "description": "aten operations with no cost rule → how often they ran: their work is in neither the MACs nor "
    "the FLOPs",
}
SHAPES: dict[str, Any] = {"type": "array", "items": SHAPE}
FLOPS: dict[str, Any] = {
    "type": ["integer", "null"],
    "minimum": 0,
    "description": "every arithmetic operation, by the rule flops_convention names; null: not counted (a chain "
    "under --no-verify)",
}

TRACE = _object(
    "cnncalc trace --json",
    {
        "command": {"const": "trace"},
        "input_shapes": SHAPES,
        "inputs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": ["string", "null"]}, "shape": SHAPE, "dtype": STRING},
                "required": ["name", "shape", "dtype"],
            },
            "description": "each input without batch; name is the keyword of forward it is passed by (null: "
            "positional)",
        },
        "dtype": STRING,
        "layers": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": POSITIVE,
                    "type": {
                        "enum": ["layer", "module", "function"],
                        "description": "a chain's layer; a Python model's module call, or a function its owner "
                        "module's forward ran (name is then the owner's)",
                    },
                    "name": STRING,
                    "layer": STRING,
                    "kind": STRING,
                    "input_shape": SHAPE,
                    "output_shape": SHAPE,
                    "input_shapes": SHAPES,
                    "output_shapes": SHAPES,
                    "params": NONNEG,
                    "macs": NONNEG,
                    "flops": FLOPS,
                    "macs_by_kind": MACS_BY_KIND,
                    "uncounted": UNCOUNTED,
                    "receptive_field": NULLABLE_SHAPE,
                    "jump": NULLABLE_SHAPE,
                    "computed": BOOL,
                    "verified": VERIFIED,
                    "notes": {"type": "array", "items": STRING},
                    "inferred": {
                        "type": "object",
                        "additionalProperties": POSITIVE,
                        "description": "each _ of a chain layer: its argument and the size read from the input",
                    },
                    "depth": {"type": "integer", "minimum": 1, "description": "in the module tree (the model is 0)"},
                    "parent": {"type": "integer", "minimum": 0, "description": "the index of its block in blocks"},
                },
                "required": [
                    "index",
                    "type",
                    "name",
                    "layer",
                    "input_shape",
                    "output_shape",
                    "input_shapes",
                    "output_shapes",
                    "params",
                    "macs",
                    "macs_by_kind",
                    "uncounted",
                    "verified",
                ],
            },
        },
        "blocks": {
            "type": "array",
            "description": "the module tree above the rows: blocks[0] is the whole model; each with the totals of "
            "everything under it. At any depth, the blocks at that depth and the rows above it add up to the totals",
            "items": {
                "type": "object",
                "properties": {
                    "index": NONNEG,
                    "name": STRING,
                    "kind": STRING,
                    "depth": NONNEG,
                    "parent": {"type": ["integer", "null"], "minimum": 0},
                    "input_shapes": SHAPES,
                    "output_shapes": SHAPES,
                    "params": NONNEG,
                    "macs": NONNEG,
                    "flops": FLOPS,
                    "children": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "minProperties": 1,
                            "maxProperties": 1,
                            "properties": {"row": POSITIVE, "block": POSITIVE},
                        },
                    },
                },
                "required": ["index", "name", "kind", "depth", "parent", "params", "macs", "flops", "children"],
            },
        },
        "depth": {"type": ["integer", "null"], "minimum": 0, "description": "the --depth the table showed"},
        "total_params": NONNEG,
        "trainable_params": NONNEG,
        "total_macs": NONNEG,
        "macs_by_kind": MACS_BY_KIND,
        "macs_convention": STRING,
        "total_flops": FLOPS,
        "flops_convention": STRING,
        "uncounted": UNCOUNTED,
        "warnings": {"type": "array", "items": STRING},
        "activation_bytes": NONNEG,
        "param_bytes": NONNEG,
        "output_shape": SHAPE,
        "outputs": {
            "type": "object",
            "additionalProperties": SHAPE,
            "description": "every tensor the model returned, with batch, by path: output, 0, out, out.1",
        },
        "device": {
            "enum": ["meta", "cpu", None],
            "description": "where torch ran the model or confirmed the chain (null: not run)",
        },
        "notes": {"type": "array", "items": STRING},
        "verified": VERIFIED,
        "skipped": {"type": ["string", "null"], "description": "why a chain was not confirmed"},
    },
)

_SOLUTION = {
    "type": "object",
    "properties": {
        "f": POSITIVE,
        "s": POSITIVE,
        "p": NONNEG,
        "dilation": POSITIVE,
        "output_padding": NONNEG,
        "exact": {"type": "boolean", "description": "the stride divides the room to slide (no rounding)"},
        "every_input_read": {"type": ["boolean", "null"], "description": "no input cell unread (null: not counted)"},
        "unread_input": {"type": ["integer", "null"], "minimum": 0, "description": "input cells no tap reads"},
        "many_to_one": BOOL,
    },
    "required": ["f", "s", "p", "dilation", "many_to_one"],
}

SOLVE = _object(
    "cnncalc conv/pool --target --json",
    {
        "command": {"const": "solve"},
        "kind": {"enum": ["conv", "transposed conv", "max pool", "avg pool", "lp pool"]},
        "input_shape": SHAPE,
        "target_shape": SHAPE,
        "per_axis": BOOL,
        "solutions": {
            "oneOf": [
                {"type": "array", "items": _SOLUTION},
                {"type": "object", "additionalProperties": {"type": "array", "items": _SOLUTION}},
            ]
        },
        "bounds": {"type": "object", "additionalProperties": POSITIVE},
        "verified": VERIFIED,
        "confirmed": {"type": "integer", "minimum": 0, "description": "how many torch really built and ran"},
        "skipped": {"type": ["string", "null"], "description": "why some or all were not built"},
        "torch": {"type": "array", "items": STRING},
        "device": {
            "type": "array",
            "items": {"enum": ["cpu", "meta"]},
            "description": "where torch ran each layer of torch, in its order",
        },
        "output_shape": SHAPE,
    },
    [
        "command",
        "kind",
        "input_shape",
        "target_shape",
        "per_axis",
        "solutions",
        "verified",
        "confirmed",
        "torch",
        "device",
    ],
)

BATCH_ERROR = _object(
    "cnncalc batch: a line that could not be answered",
    {"error": STRING, "param": {"type": ["string", "null"]}},
    ["line", "error", "param"],
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "conv": CONV,
    "pool": POOL,
    "lstm": LSTM,
    "trace": TRACE,
    "solve": SOLVE,
    "batch-error": BATCH_ERROR,
}
