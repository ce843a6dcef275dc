"""Errors raised while loading the city's catalogue files.

Every problem names the file, the entry and the field, so that a member of city staff who
edited a YAML file can find and fix the mistake without reading code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional


@dataclass(frozen=True)
class CatalogueProblem:
    file: str
    entry: Optional[str]
    field: Optional[str]
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f", entry '{self.entry}'"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


@dataclass
class CatalogueError(Exception):
    """One or more problems found in the catalogue; nothing of it may be used."""

    problems: List[CatalogueProblem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"The catalogue is invalid ({len(self.problems)} problem(s)):"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class ProblemCollector:
    """Collects every problem of a validation pass, then raises them all at once."""

    def __init__(self) -> None:
        self.problems: List[CatalogueProblem] = []

    def add(self, file: str, entry: Optional[str], field: Optional[str], message: str) -> None:
        self.problems.append(CatalogueProblem(file, entry, field, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise CatalogueError(list(self.problems))
