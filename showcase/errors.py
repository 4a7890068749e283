"""Problems authors must fix, kept apart from bugs.

A build collects every `Problem` it finds and reports them together as `path:line: error: message`
(MkDocs collects config errors the same way); only then does it stop with a `ContentError`.
Anything else that escapes is a bug in showcase and is allowed to surface as a traceback in tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import _


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or doubtful) in the site's input, located for the author."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        # a problem with the whole file (a missing one) is shown at line 1, keeping the format
        shown = _("{path}:{line}: error: {message}") if self.severity == "error" \
            else _("{path}:{line}: warning: {message}")
        return shown.format(path=self.path, line=self.line or 1, message=self.message)


class ShowcaseError(Exception):
    """Base of the errors showcase raises on purpose."""


class ContentError(ShowcaseError):
    """Raised when the input has errors; carries every problem found, warnings included."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        """Pickled with its problems (raised in a forked worker, it reaches the build)."""
        return type(self), (self.problems,)


class UsageError(ShowcaseError):
    """Raised for a bad command line or a missing site folder (exit status 2)."""


@dataclass
class Problems:
    """Collector passed through the stages so every problem of a build is reported at once."""

    items: list[Problem] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set, repr=False)

    def _add(self, problem: Problem) -> None:
        if problem not in self._seen:  # a file looked at twice is reported once
            self._seen.add(problem)
            self.items.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            self._add(problem)

    def error(self, path: str, line: int, message: str) -> None:
        self._add(Problem(path, line, message, "error"))

    def warning(self, path: str, line: int, message: str) -> None:
        self._add(Problem(path, line, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == "error")

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == "warning")

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ContentError(self.items)


class Superseded(ShowcaseError):
    """A preview build left unfinished because the author saved again (its pages are live)."""
