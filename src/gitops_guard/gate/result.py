"""What ``check`` returns: its findings report and the promotion plan of the range."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitops_guard.history.steps import PromotionEvent
    from gitops_guard.model import Report


@dataclass
class PlannedChange:
    """One row of the promotion plan: what the range does to one image use, overall."""

    app: str | None
    environment: str | None
    container: str | None
    image: str
    old: str | None
    new: str | None
    change: str
    authors: list[str] = field(default_factory=list)
    bot: bool = False
    rollback: bool = False
    rules: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "ok" if not self.rules else "blocked: " + ", ".join(sorted(set(self.rules)))


@dataclass
class CheckResult:
    """The report, the promotion plan and what was compared."""

    report: Report
    plan: list[PlannedChange]
    base: str
    head: str
    commits: int
    events: list[PromotionEvent]
