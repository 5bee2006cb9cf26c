"""Moved: the incident's reminders live in ``app.incidents.reminders``. Kept so that older imports still work."""

from app.incidents.reminders import mark_update, post, schedule_status

__all__ = ["mark_update", "post", "schedule_status"]
