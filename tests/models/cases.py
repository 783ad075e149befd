"""Small models for the trace engine's tests, each showing one thing real models do that a leaf-module summary
misses: subclassed layers, functional work in ``forward``, dict outputs, values read while building or running,
typed keyword inputs, operations cnncalc has no cost rule for, and the language models of PyTorch's examples."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MyConv(nn.Conv2d):
    """A subclass that changes nothing: still a Conv2d, with Conv2d's formula."""


class ScaledConv(nn.Conv2d):
    """A subclass that overrides forward: no formula applies, it is counted by what it runs."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * 2


class Subclassed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = MyConv(3, 8, 3)
        self.scaled = ScaledConv(8, 8, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scaled(self.conv(x))


class Functional(nn.Module):
    """Work done directly in forward: F.interpolate, torch.cat, flatten/transpose, x @ w and a residual add."""

    def __init__(self, features: int = 5) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.w = nn.Parameter(torch.randn(8, features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, 3, 8, 8]
        y = self.conv(x)  # [N, 4, 8, 8]
        up = F.interpolate(y, scale_factor=2)  # [N, 4, 16, 16]
        both = torch.cat([up, up], dim=1)  # [N, 8, 16, 16]
        tokens = both.flatten(2).transpose(1, 2)  # [N, 256, 8]
        out = tokens @ self.w  # [N, 256, features]
        return out + out


class DictHead(nn.Module):
    """A model that returns a dict, one entry of it nested."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Conv2d(3, 6, 3, padding=1)
        self.head = nn.Conv2d(6, 21, 1)

    def forward(self, x: torch.Tensor) -> dict[str, object]:
        features = self.body(x)
        out = F.interpolate(self.head(features), scale_factor=2, mode="bilinear", align_corners=False)
        return {"out": out, "extra": (features, {"pooled": features.mean((2, 3))})}


class ReadsValues(nn.Module):
    """Its constructor computes widths with tensors and reads them (as torchvision's RegNet does)."""

    def __init__(self) -> None:
        super().__init__()
        widths = (torch.arange(3) * 8 + 8).tolist()  # [8, 16, 24]
        layers: list[nn.Module] = []
        channels = 3
        for width in widths:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class ReadsWeights(nn.Module):
    """Its constructor reads its own weights' values: it builds only where weights exist (the CPU)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)
        with torch.no_grad():
            self.scale = float(self.linear.weight.abs().sum())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) * self.scale


class DataDependent(nn.Module):
    """Its forward reads values: .item() and nonzero() have no answer on the meta device."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = x.abs().max().item()
        kept = torch.nonzero(x[0] > 10).shape[0]  # none of a normal sample: 0
        return self.a(x) * scale + kept


class Tagger(nn.Module):
    """Token ids (int64) and a mask (bool), the mask by keyword."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 16)
        self.lstm = nn.LSTM(16, 32, batch_first=True)
        self.out = nn.Linear(32, 5)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.lstm(self.embed(ids))
        return self.out(hidden * mask.unsqueeze(-1))


class Spectral(nn.Module):
    """An FFT: cnncalc has no cost rule for it, and says so."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(9, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, 16]
        return self.linear(torch.fft.rfft(x).abs())


class LanguageModel(nn.Module):
    """PyTorch's word_language_model example (LSTM, WikiText-2 vocabulary, its default sizes)."""

    def __init__(self, tokens: int = 33278, width: int = 200, layers: int = 2) -> None:
        super().__init__()
        self.encoder = nn.Embedding(tokens, width)
        self.rnn = nn.LSTM(width, width, layers)
        self.decoder = nn.Linear(width, tokens)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # [N, seq]: the LSTM reads seq first
        output, _ = self.rnn(self.encoder(ids.t()))
        return self.decoder(output)


class TransformerModel(nn.Module):
    """PyTorch's word_language_model example, Transformer variant: a 2-layer nn.TransformerEncoder."""

    def __init__(self, tokens: int = 33278, width: int = 200, heads: int = 2, hidden: int = 200) -> None:
        super().__init__()
        self.encoder = nn.Embedding(tokens, width)
        layer = nn.TransformerEncoderLayer(width, heads, hidden, batch_first=True)
        self.transformer = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.decoder = nn.Linear(width, tokens)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:  # [N, seq]
        return self.decoder(self.transformer(self.encoder(ids)))


def huge() -> nn.Sequential:
    """40 × Linear(16384, 16384): 1.07·10¹⁰ parameters, 40 GiB at float32 — only the meta device holds it."""
    return nn.Sequential(*[nn.Linear(16384, 16384) for _ in range(40)])


# A model built at import, with real weights: a reference to it must leave it as it is, wherever cnncalc runs it.
built_functional = Functional()
built_data_dependent = DataDependent()


class _Quantizable(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = nn.Conv2d(3, 8, 3)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(8 * 6 * 6, 10)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, 3, 8, 8]
        x = self.relu(self.conv(self.quant(x)))
        return self.dequant(self.fc(torch.flatten(x, 1)))


def quantized() -> nn.Module:
    """Quantized as torchvision's quantized models are: int8 kernels whose weights are packed outside parameters()."""
    model = _Quantizable().eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.prepare(model, inplace=True)
    model(torch.randn(4, 3, 8, 8))  # calibration reads values: it builds on the CPU only
    return torch.ao.quantization.convert(model)


class Residual(nn.Module):
    """Convolution with a bias, batch norm, ReLU, a residual add, a linear head and softmax: the FLOPs rule by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(4 * 8 * 8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, 4, 8, 8]
        y = self.relu(self.bn(self.conv(x))) + x
        return torch.softmax(self.fc(torch.flatten(y, 1)), dim=1)
