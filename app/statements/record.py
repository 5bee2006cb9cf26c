"""What a statement is drafted from, read from the incident's record, never from alert text: the public facts,
the issue as the team named it, who is affected, what has been done (completed tasks and decisions) and the
questions still open."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from app.decisions import service as decisions
from app.incidents import clocks
from app.incidents.models import Incident
from app.statements.drafting import DraftContext
from app.tasks.models import Task

MAX_ACTIONS = 5
MAX_QUESTIONS = 3
SHORT = 140
QUESTION_WORDS = frozenset({
    "which", "whether", "is", "are", "was", "were", "does", "do", "did", "has", "have", "how", "what", "who",
    "when", "where", "why", "can",
    "welche", "welcher", "welches", "ob", "ist", "sind", "wie", "wer", "wann", "wo", "warum", "gibt", "hat",
})
_AFFECTED = re.compile(r"\b(affect\w*|impacted|betroffen\w*)\b", re.IGNORECASE)


@dataclass
class RecordSlots:
    """The template slots filled from the record (see the module docstring)."""

    public_facts: list[str] = field(default_factory=list)
    issue: str = ""
    affected: str = ""
    actions_done: list[str] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)


def short(text: str, limit: int = SHORT) -> str:
    """One line, at most ``limit`` characters, cut at a word."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def is_open_question(title: str) -> bool:
    """A task asking what is not yet known: it ends with a question mark or starts with a question word."""
    words = title.strip().split(maxsplit=1)
    return bool(words) and (title.rstrip().endswith("?") or words[0].lower().strip(",:") in QUESTION_WORDS)


def as_question(title: str) -> str:
    """A question task's title as an open question: its first clause, ending with a question mark."""
    clause = re.split(r"[:;]\s|\?", title.strip(), maxsplit=1)[0].strip()
    return short(clause).rstrip(".…") + "?"


def action_line(title: str) -> str:
    """A task's title as a short action: its first clause (before a colon or semicolon)."""
    return short(re.split(r"[:;]\s", title.strip(), maxsplit=1)[0].strip())


def issue_of(incident: Incident, labels: dict[str, str], playbook_title: str) -> str:
    """The issue as the team named it: an ``issue`` label, the title of an incident declared by hand, else the
    playbook's title (an alert's own title is unverified text and never a slot)."""
    if labels.get("issue", "").strip():
        return short(labels["issue"])
    if incident.source in ("manual", "declared") and incident.title.strip():
        return short(incident.title)
    return playbook_title


def affected_of(labels: dict[str, str], public_facts: list[str]) -> str:
    """Who is affected: an ``affected`` label, else the first public fact that speaks of who is affected."""
    if labels.get("affected", "").strip():
        return short(labels["affected"])
    return next((fact for fact in public_facts if _AFFECTED.search(fact)), "")


def gather_slots(session: Session, incident: Incident, playbook_title: str) -> RecordSlots:
    """The slots of ``incident`` from its record."""
    assert incident.id is not None  # a stored incident
    public = [fact.text for fact in decisions.facts(session, incident.id, visibility="public")]
    labels = clocks.labels(session, incident.id)
    tasks = list(session.exec(select(Task).where(Task.incident_id == incident.id).order_by(col(Task.id))))
    done = sorted((t for t in tasks if t.done_at is not None), key=lambda t: (t.done_at, t.id))
    actions = [short(d.text) for d in decisions.decisions(session, incident.id)]
    actions += [action_line(t.title) for t in done if not is_open_question(t.title)]
    questions = [as_question(t.title) for t in tasks if t.done_at is None and is_open_question(t.title)]
    return RecordSlots(public_facts=public, issue=issue_of(incident, labels, playbook_title),
                       affected=affected_of(labels, public), actions_done=actions[:MAX_ACTIONS],
                       open_questions=questions[:MAX_QUESTIONS])


def draft_context(session: Session, incident: Incident, *, company: str, severity: str, next_update: str,
                  info_source: str, language: str, playbook_title: str) -> DraftContext:
    """The draft's input from the record alone. Of the alert only the incident's title is passed, as quoted
    data for the model (``situation``); its description never is."""
    slots = gather_slots(session, incident, playbook_title)
    return DraftContext(company=company, facts=slots.public_facts, severity=severity, next_update=next_update,
                        info_source=info_source, language=language, playbook_title=playbook_title,
                        situation=incident.title if incident.source != "manual" else "", issue=slots.issue,
                        affected=slots.affected, actions_done=slots.actions_done,
                        open_questions=slots.open_questions)
