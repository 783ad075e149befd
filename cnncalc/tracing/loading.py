"""Importing a user's model and building it: on the meta device where it can be, on the CPU where it must.

``path/to/file.py:NAME`` is imported as ``python path/to/file.py`` would run
it, with the file's folder first on ``sys.path`` (so its sibling imports
work), under its own module name (so its ``if __name__ == "__main__"`` block
does not run). ``package.module:NAME`` is imported from the current directory
first, as ``python -m`` does.

Building on the meta device allocates no weights. It is tried two ways:

1. inside ``torch.device("meta")``: every tensor the constructor makes is a
   meta tensor. Fast, but a constructor that reads a value it computed
   (torchvision's RegNet rounds its widths with ``.tolist()``) fails;
2. with the constructor's arithmetic on real tensors and each parameter and
   buffer moved to the meta device as it is registered (torch's global
   registration hooks), so only the weights are not allocated.

Only when both fail is the model built on the CPU, under a memory bound.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..errors import InvalidParameter
from ..network.models import PythonReference
from .engine import MemoryBound, NeedsValues, Recorder, Usage, recording


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


@contextmanager
def imports_kept_apart(reference: PythonReference) -> Iterator[None]:
    """The model's folder first on ``sys.path`` while it is traced (as ``python path/to/file.py`` has it), and the
    modules imported from that folder forgotten afterwards: the next model's ``import blocks`` is its own."""
    folder = os.path.dirname(os.path.abspath(reference.where)) if reference.is_file else os.getcwd()
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    before = set(sys.modules)
    try:
        yield
    finally:
        if reference.is_file:
            for name in set(sys.modules) - before:
                path = getattr(sys.modules[name], "__file__", None) or ""
                if os.path.abspath(path).startswith(folder + os.sep):
                    del sys.modules[name]
        if added and folder in sys.path:
            sys.path.remove(folder)


