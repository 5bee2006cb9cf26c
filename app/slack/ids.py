"""Every action id and callback id the bot puts on buttons, shortcuts and modals, in one place."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    TASK_DONE = "task_done"
    STATUS_SHOW = "status_show"
    STATEMENT_DRAFT = "statement_draft"
    STATEMENT_APPROVE = "statement_approve"
    STATEMENT_EDIT = "statement_edit"
    STATEMENT_CHANGES = "statement_changes"
    STATEMENT_OVERRIDE = "statement_override"
    RAISE_SEVERITY = "incident_raise_severity"
    LESSON_ADD = "lesson_add"


class CallbackId(StrEnum):
    DECLARE = "declare"
    LOG_DECISION = "log_decision"
    STATEMENT_EDIT = "statement_edit"
    STATEMENT_CHANGES = "statement_changes"
    STATEMENT_OVERRIDE = "statement_override"
    LESSON = "lesson"
