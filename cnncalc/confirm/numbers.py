"""The numbers of an animation: the layer cnncalc confirms with, built on the CPU in float64 and run on seeded small
integers, so the values the picture writes in each output cell are torch's. cnncalc's own window arithmetic
(``core.steps``) must give the same numbers, or the picture's geometry disagrees with torch (exit 3)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from ..core.conv import ConvGeometry
from ..core.pool import PoolGeometry
from ..core.steps import Planes, Values, WindowNumbers, conv_terms, plane, pool_terms, scatter_output, scatters
from ..errors import TorchDisagreement
from .layers import conv_layer_call, pool_layer_call, pre_padding
from .results import Confirmation
from .runtime import build, forward, import_torch

SEED = 0
# Small integers keep every sum short enough to write in a cell: inputs 0…3, weights and biases −1…1. Pooling
# multiplies nothing: its inputs go to 9, so that a maximum is rarely a tie.
INPUT_HIGH, WEIGHT_LOW, WEIGHT_HIGH, POOL_HIGH = 3, -1, 1, 9
# Average and LP pooling divide and take roots: torch's float64 against cnncalc's, within this.
TOLERANCE = 1e-9


def conv_numbers(geometry: ConvGeometry) -> WindowNumbers:
    """Run the convolution (or transposed convolution) torch confirms on seeded integers; check its output
    against the windows (or scatters) cnncalc draws."""
    torch = import_torch()
    spec = geometry.spec
    name, args, kwargs = conv_layer_call(geometry)
    generator = torch.Generator().manual_seed(SEED)
    x = _integers(torch, generator, (1, *geometry.input_shape), 0, INPUT_HIGH)
    weight = _integers(torch, generator, geometry.weight_shape, WEIGHT_LOW, WEIGHT_HIGH)
    bias = _integers(torch, generator, (spec.out_channels,), WEIGHT_LOW, WEIGHT_HIGH) if spec.bias else None
    layer = build(torch, name, args, {**kwargs, "dtype": torch.float64})
    with torch.no_grad():
        layer.weight.copy_(weight)
        if bias is not None:
            layer.bias.copy_(bias)
    padded = pre_padding(geometry)
    if padded is not None:  # TensorFlow's uneven "same": the ZeroPad layer the confirmation runs first
        layer = torch.nn.Sequential(build(torch, padded[0], (padded[1],), {}), layer)
    out = forward(torch, layer, x)
    rows, cols = plane(geometry.axes)
    inputs, weights = _planes(x[0]), tuple(_planes(w) for w in weight)
    biases = tuple(int(b) for b in bias.tolist()) if bias is not None else None
    output = _values(out[0])
    if spec.transposed:
        steps = scatters(inputs, weights, biases, rows, cols, spec.groups, spec.out_channels)
        mine: Values = scatter_output(steps, biases, (spec.out_channels, rows.output, cols.output))
    else:
        grid = [[[0.0] * cols.output for _ in range(rows.output)] for _ in range(spec.out_channels)]
        for term in conv_terms(inputs, weights, biases, rows, cols, spec.groups):
            grid[term.filter][term.row][term.col] = term.value
        mine = tuple(tuple(tuple(row) for row in g) for g in grid)
    _compare(mine, output)
    call = _call(name, args, kwargs, f"{padded[0]}({padded[1]})" if padded else "")
    return WindowNumbers(call, inputs, output, weights, biases, seed=SEED)


def pool_numbers(geometry: PoolGeometry) -> WindowNumbers:
    """Run the pooling layer torch confirms on seeded integers (max pooling returning its indices: the cell each
    window picks); check its output against the windows cnncalc draws."""
    torch = import_torch()
    spec = geometry.spec
    name, args, kwargs = pool_layer_call(geometry)
    generator = torch.Generator().manual_seed(SEED)
    x = _integers(torch, generator, (1, *geometry.input_shape), 0, POOL_HIGH)
    picks = spec.kind == "max"
    layer = build(torch, name, args, {**kwargs, "return_indices": True} if picks else kwargs)
    out = forward(torch, layer, x)
    indices = None
    if picks:
        out, indices = out
    rows, cols = plane(geometry.axes)
    inputs, output = _planes(x[0]), _values(out[0])
    grid = [[[0.0] * cols.output for _ in range(rows.output)] for _ in range(spec.channels)]
    for term in pool_terms(spec.kind, inputs, rows, cols, spec.count_include_pad, spec.norm):
        grid[term.channel][term.row][term.col] = term.value
    _compare(tuple(tuple(tuple(row) for row in g) for g in grid), output)
    chosen = None
    if indices is not None:
        width = cols.size
        flat = indices[0].reshape(spec.channels, rows.output, cols.output).tolist()
        chosen = tuple(tuple(tuple(divmod(int(i), width) for i in row) for row in channel) for channel in flat)
    return WindowNumbers(_call(name, args, kwargs), inputs, output, chosen=chosen, seed=SEED)


def _integers(torch: ModuleType, generator: Any, shape: tuple[int, ...], low: int, high: int) -> Any:
    return torch.randint(low, high + 1, shape, generator=generator, dtype=torch.float64)


def _planes(tensor: Any) -> Planes:
    """[channel][row][column] integers; a 1D layer's [channel][length] as one row."""
    values = tensor.tolist()
    if tensor.dim() == 2:
        values = [[row] for row in values]
    return tuple(tuple(tuple(int(v) for v in row) for row in channel) for channel in values)


def _values(tensor: Any) -> Values:
    values = tensor.tolist()
    if tensor.dim() == 2:
        values = [[row] for row in values]
    return tuple(tuple(tuple(float(v) for v in row) for row in channel) for channel in values)


def _compare(mine: Values, torch_output: Values) -> None:
    for c, (ours, theirs) in enumerate(zip(mine, torch_output, strict=True)):
        for r, (row, their_row) in enumerate(zip(ours, theirs, strict=True)):
            for i, (a, b) in enumerate(zip(row, their_row, strict=True)):
                if not abs(a - b) <= TOLERANCE * max(1.0, abs(b)):  # NaN too
                    raise TorchDisagreement(f"the animation's output [{c}][{r}, {i}]", a, b)


def _call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], before: str = "") -> str:
    from ..views.common import layer_call

    return layer_call(Confirmation(True, name, args, kwargs, before=before))
