"""Confirmation by torch: build the matching layer and compare.

torch is imported here only, and only when an answer is confirmed (importing
it costs about a second). Layers run on the meta device: shapes without
memory or randomness. The meta device skips a few of the CPU kernel's checks,
so the core enforces those itself (and the property tests hold it to the
CPU's rules).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from math import prod
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .errors import InvalidParameter, TorchDisagreement
from .network.layer import Layer
from .network.trace import Trace

if TYPE_CHECKING:
    from .core.conv import ConvGeometry
    from .core.pool import AdaptiveGeometry, PoolGeometry
    from .core.rnn import RnnGeometry
    from .core.solve import SolveResult

# torch sizes tensors (in bytes, too) with int64; past this the meta device
# itself overflows, so a confirmation is skipped, not failed.
TORCH_MAX_BYTES = 2**63 - 1


@dataclass(frozen=True)
class Confirmation:
    """What torch said, or why it was not asked (``verified`` is None then)."""

    verified: bool | None
    layer: str = ""
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    output_shape: tuple[int, ...] = ()
    params: int | None = None
    skipped: str = ""
    before: str = ""  # a layer that runs first, e.g. "ZeroPad2d((2, 3, 2, 3))"


def import_torch() -> ModuleType:
    """Import torch without letting its import-time warnings reach the user."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
    return torch


