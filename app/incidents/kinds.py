"""The kinds of event on an incident's timeline: one name for each thing that can happen to an incident.

Stored as their plain values (``TimelineEvent.kind`` is text), so a member compares equal to the string
read back, and renaming a member never changes what is stored.
"""

from __future__ import annotations

from enum import StrEnum


class TimelineKind(StrEnum):
    # the incident
    OPENED = "opened"
    SEVERITY = "severity"
    LABEL = "label"
    STATUS_UPDATE = "status_update"
    CLOSED = "closed"
    REOPENED = "reopened"
    ARCHIVED = "archived"
    PERSON_EXCLUDED = "person_excluded"
    PINNED_MESSAGE = "pinned_message"
    REMINDER = "reminder"
    REFUSED = "refused"
    ERROR = "error"
    # the room's set-up
    CHANNEL_CREATED = "channel_created"
    ROOM_READY = "room_ready"
    SETUP_FAILED = "setup_failed"
    SETUP_RETRIED = "setup_retried"
    NOT_INVITED = "not_invited"
    # alerts
    ALERT = "alert"
    ESCALATION = "escalation"
    # legal clocks
    CLOCK_STARTED = "clock_started"
    CLOCK_CORRECTED = "clock_corrected"
    CLOCK_STOPPED = "clock_stopped"
    # the team's work
    ROLE_ASSIGNED = "role_assigned"
    TASK_ADDED = "task_added"
    TASK_DONE = "task_done"
    DECISION = "decision"
    FACT = "fact"
    FACT_PUBLISHED = "fact_published"
    # statements
    STATEMENT_REQUESTED = "statement_requested"
    STATEMENT_DRAFT_FAILED = "statement_draft_failed"
    STATEMENT_DRAFTED = "statement_drafted"
    STATEMENT_EDITED = "statement_edited"
    STATEMENT_LINT = "statement_lint"
    STATEMENT_APPROVAL = "statement_approval"
    STATEMENT_OVERRIDE = "statement_override"
    STATEMENT_REFUSED = "statement_refused"
    STATEMENT_CHANGES_REQUESTED = "statement_changes_requested"
    STATEMENT_APPROVED = "statement_approved"
    STATEMENT_FINAL_TEXT = "statement_final_text"
    STATEMENT_WEBHOOK = "statement_webhook"
    NEXT_UPDATE_RESTAMPED = "next_update_restamped"
    # what leadership and the record are given
    BRIEF = "brief"
    DIGEST = "digest"
    REPORT = "report"
    LESSON = "lesson"  # what to change in the playbook, asked for at close
    MONITOR_CALM = "monitor_calm"  # the mentions are back near their baseline: the room was told
