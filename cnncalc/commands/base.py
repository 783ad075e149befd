"""What every command is: a typed request in, a result computed by the core, torch's check of it, and how to
show both. The command line and batch mode go through the same ``Command``, so a line of a batch file means
exactly what the same options mean on the command line.

Nothing here imports torch: a command imports its confirmation only when a request asks for it.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from ..core.inputs import resolve_input
from ..core.values import Given, check_expectation
from ..errors import CommandLine, InvalidParameter, Message, Name, UnknownOption
from ..views.table import Section

if TYPE_CHECKING:
    from ..views.svg import Scene

JSON = dict[str, object]
RequestT = TypeVar("RequestT", bound="Request")

# The core's parameters as the options name them; the rest keep their names. Inverse flags say what they turn off.
CLI_NAMES = {
    "kernel": "f", "stride": "s", "padding": "p", "in_channels": "d", "channels": "d", "out_channels": "k",
    "size": "input", "kind": "type", "ceil_mode": "ceil", "output": "adaptive", "global_pool": "global",
    "count_include_pad": "no_count_pad", "bias": "no_bias",
}  # fmt: skip
CLI = CommandLine(CLI_NAMES)
BATCH = CommandLine(CLI_NAMES, prefix="", json_values=True)  # a batch line's keys, without the dashes
ResultT = TypeVar("ResultT")
CheckT = TypeVar("CheckT")
ShownT = TypeVar("ShownT", contravariant=True)
CheckedT = TypeVar("CheckedT", contravariant=True)


@dataclass(frozen=True)
class Request:
    """A command's options, by their command-line names, as they were given (the core reads them)."""

    # Options spelt otherwise than their field: a Python keyword (``global``) cannot be a field name.
    SPELLED: ClassVar[Mapping[str, str]] = {}

    def __post_init__(self) -> None:
        # None is "not given" (an option left out on the command line): the default stands.
        given = self.__dict__
        for name, default in _defaults(type(self)):
            if given[name] is None:
                given[name] = default  # frozen to callers; filled in here, once

    @classmethod
    def option_names(cls) -> Mapping[str, str]:
        """Each option's name (as the command line and batch spell it) → its field."""
        return _option_names(cls)

    @classmethod
    def from_options(cls: type[RequestT], command: str, options: Mapping[str, Given]) -> RequestT:
        """A request from a batch line's options (``no_bias`` or ``no-bias``); None leaves the default."""
        names = cls.option_names()
        values: dict[str, Given] = {}
        for key, value in options.items():
            name = key.replace("-", "_")
            if name not in names:
                raise UnknownOption(name, value, f"an option of {command}: {', '.join(sorted(names))}")
            if value is not None:
                values[names[name]] = value
        return cls(**values)


# Per request class, computed once: batch mode builds a request a line.
_DEFAULTS: dict[type[Request], tuple[tuple[str, object], ...]] = {}
_OPTION_NAMES: dict[type[Request], dict[str, str]] = {}


def _defaults(request: type[Request]) -> tuple[tuple[str, object], ...]:
    if request not in _DEFAULTS:
        _DEFAULTS[request] = tuple((f.name, f.default) for f in dataclasses.fields(request) if f.default is not None)
    return _DEFAULTS[request]


def _option_names(request: type[Request]) -> dict[str, str]:
    if request not in _OPTION_NAMES:
        _OPTION_NAMES[request] = {request.SPELLED.get(f.name, f.name): f.name for f in dataclasses.fields(request)}
    return _OPTION_NAMES[request]


class View(Protocol[ShownT, CheckedT]):
    """How a command's result is shown: the module in cnncalc/views that bears the command's name."""

    def title(self, result: ShownT, /) -> str: ...

    def tables(self, result: ShownT, check: CheckedT | None, /) -> list[Section]: ...

    def to_json(self, result: ShownT, check: CheckedT | None, /) -> JSON: ...

    def explain(self, result: ShownT, /) -> list[str]:
        """The arithmetic step by step (--explain); empty for a command without steps to show."""
        ...


