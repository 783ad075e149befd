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
        # activations torch does not tag pointwise
        "_prelu_kernel log_sigmoid_forward glu rrelu_with_noise "
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
        "_nested_from_padded to_padded_tensor _weight_norm_interface _weight_norm "
        # in-place views
        "as_strided_ squeeze_ unsqueeze_ transpose_ t_ swapdims_ swapaxes_ detach_ resize_as_"
    ).split()
)


def functional(name: str) -> str:
    """An in-place operation's functional form (``aten::baddbmm_`` → ``aten::baddbmm``): the same work."""
    return name[:-1] if name.endswith("_") and not name.endswith("__") and name[:-1] in _KNOWN else name


def cost(name: str, args: Sequence[Any], out: Any, weights: Sequence[int] = ()) -> Costs | None:
    """MACs by kind of ``name`` (``aten::op``) on these arguments (tensors as shapes); None without a rule.

    ``weights`` are the positions of arguments that are weights: a product with one is "linear", else "matmul".
    """
    name = functional(name)
    found = RULES.get(name)
    if found is None:
        return {} if costs_nothing(name) else None
    product = "linear" if set(weights) & set(WEIGHT_ARGUMENTS.get(name, ())) else "matmul"
    return {(product if kind == PRODUCT else kind): macs for kind, macs in found(args, out).items() if macs}


def costs_nothing(name: str) -> bool:
    """Known to multiply nothing by a weight (quantized kernels without a rule: elementwise, pooling, norms)."""
    return functional(name) in NO_MACS or name.startswith(("prim::", "quantized::"))


def priced(name: str) -> bool:
    return functional(name) in RULES


# --- FLOPs: every arithmetic operation --------------------------------------------------------------------------
#
# The second convention, for "FLOPs including the elementwise work". The rule, per aten operation:
# - a product (convolution, linear, matmul, attention): 2 per MAC (a multiply and an add), and 1 per output
#   element for an added bias or term (addmm, a convolution's bias);
# - an elementwise operation (torch tags it pointwise): 1 per output element, whatever the function;
# - batch norm with running statistics: 2 per element (statistics and affine folded into a scale and a shift);
#   a norm that computes its statistics (layer, group, instance, batch norm in training): 6 per element (mean 1,
#   variance 3, normalise 2), and 1 more each for a weight and a bias;
# - softmax and log-softmax: 5 per element (max, subtract, exp, sum, divide); fused attention kernels: what
#   their unfused path runs: 2 per MAC, 5 per score (the softmax), 1 per query and key element (the scale);
# - pooling: the window's cells per output element; adaptive pooling and reductions: 1 per input element
#   (std and var: 3);
# - interpolation: 2·n − 1 per output element for n neighbours blended (nearest 0, linear 3, bilinear 7,
#   trilinear 15, bicubic 31);
# - a fused LSTM layer: its products, plus the 21 elementwise operations per hidden unit and step that its
#   unfused cell runs (13 without biases);
# - moving data (copies, views, indexing, padding, concatenation, embedding lookups, new tensors): 0.

FlopRule = Callable[[Sequence[Any], Any, int], int]
FLOP_RULES: dict[str, FlopRule] = {}


def flop_rule(*names: str) -> Callable[[FlopRule], FlopRule]:
    def register(function: FlopRule) -> FlopRule:
        for name in names:
            FLOP_RULES[name] = function
        return function

    return register


def _numel(shape: Any) -> int:
    return prod(shape) if isinstance(shape, tuple) else 0


@flop_rule("aten::convolution", "aten::_convolution", "aten::convolution_overrideable", "aten::mkldnn_convolution")
def _convolution_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 2 * macs + (_numel(out) if args[2] is not None else 0)


@flop_rule("aten::addmm", "aten::baddbmm", "aten::addbmm", "aten::addmv")
def _added_product_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 2 * macs + _numel(out)


@flop_rule("aten::_addmm_activation", *(f"quantized::{k}" for k in ("linear_relu", "linear_relu_dynamic")))
def _activated_product_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 2 * macs + 2 * _numel(out)  # the bias, then the activation


