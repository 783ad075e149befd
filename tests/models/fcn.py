"""An FCN-ResNet50 (Long et al. 2015, torchvision's layout with the auxiliary head and the 21 Pascal VOC classes:
35,322,218 parameters), written here so that nothing depends on torchvision. The backbone is a ResNet-50 whose last
two stages dilate instead of striding (output stride 8); ``forward`` returns a dict of per-pixel class scores at the
input's size, "out" from layer4 and "aux" from layer3. Its Bottleneck is resnet50.py's, imported as a sibling module
(as ``python fcn.py`` would find it)."""

import torch
from resnet50 import Bottleneck
from torch import nn
from torch.nn import functional as F


class Backbone(nn.Module):
    """torchvision's resnet50(replace_stride_with_dilation=[False, True, True]) up to layer4, without its pooling and
    fc, returning layer3's output as "aux" and layer4's as "out"."""

    def __init__(self, layers: tuple[int, ...] = (3, 4, 6, 3), dilate: tuple[bool, ...] = (False, True, True)) -> None:
        super().__init__()
        self.inplanes = 64
        self.dilation = 1
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._stage(64, layers[0])
        self.layer2 = self._stage(128, layers[1], stride=2, dilate=dilate[0])
        self.layer3 = self._stage(256, layers[2], stride=2, dilate=dilate[1])
        self.layer4 = self._stage(512, layers[3], stride=2, dilate=dilate[2])

    def _stage(self, planes: int, blocks: int, stride: int = 1, dilate: bool = False) -> nn.Sequential:
        # A dilated stage keeps its input's resolution; only its later blocks see the new dilation.
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample, previous_dilation)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes, dilation=self.dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        aux = self.layer3(self.layer2(self.layer1(x)))
        return {"aux": aux, "out": self.layer4(aux)}


class FCNHead(nn.Sequential):
    def __init__(self, in_channels: int, channels: int) -> None:
        inter_channels = in_channels // 4
        super().__init__(
            nn.Conv2d(in_channels, inter_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(inter_channels),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Conv2d(inter_channels, channels, 1),
        )


class FCN(nn.Module):
    def __init__(self, num_classes: int = 21) -> None:
        super().__init__()
        self.backbone = Backbone()
        self.classifier = FCNHead(2048, num_classes)
        self.aux_classifier = FCNHead(1024, num_classes)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        input_shape = x.shape[-2:]
        features = self.backbone(x)
        result: dict[str, torch.Tensor] = {}
        x = self.classifier(features["out"])
        result["out"] = F.interpolate(x, size=input_shape, mode="bilinear", align_corners=False)
        x = self.aux_classifier(features["aux"])
        result["aux"] = F.interpolate(x, size=input_shape, mode="bilinear", align_corners=False)
        return result


def fcn_resnet50() -> FCN:
    return FCN()