def conv_layer_call(geometry: ConvGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The torch.nn class name and arguments that build this convolution."""
    spec = geometry.spec
    name = f"Conv{'Transpose' if spec.transposed else ''}{spec.dims}d"
    kwargs: dict[str, Any] = {"kernel_size": _squeeze(spec.kernel)}
    if any(s != 1 for s in spec.stride):
        kwargs["stride"] = _squeeze(spec.stride)
    if spec.padding_mode in ("same", "valid"):
        kwargs["padding"] = spec.padding_mode
    # Uneven TensorFlow padding is left to a ZeroPad layer run first (pre_padding).
    elif pre_padding(geometry) is None and any(before for before, _ in spec.padding):
        kwargs["padding"] = _squeeze(tuple(before for before, _ in spec.padding))
    if any(spec.output_padding):
        kwargs["output_padding"] = _squeeze(spec.output_padding)
    if any(d != 1 for d in spec.dilation):
        kwargs["dilation"] = _squeeze(spec.dilation)
    if spec.groups != 1:
        kwargs["groups"] = spec.groups
    if not spec.bias:
        kwargs["bias"] = False
    return name, (spec.in_channels, spec.out_channels), kwargs


def pre_padding(geometry: ConvGeometry) -> tuple[str, tuple[int, ...]] | None:
    """TensorFlow's uneven "same" as the torch.nn.ZeroPad layer that reproduces it, if needed.

    ZeroPad takes (left, right) of the last axis first, then the axes before it.
    """
    spec = geometry.spec
    if spec.padding_mode != "same-tf" or all(b == a for b, a in spec.padding):
        return None
    pads = tuple(n for before, after in reversed(spec.padding) for n in (before, after))
    return f"ZeroPad{spec.dims}d", pads


def confirm_conv(geometry: ConvGeometry) -> Confirmation:
    """Build the torch layer on the meta device and compare shape and params.

    Raises ``TorchDisagreement`` when torch's answer differs from cnncalc's.
    """
    name, args, kwargs = conv_layer_call(geometry)
    too_big = _too_big_for_torch(
        {
            "input": (1, *geometry.input_shape),
            "output": (1, *geometry.output_shape),
            "weight": geometry.weight_shape,
        }
    )
    if too_big:
        return Confirmation(None, name, args, kwargs, skipped=too_big)
    torch = import_torch()
    layer = _meta_layer(name, args, tuple(kwargs.items()), weights=True)
    padded = pre_padding(geometry)
    if padded is not None:
        layer = torch.nn.Sequential(_meta_layer(padded[0], (padded[1],), (), weights=False), layer)
    out = _run_on_meta(torch, layer, geometry.input_shape)
    shape = tuple(out.shape[1:])
    params = sum(p.numel() for p in layer.parameters())
    if shape != geometry.output_shape:
        raise TorchDisagreement("output_shape", list(geometry.output_shape), list(shape))
    if params != geometry.params:
        raise TorchDisagreement("params", geometry.params, params)
    before = f"{padded[0]}({padded[1]})" if padded else ""
    return Confirmation(True, name, args, kwargs, shape, params, before=before)


def _too_big_for_torch(shapes: dict[str, tuple[int, ...]]) -> str:
    for what, shape in shapes.items():
        size = prod(shape) * 4
        if size > TORCH_MAX_BYTES:
            return (
                f"the {what} tensor would be {size:,} bytes, past torch's int64 limit "
                f"of {TORCH_MAX_BYTES:,}; cnncalc's exact arithmetic stands alone"
            )
    return ""


def _squeeze(values: tuple[int, ...]) -> int | tuple[int, ...]:
    return values[0] if len(set(values)) == 1 else values


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def pool_layer_call(geometry: PoolGeometry | AdaptiveGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """The torch.nn class name and arguments that build this pooling layer."""
    from .core.pool import AdaptiveGeometry

    if isinstance(geometry, AdaptiveGeometry):
        kind = "Max" if geometry.kind == "max" else "Avg"
        sizes = tuple(a.output for a in geometry.axes)
        return f"Adaptive{kind}Pool{geometry.dims}d", (_squeeze(sizes),), {}
    spec = geometry.spec
    kwargs: dict[str, Any] = {}
    if spec.stride != spec.kernel:
        kwargs["stride"] = _squeeze(spec.stride)
    if spec.kind == "lp":
        assert spec.norm is not None  # set for every LP spec
        if spec.ceil_mode:
            kwargs["ceil_mode"] = True
        return f"LPPool{spec.dims}d", (spec.norm, _squeeze(spec.kernel)), kwargs
    if any(spec.padding):
        kwargs["padding"] = _squeeze(spec.padding)
    if spec.kind == "max" and any(d != 1 for d in spec.dilation):
        kwargs["dilation"] = _squeeze(spec.dilation)
    if spec.ceil_mode:
        kwargs["ceil_mode"] = True
    if spec.kind == "avg" and not spec.count_include_pad:
        kwargs["count_include_pad"] = False
    name = "MaxPool" if spec.kind == "max" else "AvgPool"
    return f"{name}{spec.dims}d", (_squeeze(spec.kernel),), kwargs


def confirm_pool(geometry: PoolGeometry | AdaptiveGeometry) -> Confirmation:
    """Build the torch pooling layer on the meta device and compare the output shape."""
    name, args, kwargs = pool_layer_call(geometry)
    too_big = _too_big_for_torch({"input": (1, *geometry.input_shape), "output": (1, *geometry.output_shape)})
    if too_big:
        return Confirmation(None, name, args, kwargs, skipped=too_big)
    torch = import_torch()
    layer = _meta_layer(name, args, tuple(kwargs.items()), weights=False)
    out = _run_on_meta(torch, layer, geometry.input_shape)
    shape = tuple(out.shape[1:])
    if shape != geometry.output_shape:
        raise TorchDisagreement("output_shape", list(geometry.output_shape), list(shape))
    return Confirmation(True, name, args, kwargs, shape, 0)


@functools.lru_cache(maxsize=256)
def _meta_layer(name: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...], weights: bool) -> Any:
    """A layer on the meta device, built once per distinct set of arguments.

    Building costs more than running on the meta device (torch initialises the
    weights through its Python decompositions), and batch mode asks about the
    same layer at many input sizes. Meta layers hold no values to go stale.
    """
    # Pooling layers hold no tensors and take no device argument.
    return _build(import_torch(), name, args, {**dict(kwargs), **({"device": "meta"} if weights else {})})


def _build(torch: ModuleType, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    try:
        return getattr(torch.nn, name)(*args, **kwargs)
    except Exception as error:
        raise TorchDisagreement("validity", "valid", _first_line(error)) from error


def _run_on_meta(torch: ModuleType, layer: Any, input_shape: tuple[int, ...]) -> Any:
    return _forward(torch, layer, torch.empty((1, *input_shape), device="meta"))


# The numeric check builds the layer for real on the CPU; past this many
# parameters (100 MB at float32) it is skipped rather than allocate them.
NUMERIC_MAX_PARAMS = 25_000_000
# Shapes come from a CPU forward pass on zeros when the activations stay small...
CPU_MAX_ELEMENTS = 32_000_000
# ...else from the meta device, whose recurrent kernels run step by step (~20 ms a step).
META_MAX_STEPS = 256
# The seeded tensor the gate equations are checked on: small, but every layer,
# direction and step of it.
NUMERIC_BATCH, NUMERIC_SEQ = 2, 5
NUMERIC_TOLERANCE = 1e-5


@dataclass(frozen=True)
class NumericCheck:
    """The seed's gate equations, computed by hand, against torch's forward pass."""

    max_abs_error: float | None
    batch: int = 0
    seq: int = 0
    skipped: str = ""


@dataclass(frozen=True)
class RnnConfirmation:
    shapes: Confirmation
    numbers: NumericCheck


def rnn_layer_call(geometry: RnnGeometry) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    spec = geometry.spec
    kwargs: dict[str, Any] = {}
    if spec.layers != 1:
        kwargs["num_layers"] = spec.layers
    if not spec.bias:
        kwargs["bias"] = False
    if spec.batch_first:
        kwargs["batch_first"] = True
    if spec.bidirectional:
        kwargs["bidirectional"] = True
    if spec.proj:
        kwargs["proj_size"] = spec.proj
    if spec.cell == "rnn" and spec.nonlinearity != "tanh":
        kwargs["nonlinearity"] = spec.nonlinearity
    return spec.cell.upper(), (spec.input_size, spec.hidden), kwargs


def confirm_rnn(geometry: RnnGeometry) -> RnnConfirmation:
    """Check the shapes against torch's layer, then the gate equations numerically.

    Raises ``TorchDisagreement`` on a shape or count mismatch, or when the
    hand-computed states differ from torch's by more than 1e-5.
    """
    name, args, kwargs = rnn_layer_call(geometry)
    spec = geometry.spec
    x_shape = (spec.batch, spec.seq, spec.input_size) if spec.batch_first else (spec.seq, spec.batch, spec.input_size)
    too_big = _too_big_for_torch(
        {"input": x_shape, "output": geometry.output_shape, **{p.name: p.shape for p in geometry.parameters}}
    )
    if too_big:
        return RnnConfirmation(
            Confirmation(None, name, args, kwargs, skipped=too_big), NumericCheck(None, skipped=too_big)
        )
    torch = import_torch()
    real = geometry.params <= NUMERIC_MAX_PARAMS
    if real:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            layer = _build(torch, name, args, kwargs)
    else:
        layer = _build(torch, name, args, {**kwargs, "device": "meta"})
    _compare_parameters(geometry, layer)
    activations = prod(x_shape) + prod(geometry.output_shape) * spec.layers
    skipped = ""
    if real and activations <= CPU_MAX_ELEMENTS:
        out = _forward(torch, layer, torch.zeros(x_shape))
    elif spec.seq * spec.layers * spec.directions <= META_MAX_STEPS:
        meta = layer if not real else _build(torch, name, args, {**kwargs, "device": "meta"})
        out = _forward(torch, meta, torch.empty(x_shape, device="meta"))
    else:
        out = None
        skipped = (
            f"output shapes not run: {spec.seq * spec.layers * spec.directions:,} recurrent steps on the meta device "
            f"would take minutes and the real layer is too large for the CPU"
        )
    if out is not None:
        _compare_states(geometry, out)
    confirmation = Confirmation(
        True, name, args, kwargs, geometry.output_shape if out is not None else (), geometry.params, skipped
    )
    if not real:
        reason = f"{geometry.params:,} parameters, more than the {NUMERIC_MAX_PARAMS:,} it builds for real"
        return RnnConfirmation(confirmation, NumericCheck(None, skipped=reason))
    return RnnConfirmation(confirmation, _check_numerics(torch, geometry, layer))


def _forward(torch: ModuleType, layer: Any, x: Any) -> Any:
    # e.g. "LSTM with projections is not supported with oneDNN": torch's business, not the user's
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.no_grad():
                return layer(x)
        except Exception as error:
            raise TorchDisagreement("validity", "valid", _first_line(error)) from error


def _compare_parameters(geometry: RnnGeometry, layer: Any) -> None:
    ours = {p.name: p.shape for p in geometry.parameters}
    theirs = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    if ours != theirs:
        raise TorchDisagreement("parameters", ours, theirs)
    count = sum(p.numel() for p in layer.parameters())
    if count != geometry.params:
        raise TorchDisagreement("params", geometry.params, count)


def _compare_states(geometry: RnnGeometry, out: Any) -> None:
    output, state = out
    pairs: list[tuple[str, tuple[int, ...], Any]] = [
        ("output_shape", geometry.output_shape, output),
        ("h_n_shape", geometry.h_n_shape, state[0] if geometry.c_n_shape else state),
    ]
    if geometry.c_n_shape:
        pairs.append(("c_n_shape", geometry.c_n_shape, state[1]))
    for what, mine, tensor in pairs:
        if tuple(tensor.shape) != mine:
            raise TorchDisagreement(what, list(mine), list(tensor.shape))


def _check_numerics(torch: ModuleType, geometry: RnnGeometry, layer: Any) -> NumericCheck:
    spec = geometry.spec
    # Its own small tensor, whatever --batch and --seq say: several steps, so
    # that h_(t−1) and c_(t−1) take part, and more than one example.
    batch, seq = NUMERIC_BATCH, NUMERIC_SEQ
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(seq, batch, spec.input_size, generator=generator)
    output, state = _forward(torch, layer, x.transpose(0, 1) if spec.batch_first else x)
    if spec.batch_first:
        output = output.transpose(0, 1)
    h_n, c_n = state if spec.cell == "lstm" else (state, None)
    with torch.no_grad():
        mine_output, mine_h, mine_c = _by_hand(torch, geometry, layer, x)
    errors = [(output - mine_output).abs().max(), (h_n - mine_h).abs().max()]
    if c_n is not None:
        errors.append((c_n - mine_c).abs().max())
    worst = float(max(errors))
    if not worst <= NUMERIC_TOLERANCE:  # also catches NaN
        raise TorchDisagreement(
            "the gate equations", f"states within {NUMERIC_TOLERANCE:g} of torch's", f"a difference of {worst:.3g}"
        )
    return NumericCheck(worst, batch, seq)


def _by_hand(torch: ModuleType, geometry: RnnGeometry, layer: Any, x: Any) -> tuple[Any, Any, Any]:
    """The seed's equations, step by step, with weights cut from torch's packed tensors.

    Returns (output, h_n, c_n) in torch's layout, time first.
    """
    spec = geometry.spec
    seq, batch = x.shape[0], x.shape[1]
    layer_input = x
    finals_h, finals_c = [], []
    for number in range(spec.layers):
        outputs = []
        for reverse in (False, True)[: spec.directions]:
            suffix = f"_l{number}" + ("_reverse" if reverse else "")
            cell = _SeedCell(torch, geometry, layer, suffix)
            h = torch.zeros(batch, spec.h_size)
            c = torch.zeros(batch, spec.hidden)
            steps: list[Any] = [None] * seq
            for t in reversed(range(seq)) if reverse else range(seq):
                h, c = cell.step(layer_input[t], h, c)
                steps[t] = h
            outputs.append(torch.stack(steps))
            finals_h.append(h)
            finals_c.append(c)
        layer_input = torch.cat(outputs, dim=2)
    return layer_input, torch.stack(finals_h), torch.stack(finals_c)


class _SeedCell:
    """One layer and direction of a recurrent layer, in the seed's form.

    Gate k gets the seed's weight W_k = [W_hk | W_ik] over [h_(t−1), x_t] and
    one bias b_k = b_ik + b_hk. A GRU's new gate cannot take that form: torch
    applies r to (W_hn·h + b_hn) alone, so it is computed as torch defines it.
    """

    def __init__(self, torch: ModuleType, geometry: RnnGeometry, layer: Any, suffix: str) -> None:
        self.torch = torch
        self.spec = geometry.spec
        w_ih = getattr(layer, f"weight_ih{suffix}")
        w_hh = getattr(layer, f"weight_hh{suffix}")
        zeros = torch.zeros(w_ih.shape[0])
        b_ih = getattr(layer, f"bias_ih{suffix}") if self.spec.bias else zeros
        b_hh = getattr(layer, f"bias_hh{suffix}") if self.spec.bias else zeros
        self.w_hr = getattr(layer, f"weight_hr{suffix}") if self.spec.proj else None
        self.seed: dict[str, tuple[Any, Any]] = {}
        self.parts: dict[str, tuple[Any, Any, Any, Any]] = {}
        for gate in geometry.gates:
            rows = slice(*geometry.rows(gate))
            self.seed[gate.key] = (torch.cat([w_hh[rows], w_ih[rows]], dim=1), b_ih[rows] + b_hh[rows])
            self.parts[gate.key] = (w_ih[rows], b_ih[rows], w_hh[rows], b_hh[rows])

    def gate(self, key: str, hx: Any) -> Any:
        weight, bias = self.seed[key]
        return hx @ weight.T + bias  # the bias [H] broadcasts over the batch

    def step(self, x_t: Any, h: Any, c: Any) -> tuple[Any, Any]:
        torch, spec = self.torch, self.spec
        hx = torch.cat([h, x_t], dim=1)  # [h_(t−1), x_t]
        if spec.cell == "lstm":
            f_t = torch.sigmoid(self.gate("f", hx))
            i_t = torch.sigmoid(self.gate("i", hx))
            c_tilde = torch.tanh(self.gate("g", hx))
            c = f_t * c + i_t * c_tilde
            o_t = torch.sigmoid(self.gate("o", hx))
            h = o_t * torch.tanh(c)
            return (h @ self.w_hr.T if self.w_hr is not None else h), c
        if spec.cell == "gru":
            r_t = torch.sigmoid(self.gate("r", hx))
            z_t = torch.sigmoid(self.gate("z", hx))
            w_in, b_in, w_hn, b_hn = self.parts["n"]
            n_t = torch.tanh(x_t @ w_in.T + b_in + r_t * (h @ w_hn.T + b_hn))
            return (1 - z_t) * n_t + z_t * h, c
        activation = torch.relu if spec.nonlinearity == "relu" else torch.tanh
        return activation(self.gate("h", hx)), c


# --- trace: a chain built layer by layer (Python models are traced by cnncalc.tracing) ------------------------


@dataclass(frozen=True)
class TraceCheck:
    """torch's word on each row of a traced chain (True: the same shape, parameters and MACs), and each row's
    FLOPs as its run counted them (None: the row ran an operation no cost rule prices)."""

    verified: tuple[bool, ...]
    flops: tuple[int | None, ...] = ()


def confirm_chain(trace: Trace, layers: list[Layer]) -> TraceCheck:
    """Build every layer on the meta device and run the input through them with the trace engine: each layer's
    output, parameters and MACs must be cnncalc's."""
    from .tracing.engine import Call, NeedsValues, run
    from .tracing.engine import Recorder as Engine

    torch = import_torch()
    modules = []
    for layer, row in zip(layers, trace.rows, strict=True):
        built = layer.replaced(**dict(row.inferred))  # `_` filled in with what the trace inferred
        try:
            with torch.device("meta"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                modules.append(getattr(torch.nn, layer.kind)(*built.args, **built.kwargs))
        except (TypeError, ValueError, RuntimeError) as error:  # arguments torch builds no layer from: bad input
            raise InvalidParameter(
                "model", layer.written(), f"arguments torch accepts (torch: {_first_line(error)})"
            ) from None

    class Chain(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList(modules)

        def forward(self, x: Any) -> Any:
            for module in self.layers:
                out = module(x)
                x = out[0] if isinstance(out, tuple) else out  # a recurrent layer's sequence goes on
            return x

    x = torch.empty((*trace.rows[0].input_shape,), device="meta", dtype=getattr(torch, trace.dtype))
    engine = Engine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:  # evaluation mode, as Python models are traced: batch norm uses its running statistics
            done = run(Chain(), (x,), {}, engine, lambda: torch.device("meta"))
        except NeedsValues as needs:
            raise TorchDisagreement("validity", "valid", needs.what) from None
        except Exception as error:
            raise TorchDisagreement(
                _validity_of(engine.broke_at(error), layers), "valid", _first_line(error)
            ) from error
    calls = [item for item in done.root.items if item.is_module]
    flops: list[int | None] = []
    for layer, row, call in zip(layers, trace.rows, calls, strict=True):
        total = Call(None, call.name, None)
        total.add(call)
        if call.outputs[:1] != (row.output_shape,):
            raise TorchDisagreement(f"{layer.label}'s output", list(row.output_shape), list(call.outputs[0]))
        if call.params != row.params:
            raise TorchDisagreement(f"{layer.label}'s parameters", row.params, call.params)
        if sum(total.macs.values()) != row.macs:
            raise TorchDisagreement(f"{layer.label}'s MACs", row.macs, sum(total.macs.values()))
        flops.append(None if total.uncounted else total.flops)
    return TraceCheck(tuple(True for _ in calls), tuple(flops))


def _validity_of(failed: Any, layers: list[Layer]) -> str:
    """What torch found invalid: the layer whose forward raised (its call is named ``layers.k``), else the chain."""
    _, _, index = (failed.name if failed is not None else "").rpartition("layers.")
    if index.isdigit() and int(index) < len(layers):
        return f"{layers[int(index)].label}'s validity"
    return "validity"


# How many solutions of `--target` are built and run in torch (the best ones).
CONFIRM_TOP = 10


@dataclass(frozen=True)
class SolveCheck:
    confirmed: int  # the first this many solutions were built in torch and agreed
    layers: tuple[str, ...]


def confirm_solutions(result: SolveResult) -> SolveCheck:
    """Build the best solutions as torch layers on the meta device; each must give the target."""
    from .core.conv import conv_geometry, make_conv_spec
    from .core.pool import make_pool_spec, pool_geometry

    calls = []
    for combo in result.combined(CONFIRM_TOP):
        kernel = tuple(s.f for s in combo)
        stride = tuple(s.s for s in combo)
        padding = tuple(s.p for s in combo)
        dilation = tuple(s.dilation for s in combo)
        size = tuple(a.size for a in result.axes)
        geometry: Any
        if result.kind.endswith("pool"):
            pool_spec = make_pool_spec(
                size=size,
                channels=result.channels,
                kind=result.kind.split()[0],
                kernel=kernel,
                stride=stride,
                padding=padding,
                dilation=dilation,
            )
            geometry = pool_geometry(pool_spec)
            confirmation = confirm_pool(geometry)
        else:
            spec = make_conv_spec(
                size=size,
                in_channels=result.channels,
                out_channels=result.out_channels,
                kernel=kernel,
                stride=stride,
                padding=padding,
                dilation=dilation,
                transposed=result.kind == "transposed conv",
                output_padding=tuple(s.output_padding for s in combo),
            )
            geometry = conv_geometry(spec)
            confirmation = confirm_conv(geometry)
        if geometry.output_shape != result.output_shape:
            raise TorchDisagreement("a solution's output", list(result.output_shape), list(geometry.output_shape))
        calls.append(confirmation)
    from .render import layer_call

    return SolveCheck(len(calls), tuple(layer_call(c) for c in calls))
