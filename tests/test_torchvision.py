"""Every torchvision classification, video and segmentation model against torchvision's own published figures.

Opt-in (``make check-torchvision``): torchvision's wheels need torch's CUDA build, so it lives in its own venv,
never in ``make test``. Each model is traced through the same path as ``cnncalc trace torchvision.models:NAME``:
imported by reference, built with literal arguments, run on the meta device (or the CPU when it must). Its
parameters must equal the weights' ``meta["num_params"]`` and its MACs torchvision's ``meta["_ops"]`` (GFLOPS,
published to 3 decimals: within 0.5%, or within the half-unit of that rounding for the smallest models).
"""

from __future__ import annotations

from typing import Any

import pytest

torchvision = pytest.importorskip("torchvision")

from cnncalc.network.models import parse_reference  # noqa: E402
from cnncalc.network.trace import InputSpec  # noqa: E402
from cnncalc.tracing.python import trace_model  # noqa: E402

pytestmark = pytest.mark.torchvision

models = torchvision.models
FAMILIES = [("torchvision.models", models), ("torchvision.models.video", models.video)]
FAMILIES.append(("torchvision.models.segmentation", models.segmentation))
FAMILIES.append(("torchvision.models.quantization", models.quantization))
# Built as their published weights are (the weights set these), without downloading anything.
ARGUMENTS = {
    "googlenet": "aux_logits=False, init_weights=False",
    "inception_v3": "init_weights=False",
    "vit_h_14": "image_size=518",
    "regnet_y_128gf": "",
}


def cases() -> list[Any]:
    found = []
    for where, family in FAMILIES:
        for name in models.list_models(module=family):
            weights = next(iter(models.get_model_weights(name)))
            found.append(pytest.param(where, name, weights, id=name))
    return found


def input_shape(where: str, weights: Any) -> tuple[int, ...]:
    crop = getattr(weights.transforms, "keywords", {}).get("crop_size")
    if where.endswith("segmentation"):
        return (3, 520, 520)
    if where.endswith("video"):
        assert crop is not None, weights  # every video model's transforms name a crop
        return (3, 16, *crop)
    return (3, weights.meta["min_size"][0], weights.meta["min_size"][0]) if crop is None else (3, crop, crop)


@pytest.mark.parametrize(("where", "name", "weights"), cases())
def test_published_figures(where: str, name: str, weights: Any) -> None:
    arguments = ARGUMENTS.get(name, "")
    if where.endswith("segmentation"):
        arguments = "weights_backbone=None, num_classes=21" + ("" if "lraspp" in name else ", aux_loss=True")
    quantized = where.endswith("quantization")
    if quantized:  # built and calibrated on the CPU: quantized kernels, weights packed outside parameters()
        arguments = "quantize=True" + (", aux_logits=False" if name.endswith("googlenet") else "")
    shape = input_shape(where, weights)
    if name == "vit_h_14":
        shape = (3, 518, 518)
    builder = name.removeprefix("quantized_")  # the registry's name for torchvision.models.quantization.resnet18
    reference = parse_reference(f"{where}:{builder}({arguments})")
    assert reference is not None
    traced = trace_model(reference, [InputSpec(shape)], 1, "float32")
    published = weights.meta["_ops"]
    if not quantized:  # a quantized model folds each batch norm into its convolution: fewer parameters
        assert traced.total_params == weights.meta["num_params"]
    gmacs = traced.total_macs / 1e9
    assert abs(gmacs - published) <= max(0.005 * published, 0.0005), (gmacs, published)
    assert not traced.uncounted
    if where.endswith("segmentation"):  # a dict after F.interpolate: the model's own output, at the input's size
        assert [name for name, _ in traced.outputs][:1] == ["out"]
        assert traced.output_shape == (1, 21, *shape[1:])
    else:  # what the model returns (squeezenet flattens after its last module)
        assert traced.output_shape == (1, 400 if where.endswith("video") else 1000)