def import_target(reference: PythonReference) -> Any:
    """The object ``reference`` names (a module instance, class or factory). Imports, so runs, the user's code:
    a file under a module name of its own, a module as ``python -m`` finds it (see imports_kept_apart)."""
    where = reference.where
    try:
        if reference.is_file:
            if not os.path.isfile(where):
                raise InvalidParameter("model", reference.text, f"a Python file, but {where} does not exist")
            name = f"cnncalc_model_{os.path.splitext(os.path.basename(where))[0]}_{abs(hash(os.path.abspath(where)))}"
            spec = importlib.util.spec_from_file_location(name, where)
            if spec is None or spec.loader is None:
                raise InvalidParameter("model", reference.text, "an importable Python file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
    except InvalidParameter:
        raise
    except BaseException as error:  # the user's module may raise anything, SystemExit included
        raise InvalidParameter("model", reference.text, "a module that imports", first_line(error)) from None
    target: Any = module
    for part in reference.name:
        if not hasattr(target, part):
            raise InvalidParameter(
                "model", reference.text, f"a name defined in {where}", f"{'.'.join(reference.name)} is not there"
            )
        target = getattr(target, part)
    return target


@dataclass
class Built:
    model: Any
    device: str  # where it runs: "meta" or "cpu"
    note: str = ""  # how it was built, when not the plain way
    # A built model's own parameters and buffers stay as they are: it runs with these meta stand-ins instead.
    stand_ins: dict[str, Any] | None = None


class BuildFailed(Exception):
    """The model did not build this way; ``line`` says why."""

    def __init__(self, line: str) -> None:
        self.line = line
        super().__init__(line)


def build(target: Any, reference: PythonReference, device: str, memory: Usage) -> Built:
    """Build (or move) the model for a run on ``device`` ("meta" or "cpu")."""
    if isinstance(target, nn.Module):
        if reference.called:
            raise InvalidParameter(
                "model", reference.text, f"a class or factory to call, but {reference.name[-1]} is a built model",
                f"drop the brackets: {reference.where}:{'.'.join(reference.name)}",
            )  # fmt: skip
        return _as_built(target, device, memory)
    if not callable(target):
        raise InvalidParameter(
            "model", reference.text, "an nn.Module instance, class, or function returning one", "name one of those"
        )
    if device == "meta":
        try:
            return Built(_call(target, reference, _meta_device), "meta")
        except BuildFailed as failed:
            reason = failed.line
        model = _call(target, reference, _meta_weights(memory))  # BuildFailed again: it needs the CPU
        return Built(model, "meta", f"built with its weights on the meta device but its arithmetic on real tensors: "
                     f"its constructor reads tensor values ({reason})")  # fmt: skip
    return Built(_call(target, reference, _on_cpu(memory)), "cpu")


def _as_built(model: Any, device: str, memory: Usage) -> Built:
    """A model someone already built: never moved, its values never touched (a weight tied to several modules
    gets one stand-in, which torch ties again)."""
    tensors = [*model.named_parameters(), *model.named_buffers()]
    if any(nn.parameter.is_lazy(tensor) for _, tensor in tensors):
        raise InvalidParameter(
            "model", type(model).__name__, "a built model whose lazy layers have their sizes",
            "name its class or factory instead: cnncalc builds it and its first call sizes them",
        )  # fmt: skip
    on_meta = any(tensor.device.type == "meta" for _, tensor in tensors)
    if device == "meta":
        if on_meta:
            return Built(model, "meta")
        stand_ins = {
            name: nn.Parameter(torch.empty_like(tensor, device="meta"), requires_grad=tensor.requires_grad)
            if isinstance(tensor, nn.Parameter)
            else torch.empty_like(tensor, device="meta")
            for name, tensor in tensors
        }
        return Built(model, "meta", stand_ins=stand_ins)
    if on_meta:
        raise BuildFailed("its weights are on the meta device: there are no values to run it on the CPU")
    size = sum(tensor.numel() * tensor.element_size() for _, tensor in tensors)
    if size > memory.bound:
        raise MemoryBound(memory.bound, f"a copy of its weights would take {size:,} bytes")
    try:  # its forward may write its buffers (an observer's statistics, a counter): it runs on a copy
        return Built(copy.deepcopy(model), "cpu")
    except Exception as error:
        raise BuildFailed(f"it cannot be copied to run on the CPU without changing it ({first_line(error)})") from None


def _call(target: Any, reference: PythonReference, way: Any) -> Any:
    try:
        with way(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            built = target(*reference.args, **reference.kwargs)
    except (MemoryBound, InvalidParameter):
        raise
    except NeedsValues as needs:
        raise BuildFailed(f"it reads tensor values: {needs.what}") from None
    except (Exception, SystemExit) as error:  # the user's constructor may raise anything, sys.exit included
        raise BuildFailed(first_line(error)) from None
    if not isinstance(built, nn.Module):
        raise InvalidParameter(
            "model", reference.text, "an nn.Module instance, class, or function returning one",
            f"{'.'.join(reference.name)}(...) returned {type(built).__name__}",
        )  # fmt: skip
    return built


@contextmanager
def _meta_device() -> Iterator[None]:
    # The recorder (with no call open) only lends its meta shortcuts: weight initialisation on meta tensors is free.
    with torch.device("meta"), recording(Recorder(), functions=False):
        yield


def _meta_weights(memory: Usage) -> Any:
    @contextmanager
    def way() -> Iterator[None]:
        with _weights_on_meta(), recording(Recorder(memory=memory), functions=False):
            yield

    return way


@contextmanager
def _weights_on_meta() -> Iterator[None]:
    def parameter(module: Any, name: str, value: Any) -> Any:
        if value is None or isinstance(value, nn.parameter.UninitializedParameter) or value.device.type == "meta":
            return None
        return nn.Parameter(value.to("meta"), requires_grad=value.requires_grad)

    def buffer(module: Any, name: str, value: Any) -> Any:
        if value is None or isinstance(value, nn.parameter.UninitializedBuffer) or value.device.type == "meta":
            return None
        return value.to("meta")

    hooks = nn.modules.module
    handles = [
        hooks.register_module_parameter_registration_hook(parameter),
        hooks.register_module_buffer_registration_hook(buffer),
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _on_cpu(memory: Usage) -> Any:
    @contextmanager
    def way() -> Iterator[None]:
        with recording(Recorder(meta_shortcuts=False, memory=memory), functions=False):
            yield

    return way
