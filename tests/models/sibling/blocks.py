"""Imported by net.py as a sibling module, as `python net.py` would import it."""

from torch import nn


class Block(nn.Sequential):
    def __init__(self, channels: int) -> None:
        super().__init__(nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU())
