"""What each aten operation costs, in multiply-accumulates — no torch here.

The trace engine sees every aten operation a forward pass runs and hands its
arguments here with each tensor replaced by its shape. A rule returns the
MACs by kind: convolution; linear (a product with a weight, as F.linear); matmul
(a product of two activations, as QKᵀ and A·V, fused attention kernels too, so
that a model counts the same on every device); recurrent layers;
the convention is the one torchvision publishes as GFLOPS (one MAC per
product of an input and a weight or of two activations; bias, normalisation,
activations, pooling and elementwise work count 0), so totals can be held
against torchvision's own figures.

>>> cost("aten::addmm", [(10,), (4, 20), (20, 10)], (4, 10), weights=[2])
{'linear': 800}
>>> cost("aten::bmm", [(12, 197, 64), (12, 64, 197)], (12, 197, 197))
{'matmul': 29805312}
>>> x, w, out = (1, 3, 8, 8), (16, 3, 3, 3), (1, 16, 6, 6)
>>> cost("aten::convolution", [x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1], out)
{'convolution': 15552}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import prod
from typing import Any

Shape = tuple[int, ...]
Costs = dict[str, int]
Rule = Callable[[Sequence[Any], Any], Costs]
PRODUCT = "product"  # a rule's kind to be read as "linear" or "matmul" by its operands

# The kinds of work a row's MACs are split into, in the order they are shown.
KINDS = ("convolution", "linear", "matmul", "recurrent")

RULES: dict[str, Rule] = {}
WEIGHT_ARGUMENTS: dict[str, tuple[int, ...]] = {}  # for products: the operands that make it "linear" if a weight


def rule(*names: str) -> Callable[[Rule], Rule]:
    """Register ``rule`` for these aten operations (``aten::name``, every overload)."""

    def register(function: Rule) -> Rule:
        for name in names:
            RULES[name] = function
        return function

    return register


@rule("aten::convolution", "aten::_convolution", "aten::convolution_overrideable")
def _convolution(args: Sequence[Any], out: Any) -> Costs:
    # A transposed convolution multiplies every input cell by the whole kernel (counted from the input side).
    x, w, transposed = args[0], args[1], bool(args[6])
    spatial = (x if transposed else out)[2:]
    return {"convolution": x[0] * prod(w) * prod(spatial)}


@rule("aten::mkldnn_convolution")
def _mkldnn_convolution(args: Sequence[Any], out: Any) -> Costs:
    return {"convolution": args[0][0] * prod(args[1]) * prod(out[2:])}


# Matrix products: "linear" when an operand is a weight (F.linear is addmm or mm over the weight's transpose),
# "matmul" when both are activations (QKᵀ, A·V, einsum). The engine knows which tensors are weights.
# Quantized kernels take their weight packed; the engine hands its shape here like any weight's.
@rule(*(f"quantized::conv{n}d{relu}" for n in (1, 2, 3) for relu in ("", "_relu")))
def _quantized_convolution(args: Sequence[Any], out: Any) -> Costs:
    return {"convolution": out[0] * prod(args[1]) * prod(out[2:])}


@rule(*(f"quantized::conv_transpose{n}d" for n in (1, 2, 3)))
def _quantized_transposed(args: Sequence[Any], out: Any) -> Costs:
    return {"convolution": args[0][0] * prod(args[1]) * prod(args[0][2:])}


@rule(
    "quantized::linear", "quantized::linear_relu", "quantized::linear_dynamic", "quantized::linear_relu_dynamic",
    "quantized::linear_dynamic_fp16",
)  # fmt: skip
def _quantized_linear(args: Sequence[Any], out: Any) -> Costs:
    return {"linear": prod(args[0][:-1]) * prod(args[1])}


@rule("aten::mm", "aten::bmm", "aten::_int_mm")
def _mm(args: Sequence[Any], out: Any) -> Costs:
    return {PRODUCT: prod(args[0]) * args[1][-1]}


@rule("aten::addmm", "aten::baddbmm", "aten::addbmm", "aten::_addmm_activation")
def _addmm(args: Sequence[Any], out: Any) -> Costs:
    return {PRODUCT: prod(args[1]) * args[2][-1]}


@rule("aten::mv", "aten::dot", "aten::vdot")
def _mv(args: Sequence[Any], out: Any) -> Costs:
    return {PRODUCT: prod(args[0])}


@rule("aten::addmv")
def _addmv(args: Sequence[Any], out: Any) -> Costs:
    return {PRODUCT: prod(args[1])}


for _name in ("aten::mm", "aten::bmm", "aten::_int_mm", "aten::mv", "aten::dot", "aten::vdot"):
    WEIGHT_ARGUMENTS[_name] = (0, 1)
for _name in ("aten::addmm", "aten::baddbmm", "aten::addbmm", "aten::_addmm_activation", "aten::addmv"):
    WEIGHT_ARGUMENTS[_name] = (1, 2)


def attention_macs(query: Shape, key: Shape, value: Shape) -> int:
    """QKᵀ and A·V: every query position against every key, over the head width of q and of v."""
    return prod(query[:-1]) * key[-2] * (query[-1] + value[-1])


@rule(
    "aten::_scaled_dot_product_flash_attention_for_cpu",
    "aten::_scaled_dot_product_flash_attention",
    "aten::_scaled_dot_product_efficient_attention",
    "aten::_scaled_dot_product_cudnn_attention",
    "aten::_scaled_dot_product_fused_attention_overrideable",
)
def _sdpa(args: Sequence[Any], out: Any) -> Costs:
    return {"matmul": attention_macs(args[0], args[1], args[2])}


@rule("aten::_native_multi_head_attention")
def _fused_mha(args: Sequence[Any], out: Any) -> Costs:
    # nn.MultiheadAttention's fast path (batch first): q, k, v and out projections, then attention over E/H per head.
    query, key, value, embed = args[0], args[1], args[2], args[3]
    projections = (2 * prod(query[:-1]) + prod(key[:-1]) + prod(value[:-1])) * embed * embed
    return {"linear": projections, "matmul": 2 * prod(query[:-1]) * key[-2] * embed}


@rule("aten::_transformer_encoder_layer_fwd")
def _fused_encoder_layer(args: Sequence[Any], out: Any) -> Costs:
    # nn.TransformerEncoderLayer's fast path: attention block (qkv, out projection) and the feed-forward pair.
    src, embed, ffn_1, ffn_2 = args[0], args[1], args[14], args[16]
    tokens = prod(src[:-1])
    linear = tokens * (4 * embed * embed + prod(ffn_1) + prod(ffn_2))
    return {"linear": linear, "matmul": 2 * tokens * src[-2] * embed}


@rule("aten::mkldnn_rnn_layer")
def _mkldnn_rnn_layer(args: Sequence[Any], out: Any) -> Costs:
    # One layer and direction of LSTM/GRU on oneDNN: every step multiplies x_t by W_ih and h_(t−1) by W_hh.
    return {"recurrent": prod(args[0][:-1]) * (prod(args[1]) + prod(args[2]))}


# Operations known to multiply nothing by a weight: their MACs are 0 by the convention above. Elementwise
# operations (torch tags them pointwise) and views are recognised by their tags and schemas instead.
NO_MACS = frozenset(
    "aten::" + name
    for name in (
        # pooling, normalisation, softmax
        "max_pool1d max_pool2d max_pool3d max_pool1d_with_indices max_pool2d_with_indices max_pool3d_with_indices "
        "avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d "
        "_adaptive_avg_pool2d _adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d "
        "native_batch_norm _native_batch_norm_legit _native_batch_norm_legit_no_training "
        "_native_batch_norm_legit_functional native_layer_norm native_group_norm _fused_rms_norm "
        "_softmax _log_softmax _safe_softmax "
        # reductions and scans
        "sum mean amax amin max min argmax argmin aminmax std var std_mean var_mean prod norm linalg_vector_norm "
        "logsumexp cumsum cumprod any all count_nonzero "
        # memory and layout (views torch does not mark as views, and copies of views)
        "_unsafe_view _reshape_alias _reshape_copy view_copy alias_copy detach_copy expand_copy permute_copy "
        "t_copy transpose_copy unsqueeze_copy squeeze_copy slice_copy select_copy unbind_copy split_copy "
        "as_strided_copy diagonal_copy narrow_copy "
        "cat stack clone copy_ _to_copy _copy_from _copy_from_and_resize contiguous constant_pad_nd "
        "reflection_pad1d reflection_pad2d reflection_pad3d replication_pad1d replication_pad2d replication_pad3d "
        "_pad_circular roll flip repeat repeat_interleave index index_select gather scatter scatter_add "
        "scatter_reduce index_put index_put_ index_add index_copy index_fill masked_scatter masked_select "
        "embedding _embedding_bag embedding_bag one_hot sort topk kthvalue nonzero unique _unique2 "
        "unique_consecutive upsample_nearest1d upsample_nearest2d upsample_nearest3d _upsample_nearest_exact1d "
        "_upsample_nearest_exact2d _upsample_nearest_exact3d upsample_linear1d upsample_bilinear2d "
        "upsample_bicubic2d upsample_trilinear3d _upsample_bilinear2d_aa _upsample_bicubic2d_aa grid_sampler_2d "
        "grid_sampler_3d pixel_shuffle pixel_unshuffle channel_shuffle native_channel_shuffle im2col col2im "
        "tril triu tril_ triu_ diag_embed unsafe_split unsafe_split_with_sizes unsafe_chunk fill_ zero_ "
        "resize_ set_ _local_scalar_dense equal is_nonzero bucketize searchsorted histc bincount "
        "native_dropout bernoulli bernoulli_ dropout _masked_softmax lift_fresh lift_fresh_copy "
        # tensors made from nothing
        "empty empty_strided empty_like zeros zeros_like ones ones_like full full_like scalar_tensor arange "
        "linspace logspace rand rand_like randn randn_like randint randint_like randperm normal normal_ "
        "uniform_ exponential_ log_normal_ cauchy_ geometric_ random_ new_empty new_empty_strided new_zeros "
        "new_ones new_full eye tensor _assert_async _assert_tensor_metadata _functional_assert_async "
        "sym_size sym_stride sym_numel sym_storage_offset "
        # quantization (the quantized:: kernels other than convolution and linear are elementwise, pooling, norms)
        "quantize_per_tensor quantize_per_channel dequantize quantized_max_pool1d quantized_max_pool2d "
        "quantized_max_pool3d int_repr q_scale q_zero_point _make_per_tensor_quantized_tensor "
        "_empty_affine_quantized _empty_per_channel_affine_quantized "
        # packing, nesting, weight re-parametrisation
        "_pack_padded_sequence _pad_packed_sequence _nested_tensor_from_mask _nested_tensor_from_mask_left_aligned "
        "_nested_from_padded to_padded_tensor _weight_norm_interface _weight_norm"
    ).split()
)


def cost(name: str, args: Sequence[Any], out: Any, weights: Sequence[int] = ()) -> Costs | None:
    """MACs by kind of ``name`` (``aten::op``) on these arguments (tensors as shapes); None without a rule.

    ``weights`` are the positions of arguments that are weights: a product with one is "linear", else "matmul".
    """
    found = RULES.get(name)
    if found is None:
        return {} if costs_nothing(name) else None
    product = "linear" if set(weights) & set(WEIGHT_ARGUMENTS.get(name, ())) else "matmul"
    return {(product if kind == PRODUCT else kind): macs for kind, macs in found(args, out).items() if macs}


def costs_nothing(name: str) -> bool:
    """Known to multiply nothing by a weight (quantized kernels without a rule: elementwise, pooling, norms)."""
    return name in NO_MACS or name.startswith(("prim::", "quantized::"))