@flop_rule(*(f"quantized::conv{n}d_relu" for n in (1, 2, 3)))
def _quantized_conv_relu_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 2 * macs + 2 * _numel(out)


def _scores(query: Shape, key: Shape) -> int:
    return prod(query[:-1]) * key[-2]


@flop_rule("aten::_scaled_dot_product_flash_attention_for_cpu", "aten::_scaled_dot_product_flash_attention",
           "aten::_scaled_dot_product_efficient_attention", "aten::_scaled_dot_product_cudnn_attention",
           "aten::_scaled_dot_product_fused_attention_overrideable")  # fmt: skip
def _sdpa_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    # As its unfused path runs it (the meta device's): q and k scaled, then softmax over the scores.
    return 2 * macs + 5 * _scores(args[0], args[1]) + _numel(args[0]) + _numel(args[1])


def _affine(*terms: Any) -> int:
    return sum(term is not None for term in terms)


@flop_rule("aten::_native_multi_head_attention")
def _attention_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    # (query, key, value, embed, heads, qkv weight, qkv bias, proj weight, proj bias, mask, need weights, average):
    # the FLOPs of the unfused path it stands for, projections' biases included. Returning the weights, that path
    # scales q alone and averages the weights over the heads.
    query, key, value, qkv_bias, proj_bias = args[0], args[1], args[2], args[6], args[8]
    heads: int = args[4]
    need_weights = bool(args[10]) if len(args) > 10 else True  # trailing defaults may not reach the dispatcher
    average = bool(args[11]) if len(args) > 11 else True
    scores = _scores(query, key) * heads
    scaled = _numel(query) + (0 if need_weights else _numel(key))
    averaged = scores if need_weights and average else 0
    biases = _affine(qkv_bias) * (_numel(query) + _numel(key) + _numel(value)) + _affine(proj_bias) * _numel(query)
    return 2 * macs + 5 * scores + scaled + averaged + biases


@flop_rule("aten::_transformer_encoder_layer_fwd")
def _encoder_layer_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    # (src, embed, heads, qkv weight and bias, proj weight and bias, use gelu, norm first, eps, norm 1 weight and
    # bias, norm 2 weight and bias, ffn 1 weight and bias, ffn 2 weight and bias, …): its input attends to itself,
    # then two residual adds, two layer norms and the feed-forward pair with its activation, as the unfused path.
    src, width = args[0], _numel(args[0])
    heads: int = args[2]
    hidden: int = prod(src[:-1]) * args[14][0]
    attention = 5 * _scores(src, src) * heads + 2 * width + _affine(args[4]) * 3 * width + _affine(args[6]) * width
    norms = width * (12 + _affine(*args[10:14]))
    feed_forward = _affine(args[15]) * hidden + hidden + _affine(args[17]) * width
    return 2 * macs + attention + 2 * width + norms + feed_forward


@flop_rule("aten::mkldnn_rnn_layer")
def _rnn_layer_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    steps: int = prod(args[0][:-1])  # sequence × batch, in either layout
    hidden, has_biases = int(args[10]), bool(args[12])
    return 2 * macs + steps * hidden * (21 if has_biases else 13)


@flop_rule("aten::native_batch_norm", "aten::_native_batch_norm_legit", "aten::_native_batch_norm_legit_functional")
def _batch_norm_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    # native_batch_norm(input, weight, bias, running_mean, running_var, training, …): with running statistics
    # and not training, they and the affine fold into one scale and shift.
    training = next((a for a in args[3:] if isinstance(a, bool)), True)
    if not training and args[3] is not None:
        return 2 * _numel(args[0])
    return _numel(args[0]) * (6 + (args[1] is not None) + (args[2] is not None))


@flop_rule("aten::_native_batch_norm_legit_no_training")
def _inference_batch_norm_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 2 * _numel(args[0])


@flop_rule("aten::native_layer_norm")
def _layer_norm_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return _numel(args[0]) * (6 + (args[2] is not None) + (args[3] is not None))


