"""Importers of lifecycle data. Each validates a whole file first and writes nothing from a bad
one (``ImportFailed`` lists every problem), then writes in one transaction; re-importing a file
updates what changed and never duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    where: str  # e.g. "release 3 (17.9), field eol"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s), nothing was written")


def update_changed(obj, values: dict) -> list[str]:
    """Set and save the fields of ``values`` that differ on ``obj`` (with its ``updated`` stamp).
    Returns the names of the changed fields; saves nothing when none changed."""
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=[*changed, "updated"])
    return changed


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
