"""The one exception family cnncalc raises.

Every error carries its fields, so a caller (the CLI, batch mode, a test) can
read them without parsing text; ``str(error)`` reads as what was given, what
was expected, and the fix. Only the CLI turns them into a line on stderr and
an exit code.
"""

from __future__ import annotations


class CnnCalcError(Exception):
    """Base of every error cnncalc raises on purpose."""

    exit_code: int = 2

    def describe(self, option_prefix: str = "") -> str:
        """The one-line message; ``option_prefix`` ("--") names CLI options."""
        return str(self)


# Parameters given as command-line arguments, not --options.
ARGUMENTS = frozenset({"model", "file", "command"})


class InvalidParameter(CnnCalcError):
    """A value the geometry or torch cannot accept (exit code 2).

    >>> e = InvalidParameter("s", "0", "a stride of at least 1", "use --s 1 or more")
    >>> e.describe("--")
    '--s got 0, expected a stride of at least 1: use --s 1 or more'
    """

    exit_code = 2

    def __init__(self, param: str, value: object, expected: str, fix: str = "") -> None:
        self.param = param
        self.value = value
        self.expected = expected
        self.fix = fix
        super().__init__(self.describe())

    def describe(self, option_prefix: str = "") -> str:
        # Options are spelt with dashes on the command line, underscores in Python and JSON.
        name = self.param.replace("_", "-") if option_prefix else self.param
        prefix = "" if self.param in ARGUMENTS else option_prefix
        line = f"{prefix}{name} got {self.value}, expected {self.expected}"
        return f"{line}: {self.fix}" if self.fix else line


class ExpectationNotMet(CnnCalcError):
    """The computed output differs from what ``--expect`` asked for (exit code 1)."""

    exit_code = 1

    def __init__(self, expected: tuple[int, ...], got: tuple[int, ...], output: str = "") -> None:
        self.expected = expected
        self.got = got
        self.output = output  # which of a model's outputs, when it returns several
        super().__init__(self.describe())

    def describe(self, option_prefix: str = "") -> str:
        want = "x".join(map(str, self.expected))
        have = "x".join(map(str, self.got))
        which = f"output {self.output}" if self.output else "output"
        return f"{option_prefix}expect {want} not met: the {which} is {have}"


class TorchDisagreement(CnnCalcError):
    """cnncalc's answer differs from the torch layer's (exit code 3): a cnncalc bug."""

    exit_code = 3

    def __init__(self, field: str, ours: object, theirs: object) -> None:
        self.field = field
        self.ours = ours
        self.theirs = theirs
        super().__init__(self.describe())

    def describe(self, option_prefix: str = "") -> str:
        return (
            f"cnncalc and torch disagree on {self.field}: cnncalc says {self.ours}, "
            f"torch says {self.theirs}; this is a bug in cnncalc, please report it"
        )


class LayerMismatch(CnnCalcError):
    """A layer of a traced network cannot take what it receives (exit code 2).

    ``layer`` names it as the trace does ("Linear #6"); ``expected`` and ``got``
    are what it was built for and what reached it; ``fix`` is the change that
    makes it fit.
    """

    exit_code = 2

    def __init__(self, layer: str, expected: str, got: str, fix: str = "") -> None:
        self.layer = layer
        self.expected = expected
        self.got = got
        self.fix = fix
        self.param = "model"
        super().__init__(self.describe())

    def describe(self, option_prefix: str = "") -> str:
        line = f"{self.layer} expects {self.expected} but receives {self.got}"
        return f"{line}: {self.fix}" if self.fix else line
