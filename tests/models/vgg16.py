"""A VGG-16 (Simonyan & Zisserman 2014, configuration "D" without batch norm, torchvision's layout: 138,357,544
parameters), written here so that nothing depends on torchvision."""

import torch
from torch import nn

# Output channels of each 3×3 convolution; "M" is a 2×2 max pool.
CONFIG: list[int | str] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


class VGG(nn.Module):
    def __init__(self, config: list[int | str] = CONFIG, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        in_channels = 3
        for v in config:
            if v == "M":
                layers.append(nn.MaxPool2d(2, stride=2))
            else:
                assert isinstance(v, int)
                layers += [nn.Conv2d(in_channels, v, 3, padding=1), nn.ReLU(inplace=True)]
                in_channels = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def vgg16() -> VGG:
    return VGG()