@flop_rule("aten::native_group_norm")
def _group_norm_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return _numel(args[0]) * (6 + (args[1] is not None) + (args[2] is not None))


@flop_rule("aten::_fused_rms_norm")
def _rms_norm_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return _numel(args[0]) * (4 + (len(args) > 2 and args[2] is not None))  # square, mean, rsqrt·x


@flop_rule("aten::_softmax", "aten::_log_softmax", "aten::_safe_softmax", "aten::_masked_softmax")
def _softmax_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 5 * _numel(args[0])


@flop_rule(
    *(f"aten::{kind}_pool{n}d" for kind in ("max", "avg") for n in (1, 2, 3)),
    *(f"aten::max_pool{n}d_with_indices" for n in (1, 2, 3)),
    *(f"aten::quantized_max_pool{n}d" for n in (1, 2, 3)),
)
def _pool_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    kernel = args[1] if isinstance(args[1], list) else [args[1]]
    spatial = len(out) - 2 if isinstance(out, tuple) and len(out) > 2 else len(kernel)
    window = prod(kernel) if len(kernel) == spatial else kernel[0] ** spatial
    return _numel(out) * window


@flop_rule(
    *(f"aten::{name}" for name in (
        "adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d _adaptive_avg_pool2d _adaptive_avg_pool3d "
        "adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d sum mean amax amin max min argmax argmin "
        "aminmax prod norm linalg_vector_norm cumsum cumprod any all count_nonzero"
    ).split()),
)  # fmt: skip
def _reduction_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return _numel(args[0])


@flop_rule("aten::std", "aten::var", "aten::std_mean", "aten::var_mean", "aten::logsumexp")
def _spread_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 3 * _numel(args[0])


def _blend(neighbours: int) -> FlopRule:
    def rule(args: Sequence[Any], out: Any, macs: int) -> int:
        return (2 * neighbours - 1) * _numel(out)

    return rule


for _name, _neighbours in (
    ("upsample_linear1d", 2), ("upsample_bilinear2d", 4), ("_upsample_bilinear2d_aa", 4), ("grid_sampler_2d", 4),
    ("upsample_trilinear3d", 8), ("grid_sampler_3d", 8), ("upsample_bicubic2d", 16), ("_upsample_bicubic2d_aa", 16),
):  # fmt: skip
    FLOP_RULES[f"aten::{_name}"] = _blend(_neighbours)


@flop_rule(
    "aten::native_dropout", "aten::quantize_per_tensor", "aten::quantize_per_channel", "aten::dequantize",
    "aten::_prelu_kernel", "aten::log_sigmoid_forward", "aten::glu", "aten::rrelu_with_noise",
)  # fmt: skip
def _per_element_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return _numel(out)


@flop_rule("aten::scatter_add", "aten::scatter_reduce", "aten::index_add")
def _accumulate_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return _numel(next((a for a in reversed(args) if isinstance(a, tuple)), ()))


@flop_rule("aten::_weight_norm_interface", "aten::_weight_norm")
def _weight_norm_flops(args: Sequence[Any], out: Any, macs: int) -> int:
    return 3 * _numel(args[0])  # the norm of v, then g·v/‖v‖


def flops(name: str, args: Sequence[Any], out: Any, macs: int, elementwise: bool) -> int | None:
    """FLOPs of ``name`` by the rule above (``macs`` from ``cost``, ``elementwise``: torch tags it pointwise);
    None for an operation cnncalc cannot price."""
    name = functional(name)
    found = FLOP_RULES.get(name)
    if found is not None:
        return found(args, out, macs)
    if name in RULES:
        return 2 * macs
    if name in NO_MACS:  # moving data or making tensors (clone and copies, which torch tags pointwise, too)
        return 0
    if elementwise or name.startswith("quantized::"):  # quantized:: kernels without a rule are elementwise
        return _numel(out)
    return None


_KNOWN = frozenset(RULES) | NO_MACS | frozenset(FLOP_RULES)