class Command(ABC, Generic[RequestT, ResultT, CheckT]):
    """One command: ``build`` computes (pure), ``confirm`` asks torch, the rest shows them."""

    name: str
    request: type[RequestT]
    # How --expect reads a short shape: the spatial size after the channels, unless a command says otherwise.
    short_name: ClassVar[str] = "the spatial size"
    full_name: ClassVar[str] = "the whole shape without batch"

    @abstractmethod
    def build(self, request: RequestT) -> ResultT: ...

    @abstractmethod
    def confirm(self, result: ResultT) -> CheckT: ...

    @abstractmethod
    def view(self) -> View[ResultT, CheckT]:
        """Its module of cnncalc/views, imported here, when a result is first shown (--quiet needs none)."""

    @abstractmethod
    def output_shape(self, result: ResultT) -> tuple[int, ...]: ...

    def to_json(self, result: ResultT, check: CheckT | None) -> JSON:
        # The view's function, looked up once: batch mode asks for a JSON answer a line.
        shown = self.__dict__.get("_to_json")
        if shown is None:
            shown = self.__dict__["_to_json"] = self.view().to_json
        return shown(result, check)

    def title(self, result: ResultT) -> str:
        return self.view().title(result)

    def tables(self, result: ResultT, check: CheckT | None) -> list[Section]:
        return self.view().tables(result, check)

    def explain(self, result: ResultT) -> list[str]:
        return self.view().explain(result)

    def pictures(self, result: ResultT, show: str) -> list[str]:
        """The --show pictures: "picture" or "frames"."""
        raise InvalidParameter("show", "given", "conv, pool (not adaptive) or lstm", "drop --show")

    def animation(self, result: ResultT, verify: bool) -> Scene:
        """The --animate picture, step by step (numbers from torch only when ``verify``)."""
        raise InvalidParameter("animate", "given", "conv, pool (not adaptive) or lstm", "drop --animate")

    def short(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return shape[1:]

    def check_expectation(self, result: ResultT, expect: Given) -> None:
        """Raise ``ExpectationNotMet`` unless the output is ``expect`` (the whole shape or its short form)."""
        shape = self.output_shape(result)
        check_expectation(expect, shape, self.short(shape), self.short_name, self.full_name)

    def respond(self, request: RequestT, verify: bool = True) -> Answer[RequestT, ResultT, CheckT]:
        """Compute ``request`` and, unless ``verify`` is false, confirm it."""
        result = self.build(request)
        return Answer(self, result, self.confirm(result) if verify else None)

    def respond_to(self, options: Mapping[str, Given], verify: bool = True) -> Answer[RequestT, ResultT, CheckT]:
        """The same from a batch line's options."""
        return self.respond(self.request.from_options(self.name, options), verify)


@dataclass(frozen=True)
class Answer(Generic[RequestT, ResultT, CheckT]):
    """A computed result, torch's check of it (None when not asked), and the command that shows them."""

    command: Command[RequestT, ResultT, CheckT]
    result: ResultT
    check: CheckT | None

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self.command.output_shape(self.result)

    def to_json(self) -> JSON:
        return self.command.to_json(self.result, self.check)

    def print(self, explain: bool = False, show: str = "", svg: str | None = None, html: str | None = None) -> None:
        """The tables; ``show`` adds pictures ("picture" or "frames"); svg/html save it all."""
        from ..views.output import Export, print_table

        command = self.command
        steps = command.explain(self.result) if explain else None
        pictures = command.pictures(self.result, show) if show else None
        export = Export(svg, html) if svg or html else None
        print_table(command.title(self.result), command.tables(self.result, self.check), steps, pictures, export)

    def check_expectation(self, expect: Given) -> None:
        self.command.check_expectation(self.result, expect)


@dataclass(frozen=True)
class InputOptions(Request):
    """The input every calculator takes: the seed's --w/--h/--d (and --dims), or torch's --input CxHxW."""

    w: Given = None
    h: Given = None
    d: Given = None
    input: Given = None
    dims: Given = None

    def resolved(self) -> tuple[int, tuple[int, ...]]:
        """(channels, spatial sizes in torch order)."""
        return resolve_input(w=self.w, h=self.h, d=self.d, dims=self.dims, input=self.input)


def flag(value: Given, name: str) -> bool:
    """An on/off option: true or false, nothing else (a batch line may send anything)."""
    if not isinstance(value, bool):
        raise InvalidParameter(name, value, "true or false")
    return value


def refuse_with(
    chosen: str, given: Mapping[str, Given], expected: str = "", fix: Message = "", flag_shown: str = "given"
) -> None:
    """Options that ``--chosen`` decides for itself are refused, not ignored (None and False: not given).

    The fix defaults to dropping the option; a flag's value reads as ``flag_shown``.
    """
    for option, value in given.items():
        if value not in (None, False):
            raise InvalidParameter(
                option,
                value if value is not True else flag_shown,
                ("no ", Name(option), " with ", Name(chosen)) + ((f": {expected}",) if expected else ()),
                fix or ("drop ", Name(option)),
            )
