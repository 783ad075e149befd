"""The one exception family cnncalc raises, and the words it is read in.

Every error carries its fields, so a caller (the CLI, batch mode, a test) can
read them without parsing text. A parameter is named by its API name — the
keyword of the core function that refused it (``stride``, ``kernel``) — and a
fix names parameters as data (``Setting("stride", 1)``), so each interface
spells the same error in its own words:

>>> e = InvalidParameter("stride", 0, "a stride of at least 1", ("use ", Setting("stride", 1), " or more"))
>>> str(e)
'stride got 0, expected a stride of at least 1: use stride=1 or more'
>>> e.describe(CommandLine({"stride": "s"}))
'--s got 0, expected a stride of at least 1: use --s 1 or more'

Only the CLI turns them into a line on stderr and an exit code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class Name:
    """A parameter named in a message: ``--p``, ``padding``."""

    param: str


@dataclass(frozen=True)
class Setting:
    """A parameter set to a value: ``--s 1``, ``stride=1``; a tuple value is a choice (``--type max or avg``)."""

    param: str
    value: object


@dataclass(frozen=True)
class Value:
    """A value of a parameter (``'same-tf'``), said only where the interface accepts it."""

    param: str
    value: object


Part: TypeAlias = "str | Name | Setting | Value | Either | tuple[Part, ...]"  # a message may hold messages
Words: TypeAlias = "tuple[Part, ...]"


@dataclass(frozen=True)
class Either:
    """Choices; an interface that cannot say one leaves it out, and lists the rest."""

    alternatives: tuple[str | Words, ...]
    separator: str = ", or "
    last: str = ", or "


Message: TypeAlias = "str | Words | Either"


def either(*alternatives: str | Words) -> Either:
    """Fixes to choose from: ``drop --p, or use --type max``."""
    return Either(alternatives)


def one_of(*alternatives: str | Words) -> Either:
    """Values to choose from: ``0, 'same', 'valid' or 'same-tf'``."""
    return Either(alternatives, ", ", " or ")


class Spelling:
    """How an interface names parameters. This one is Python's: the API names, ``stride=1``.

    ``name`` and ``setting`` return None for what the interface cannot say (torch has no ``padding='same-tf'``).
    """

    def __init__(self, names: Mapping[str, str | None] | None = None) -> None:
        self.names: Mapping[str, str | None] = names or {}

    def name(self, param: str) -> str | None:
        return self.names.get(param, param)

    def subject(self, param: str) -> str:
        """Who got the value, at the head of a message."""
        return self.name(param) or param

    def setting(self, param: str, value: object) -> str | None:
        name = self.name(param)
        if name is None:
            return None
        if isinstance(value, tuple):
            return f"{name}=" + " or ".join(repr(v) for v in value)
        return f"{name}={value!r}"

    def key(self, param: str) -> str:
        """The parameter as a JSON key or keyword (batch mode's ``param`` field)."""
        return self.name(param) or param

    def value(self, value: object) -> str:
        """A given value as the reader wrote it, cut short past a line's worth (a 10 MB value is not echoed)."""
        return shortened(str(value))

    def words(self, message: Message) -> str:
        """``message`` in this interface's words (Python's where a part is unspeakable and no other is offered)."""
        if isinstance(message, str):
            return message
        if isinstance(message, Either):
            spoken = [said for said in (self._spoken(alt) for alt in message.alternatives) if said is not None]
            if not spoken:
                return PYTHON.words(message)
            head = message.separator.join(spoken[:-1])
            return f"{head}{message.last}{spoken[-1]}" if head else spoken[-1]
        said = self._spoken(message)
        return said if said is not None else PYTHON.words(message)

    def _spoken(self, message: str | Words) -> str | None:
        if isinstance(message, str):
            return message
        text = []
        for part in message:
            if isinstance(part, Name):
                spoken = self.name(part.param)
            elif isinstance(part, Setting):
                spoken = self.setting(part.param, part.value)
            elif isinstance(part, Value):
                spoken = None if self.setting(part.param, part.value) is None else repr(part.value)
            elif isinstance(part, Either):
                spoken = self.words(part)
            elif isinstance(part, tuple):
                spoken = self._spoken(part)
            else:
                spoken = part
            if spoken is None:
                return None
            text.append(spoken)
        return "".join(text)


PYTHON = Spelling()
SHOWN_CHARACTERS = 200  # of a given value, in a message


def shortened(text: str) -> str:
    """``text`` fit for one line of a message: control characters escaped (a newline would make two), and cut
    short past a line's worth."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[: SHOWN_CHARACTERS - 40]}… ({len(text):,} characters)"


# Parameters given as command-line arguments, not --options.
ARGUMENTS = frozenset({"model", "file", "command"})


class CommandLine(Spelling):
    """Options: ``--s 1``, flags ``--transposed``; ``prefix`` "" for batch mode, whose keys have no dashes and
    whose values are JSON (``true``, ``{"a": 1}``), shown as JSON."""

    def __init__(
        self, names: Mapping[str, str | None] | None = None, prefix: str = "--", json_values: bool = False
    ) -> None:
        super().__init__(names)
        self.prefix = prefix
        self.json_values = json_values

    def value(self, value: object) -> str:
        if self.json_values and not isinstance(value, str):
            import json  # batch mode's: it has loaded json already, and the command line need not

            try:
                return shortened(json.dumps(value))
            except (TypeError, ValueError):  # not a JSON value after all: as Python prints it
                pass
        return super().value(value)

    def name(self, param: str) -> str | None:
        key = self.key(param)
        return key if param in ARGUMENTS else "--" + key.replace("_", "-")

    def key(self, param: str) -> str:
        return self.names.get(param) or param

    def subject(self, param: str) -> str:
        key = self.key(param)
        return key if param in ARGUMENTS or not self.prefix else self.prefix + key.replace("_", "-")

    def setting(self, param: str, value: object) -> str | None:
        name = self.name(param)
        if isinstance(value, bool):  # a flag: its name says it (inverse flags are named --no-…)
            return name
        if isinstance(value, tuple):
            return f"{name} " + " or ".join(str(v) for v in value)
        return f"{name} {value}"


class CnnCalcError(Exception):
    """Base of every error cnncalc raises on purpose."""

    exit_code: int = 2
    spelling: Spelling = PYTHON  # the words of str(error)

    def describe(self, spelling: Spelling = PYTHON) -> str:
        """The one-line message, in the words of ``spelling``'s interface."""
        return super().__str__()

    def named(self, spelling: Spelling = PYTHON) -> str | None:
        """The parameter to blame as ``spelling``'s interface names it (batch mode's ``param``); None: none."""
        return None

    def __str__(self) -> str:
        return self.describe(self.spelling)


class InvalidParameter(CnnCalcError):
    """A value the geometry or torch cannot accept (exit code 2)."""

    exit_code = 2

    def __init__(self, param: str, value: object, expected: Message, fix: Message = "") -> None:
        self.param = param
        self.value = value
        self.expected = expected
        self.fix = fix
        super().__init__(param, value, expected, fix)

    def describe(self, spelling: Spelling = PYTHON) -> str:
        given = spelling.value(self.value)
        line = f"{self.subject(spelling)} got {given}, expected {spelling.words(self.expected)}"
        fix = spelling.words(self.fix)
        return f"{line}: {fix}" if fix else line

    def subject(self, spelling: Spelling) -> str:
        """Who got the value, at the head of the message."""
        return spelling.subject(self.param)

    def named(self, spelling: Spelling = PYTHON) -> str | None:
        return spelling.key(self.param)


class UnknownOption(InvalidParameter):
    """An option the interface does not have: named as it was written, never respelled (``bias`` stays ``bias``)."""

    def subject(self, spelling: Spelling) -> str:
        return self.param

    def named(self, spelling: Spelling = PYTHON) -> str | None:
        return self.param


class DoesNotFit(InvalidParameter):
    """A setting that is fine in itself but does not fit this input (a kernel larger than the padded input).

    In a traced network the input is what reaches the layer, so this reads as the layer's mismatch.
    """


@contextmanager
def spoken_as(spelling: Spelling) -> Iterator[None]:
    """Errors raised inside read in ``spelling``'s words (``conv_output_size`` says ``s``, the core ``stride``)."""
    try:
        yield
    except CnnCalcError as error:
        error.spelling = spelling
        raise


class ExpectationNotMet(CnnCalcError):
    """The computed output differs from what ``--expect`` asked for (exit code 1)."""

    exit_code = 1

    def __init__(self, expected: tuple[int, ...], got: tuple[int, ...], output: str = "") -> None:
        self.expected = expected
        self.got = got
        self.output = output  # which of a model's outputs, when it returns several
        super().__init__(expected, got, output)

    def describe(self, spelling: Spelling = PYTHON) -> str:
        want = "x".join(map(str, self.expected))
        have = "x".join(map(str, self.got))
        which = f"output {self.output}" if self.output else "output"
        return f"{spelling.subject('expect')} {want} not met: the {which} is {have}"


class TorchDisagreement(CnnCalcError):
    """cnncalc's answer differs from the torch layer's (exit code 3): a cnncalc bug."""

    exit_code = 3

    def __init__(self, field: str, ours: object, theirs: object) -> None:
        self.field = field
        self.ours = ours
        self.theirs = theirs
        super().__init__(field, ours, theirs)

    def describe(self, spelling: Spelling = PYTHON) -> str:
        return (
            f"cnncalc and torch disagree on {self.field}: cnncalc says {self.ours}, "
            f"torch says {self.theirs}; this is a bug in cnncalc, please report it"
        )


class LayerMismatch(CnnCalcError):
    """A layer of a traced network cannot take what it receives (exit code 2).

    ``layer`` names it as the trace does ("Linear #6"); ``expected`` and ``got``
    are what it was built for and what reached it; ``fix`` is the change that
    makes it fit: in torch's words where it changes the layer, in the interface's where it changes an option
    (``--dtype int64``).
    """

    exit_code = 2

    def __init__(self, layer: str, expected: Message, got: str, fix: Message = "") -> None:
        self.layer = layer
        self.expected = expected
        self.got = got
        self.fix = fix
        self.param = "model"
        super().__init__(layer, expected, got, fix)

    def named(self, spelling: Spelling = PYTHON) -> str | None:
        return "model"

    def describe(self, spelling: Spelling = PYTHON) -> str:
        line = f"{self.layer} expects {spelling.words(self.expected)} but receives {self.got}"
        fix = spelling.words(self.fix)
        return f"{line}: {fix}" if fix else line
