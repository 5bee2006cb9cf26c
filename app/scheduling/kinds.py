"""The kinds of scheduled job: one name for each thing the scheduler can be asked to do later.

Stored as their plain values (``ScheduledJob.kind`` is text), so a member compares equal to the string read
back, and renaming a member never changes what is stored. Each kind's handler is registered by the domain
that owns it (``registry.register``).
"""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    # tasks
    TASK_DUE = "task_due"
    # incidents
    CLOCK = "clock"
    STATUS_DUE = "status_due"
    STATUS_OVERDUE = "status_overdue"
    SETUP_RETRY = "setup_retry"
    ARCHIVE = "archive"
    # status
    DIGEST = "digest"
    # statements
    APPROVAL_DUE = "approval_due"
    APPROVAL_BACKUP = "approval_backup"
    # alerts
    ALERT_SUMMARY = "alert_summary"
    # monitoring
    MONITOR_POLL = "monitor-poll"
    MONITOR_EVALUATE = "monitor-evaluate"
    MONITOR_RETENTION = "monitor-retention"
