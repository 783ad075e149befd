"""Imports its sibling blocks.py, as the model in the other folder does."""

from blocks import head
from torch import nn


class Net(nn.Sequential):
    def __init__(self) -> None:
        super().__init__(head())
