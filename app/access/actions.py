"""The actions people take on incidents, one name each; their rules are in rules.yml."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    DECLARE = "declare"
    DECLARE_RESTRICTED = "declare_restricted"
    CHANGE_SEVERITY = "change_severity"
    ASSIGN_ROLE = "assign_role"
    CLOSE = "close"
    REOPEN = "reopen"
    RECORD_DECISION = "record_decision"
    RECORD_FACT = "record_fact"
    ADD_TASK = "add_task"
    COMPLETE_OWN_TASK = "complete_own_task"
    COMPLETE_TASK = "complete_task"
    PIN_MESSAGE = "pin_message"
    DRAFT_STATEMENT = "draft_statement"
    DRAFT_PACK = "draft_pack"
    REVIEW_STATEMENT = "review_statement"
    VIEW_STATUS = "view_status"
    SHARE_STATUS = "share_status"
    BRIEF = "brief"
    REPORT = "report"
    MANAGE_CLOCKS = "manage_clocks"
    RECUSE = "recuse"
    RETRY_SETUP = "retry_setup"
    RECORD_LESSON = "record_lesson"


class Kind(StrEnum):
    """The kinds of people a rule names (``role:<key>`` names one role besides these)."""

    LEAD = "lead"
    DEPUTY = "deputy"
    ROLE_HOLDER = "role_holder"
    MEMBER = "member"
    EXECUTIVE = "executive"
    CRISIS_TEAM = "crisis_team"
    ANYONE = "anyone"


def role_kind(role: str) -> str:
    return f"role:{role}"
