"""A loaded, validated set of playbooks: look-up by id, the fallback, and alert matching."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from app.playbooks.matching import best_match
from app.playbooks.schema import Playbook
from app.severity import Severity


class PlaybookSet:
    """Playbooks by id, in id order."""

    def __init__(self, playbooks: Iterable[Playbook]) -> None:
        self._by_id = {playbook.id: playbook for playbook in sorted(playbooks, key=lambda p: p.id)}

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Playbook]:
        return iter(self._by_id.values())

    def __contains__(self, playbook_id: object) -> bool:
        return playbook_id in self._by_id

    def ids(self) -> list[str]:
        return list(self._by_id)

    def all(self) -> list[Playbook]:
        return list(self._by_id.values())

    def get(self, playbook_id: str) -> Playbook:
        try:
            return self._by_id[playbook_id]
        except KeyError:
            known = ", ".join(self._by_id) or "none"
            raise KeyError(f"unknown playbook {playbook_id!r}: known playbooks are {known}") from None

    @property
    def fallback(self) -> Playbook:
        for playbook in self._by_id.values():
            if playbook.fallback:
                return playbook
        raise LookupError("no fallback playbook: one playbook needs fallback: true")

    def match(
        self,
        kind: str,
        labels: Mapping[str, object] | None = None,
        severity: Severity | str | None = None,
    ) -> Playbook:
        """The most specific playbook for an alert; the fallback when none matches."""
        level = Severity.parse(severity) if severity is not None else None
        return best_match(self._by_id.values(), kind, labels, level) or self.fallback
