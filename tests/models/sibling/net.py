"""A model file that imports a module next to it: `cnncalc trace tests/models/sibling/net.py:Net`."""

from blocks import Block
from torch import nn


class Net(nn.Sequential):
    def __init__(self) -> None:
        super().__init__(nn.Conv2d(3, 8, 3), Block(8), Block(8))
