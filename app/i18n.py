"""The bot's own phrases in English and German, as data, with times and durations as each language reads them.

``say(language, key, **values)`` fills a phrase; an unknown language falls back to English and a key
missing in German falls back to its English phrase, so a gap never breaks a message. English times read
``14:30 CET``; German ones ``14:30 Uhr`` (and dates ``22.11.2026, 14:30 Uhr``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app.errors import use_renderer
from app.timeutil import as_utc, format_duration, local_clock, local_datetime, zone

LANGUAGES = ("en", "de")

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        # severities and phases
        "severity.low": "LOW", "severity.medium": "MEDIUM", "severity.high": "HIGH", "severity.critical": "CRITICAL",
        "severity_word.low": "low", "severity_word.medium": "medium", "severity_word.high": "high",
        "severity_word.critical": "critical",
        "phase.setup": "setup", "phase.active": "active", "phase.closed": "closed",
        "status.open": "open", "status.closed": "closed",
        # the briefing
        "closed_state": "CLOSED",
        "closed_prefix": "Closed: ",
        "headline_context": "{state} · {playbook} · incident #{id} · opened {opened}",
        "what_happened": "*What happened*",
        "source": "Source: {source}",
        "open_alert": "open the alert",
        "alerts_so_far": "{count} alerts so far",
        "roles": "*Roles*",
        "unassigned": "_unassigned_",
        "unassigned_plain": "unassigned",
        "field.severity": "*Severity*",
        "field.phase": "*Phase*",
        "field.next_update": "*Next status update*",
        "field.statement": "*Holding statement*",
        "task_done": ":white_check_mark: ~{title}~ · done by {who} at {at}",
        "no_owner": "_no owner_",
        "overdue_since": "*overdue* since",
        "due": "due",
        "not_done": "_not done_",
        "done_button": "Done",
        "tasks_heading": "*Tasks* ({done}/{total} done)",
        "more_tasks": "…and {count} more in `/warroom status`",
        "clock_due": ":alarm_clock: *{title}* · due {at}",
        "clock_passed": "{due} (*passed* {ago} ago)",
        "clock_left": "{due} ({left} left)",
        "clocks": "*Clocks*",
        "draft_button": "Draft holding statement",
        "status_button": "Status",
        "closed_by": "*Closed* by {who} at {at}",
        "briefing_fallback": "{severity} incident #{id}: {title}",
        "topic_lead": "Lead: {lead}",
        "topic_next": "Next update {at}",
        # the statement's state, as the briefing shows it
        "briefing_statement.approved": "approved v{version} at {at}",
        "briefing_statement.drafting": "drafting…",
        "briefing_statement.pending": "v{version} awaiting approval",
        "briefing_statement.changes_requested": "changes requested",
        # status and digests
        "none_yet": "none yet",
        "approved": ":white_check_mark: {version}approved{when}",
        "approved_at": " at {at}",
        "drafting": "drafting",
        "since": " since {at} ({ago})",
        "changes_requested": "{version}changes requested{since}",
        "nobody_holds": "_nobody holds the role_",
        "waiting_for": ":hourglass: {version}waiting for {who} ({role}){since}",
        "awaiting_approval": ":hourglass: {version}awaiting approval{since}",
        "overdue_by": ":warning: *overdue* by {ago} (was due {at})",
        "due_in": "{at} (in {left})",
        "left": "{left} left",
        "clock_overdue": "*overdue* by {ago}",
        "clock_status": ":alarm_clock: {title}: {state} (due {at})",
        "latest": " · latest {at}",
        "tasks_open": "{open} open of {total}",
        "tasks_overdue": ", :warning: *{count} overdue*",
        "room_not_ready": "_room not ready yet_",
        "open_for": "open for {age}",
        "field.lead": "*Crisis lead*",
        "field.comms": "*Communications lead*",
        "field.alerts": "*Alerts*",
        "field.tasks": "*Tasks*",
        "field.clocks": "*Legal clocks*",
        "latest_decisions": "*Latest decisions*",
        "overdue_tasks": "*Overdue tasks*",
        "and_more": "…and {count} more",
        "detail_context": "{events} timeline events · opened {opened} · full record: `/warroom report`",
        "status_fallback": "{severity} incident #{id}: {title} ({phase}, open for {age})",
        "status_text": "Status: {text}",
        "status_header": "Status: {title}",
        "no_open": "No open {what}incidents you can see.",
        "open_header": "Open {what}incidents: {count}",
        "portfolio_context": "{counts} · as of {at} · most severe first",
        "also_open": "*Also open*",
        "more_pages": "…and {count} more: see `/warroom status page {page}`{narrow}",
        "narrow": " or narrow with `/warroom status critical`",
        "incident_one": "incident",
        "incident_many": "incidents",
        "portfolio_fallback": "{count} open {what}{noun} ({counts})",
        "what": "{severity} ",
        "next_digest": " · next digest at {at}",
        "digest_context": ":newspaper: *Executive digest* · {at}{tail}",
        "digest_fallback": "Executive digest: {text}",
        # report figures
        "figure.alert_to_room": "Alert to room ready",
        "figure.room_to_draft": "Room ready to first draft",
        "figure.draft_to_approved": "First draft to approved statement",
        "figure.first_statement": "First statement within 60 minutes",
        "figure.tasks_on_time": "Tasks completed on time",
        "figure.tasks_done": "Tasks completed",
        "figure.reminders": "Reminders sent",
        "figure.alerts": "Alerts received",
        "figure.decisions": "Decisions logged",
        "figure.statements": "Statements (versions)",
        "figure.duration": "Incident duration",
        "no_statement_approved": "no statement approved",
        "target_met": "met ({minutes} min after the start)",
        "target_missed": "missed ({minutes} min after the start)",
        "ratio": "{part} of {whole} ({share})",
        "report_summary": ":bookmark_tabs: *Post-incident report of incident #{id}*",
        "report_file": "Incident #{id}: post-incident report",
        "chart_file": "Incident #{id}: timeline",
        "chart_alt": "Alerts per interval, decisions and statement events on a time axis",
        # the report's chart
        "chart.alerts_per": "alerts per {minutes} min",
        "chart.decision": "decision",
        "chart.draft": "statement draft",
        "chart.approved": "statement approved",
        "chart.alerts": "alerts",
        "chart.title": "Incident #{id}: {title}",
        "chart.mentions_per": "Mentions per {minutes} min",
        "chart.mentions": "Mentions",
        "chart.alert": "Alert",
        "curve.peak": "at most {peak} in a quarter hour (from {at})",
        "curve.at_statement": "; {then} in the quarter hour the first statement was approved",
        "curve.hour_later": ", {later} an hour later",
        "curve.mark.decisions": "decision",
        "curve.mark.drafts": "statement drafted",
        "curve.mark.approved": "statement approved",
        # the leadership brief (/warroom brief)
        "brief.placeholder": ":hourglass: Drafting the situation report…",
        "brief.title": "*Situation report: {title}* (#{id}, {severity}, as of {at}; crisis lead {lead})",
        "brief.no_lead": "_no crisis lead yet_",
        "brief.happened": "*What happened*",
        "brief.known": "*What we know*",
        "brief.doing": "*What we are doing*",
        "brief.needs": "*What we need from leadership*",
        "brief.next": "*Next steps*",
        "brief.reported": "Reported by the alert (unverified): {text}",
        "brief.opened_from": "Incident opened from {source} {at}",
        "brief.alerts_one": "1 alert so far{latest}",
        "brief.alerts_many": "{count} alerts so far{latest}",
        "brief.latest": ", the latest {at}",
        "brief.no_facts": "No facts confirmed yet.",
        "brief.decided": "Decided: {text} ({who}) {at}",
        "brief.statement": "Holding statement: {state}",
        "brief.tasks": "Tasks: {open} open of {total}",
        "brief.overdue": ", {n} overdue",
        "brief.no_owner": "no owner",
        "brief.due": ", due {at}",
        "brief.task_due": " (due {at})",
        "brief.next_update": "Next status update: {text}",
        "brief.nothing": "Nothing at this time.",
        "brief.approval": "Approval of the holding statement v{version}: waiting for {who}{role}{since}",
        "brief.since": " since {at}",
        "brief.no_sponsor": "An executive sponsor for the room: nobody holds the exec role yet",
        "brief.open_decision": "Open decision: {title} ({who}{due})",
        "brief.deadline": "Attention to the deadline *{title}*: due {at} ({state})",
        "brief.left": "{left} left",
        "brief.overdue_state": "*overdue*",
        "brief.fact_public": "public",
        "brief.fact_internal": "internal, not for publication",
        "brief.note_template": "Built from the incident's record.",
        "brief.note_model": "Drafted by {model} from the record; check it before forwarding.",
        "brief.note_fallback": ":warning: Built from the record: {reason}.",
        # lessons learned
        "lesson.prompt": ":bulb: *Lessons learned.* What should change next time: in the playbook, the roster, the "
                         "tools? Add each lesson with the button or with `/warroom lesson` followed by the lesson; the "
                         "post-incident report lists them (ask again with `/warroom report`).",
        "lesson.button": "Add a lesson",
        "lesson.title": "Lesson learned",
        "lesson.label": "What should change next time?",
        "lesson.modal_hint": "Incident #{id}. One lesson per entry: what to change in the playbook, and why.",
        "lesson.save": "Save lesson",
        "lesson.cancel": "Cancel",
        "lesson.noted": ":bulb: Lesson noted by {who}:\n>{text}",
        # the statement card and its dialogs
        "card.drafting": ":hourglass_flowing_sand: Drafting a {name}…",
        "card.failed": ":warning: The {name} could not be drafted: {reason}",
        "card.try_again": "Try again with `/warroom {command}`.",
        "card.over_limit": " :no_entry: over the limit",
        "card.more_text": "…{count} characters in all: the rest is shown in the Edit dialog and in the final text.",
        "card.severity.error": "error",
        "card.severity.warning": "warning",
        "card.no_findings": ":white_check_mark: No findings",
        "card.legal_added": ":scales: *Legal review added: liability wording*",
        "card.checks_counted": "*Checks* ({errors} error(s), {warnings} warning(s))",
        "card.checks": "*Checks*",
        "card.nobody_in_roster": "_nobody in the roster_",
        "card.backup": " (backup {who})",
        "card.together": " (together, any order)",
        "card.by": " by {who}",
        "card.step_approved": ":white_check_mark: {label} · approved{by} at {at}",
        "card.due": ", due {at}",
        "card.step_waiting": ":hourglass_flowing_sand: {label} · waiting since {since}{due}",
        "card.step_pending": ":white_small_square: {label} · pending",
        "card.each_signs": "_Waiting for {names}: each signs, in any order._",
        "card.approvals": "*Approvals*",
        "card.change_line": ":memo: {who} ({role}) at {at}: {comment}",
        "card.changes_heading": "*Changes requested*",
        "card.approve": "Approve",
        "card.request_changes": "Request changes",
        "card.edit": "Edit",
        "card.edited_by": "Edited by {who}",
        "card.by_model": "Drafted by a model",
        "card.by_template": "Filled from the playbook template",
        "card.by_template_no_model": "Filled from the playbook template (no model configured)",
        "card.language.en": "English",
        "card.language.de": "German",
        "card.signed": "{role}: {who} at {at}",
        "card.approved_header": "{heading} — approved v{version}",
        "card.approved_line": ":white_check_mark: *Approved* · version {version} · {at}",
        "card.locked": "{note} · {lang_name} · locked: the final text is posted in the thread for copying",
        "card.approved_fallback": "{heading} v{version} approved",
        "card.state.pending": "awaiting approval",
        "card.state.changes_requested": "changes requested",
        "card.draft_header": "{heading} — draft v{version}",
        "card.draft_fallback": "{heading} draft v{version}: {state}",
        "card.left_out": "…some text is left out here: open Edit to see all of it",
        "card.copy": "*{label}* · approved v{version}, ready to copy:",
        "card.copy_heading": "{title} · approved v{version}, ready to copy",
        "card.editing": "Editing v{version}. Saving creates v{next} and restarts the approvals.",
        "card.at_most": "At most {limit} characters.",
        "card.cut": "Slack's text box holds {max} characters: this {count}-character text was cut to fit. Check its "
                    "end before saving.",
        "card.what_changed": "What changed",
        "card.edit_statement": "Edit statement",
        "card.edit_pack": "Edit pack",
        "card.save_version": "Save new version",
        "card.override_found": "*The checks found {count} error(s) in v{version}:*",
        "card.override_hint": "Edit the statement to fix them, or approve anyway and say why. The reason is kept on "
                              "the timeline with your sign-off.",
        "card.override_reason": "Why it may be published as it is",
        "card.override_title": "Approve despite checks",
        "card.changes_hint": "{title} v{version}: say what must change before you can sign off.",
        "card.changes_needed": "Changes needed",
        "card.send": "Send",
        # sign-off requests, thread notes and approval reminders
        "thread.nobody_holds": "Nobody holds this role:",
        "thread.any_order": " (any order, each signs)",
        "thread.nobody_yet": " Nobody holds {roles} yet.",
        "thread.sign_off": ":inbox_tray: {who} your sign-off is needed on v{version}: step {step}/{total} "
                           "({roles}){together}{due}.{missing}",
        "thread.nobody": "nobody",
        "thread.may_not": "You may not do that.",
        "thread.refused": ":no_entry: {message} The approvers are {who}.",
        "thread.nobody_assign": "nobody yet (ask the crisis lead to assign the role)",
        "thread.step_refused": ":no_entry: Step {step} ({names}) is next: only {who} may approve it.{extra} Your "
                               "attempt was recorded.",
        "thread.changes": ":memo: {who} requested changes on v{version}: {comment}{editors} use Edit to save a new "
                          "version.",
        "thread.restamped": "Next update re-stamped at approval: {old} -> {new}.",
        "thread.webhook_failed": ":warning: The publish webhook did not take v{version}: {error}. The approved text "
                                 "above is unaffected.",
        "remind.due": ":hourglass: {who} {name} v{version} has waited for your approval since {since} (step "
                      "{step}/{total}, {title}): {where}.",
        "remind.waiting": "{name} v{version} still waits for step {step}/{total} ({title})",
        "remind.backup_dm": ":rotating_light: You are a backup approver: {waiting}, assigned to {owner}. You may "
                            "approve it: {where}.",
        "remind.no_backup": "Nobody is listed as a backup:",
        "remind.the_statement": "the statement",
        "remind.backup": ":rotating_light: {who} {waiting}; {owner} has not answered. As backup you may approve it: "
                         "{where}.",
        # the room's notices
        "notice.decision": ":scales: *Decision* by {who}: {text}",
        "notice.fact_public": "public: may be published",
        "notice.fact_internal": "internal: not for statements",
        "notice.fact": ":pushpin: *Confirmed fact* #{id} ({which}; {who}): {text}",
        "notice.fact_publish_hint": "_To let statements use it: `/warroom fact publish {id}`._",
        "notice.fact_published": ":loudspeaker: Fact #{id} marked for publication by {who}: {text}",
        "notice.task_added": ":white_large_square: New task for {who}: {title}{when}",
        "notice.task_done": ":white_check_mark: {who} completed “{title}”.",
        "notice.task_no_owner": "Nobody owns this task yet:",
        "notice.task_due": ":hourglass: {who} the task “{title}” was due at {at} and is still open.",
        "notice.severity": ":rotating_light: {who} changed the severity from *{old}* to *{new}*.",
        "notice.assigned": ":bust_in_silhouette: {who} is now {role} (assigned by {by}).",
        "notice.closed": ":checkered_flag: *Incident closed* by {who}.\n>{summary}\nThe channel will be archived in "
                         "{after}.",
        "notice.reopened": ":arrows_counterclockwise: *Incident reopened* by {who}.{why}",
        # the command list and the calm-down suggestion
        "help.title": "*War room commands*",
        "help.unknown": "Unknown subcommand `{name}`.",
        "calm.text": ":large_green_circle: Mentions ({monitor}) have been back near the baseline for {minutes} min: "
                     "{mentions} in that time against {expected} expected ({ratio}x), after a peak of {peak}/h. "
                     "Consider lowering the severity or closing the incident; nothing changes by itself.",
        "calm.since": "Calm since {at}.",
        # the mention trend of a room a monitor opened (briefing, status, brief, digests)
        "trend.line": "Mentions per 15 min ({monitor}): {latest} now, peak {peak}, {direction}",
        "trend.rising": "rising", "trend.falling": "falling", "trend.flat": "flat",
        "trend.heading": "*Mentions* ({monitor}, per quarter hour since an hour before the room opened)",
        "trend.per_hour": "Mentions per hour {spark} {latest} now, peak {peak}",
        "trend.negative": "Negative share {spark} {share}",
        "trend.share_now": "{share} now",
        "trend.none_scored": "none scored",
        "trend.reach": "Reach (followers) {spark} {latest} now, peak {peak}",
        "trend.top_posts": "Top posts of the last hour, as received:",
        # refusals, a person's own mistakes and the failure answer (app/errors.py, rendered by app/slack/pipeline.py)
        "list.or": "{items} or {last}",
        "error.failed": ":x: That failed, and nothing you entered was lost. Reference `{reference}`: give it to "
                        "whoever runs the bot.",
        "error.no_incident": "There is no incident #{id}.",
        "error.no_incident_visible": "There is no incident #{id} you can see.",
        "error.needs_room": "That works inside an incident channel: run it in the incident's room, or use "
                            "`/warroom status` to list the open incidents you may see.",
        "refusal.kept_out": "You are kept out of incident #{id}: it concerns you.",
        "refusal.closed": "Incident #{id} is closed: it accepts nothing but `/warroom reopen`, `status`, `report` "
                          "and `lesson`.",
        "refusal.only": "Only {who} may {what}.",
        "who.role": "the {title} ({holder})",
        "who.role_vacant": "the {title}",
        "who.role_holder": "anyone holding a role",
        "who.member": "members of the room",
        "who.executive": "the executives",
        "who.crisis_team": "the crisis team in the roster",
        "who.anyone": "anyone",
        "error.raise_button": "That button does not name an incident and a severity.",
        "error.raise_elsewhere": "Raise the severity from the incident's own room.",
        "error.task_button": "That button does not name a task.",
        "error.status_button": "That button does not name an incident.",
        "error.statement_reference": "That button does not name a statement and a version ({value}).",
        "error.assign_usage": "Usage: `/warroom assign <role> @user`, e.g. `/warroom assign legal @dana`",
        "error.close_usage": "Closing needs a summary: `/warroom close <what happened and how it ended>`",
        "error.recuse_usage": "Usage: `/warroom recuse @user [reason]`, e.g. `/warroom recuse @claire allegations "
                              "concern her`",
        "error.retry_usage": "Usage: `/warroom retry-setup <incident id>`",
        "error.report_usage": "Usage: `/warroom report` in an incident's room, or `/warroom report <incident id>`.",
        "error.report_where": "Run `/warroom report` in an incident's room, or name one: `/warroom report "
                              "<incident id>`.",
        "error.share_where": "`/warroom status share` posts the status in an incident's room: run it there.",
        "error.message_empty": "That message has no text to log.",
        "error.lesson_empty": "Write the lesson: `/warroom lesson <what to change next time>`, e.g. `/warroom lesson "
                              "legal needs a backup approver on weekends`.",
        "error.lesson_long": "A lesson holds at most {max} characters (this one has {count}): split it into several.",
        "error.lesson_field_empty": "Write the lesson, or cancel.",
        "error.lesson_field_long": "At most {max} characters.",
        "error.pack_no_args": "`/warroom {command}` takes no arguments: the pack's items come from the playbook.",
        "error.statement_where": "Draft holding statements from the incident's own room.",
        "error.unknown_role": "unknown role `{role}`: use one of {roles}",
        "error.role_kept_out": "{who} is kept out of this incident: it concerns them.",
        "error.role_roster_only": "The {title} signs statements, so the role goes only to people the roster lists "
                                  "for it: {listed}.",
        "error.nobody_yet": "nobody yet",
        "error.invite_failed": "could not invite {who}: {error}",
        "error.not_user_id": "`{value}` is not a Slack user id (like U012ABCDEF)",
        "error.declare_title": "Give the incident a title.",
        "error.severity": "unknown severity '{value}': use one of low, medium, high, critical",
        "error.override_reason": "Say why it may be published despite the errors.",
        "error.edit_stale": "This version can no longer be edited: a newer version exists or the statement is "
                            "approved. Close this dialog and reload.",
        "error.changes_comment": "Say what should change.",
        # the declare dialog
        "declare.title": "Declare an incident",
        "declare.submit": "Open war room",
        "declare.title_field": "Title",
        "declare.playbook": "Playbook",
        "declare.severity": "Severity",
        "declare.what": "What happened",
        # answers to the person who ran a command
        "answer.declared": "Incident #{id} is open. Its room is being set up; you will be invited as soon as it is "
                           "ready.",
        "answer.same_severity": "The severity is already {severity}.",
        "answer.holds_role": "{who} already holds that role.",
        "answer.recused": "{who} is kept out of incident #{id}: no role, no sign-off, no status, and removed from the "
                          "room.",
        "answer.recused_already": "{who} was already kept out of this incident.",
        "answer.private_fact": ":lock: Private fact recorded. It will never appear in a drafted statement.",
        "answer.report_dm": "The report of incident #{id} is in your direct messages with me.",
        "answer.mentioned": "Hi {who}: use `/warroom help` to see what I can do.",
        # labels and legal clocks: commands, their mistakes, the room's notices and the reminders
        "label.usage": "Usage: `/warroom label <key>=<value> [at <time>]`, e.g. `/warroom label personal_data=yes "
                       "at 08:40`",
        "label.unexpected": "Unexpected `{rest}`: write `/warroom label <key>=<value> [at <time>]`.",
        "label.no_clock": "Label `{label}` set; it starts no clock.",
        "label.bad_key": "bad label name '{name}': use lowercase letters, digits and _, starting with a letter "
                         "(e.g. personal_data)",
        "label.no_value": "label {name} needs a value, e.g. {name}=yes",
        "label.too_long": "the value of label {name} is {count} characters long; at most {max}",
        "label.notice": ":label: {who} set `{label}`.",
        "label.started": ":stopwatch: Started: {clocks}.",
        "clock.usage": "Usage: `/warroom clock start <key> [at <time>] <reason>`, `/warroom clock correct <key> at "
                       "<time> <reason>` or `/warroom clock stop <key> <reason>`",
        "clock.why": "Say why, so the record shows it. {usage}",
        "clock.correct_needs_time": "Correcting a clock needs the right awareness time (`at <time>`). {usage}",
        "clock.unknown": "this incident's playbook has no clock '{name}'; its clocks: {known}",
        "clock.none": "none",
        "clock.running": "clock {name} is already running since {since}; correct its awareness time instead",
        "clock.not_started": "no clock '{name}' has started in this incident; running clocks: {running}",
        "clock.was_stopped": "clock {name} was stopped at {at} ({reason}); start it again to restart it",
        "clock.closed": "incident #{id} is closed: its clocks and labels no longer change",
        "clock.reason_start": "starting a clock needs a reason, for the record",
        "clock.reason_correct": "correcting a clock needs a reason, for the record",
        "clock.reason_stop": "stopping a clock needs a reason, for the record",
        "clock.reason_long": "the reason is {count} characters long; at most {max}",
        "clock.future": "the awareness time {at} is in the future; it is now {now}",
        "clock.unreadable": "cannot read the time '{value}': write 08:40, 2026-11-23 08:40 or 2h ago",
        "clock.unreadable_ago": "cannot read '{value}': write a duration and ago, e.g. 90m ago or 2h ago",
        "clock.no_such_time": "cannot read '{value}': there is no such time of day",
        "clock.item": "*{title}* due {at}",
        "clock.started": ":stopwatch: {who} started *{title}*, due {at}: {reason}",
        "clock.corrected": ":stopwatch: {who} corrected *{title}*: now due {at}. {reason}",
        "clock.stopped": ":white_check_mark: {who} stopped *{title}*: {reason}",
        "clock.remind": ":alarm_clock: {who}*{title}* is due at {at}: {left} left.",
        "clock.due_now": ":rotating_light: {who}*{title}* is due *now* ({at}).",
        # drafting notes: how a draft was made, and why a model's text or a part of a template gave way
        "note.template": "Filled from the playbook template",
        "note.no_model": " (no model configured)",
        "note.because": ": {reason}",
        "note.model": "Drafted by {model}",
        "note.replaced": "; {names} filled from the playbook template: {problems}",
        "note.left_out_variant": "the model left out the {name} variant",
        "note.variant_too_long": "the model's {name} variant was {length} characters, over {name}'s {limit}",
        "note.cut": "{name} variant shortened to {limit} characters, leaving out {parts}",
        "note.cut.open_questions": "the open questions",
        "note.cut.actions_done": "the actions taken",
        "note.cut.affected": "who is affected",
        "note.cut.facts": "{count} of {total} public facts",
        "note.cut.first_did_not_fit": " (the first did not fit)",
        "note.cut.sentences": "whole sentences",
        "note.and": " and ",
        "note.pack_template": "Filled from {source} {field} pack",
        "note.pack_source": "the playbook's",
        "note.pack_source_other": "the {playbook} playbook's",
        "note.pack_model": "Drafted by {model} from the record on {source} {field} pack",
        "note.pack_kept": "; not taken from the model: {problems}",
        "note.pack_over": "{item} (more than {limit} added items)",
        "note.pack_added": "; {count} added by the model",
        "note.pack_left_out": "{items} (left out by the model)",
        "note.pack_failed_checks": "{item} failed the checks ({rules})",
        "note.pack_handle": "{item} named a handle or a private name",
        "note.pack_too_long": "{item} was {length} characters, over {limit}",
        "note.pack_roles": "{item} named a role the playbook does not have ({roles})",
        "model_error.pack_invalid": "the model's reply did not fit the pack's schema ({where})",
        "note.pack_nothing": "the model's reply had no usable item",
        "model_error.timeout": "the model timed out after {seconds} s",
        "model_error.http": "the model answered HTTP {status}",
        "model_error.unreachable": "the model could not be reached",
        "model_error.failed": "the model call failed ({error})",
        "model_error.no_choices": "the model's reply had no choices",
        "model_error.empty": "the model's reply was empty",
        "model_error.not_json": "the model's reply was not valid JSON",
        "model_error.not_object": "the model's reply was not a JSON object",
        # the holding statement's answer in its strict JSON schema
        "model_error.statement_invalid": "the model's reply did not fit the statement's schema ({where})",
        # the services' and the statement flow's answers (tasks, incidents, records, statements, durations, set-up)
        "task.error.title": "a task needs a title, e.g. `/warroom task Call the regulator @dana in 30m`",
        "task.error.unknown": "task {id} does not exist in this incident",
        "task.error.done": "task “{title}” was already done by {who}",
        "incident.error.unknown": "incident {id} does not exist",
        "incident.untitled": "Untitled incident",
        "incident.error.closed_severity": "the incident is closed; its severity can no longer change",
        "incident.error.already_closed": "incident {id} is already closed",
        "incident.error.summary": "closing needs a summary, e.g. `/warroom close Account recovered, statement "
                                  "published`",
        "incident.error.not_closed": "incident {id} is not closed",
        "incident.error.reopen_taken": "incident {id} cannot reopen: a newer open incident tracks the same alerts",
        "record.error.decision_text": "a decision needs its text, e.g. `/warroom decision Pause all paid promotion`",
        "record.error.fact_text.public": "a fact needs its text, e.g. `/warroom fact public 1,200 customer records "
                                         "were exposed`",
        "record.error.fact_text.internal": "a fact needs its text, e.g. `/warroom fact 4,200 mentions per hour, 58% "
                                           "negative`",
        "record.error.fact_text.private": "a fact needs its text, e.g. `/warroom fact private Reported by customer "
                                          "Jane Doe`",
        "record.error.no_fact": "this incident has no fact #{id}",
        "record.error.fact_private": "fact #{id} is private and never goes into a statement; record what may be said "
                                     "as a new public fact",
        "record.error.fact_public": "fact #{id} is already marked for publication",
        "channel.error.unknown": "unknown channel {quoted}: use one of {channels}",
        "channel.error.none": "no channel given: use one or more of {channels}",
        "duration.error.empty": "empty duration {quoted}: use a form like 15m, 1h or 72h",
        "duration.error.months": "bad duration {quoted}: months differ in length; write days, e.g. 28d for one month",
        "duration.error.form": "bad duration {quoted}: use a form like 90s, 15m, 1h30m or 3d",
        "duration.error.zero": "duration {quoted} must be longer than zero",
        "statement.error.unknown": "statement {id} does not exist",
        "statement.error.kept": "a statement with versions is never deleted",
        "statement.error.no_version": "version {number} of statement {id} does not exist",
        "statement.error.drafting": "the statement is still being drafted",
        "statement.error.locked": "version {number} is approved and locked: it cannot be changed",
        "statement.error.edited_meanwhile": "v{number} was edited meanwhile: a newer version (v{current}) exists. "
                                            "Edit that one.",
        "statement.error.changed_meanwhile": "v{number} was changed meanwhile: a newer version (v{current}) exists. "
                                             "Edit that one.",
        "statement.error.no_approver": "a statement needs at least one approver",
        "statement.error.approved_meanwhile": "v{number} was approved meanwhile and is locked: nothing was saved.",
        "statement.error.comment": "say what should change: the comment is required",
        "statement.error.open_room": "{what} are drafted in the room of an open incident",
        "statement.error.not_approved": "only approved statements are sent to the publish webhook",
        "statement.already_approved": "This statement is already approved (v{version}).",
        "statement.outdated": "A newer version (v{version}) exists: review that one.",
        "statement.blocked": "Changes were requested on this version: edit it to save a new version, which restarts "
                             "the approvals.",
        "statement.approved_just_now": "This statement was approved a moment ago (v{version}); nothing else was "
                                       "changed.",
        "statement.saved_just_now": "A newer version (v{version}) was saved a moment ago: review that one.",
        "statement.blocked_just_now": "Changes were requested on this version a moment ago: edit it to save a new "
                                      "version, which restarts the approvals.",
        "statement.signed_twice": "You already approved step {step}: each step needs a different person.",
        "statement.changes_approvers_only": "Only the approvers of this statement may request changes.",
        "statement.signed_elsewhere": ":warning: That step was signed by someone else a moment ago; nothing else was "
                                      "changed.",
        "statement.already_open": "A {name} is already {state}: {where}. Work on that one: one open {name} per "
                                  "incident.",
        "statement.state.drafting": "being drafted",
        "statement.state.pending": "waiting for approval",
        "statement.state.changes_requested": "waiting for changes",
        "statement.state.open": "open",
        "statement.see_it_here": "see it here",
        "statement.in_this_room": "in this room",
        "statement.unexpected": "an unexpected {error}",
        "statement.edit_empty": "The {name} text must not be empty.",
        "statement.edit_too_long": "{name} allows at most {limit} characters: this text has {count}. Shorten it by "
                                   "{over}.",
        "statement.edit_locked": "v{version} is approved and locked: it cannot be edited.",
        "statement.edit_outdated": "A newer version (v{version}) exists: edit that one.",
        "statement.edit_who": "Only the communications lead, the crisis lead or an approver of this {name} may edit "
                              "it.",
        "statement.edit_lost": "another version of v{version} was saved a moment ago: nothing was saved. Edit the "
                               "newest one.",
        "statement.unknown_error": "unknown error",
        "statement.webhook_no_secret": "not sent: WARROOM_PUBLISH_SECRET is not set",
        "setup.retry_closed": "Incident #{id} is closed; its room is not set up any more.",
        "setup.retry_done": "The war room of incident #{id} is already set up: {room}.",
        "setup.retry_ready": "The war room of incident #{id} is ready: {room}.",
        "setup.retry_stopped": "The set-up of incident #{id} stopped again at `{step}`: {error}. Fix that, then retry.",
        "setup.retry_waiting": "The set-up of incident #{id} is under way; Slack asked to wait, it continues on its "
                               "own.",
        # a stopped set-up's reason, by Slack's error code (app/incidents/setup_errors.py explains the same)
        "setup.reason.missing_scope": "the Slack app lacks a permission{needed}; add it and reinstall the app",
        "setup.reason.restricted_action": "the workspace's settings do not allow the app to do this (ask a Slack "
                                          "admin)",
        "setup.reason.cant_invite": "Slack does not let the app invite people to this channel",
        "setup.reason.channel_not_found": "the channel does not exist, or the app cannot see it",
        "setup.reason.not_in_channel": "the app is not a member of the channel",
        "setup.reason.is_archived": "the channel is archived",
        "setup.reason.invalid_auth": "the bot token is not valid (SLACK_BOT_TOKEN)",
        "setup.reason.not_authed": "no bot token was sent (SLACK_BOT_TOKEN)",
        "setup.reason.token_revoked": "the bot token was revoked; reinstall the app",
        "setup.reason.account_inactive": "the bot token belongs to a deactivated app or user; reinstall the app",
        "setup.reason.no_permission": "the app is not allowed to do this in this workspace",
        "setup.reason.ekm_access_denied": "the workspace's key management denied access",
        "setup.reason.names_exhausted": "no free channel name",
        # German all the way through: status-update reminders, set-up notices, the announcement, the publish webhook
        "status_due.text": ":mega: {who} the next status update is due now ({at}). Share one with "
                           "`/warroom status share` or get a statement approved.",
        "status_due.nobody": "Communications lead (unassigned):",
        "status_overdue.text": ":warning: {people} the status update is {overdue} overdue.",
        "setup_notice.label": "incident #{id}",
        "setup_notice.label_titled": "incident #{id} (*{title}*)",
        "setup_notice.uninvited": ":warning: I could not invite everyone to the war room of {label}; the room is set "
                                  "up with everyone else:\n{lines}",
        "setup_notice.restaffed": "Their roles went to the next people on the roster: {roles}",
        "setup_notice.failed": ":x: The war room of {label} could not be set up: step `{step}` failed with {reason}. "
                               "Nothing recorded is lost; once this is fixed, run `{retry}`.",
        "invite_reason.user_not_found": "not a member of this workspace",
        "invite_reason.cant_invite": "deactivated, or Slack does not allow inviting them",
        "invite_reason.user_is_deactivated": "deactivated",
        "invite_reason.user_is_restricted": "a guest the app may not invite",
        "invite_reason.user_is_ultra_restricted": "a single-channel guest",
        "invite_reason.ura_max_channels": "a single-channel guest already in their one channel",
        "invite_reason.user_team_not_in_channel": "from another organisation not connected to this channel",
        "invite_reason.excluded": "kept out of this incident",
        "announce.private": ":rotating_light: New {severity} incident #{id}: a private war room is open; its members "
                            "were invited.",
        "announce.public": ":rotating_light: New {severity} incident: *{title}* · war room {room}",
        "bookmark.alert_source": "Alert source",
        "publish.http_status": "the receiver answered HTTP {status}",
        "publish.timeout": "the receiver did not answer in time ({error})",
        "publish.unreachable": "the receiver could not be reached ({error})",
        "trend.post": "“{post}” ({platform}, {followers} followers, {engagement} engagements)",
        "escalation.nobody": "No crisis lead is assigned yet:",
        "escalation.text": "{who} :arrow_double_up: An alert for this incident is *{level}*, above the incident's "
                           "*{current}*. Raise the severity to {level}?\n>{title}",
        "escalation.raise": "Raise to {level}",
        "alerts.attached_one": ":repeat: {count} more alert attached",
        "alerts.attached_many": ":repeat: {count} more alerts attached",
        "alerts.resolved": ":white_check_mark: {count} resolved (the incident stays open until the lead closes it)",
        "alerts.resolved_mark": " (resolved)",
        "alerts.more_one": "…and {count} more distinct alert",
        "alerts.more_many": "…and {count} more distinct alerts",
        "alerts.latest": "Latest: {title}",
        "alerts.total_one": "_{total} alert in total_",
        "alerts.total_many": "_{total} alerts in total_",
        "monitor.headline.volume": "mention spike",
        "monitor.headline.negative_volume": "negative posts rising",
        "monitor.headline.negative": "negative sentiment",
        "monitor.headline.reach": "high-reach post",
        "monitor.top_posts": "Top posts, as received:",
        "monitor.burst": "{mentions} mentions in {window} min, {ratio}x the baseline of {baseline} for this time of "
                         "day (z {z})",
        "monitor.rise": "mentions rising for {minutes} min: {observed} against {expected} expected ({run_ratio}x), "
                        "the last {window} min {ratio}x the baseline (change statistic {statistic}, threshold {h})",
        "monitor.rise_weighted": "mentions (risk-term posts weighted) rising for {minutes} min: {observed} against "
                                 "{expected} expected ({run_ratio}x), the last {window} min {ratio}x the baseline "
                                 "(change statistic {statistic}, threshold {h})",
        "monitor.negative_posts": "negative posts: ",
        "monitor.share": "{share} of {scored} scored mentions are negative",
        "monitor.reach_loud": "{posts} posts from accounts above {followers} followers (the largest {largest})",
        "monitor.reach_loud_one": "{posts} post from an account above {followers} followers ({largest})",
        "monitor.reach_fast": "a post gathering {velocity} engagements per minute",
        "monitor.risky": "; {risky} posts carry risk terms",
        "company.unnamed": "Our company",
        # A follow-up whose change was stored by a worker that died before the person heard back.
        "followup.delayed": ":white_check_mark: Done: {what} took effect at {at}; this answer was delayed.",
        "followup.your_request": "what you asked for",
    },
    "de": {
        "severity.low": "NIEDRIG", "severity.medium": "MITTEL", "severity.high": "HOCH",
        "severity.critical": "KRITISCH",
        "severity_word.low": "niedrig", "severity_word.medium": "mittel", "severity_word.high": "hoch",
        "severity_word.critical": "kritisch",
        "phase.setup": "Einrichtung", "phase.active": "aktiv", "phase.closed": "abgeschlossen",
        "status.open": "offen", "status.closed": "abgeschlossen",
        "closed_state": "ABGESCHLOSSEN",
        "closed_prefix": "Abgeschlossen: ",
        "headline_context": "{state} · {playbook} · Vorfall #{id} · eröffnet {opened}",
        "what_happened": "*Was ist passiert*",
        "source": "Quelle: {source}",
        "open_alert": "Alarm öffnen",
        "alerts_so_far": "bisher {count} Alarme",
        "roles": "*Rollen*",
        "unassigned": "_nicht besetzt_",
        "unassigned_plain": "nicht besetzt",
        "field.severity": "*Schweregrad*",
        "field.phase": "*Phase*",
        "field.next_update": "*Nächstes Status-Update*",
        "field.statement": "*Erste Stellungnahme*",
        "task_done": ":white_check_mark: ~{title}~ · erledigt von {who} um {at}",
        "no_owner": "_niemand zuständig_",
        "overdue_since": "*überfällig* seit",
        "due": "fällig",
        "not_done": "_nicht erledigt_",
        "done_button": "Erledigt",
        "tasks_heading": "*Aufgaben* ({done}/{total} erledigt)",
        "more_tasks": "…und {count} weitere unter `/warroom status`",
        "clock_due": ":alarm_clock: *{title}* · fällig {at}",
        "clock_passed": "{due} (*abgelaufen* vor {ago})",
        "clock_left": "{due} (noch {left})",
        "clocks": "*Fristen*",
        "draft_button": "Stellungnahme entwerfen",
        "status_button": "Lage",
        "closed_by": "*Abgeschlossen* von {who} um {at}",
        "briefing_fallback": "Vorfall #{id} ({severity}): {title}",
        "topic_lead": "Leitung: {lead}",
        "topic_next": "Nächstes Update {at}",
        "briefing_statement.approved": "v{version} freigegeben um {at}",
        "briefing_statement.drafting": "wird entworfen…",
        "briefing_statement.pending": "v{version} wartet auf Freigabe",
        "briefing_statement.changes_requested": "Änderungen angefordert",
        "none_yet": "noch keine",
        "approved": ":white_check_mark: {version}freigegeben{when}",
        "approved_at": " um {at}",
        "drafting": "wird entworfen",
        "since": " seit {at} ({ago})",
        "changes_requested": "{version}Änderungen angefordert{since}",
        "nobody_holds": "_Rolle nicht besetzt_",
        "waiting_for": ":hourglass: {version}wartet auf {who} ({role}){since}",
        "awaiting_approval": ":hourglass: {version}wartet auf Freigabe{since}",
        "overdue_by": ":warning: *überfällig* seit {ago} (war fällig um {at})",
        "due_in": "{at} (in {left})",
        "left": "noch {left}",
        "clock_overdue": "*überfällig* seit {ago}",
        "clock_status": ":alarm_clock: {title}: {state} (fällig {at})",
        "latest": " · zuletzt {at}",
        "tasks_open": "{open} von {total} offen",
        "tasks_overdue": ", :warning: *{count} überfällig*",
        "room_not_ready": "_Raum noch nicht bereit_",
        "open_for": "offen seit {age}",
        "field.lead": "*Krisenleitung*",
        "field.comms": "*Kommunikationsleitung*",
        "field.alerts": "*Alarme*",
        "field.tasks": "*Aufgaben*",
        "field.clocks": "*Gesetzliche Fristen*",
        "latest_decisions": "*Letzte Entscheidungen*",
        "overdue_tasks": "*Überfällige Aufgaben*",
        "and_more": "…und {count} weitere",
        "detail_context": "{events} Einträge in der Zeitleiste · eröffnet {opened} · vollständiger Bericht: "
                          "`/warroom report`",
        "status_fallback": "Vorfall #{id} ({severity}): {title} ({phase}, offen seit {age})",
        "status_text": "Lage: {text}",
        "status_header": "Lage: {title}",
        "no_open": "Keine offenen Vorfälle{what}, die Sie sehen können.",
        "open_header": "Offene Vorfälle{what}: {count}",
        "portfolio_context": "{counts} · Stand {at} · die schwersten zuerst",
        "also_open": "*Ebenfalls offen*",
        "more_pages": "…und {count} weitere: siehe `/warroom status page {page}`{narrow}",
        "narrow": " oder eingrenzen mit `/warroom status critical`",
        "incident_one": "Vorfall",
        "incident_many": "Vorfälle",
        "portfolio_fallback": "{count} {noun}{what} offen ({counts})",
        "what": " ({severity})",
        "next_digest": " · nächste Übersicht um {at}",
        "digest_context": ":newspaper: *Übersicht für die Geschäftsleitung* · {at}{tail}",
        "digest_fallback": "Übersicht für die Geschäftsleitung: {text}",
        "figure.alert_to_room": "Vom Alarm bis zum bereiten Raum",
        "figure.room_to_draft": "Vom bereiten Raum bis zum ersten Entwurf",
        "figure.draft_to_approved": "Vom ersten Entwurf bis zur freigegebenen Stellungnahme",
        "figure.first_statement": "Erste Stellungnahme innerhalb von 60 Minuten",
        "figure.tasks_on_time": "Aufgaben rechtzeitig erledigt",
        "figure.tasks_done": "Aufgaben erledigt",
        "figure.reminders": "Erinnerungen gesendet",
        "figure.alerts": "Alarme empfangen",
        "figure.decisions": "Entscheidungen protokolliert",
        "figure.statements": "Stellungnahmen (Fassungen)",
        "figure.duration": "Dauer des Vorfalls",
        "no_statement_approved": "keine Stellungnahme freigegeben",
        "target_met": "eingehalten ({minutes} Min. nach dem Beginn)",
        "target_missed": "verfehlt ({minutes} Min. nach dem Beginn)",
        "ratio": "{part} von {whole} ({share})",
        "report_summary": ":bookmark_tabs: *Nachbericht zu Vorfall #{id}*",
        "report_file": "Vorfall #{id}: Nachbericht",
        "chart_file": "Vorfall #{id}: Zeitleiste",
        "chart_alt": "Alarme je Intervall, Entscheidungen und Stellungnahmen auf einer Zeitachse",
        "chart.alerts_per": "Alarme je {minutes} Min.",
        "chart.decision": "Entscheidung",
        "chart.draft": "Entwurf der Stellungnahme",
        "chart.approved": "Stellungnahme freigegeben",
        "chart.alerts": "Alarme",
        "chart.title": "Vorfall #{id}: {title}",
        "chart.mentions_per": "Erwähnungen je {minutes} Min.",
        "chart.mentions": "Erwähnungen",
        "chart.alert": "Alarm",
        "curve.peak": "höchstens {peak} in einer Viertelstunde (ab {at})",
        "curve.at_statement": "; {then} in der Viertelstunde, in der die erste Stellungnahme freigegeben wurde",
        "curve.hour_later": ", {later} eine Stunde später",
        "curve.mark.decisions": "Entscheidung",
        "curve.mark.drafts": "Stellungnahme entworfen",
        "curve.mark.approved": "Stellungnahme freigegeben",
        "brief.placeholder": ":hourglass: Der Lagebericht wird erstellt…",
        "brief.title": "*Lagebericht: {title}* (#{id}, {severity}, Stand {at}; Krisenleitung {lead})",
        "brief.no_lead": "_noch keine Krisenleitung_",
        "brief.happened": "*Was ist passiert*",
        "brief.known": "*Was wir wissen*",
        "brief.doing": "*Was wir tun*",
        "brief.needs": "*Was wir von der Unternehmensleitung brauchen*",
        "brief.next": "*Nächste Schritte*",
        "brief.reported": "Laut Alarm (unbestätigt): {text}",
        "brief.opened_from": "Vorfall eröffnet über {source} {at}",
        "brief.alerts_one": "bisher 1 Alarm{latest}",
        "brief.alerts_many": "bisher {count} Alarme{latest}",
        "brief.latest": ", der letzte {at}",
        "brief.no_facts": "Noch keine bestätigten Fakten.",
        "brief.decided": "Entschieden: {text} ({who}) {at}",
        "brief.statement": "Erste Stellungnahme: {state}",
        "brief.tasks": "Aufgaben: {open} von {total} offen",
        "brief.overdue": ", {n} überfällig",
        "brief.no_owner": "niemand zuständig",
        "brief.due": ", fällig {at}",
        "brief.task_due": " (fällig {at})",
        "brief.next_update": "Nächstes Status-Update: {text}",
        "brief.nothing": "Derzeit nichts.",
        "brief.approval": "Freigabe der ersten Stellungnahme v{version}: wartet auf {who}{role}{since}",
        "brief.since": " seit {at}",
        "brief.no_sponsor": "Ein verantwortliches Vorstandsmitglied für den Raum: die Rolle ist noch nicht besetzt",
        "brief.open_decision": "Offene Entscheidung: {title} ({who}{due})",
        "brief.deadline": "Frist *{title}* beachten: fällig {at} ({state})",
        "brief.left": "noch {left}",
        "brief.overdue_state": "*überfällig*",
        "brief.fact_public": "öffentlich",
        "brief.fact_internal": "intern, nicht zur Veröffentlichung",
        "brief.note_template": "Aus dem Protokoll des Vorfalls erstellt.",
        "brief.note_model": "Von {model} aus dem Protokoll entworfen; vor dem Weiterleiten prüfen.",
        "brief.note_fallback": ":warning: Aus dem Protokoll erstellt: {reason}.",
        "lesson.prompt": ":bulb: *Lehren aus dem Vorfall.* Was sollte beim nächsten Mal anders laufen: im Playbook, "
                         "in der Besetzung, bei den Werkzeugen? Jede Lehre über den Button oder mit `/warroom lesson` "
                         "und dem Text; der Nachbericht führt sie auf (neu abrufen mit `/warroom report`).",
        "lesson.button": "Lehre festhalten",
        "lesson.title": "Lehre festhalten",
        "lesson.label": "Was sollte sich ändern?",
        "lesson.modal_hint": "Vorfall #{id}. Eine Lehre je Eintrag: was im Playbook zu ändern ist, und warum.",
        "lesson.save": "Speichern",
        "lesson.cancel": "Abbrechen",
        "lesson.noted": ":bulb: Lehre festgehalten von {who}:\n>{text}",
        # the statement card and its dialogs
        "card.drafting": ":hourglass_flowing_sand: Entwurf in Arbeit ({name})…",
        "card.failed": ":warning: Entwurf nicht möglich ({name}): {reason}",
        "card.try_again": "Versuchen Sie es erneut mit `/warroom {command}`.",
        "card.over_limit": " :no_entry: über der Grenze",
        "card.more_text": "…insgesamt {count} Zeichen: den Rest zeigen der Bearbeiten-Dialog und der endgültige Text.",
        "card.severity.error": "Fehler",
        "card.severity.warning": "Warnung",
        "card.no_findings": ":white_check_mark: Keine Befunde",
        "card.legal_added": ":scales: *Rechtsprüfung ergänzt: Haftungsformulierung*",
        "card.checks_counted": "*Prüfungen* ({errors} Fehler, {warnings} Warnung(en))",
        "card.checks": "*Prüfungen*",
        "card.nobody_in_roster": "_niemand im Dienstplan_",
        "card.backup": " (Vertretung {who})",
        "card.together": " (gemeinsam, beliebige Reihenfolge)",
        "card.by": " von {who}",
        "card.step_approved": ":white_check_mark: {label} · freigegeben{by} um {at}",
        "card.due": ", fällig {at}",
        "card.step_waiting": ":hourglass_flowing_sand: {label} · wartet seit {since}{due}",
        "card.step_pending": ":white_small_square: {label} · ausstehend",
        "card.each_signs": "_Wartet auf {names}: jede Rolle zeichnet ab, in beliebiger Reihenfolge._",
        "card.approvals": "*Freigaben*",
        "card.change_line": ":memo: {who} ({role}) um {at}: {comment}",
        "card.changes_heading": "*Angeforderte Änderungen*",
        "card.approve": "Freigeben",
        "card.request_changes": "Änderungen anfordern",
        "card.edit": "Bearbeiten",
        "card.edited_by": "Bearbeitet von {who}",
        "card.by_model": "Von einem Sprachmodell entworfen",
        "card.by_template": "Aus der Vorlage des Playbooks erstellt",
        "card.by_template_no_model": "Aus der Vorlage des Playbooks erstellt (kein Sprachmodell eingerichtet)",
        "card.language.en": "Englisch",
        "card.language.de": "Deutsch",
        "card.signed": "{role}: {who} um {at}",
        "card.approved_header": "{heading} — v{version} freigegeben",
        "card.approved_line": ":white_check_mark: *Freigegeben* · Version {version} · {at}",
        "card.locked": "{note} · {lang_name} · gesperrt: der endgültige Text steht zum Kopieren im Thread",
        "card.approved_fallback": "{heading} v{version} freigegeben",
        "card.state.pending": "wartet auf Freigabe",
        "card.state.changes_requested": "Änderungen angefordert",
        "card.draft_header": "{heading} — Entwurf v{version}",
        "card.draft_fallback": "{heading}, Entwurf v{version}: {state}",
        "card.left_out": "…hier ist Text ausgelassen: unter Bearbeiten sehen Sie alles",
        "card.copy": "*{label}* · v{version} freigegeben, zum Kopieren:",
        "card.copy_heading": "{title} · v{version} freigegeben, zum Kopieren",
        "card.editing": "Sie bearbeiten v{version}. Beim Speichern entsteht v{next}, und die Freigaben beginnen neu.",
        "card.at_most": "Höchstens {limit} Zeichen.",
        "card.cut": "Das Textfeld von Slack fasst {max} Zeichen: dieser Text mit {count} Zeichen wurde gekürzt. "
                    "Prüfen Sie vor dem Speichern das Ende.",
        "card.what_changed": "Was wurde geändert",
        "card.edit_statement": "Stellungnahme bearbeiten",
        "card.edit_pack": "Paket bearbeiten",
        "card.save_version": "Neue Version speichern",
        "card.override_found": "*Die Prüfungen haben {count} Fehler in v{version} gefunden:*",
        "card.override_hint": "Bearbeiten Sie die Stellungnahme, um sie zu beheben, oder geben Sie trotzdem frei und "
                              "begründen Sie es. Die Begründung steht mit Ihrer Freigabe in der Zeitleiste.",
        "card.override_reason": "Warum der Text so veröffentlicht werden darf",
        "card.override_title": "Trotz Befunden freigeben",
        "card.changes_hint": "{title} v{version}: Was muss sich ändern, bevor Sie freigeben können?",
        "card.changes_needed": "Nötige Änderungen",
        "card.send": "Senden",
        # sign-off requests, thread notes and approval reminders
        "thread.nobody_holds": "Niemand hat diese Rolle inne:",
        "thread.any_order": " (beliebige Reihenfolge, jede Rolle zeichnet ab)",
        "thread.nobody_yet": " Die Rolle {roles} ist noch nicht besetzt.",
        "thread.sign_off": ":inbox_tray: {who} bitte geben Sie v{version} frei: Schritt {step}/{total} "
                           "({roles}){together}{due}.{missing}",
        "thread.nobody": "niemand",
        "thread.may_not": "Das dürfen Sie nicht.",
        "thread.refused": ":no_entry: {message} Freigeben dürfen: {who}.",
        "thread.nobody_assign": "noch niemand (bitten Sie die Krisenleitung, die Rolle zu besetzen)",
        "thread.step_refused": ":no_entry: Als Nächstes ist Schritt {step} ({names}) dran: nur {who} darf ihn "
                               "freigeben.{extra} Ihr Versuch wurde protokolliert.",
        "thread.changes": ":memo: {who} hat Änderungen an v{version} angefordert: {comment}{editors} Mit „Bearbeiten“"
                          " speichern Sie eine neue Version.",
        "thread.restamped": "Nächstes Update bei der Freigabe neu gesetzt: {old} -> {new}.",
        "thread.webhook_failed": ":warning: Der Veröffentlichungs-Webhook hat v{version} nicht angenommen: {error}. "
                                 "Der freigegebene Text oben bleibt davon unberührt.",
        "remind.due": ":hourglass: {who} die Freigabe von v{version} ({name}) steht seit {since} aus (Schritt "
                      "{step}/{total}, {title}): {where}.",
        "remind.waiting": "v{version} ({name}) wartet noch auf Schritt {step}/{total} ({title})",
        "remind.backup_dm": ":rotating_light: Sie sind Vertretung für die Freigabe: {waiting}, zuständig ist {owner}."
                            " Sie dürfen freigeben: {where}.",
        "remind.no_backup": "Es ist keine Vertretung eingetragen:",
        "remind.the_statement": "zur Stellungnahme",
        "remind.backup": ":rotating_light: {who} {waiting}; {owner} hat nicht reagiert. Als Vertretung dürfen Sie "
                         "freigeben: {where}.",
        # the room's notices
        "notice.decision": ":scales: *Entscheidung* von {who}: {text}",
        "notice.fact_public": "öffentlich: darf veröffentlicht werden",
        "notice.fact_internal": "intern: nicht für Stellungnahmen",
        "notice.fact": ":pushpin: *Bestätigte Tatsache* #{id} ({which}; {who}): {text}",
        "notice.fact_publish_hint": "_Damit Stellungnahmen sie verwenden dürfen: `/warroom fact publish {id}`._",
        "notice.fact_published": ":loudspeaker: Tatsache #{id} von {who} zur Veröffentlichung freigegeben: {text}",
        "notice.task_added": ":white_large_square: Neue Aufgabe für {who}: {title}{when}",
        "notice.task_done": ":white_check_mark: {who} hat „{title}“ erledigt.",
        "notice.task_no_owner": "Für diese Aufgabe ist noch niemand zuständig:",
        "notice.task_due": ":hourglass: {who} die Aufgabe „{title}“ war um {at} fällig und ist noch offen.",
        "notice.severity": ":rotating_light: {who} hat den Schweregrad von *{old}* auf *{new}* geändert.",
        "notice.assigned": ":bust_in_silhouette: {who} ist jetzt {role} (eingesetzt von {by}).",
        "notice.closed": ":checkered_flag: *Vorfall abgeschlossen* von {who}.\n>{summary}\nDer Kanal wird in {after} "
                         "archiviert.",
        "notice.reopened": ":arrows_counterclockwise: *Vorfall wieder eröffnet* von {who}.{why}",
        # the command list and the calm-down suggestion
        "help.title": "*Befehle im Krisenraum*",
        "help.unknown": "Unbekannter Befehl `{name}`.",
        "calm.text": ":large_green_circle: Die Erwähnungen ({monitor}) liegen seit {minutes} Min. wieder nahe der "
                     "Grundlinie: {mentions} in dieser Zeit bei {expected} erwarteten ({ratio}x), nach einer Spitze "
                     "von {peak}/Std. Vorschlag: Schweregrad senken oder den Vorfall schließen; von selbst ändert "
                     "sich nichts.",
        "calm.since": "Ruhig seit {at}.",
        # the mention trend of a room a monitor opened (briefing, status, brief, digests)
        "trend.line": "Erwähnungen pro 15 Min. ({monitor}): {latest} jetzt, Spitze {peak}, {direction}",
        "trend.rising": "steigend", "trend.falling": "fallend", "trend.flat": "gleichbleibend",
        "trend.heading": "*Erwähnungen* ({monitor}, je Viertelstunde seit einer Stunde vor Eröffnung des Raums)",
        "trend.per_hour": "Erwähnungen pro Stunde {spark} {latest} jetzt, Spitze {peak}",
        "trend.negative": "Negativer Anteil {spark} {share}",
        "trend.share_now": "{share} jetzt",
        "trend.none_scored": "keine bewertet",
        "trend.reach": "Reichweite (Follower) {spark} {latest} jetzt, Spitze {peak}",
        "trend.top_posts": "Meistbeachtete Beiträge der letzten Stunde, wie empfangen:",
        # refusals, a person's own mistakes and the failure answer (app/errors.py, rendered by app/slack/pipeline.py)
        "list.or": "{items} oder {last}",
        "error.failed": ":x: Das ist fehlgeschlagen; nichts von dem, was Sie eingegeben haben, ist verloren. Referenz "
                        "`{reference}`: Bitte geben Sie sie an die Person weiter, die den Bot betreibt.",
        "error.no_incident": "Es gibt keinen Vorfall #{id}.",
        "error.no_incident_visible": "Es gibt keinen Vorfall #{id}, den Sie sehen dürfen.",
        "error.needs_room": "Das geht nur im Kanal eines Vorfalls: Führen Sie den Befehl im Raum des Vorfalls aus, "
                            "oder lassen Sie sich mit `/warroom status` die offenen Vorfälle zeigen, die Sie sehen "
                            "dürfen.",
        "refusal.kept_out": "Sie sind von Vorfall #{id} ausgeschlossen, weil er Sie betrifft.",
        "refusal.closed": "Vorfall #{id} ist abgeschlossen: Er nimmt nur noch `/warroom reopen`, `status`, `report` "
                          "und `lesson` an.",
        "refusal.only": "Das dürfen Sie nicht. Berechtigt, {what}: {who}.",
        "who.role": "{title} ({holder})",
        "who.role_vacant": "{title}",
        "who.role_holder": "alle mit einer Rolle in diesem Vorfall",
        "who.member": "die Mitglieder des Raums",
        "who.executive": "die Führungskräfte laut Roster",
        "who.crisis_team": "das Krisenteam laut Roster",
        "who.anyone": "alle",
        "error.raise_button": "Diese Schaltfläche nennt keinen Vorfall mit Schweregrad.",
        "error.raise_elsewhere": "Erhöhen Sie den Schweregrad im Raum des Vorfalls.",
        "error.task_button": "Diese Schaltfläche nennt keine Aufgabe.",
        "error.status_button": "Diese Schaltfläche nennt keinen Vorfall.",
        "error.statement_reference": "Diese Schaltfläche nennt keine Stellungnahme mit Version ({value}).",
        "error.assign_usage": "So geht es: `/warroom assign <Rolle> @Person`, z. B. `/warroom assign legal @dana`",
        "error.close_usage": "Zum Abschließen braucht es eine Zusammenfassung: `/warroom close <was geschah und wie "
                             "es endete>`",
        "error.recuse_usage": "So geht es: `/warroom recuse @Person [Grund]`, z. B. `/warroom recuse @claire die "
                              "Vorwürfe betreffen sie`",
        "error.retry_usage": "So geht es: `/warroom retry-setup <Vorfallsnummer>`",
        "error.report_usage": "So geht es: `/warroom report` im Raum eines Vorfalls oder `/warroom report "
                              "<Vorfallsnummer>`.",
        "error.report_where": "Führen Sie `/warroom report` im Raum eines Vorfalls aus, oder nennen Sie einen: "
                              "`/warroom report <Vorfallsnummer>`.",
        "error.share_where": "`/warroom status share` postet die Lage in den Raum eines Vorfalls: Führen Sie es "
                             "dort aus.",
        "error.message_empty": "Diese Nachricht enthält keinen Text, der sich festhalten ließe.",
        "error.lesson_empty": "Schreiben Sie die Erkenntnis dazu: `/warroom lesson <was nächstes Mal anders laufen "
                              "soll>`, z. B. `/warroom lesson Die Rechtsabteilung braucht am Wochenende eine "
                              "Vertretung für Freigaben`.",
        "error.lesson_long": "Eine Erkenntnis hat höchstens {max} Zeichen (diese hat {count}): Teilen Sie sie auf.",
        "error.lesson_field_empty": "Schreiben Sie die Erkenntnis, oder brechen Sie ab.",
        "error.lesson_field_long": "Höchstens {max} Zeichen.",
        "error.pack_no_args": "`/warroom {command}` nimmt keine Angaben an: Die Einträge kommen aus dem Playbook.",
        "error.statement_where": "Entwerfen Sie Stellungnahmen im Raum des Vorfalls.",
        "error.unknown_role": "Unbekannte Rolle `{role}`: Möglich sind {roles}",
        "error.role_kept_out": "{who} ist von diesem Vorfall ausgeschlossen, weil er die Person betrifft.",
        "error.role_roster_only": "Die Rolle {title} zeichnet Stellungnahmen ab; sie geht daher nur an Personen, "
                                  "die das Roster dafür nennt: {listed}.",
        "error.nobody_yet": "bisher niemand",
        "error.invite_failed": "{who} konnte nicht eingeladen werden: {error}",
        "error.not_user_id": "`{value}` ist keine Slack-Nutzer-ID (wie U012ABCDEF)",
        "error.declare_title": "Geben Sie dem Vorfall einen Titel.",
        "error.severity": "Unbekannter Schweregrad `{value}`: Möglich sind low (niedrig), medium (mittel), high "
                          "(hoch) und critical (kritisch)",
        "error.override_reason": "Begründen Sie, warum der Text trotz der Fehler veröffentlicht werden darf.",
        "error.edit_stale": "Diese Version lässt sich nicht mehr bearbeiten: Es gibt eine neuere, oder die "
                            "Stellungnahme ist freigegeben. Schließen Sie den Dialog und laden Sie neu.",
        "error.changes_comment": "Schreiben Sie, was sich ändern soll.",
        # the declare dialog
        "declare.title": "Vorfall eröffnen",
        "declare.submit": "Krisenraum öffnen",
        "declare.title_field": "Titel",
        "declare.playbook": "Playbook",
        "declare.severity": "Schweregrad",
        "declare.what": "Was ist passiert",
        # answers to the person who ran a command
        "answer.declared": "Vorfall #{id} ist eröffnet. Sein Raum wird eingerichtet; Sie werden eingeladen, sobald er "
                           "bereit ist.",
        "answer.same_severity": "Der Schweregrad ist bereits {severity}.",
        "answer.holds_role": "{who} hat diese Rolle bereits inne.",
        "answer.recused": "{who} ist von Vorfall #{id} ausgeschlossen: keine Rolle, keine Freigabe, keine Lage, und "
                          "aus dem Raum entfernt.",
        "answer.recused_already": "{who} war bereits von diesem Vorfall ausgeschlossen.",
        "answer.private_fact": ":lock: Vertrauliche Tatsache festgehalten. Sie erscheint nie in einem Entwurf.",
        "answer.report_dm": "Den Nachbericht zu Vorfall #{id} finden Sie in Ihren Direktnachrichten mit mir.",
        "answer.mentioned": "Hallo {who}, mit `/warroom help` sehen Sie, was ich kann.",
        # labels and legal clocks: commands, their mistakes, the room's notices and the reminders
        "label.usage": "So geht es: `/warroom label <Name>=<Wert> [at <Zeit>]`, z. B. `/warroom label "
                       "personal_data=yes at 08:40`",
        "label.unexpected": "Unerwartet: `{rest}`. Schreiben Sie `/warroom label <Name>=<Wert> [at <Zeit>]`.",
        "label.no_clock": "Label `{label}` gesetzt; es startet keine Frist.",
        "label.bad_key": "Ungültiger Label-Name `{name}`: Kleinbuchstaben, Ziffern und _ verwenden, beginnend mit "
                         "einem Buchstaben (z. B. personal_data)",
        "label.no_value": "Das Label {name} braucht einen Wert, z. B. {name}=yes",
        "label.too_long": "Der Wert des Labels {name} ist {count} Zeichen lang; höchstens {max} sind möglich",
        "label.notice": ":label: {who} hat `{label}` gesetzt.",
        "label.started": ":stopwatch: Gestartet: {clocks}.",
        "clock.usage": "So geht es: `/warroom clock start <Frist> [at <Zeit>] <Grund>`, `/warroom clock correct "
                       "<Frist> at <Zeit> <Grund>` oder `/warroom clock stop <Frist> <Grund>`",
        "clock.why": "Nennen Sie den Grund, damit das Protokoll ihn festhält. {usage}",
        "clock.correct_needs_time": "Zum Korrigieren einer Frist braucht es den richtigen Zeitpunkt der Kenntnisnahme "
                                    "(`at <Zeit>`). {usage}",
        "clock.unknown": "Das Playbook dieses Vorfalls kennt keine Frist `{name}`; seine Fristen: {known}",
        "clock.none": "keine",
        "clock.running": "Die Frist `{name}` läuft bereits seit {since}; korrigieren Sie stattdessen den Zeitpunkt "
                         "der Kenntnisnahme",
        "clock.not_started": "In diesem Vorfall wurde keine Frist `{name}` gestartet; laufende Fristen: {running}",
        "clock.was_stopped": "Die Frist `{name}` wurde am {at} gestoppt ({reason}); starten Sie sie erneut, um sie "
                             "wieder laufen zu lassen",
        "clock.closed": "Vorfall #{id} ist abgeschlossen: Seine Fristen und Labels ändern sich nicht mehr",
        "clock.reason_start": "Zum Starten einer Frist braucht es einen Grund für das Protokoll",
        "clock.reason_correct": "Zum Korrigieren einer Frist braucht es einen Grund für das Protokoll",
        "clock.reason_stop": "Zum Stoppen einer Frist braucht es einen Grund für das Protokoll",
        "clock.reason_long": "Der Grund ist {count} Zeichen lang; höchstens {max} sind möglich",
        "clock.future": "Der Zeitpunkt der Kenntnisnahme ({at}) liegt in der Zukunft; jetzt ist es {now}",
        "clock.unreadable": "Die Zeit `{value}` ist nicht lesbar: Schreiben Sie 08:40, 2026-11-23 08:40 oder 2h ago",
        "clock.unreadable_ago": "`{value}` ist nicht lesbar: Schreiben Sie eine Dauer mit ago, z. B. 90m ago oder "
                                "2h ago",
        "clock.no_such_time": "`{value}` ist nicht lesbar: Diese Uhrzeit gibt es nicht",
        "clock.item": "*{title}*, fällig am {at}",
        "clock.started": ":stopwatch: {who} hat *{title}* gestartet, fällig am {at}: {reason}",
        "clock.corrected": ":stopwatch: {who} hat *{title}* korrigiert, jetzt fällig am {at}. {reason}",
        "clock.stopped": ":white_check_mark: {who} hat *{title}* gestoppt: {reason}",
        "clock.remind": ":alarm_clock: {who}*{title}*: fällig am {at}, es bleiben {left}",
        "clock.due_now": ":rotating_light: {who}*{title}* ist *jetzt* fällig ({at}).",
        # drafting notes: how a draft was made, and why a model's text or a part of a template gave way
        "note.template": "Aus der Vorlage des Playbooks erstellt",
        "note.no_model": " (kein Sprachmodell eingerichtet)",
        "note.because": ": {reason}",
        "note.model": "Von {model} entworfen",
        "note.replaced": "; {names} aus der Vorlage des Playbooks, weil {problems}",
        "note.left_out_variant": "das Sprachmodell die Variante {name} ausgelassen hat",
        "note.variant_too_long": "die Variante {name} des Sprachmodells {length} Zeichen hatte, mehr als die {limit} "
                                 "von {name}",
        "note.cut": "Variante {name} auf {limit} Zeichen gekürzt, ausgelassen: {parts}",
        "note.cut.open_questions": "die offenen Fragen",
        "note.cut.actions_done": "die ergriffenen Maßnahmen",
        "note.cut.affected": "wer betroffen ist",
        "note.cut.facts": "{count} von {total} öffentlichen Fakten",
        "note.cut.first_did_not_fit": " (der erste passte nicht)",
        "note.cut.sentences": "ganze Sätze",
        "note.and": " und ",
        "note.pack_template": "Aus {source} erstellt ({field})",
        "note.pack_source": "der Vorlage des Playbooks",
        "note.pack_source_other": "der Vorlage des Playbooks „{playbook}“",
        "note.pack_model": "Von {model} aus dem Protokoll entworfen, auf Grundlage {source} ({field})",
        "note.pack_kept": "; nicht vom Sprachmodell übernommen: {problems}",
        "note.pack_over": "{item} (mehr als {limit} ergänzte Einträge)",
        "note.pack_added": "; {count} vom Sprachmodell ergänzt",
        "note.pack_left_out": "{items} (vom Sprachmodell ausgelassen)",
        "note.pack_failed_checks": "{item} hat die Prüfung nicht bestanden ({rules})",
        "note.pack_handle": "{item} nannte ein Nutzerkonto oder einen privaten Namen",
        "note.pack_too_long": "{item} hatte {length} Zeichen, mehr als {limit}",
        "note.pack_roles": "{item} nannte eine Rolle, die das Playbook nicht hat ({roles})",
        "model_error.pack_invalid": "die Antwort des Sprachmodells passte nicht zum Schema des Pakets ({where})",
        "note.pack_nothing": "die Antwort des Sprachmodells enthielt keinen brauchbaren Eintrag",
        "model_error.timeout": "das Sprachmodell hat nach {seconds} s nicht geantwortet",
        "model_error.http": "das Sprachmodell antwortete mit HTTP {status}",
        "model_error.unreachable": "das Sprachmodell war nicht erreichbar",
        "model_error.failed": "der Aufruf des Sprachmodells schlug fehl ({error})",
        "model_error.no_choices": "die Antwort des Sprachmodells enthielt keine Auswahl",
        "model_error.empty": "die Antwort des Sprachmodells war leer",
        "model_error.not_json": "die Antwort des Sprachmodells war kein gültiges JSON",
        "model_error.not_object": "die Antwort des Sprachmodells war kein JSON-Objekt",
        # the holding statement's answer in its strict JSON schema
        "model_error.statement_invalid": "die Antwort des Sprachmodells passte nicht zum Schema der Stellungnahme "
                                         "({where})",
        # the services' and the statement flow's answers (tasks, incidents, records, statements, durations, set-up)
        "task.error.title": "Eine Aufgabe braucht einen Titel, z. B. `/warroom task Aufsicht anrufen @dana in 30m`",
        "task.error.unknown": "In diesem Vorfall gibt es keine Aufgabe {id}",
        "task.error.done": "Die Aufgabe „{title}“ hat {who} bereits erledigt",
        "incident.error.unknown": "Es gibt keinen Vorfall {id}",
        "incident.untitled": "Vorfall ohne Titel",
        "incident.error.closed_severity": "Der Vorfall ist abgeschlossen; sein Schweregrad lässt sich nicht mehr "
                                          "ändern",
        "incident.error.already_closed": "Vorfall {id} ist bereits abgeschlossen",
        "incident.error.summary": "Zum Abschließen braucht es eine Zusammenfassung, z. B. `/warroom close Konto "
                                  "wiederhergestellt, Stellungnahme veröffentlicht`",
        "incident.error.not_closed": "Vorfall {id} ist nicht abgeschlossen",
        "incident.error.reopen_taken": "Vorfall {id} lässt sich nicht wieder eröffnen: Ein neuerer offener Vorfall "
                                       "verfolgt dieselben Alarme",
        "record.error.decision_text": "Eine Entscheidung braucht ihren Wortlaut, z. B. `/warroom decision Alle "
                                      "bezahlten Anzeigen pausieren`",
        "record.error.fact_text.public": "Ein Fakt braucht seinen Wortlaut, z. B. `/warroom fact public 1.200 "
                                         "Kundendatensätze waren offen einsehbar`",
        "record.error.fact_text.internal": "Ein Fakt braucht seinen Wortlaut, z. B. `/warroom fact 4.200 Erwähnungen "
                                           "pro Stunde, 58 % negativ`",
        "record.error.fact_text.private": "Ein Fakt braucht seinen Wortlaut, z. B. `/warroom fact private Gemeldet "
                                          "von Kundin Erika Muster`",
        "record.error.no_fact": "Dieser Vorfall hat keinen Fakt #{id}",
        "record.error.fact_private": "Fakt #{id} ist privat und kommt nie in eine Stellungnahme; halten Sie, was "
                                     "gesagt werden darf, als neuen öffentlichen Fakt fest",
        "record.error.fact_public": "Fakt #{id} ist bereits zur Veröffentlichung freigegeben",
        "channel.error.unknown": "Unbekannter Kanal {quoted}: Möglich sind {channels}",
        "channel.error.none": "Kein Kanal angegeben: Nennen Sie einen oder mehrere von {channels}",
        "duration.error.empty": "Leere Dauer {quoted}: Schreiben Sie sie etwa als 15m, 1h oder 72h",
        "duration.error.months": "Ungültige Dauer {quoted}: Monate sind unterschiedlich lang; schreiben Sie Tage, "
                                 "z. B. 28d für einen Monat",
        "duration.error.form": "Ungültige Dauer {quoted}: Schreiben Sie sie etwa als 90s, 15m, 1h30m oder 3d",
        "duration.error.zero": "Die Dauer {quoted} muss länger als null sein",
        "statement.error.unknown": "Es gibt keine Stellungnahme {id}",
        "statement.error.kept": "Eine Stellungnahme mit Versionen wird nie gelöscht",
        "statement.error.no_version": "Version {number} der Stellungnahme {id} gibt es nicht",
        "statement.error.drafting": "Die Stellungnahme wird noch entworfen",
        "statement.error.locked": "Version {number} ist freigegeben und gesperrt: Sie lässt sich nicht mehr ändern",
        "statement.error.edited_meanwhile": "v{number} wurde inzwischen bearbeitet: Es gibt eine neuere Version "
                                            "(v{current}). Bearbeiten Sie diese.",
        "statement.error.changed_meanwhile": "v{number} wurde inzwischen geändert: Es gibt eine neuere Version "
                                             "(v{current}). Bearbeiten Sie diese.",
        "statement.error.no_approver": "Eine Stellungnahme braucht mindestens eine freigebende Person",
        "statement.error.approved_meanwhile": "v{number} wurde inzwischen freigegeben und ist gesperrt: Nichts wurde "
                                              "gespeichert.",
        "statement.error.comment": "Schreiben Sie, was sich ändern soll: Der Kommentar ist Pflicht",
        "statement.error.open_room": "Entwürfe ({what}) entstehen nur im Raum eines offenen Vorfalls",
        "statement.error.not_approved": "Nur freigegebene Stellungnahmen gehen an den Veröffentlichungs-Webhook",
        "statement.already_approved": "Diese Stellungnahme ist bereits freigegeben (v{version}).",
        "statement.outdated": "Es gibt eine neuere Version (v{version}): Prüfen Sie diese.",
        "statement.blocked": "Zu dieser Version wurden Änderungen angefordert: Bearbeiten Sie sie, um eine neue "
                             "Version zu speichern; damit beginnen die Freigaben von vorn.",
        "statement.approved_just_now": "Diese Stellungnahme wurde gerade freigegeben (v{version}); sonst wurde nichts "
                                       "geändert.",
        "statement.saved_just_now": "Gerade wurde eine neuere Version (v{version}) gespeichert: Prüfen Sie diese.",
        "statement.blocked_just_now": "Zu dieser Version wurden gerade Änderungen angefordert: Bearbeiten Sie sie, "
                                      "um eine neue Version zu speichern; damit beginnen die Freigaben von vorn.",
        "statement.signed_twice": "Sie haben Schritt {step} bereits freigegeben: Jeder Schritt braucht eine andere "
                                  "Person.",
        "statement.changes_approvers_only": "Änderungen anfordern dürfen nur die Freigebenden dieser Stellungnahme.",
        "statement.signed_elsewhere": ":warning: Diesen Schritt hat gerade jemand anderes freigegeben; sonst wurde "
                                      "nichts geändert.",
        "statement.already_open": "Es ist bereits ein Entwurf offen ({name}, {state}): {where}. Arbeiten Sie mit "
                                  "diesem weiter; je Vorfall ist davon nur einer offen.",
        "statement.state.drafting": "wird entworfen",
        "statement.state.pending": "wartet auf Freigabe",
        "statement.state.changes_requested": "wartet auf Änderungen",
        "statement.state.open": "offen",
        "statement.see_it_here": "hier ansehen",
        "statement.in_this_room": "in diesem Raum",
        "statement.unexpected": "ein unerwarteter Fehler ({error})",
        "statement.edit_empty": "Der Text ({name}) darf nicht leer sein.",
        "statement.edit_too_long": "{name} erlaubt höchstens {limit} Zeichen: Dieser Text hat {count}. Kürzen Sie "
                                   "ihn um {over}.",
        "statement.edit_locked": "v{version} ist freigegeben und gesperrt: Sie lässt sich nicht mehr bearbeiten.",
        "statement.edit_outdated": "Es gibt eine neuere Version (v{version}): Bearbeiten Sie diese.",
        "statement.edit_who": "Bearbeiten dürfen nur die Kommunikationsleitung, die Krisenleitung oder Freigebende "
                              "dieses Entwurfs ({name}).",
        "statement.edit_lost": "Gerade wurde eine andere Fassung von v{version} gespeichert: Nichts wurde "
                               "gespeichert. Bearbeiten Sie die neueste.",
        "statement.unknown_error": "unbekannter Fehler",
        "statement.webhook_no_secret": "nicht gesendet: WARROOM_PUBLISH_SECRET ist nicht gesetzt",
        "setup.retry_closed": "Vorfall #{id} ist abgeschlossen; sein Raum wird nicht mehr eingerichtet.",
        "setup.retry_done": "Der Krisenraum von Vorfall #{id} ist bereits eingerichtet: {room}.",
        "setup.retry_ready": "Der Krisenraum von Vorfall #{id} ist bereit: {room}.",
        "setup.retry_stopped": "Die Einrichtung von Vorfall #{id} ist erneut bei `{step}` angehalten: {error}. "
                               "Beheben Sie das und versuchen Sie es dann noch einmal.",
        "setup.retry_waiting": "Die Einrichtung von Vorfall #{id} läuft; Slack hat um eine Pause gebeten, sie geht "
                               "von selbst weiter.",
        "setup.reason.missing_scope": "Der Slack-App fehlt eine Berechtigung{needed}; ergänzen Sie sie und "
                                      "installieren Sie die App neu",
        "setup.reason.restricted_action": "Die Einstellungen des Workspace erlauben der App das nicht (fragen Sie "
                                          "eine Slack-Administration)",
        "setup.reason.cant_invite": "Slack lässt die App niemanden in diesen Kanal einladen",
        "setup.reason.channel_not_found": "Den Kanal gibt es nicht, oder die App sieht ihn nicht",
        "setup.reason.not_in_channel": "Die App ist nicht Mitglied des Kanals",
        "setup.reason.is_archived": "Der Kanal ist archiviert",
        "setup.reason.invalid_auth": "Das Bot-Token ist ungültig (SLACK_BOT_TOKEN)",
        "setup.reason.not_authed": "Es wurde kein Bot-Token gesendet (SLACK_BOT_TOKEN)",
        "setup.reason.token_revoked": "Das Bot-Token wurde widerrufen; installieren Sie die App neu",
        "setup.reason.account_inactive": "Das Bot-Token gehört zu einer deaktivierten App oder Person; installieren "
                                         "Sie die App neu",
        "setup.reason.no_permission": "Die App darf das in diesem Workspace nicht",
        "setup.reason.ekm_access_denied": "Die Schlüsselverwaltung des Workspace hat den Zugriff verweigert",
        "setup.reason.names_exhausted": "Kein freier Kanalname",
        # German all the way through: status-update reminders, set-up notices, the announcement, the publish webhook
        "status_due.text": ":mega: {who} Das nächste Status-Update ist jetzt fällig ({at}). Teilen Sie eines mit "
                           "`/warroom status share` oder lassen Sie eine Stellungnahme freigeben.",
        "status_due.nobody": "Kommunikationsleitung (nicht besetzt):",
        "status_overdue.text": ":warning: {people} Das Status-Update ist seit {overdue} überfällig.",
        "setup_notice.label": "Vorfall #{id}",
        "setup_notice.label_titled": "Vorfall #{id} (*{title}*)",
        "setup_notice.uninvited": ":warning: Ich konnte nicht alle in den Krisenraum von {label} einladen; der Raum "
                                  "ist mit allen anderen eingerichtet:\n{lines}",
        "setup_notice.restaffed": "Ihre Rollen gingen an die Nächsten im Roster: {roles}",
        "setup_notice.failed": ":x: Der Krisenraum von {label} konnte nicht eingerichtet werden: Der Schritt `{step}` "
                               "ist fehlgeschlagen mit {reason}. Nichts Erfasstes ist verloren; sobald das behoben "
                               "ist, führen Sie `{retry}` aus.",
        "invite_reason.user_not_found": "nicht Mitglied dieses Workspace",
        "invite_reason.cant_invite": "deaktiviert, oder Slack erlaubt nicht, die Person einzuladen",
        "invite_reason.user_is_deactivated": "deaktiviert",
        "invite_reason.user_is_restricted": "ein Gast, den die App nicht einladen darf",
        "invite_reason.user_is_ultra_restricted": "ein Einkanal-Gast",
        "invite_reason.ura_max_channels": "ein Einkanal-Gast, der schon in seinem einen Kanal ist",
        "invite_reason.user_team_not_in_channel": "aus einer anderen Organisation, die nicht mit diesem Kanal "
                                                  "verbunden ist",
        "invite_reason.excluded": "aus diesem Vorfall herausgehalten",
        "announce.private": ":rotating_light: Neuer Vorfall #{id} ({severity}): Ein privater Krisenraum ist offen; "
                            "seine Mitglieder wurden eingeladen.",
        "announce.public": ":rotating_light: Neuer Vorfall ({severity}): *{title}* · Krisenraum {room}",
        "bookmark.alert_source": "Quelle des Alarms",
        "publish.http_status": "Der Empfänger antwortete mit HTTP {status}",
        "publish.timeout": "Der Empfänger hat nicht rechtzeitig geantwortet ({error})",
        "publish.unreachable": "Der Empfänger war nicht erreichbar ({error})",
        "trend.post": "„{post}“ ({platform}, {followers} Follower, {engagement} Interaktionen)",
        "escalation.nobody": "Noch ist keine Krisenleitung benannt:",
        "escalation.text": "{who} :arrow_double_up: Ein Alarm zu diesem Vorfall hat die Stufe *{level}*, über der "
                           "Stufe des Vorfalls (*{current}*). Stufe auf {level} anheben?\n>{title}",
        "escalation.raise": "Auf {level} anheben",
        "alerts.attached_one": ":repeat: {count} weiterer Alarm zugeordnet",
        "alerts.attached_many": ":repeat: {count} weitere Alarme zugeordnet",
        "alerts.resolved": ":white_check_mark: {count} behoben (der Vorfall bleibt offen, bis die Leitung ihn "
                           "schließt)",
        "alerts.resolved_mark": " (behoben)",
        "alerts.more_one": "…und {count} weiterer Alarm",
        "alerts.more_many": "…und {count} weitere Alarme",
        "alerts.latest": "Neuester: {title}",
        "alerts.total_one": "_{total} Alarm insgesamt_",
        "alerts.total_many": "_{total} Alarme insgesamt_",
        "monitor.headline.volume": "sprunghaft mehr Erwähnungen",
        "monitor.headline.negative_volume": "negative Beiträge nehmen zu",
        "monitor.headline.negative": "negative Stimmung",
        "monitor.headline.reach": "Beitrag mit großer Reichweite",
        "monitor.top_posts": "Wichtigste Beiträge, wie empfangen:",
        "monitor.burst": "{mentions} Erwähnungen in {window} Min., das {ratio}-Fache des üblichen Werts von "
                         "{baseline} zu dieser Tageszeit (z {z})",
        "monitor.rise": "Erwähnungen steigen seit {minutes} Min.: {observed} statt erwarteter {expected} "
                        "({run_ratio}-fach), die letzten {window} Min. beim {ratio}-Fachen des üblichen Werts "
                        "(Änderungsstatistik {statistic}, Schwelle {h})",
        "monitor.rise_weighted": "Erwähnungen (Beiträge mit Risikobegriffen stärker gewichtet) steigen seit {minutes} "
                                 "Min.: {observed} statt erwarteter {expected} ({run_ratio}-fach), die letzten "
                                 "{window} Min. beim {ratio}-Fachen des üblichen Werts (Änderungsstatistik "
                                 "{statistic}, Schwelle {h})",
        "monitor.negative_posts": "negative Beiträge: ",
        "monitor.share": "{share} von {scored} bewerteten Erwähnungen sind negativ",
        "monitor.reach_loud": "{posts} Beiträge von Konten mit mehr als {followers} Followern (das größte: "
                              "{largest})",
        "monitor.reach_loud_one": "{posts} Beitrag eines Kontos mit mehr als {followers} Followern ({largest})",
        "monitor.reach_fast": "ein Beitrag mit {velocity} Interaktionen pro Minute",
        "monitor.risky": "; {risky} Beiträge enthalten Risikobegriffe",
        "company.unnamed": "Unser Unternehmen",
        # A follow-up whose change was stored by a worker that died before the person heard back.
        "followup.delayed": ":white_check_mark: Erledigt: {what} wurde um {at} wirksam; diese Antwort kommt "
                            "verspätet.",
        "followup.your_request": "Ihre Anfrage",
    },
}


EVENTS_DE = {
    "alert": "Alarm", "archived": "archiviert", "brief": "Lagebericht", "channel_created": "Raum angelegt",
    "clock_corrected": "Frist korrigiert", "clock_started": "Frist gestartet", "clock_stopped": "Frist gestoppt",
    "closed": "abgeschlossen", "decision": "Entscheidung", "digest": "Übersicht", "error": "Fehler",
    "escalation": "Eskalation", "fact": "Fakt", "label": "Merkmal", "lesson": "Lehre",
    "monitor_calm": "Erwähnungen beruhigt", "not_invited": "nicht eingeladen",
    "opened": "eröffnet", "person_excluded": "Person ausgeschlossen", "pinned_message": "Nachricht angeheftet",
    "refused": "verweigert", "reminder": "Erinnerung", "reopened": "wieder eröffnet", "report": "Nachbericht",
    "role_assigned": "Rolle vergeben", "room_ready": "Raum bereit", "setup_failed": "Einrichtung fehlgeschlagen",
    "setup_retried": "Einrichtung wiederholt", "severity": "Schweregrad", "statement_approval": "Freigabeschritt",
    "statement_approved": "Stellungnahme freigegeben",
    "statement_changes_requested": "Änderungen an der Stellungnahme angefordert",
    "statement_draft_failed": "Entwurf fehlgeschlagen", "statement_final_text": "Endfassung der Stellungnahme",
    "statement_lint": "Prüfhinweise zur Stellungnahme", "statement_refused": "Stellungnahme abgelehnt",
    "statement_requested": "Stellungnahme angefordert", "status_update": "Status-Update",
    "task_added": "Aufgabe hinzugefügt", "task_done": "Aufgabe erledigt",
}


def event_name(kind: str, language: str | None = "en") -> str:
    """A timeline event's kind as the report shows it (German names for the known kinds)."""
    return EVENTS_DE.get(kind, kind) if language_of(language) == "de" else kind


def language_of(value: str | None) -> str:
    """``de`` for German, else ``en`` (the bot's fallback language)."""
    return value if value in LANGUAGES else "en"


def say(language: str | None, key: str, **values) -> str:
    """The phrase ``key`` in ``language``, filled with ``values``."""
    phrases = PHRASES[language_of(language)]
    template = phrases.get(key, PHRASES["en"][key])
    return template.format(**values) if values else template


@dataclass(frozen=True)
class Phrase:
    """A phrase as a value of another one, rendered in the same language (e.g. "the crisis lead" in a refusal)."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, **values: Any) -> Phrase:
        return cls(key, values)


@dataclass(frozen=True)
class Texts:
    """A text the data carries in both languages (a clock's title and ``title_de``); German falls back to English."""

    en: str
    de: str | None = None


@dataclass(frozen=True)
class Either:
    """Alternatives read as one list: ``a, b or c`` / ``a, b oder c``."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class Joined:
    """Items read one after the other: ``a; b; c``."""

    items: tuple[Any, ...]
    separator: str = "; "


@dataclass(frozen=True)
class Number:
    """A count as the language writes it (``4,200`` / ``4.200``)."""

    value: float


def render(language: str | None, key: str, values: Mapping[str, Any], tz: str | None = None) -> str:
    """The phrase ``key`` in ``language``, its values rendered the same way: phrases, texts in both languages,
    lists of alternatives or of items, numbers, times (``09:22 Uhr`` in zone ``tz``) and durations; anything else
    as written."""
    language = language_of(language)
    return say(language, key, **{name: localize(language, value, tz) for name, value in values.items()})


use_renderer(render)


def localize(language: str | None, value: Any, tz: str | None = None) -> str:
    """One value of a phrase as ``language`` writes it (see :func:`render`)."""
    language = language_of(language)
    if isinstance(value, Phrase):
        return render(language, value.key, value.values, tz)
    if isinstance(value, Texts):
        return value.de if language == "de" and value.de else value.en
    if isinstance(value, Either):
        items = [localize(language, item, tz) for item in value.items]
        if len(items) < 2:
            return "".join(items)
        return say(language, "list.or", items=", ".join(items[:-1]), last=items[-1])
    if isinstance(value, Joined):
        return value.separator.join(localize(language, item, tz) for item in value.items)
    if isinstance(value, Number):
        return number(value.value, language)
    if isinstance(value, datetime):
        return date_time(value, tz, language)
    if isinstance(value, timedelta):
        return duration(value, language)
    return str(value)


def clock(value: datetime, tz_name: str | None, language: str | None = "en") -> str:
    """``14:30 CET`` in English, ``14:30 Uhr`` in German."""
    if language_of(language) != "de":
        return local_clock(value, tz_name)
    return f"{as_utc(value).astimezone(zone(tz_name)):%H:%M} Uhr"


def date_time(value: datetime, tz_name: str | None, language: str | None = "en") -> str:
    """``2026-11-22 14:30 CET`` in English, ``22.11.2026, 14:30 Uhr`` in German."""
    if language_of(language) != "de":
        return local_datetime(value, tz_name)
    return f"{as_utc(value).astimezone(zone(tz_name)):%d.%m.%Y, %H:%M} Uhr"


def duration(value: timedelta, language: str | None = "en") -> str:
    """``1h 05m`` / ``2d 3h`` in English; ``1 Std. 05 Min.`` / ``2 Tg. 3 Std.`` in German."""
    if language_of(language) != "de":
        return format_duration(value)
    total = int(value.total_seconds())
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(total, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{sign}{days} Tg. {hours} Std."
    if hours:
        return f"{sign}{hours} Std. {minutes:02d} Min."
    return f"{sign}{minutes} Min."


def percent(share: float, language: str | None = "en") -> str:
    """``58%`` in English, ``58 %`` in German."""
    text = f"{share:.0%}"
    return text.replace("%", " %") if language_of(language) == "de" else text


def number(value: float, language: str | None = "en", *, decimals: int = 0) -> str:
    """``4,200`` / ``4,200.50`` in English, ``4.200`` / ``4.200,50`` in German."""
    text = f"{value:,.{decimals}f}"
    if language_of(language) == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


# The topics of the shipped playbooks' pack items (press questions and reply themes) as German labels; a key
# not listed here is shown as written ("data-safety" -> "data safety").
PACK_TOPICS_DE = {
    "abuse": "Beleidigungen", "accusations": "Anschuldigungen", "action": "Maßnahme", "actions": "Maßnahmen",
    "allegations": "Vorwürfe", "am-i-affected": "Bin ich betroffen?", "angry": "Verärgerung",
    "authentic": "Echtheit", "authorities": "Behörden", "authority": "Behörde",
    "boycott-call": "Boykottaufruf", "cause": "Ursache", "check-device": "Gerät prüfen",
    "claim-true": "Stimmt die Behauptung?", "clicked": "Link angeklickt", "clicked-link": "Link angeklickt",
    "consequences": "Konsequenzen", "criticism": "Kritik", "customer-contact": "Kundenkontakt",
    "customers": "Kundschaft", "data": "Daten", "delete": "Löschung", "demands": "Forderungen",
    "dm-received": "Direktnachricht erhalten", "facts": "Fakten", "fake-accounts": "Gefälschte Konten",
    "fake-reviews": "Gefälschte Bewertungen", "false-claim": "Falschbehauptung", "feel-unwell": "Unwohlsein",
    "fire-them": "Entlassungsforderung", "genuine-criticism": "Berechtigte Kritik", "guilty": "Schuldfrage",
    "hacked": "Gehackt?", "infected": "Infiziert?", "injuries": "Verletzungen",
    "is-it-down": "Ist der Dienst gestört?", "is-it-real": "Ist das echt?", "is-it-true": "Stimmt das?",
    "is-mine-affected": "Ist meins betroffen?", "is-this-you": "Sind Sie das?", "legal-steps": "Rechtliche Schritte",
    "lost-data": "Verlorene Daten", "my-data": "Meine Daten", "not-a-customer": "Keine Kundin, kein Kunde",
    "orders": "Bestellungen", "paid": "Bezahlt?", "phishing": "Phishing", "post-removed": "Beitrag entfernt",
    "proof": "Belege", "protect": "Schutz", "report": "Meldung", "resign": "Rücktrittsforderung",
    "return": "Rückgabe", "safe-now": "Jetzt sicher?", "same-problem": "Gleiches Problem", "search": "Durchsuchung",
    "share": "Teilen", "source": "Quelle", "still-in-office": "Noch im Amt?", "systemic": "Systemisches Problem?",
    "talk": "Gespräch", "updates": "Aktuelle Informationen", "victims": "Betroffene", "video": "Video",
    "was-it-you": "Waren Sie das?", "wave": "Welle", "what-data": "Welche Daten?",
    "what-happened": "Was ist passiert?", "what-is-down": "Was ist gestört?",
    "what-is-happening": "Was passiert gerade?", "what-now": "Wie geht es weiter?",
    "what-to-do": "Was ist zu tun?", "when-back": "Wann wieder verfügbar?", "when-fixed": "Wann behoben?",
    "where-seen": "Wo gesehen?", "which-products": "Welche Produkte?", "who-is-it": "Wer ist es?",
    "who-leaked": "Wer hat es weitergegeben?", "why-believe": "Warum glauben?", "why-boycott": "Warum Boykott?",
    "why-slow": "Warum so langsam?", "witness": "Zeugen",
}


def pack_topic(key: str, language: str | None = "en") -> str | None:
    """A pack item's topic as a German label, or None when there is none (English shows the key)."""
    return PACK_TOPICS_DE.get(key) if language_of(language) == "de" else None


# What each ``/warroom`` subcommand does, in German (a subcommand not listed here keeps its English summary).
HELP_DE = {
    "help": "diese Liste",
    "declare": "einen Vorfall von Hand eröffnen (Playbook und Schweregrad wählen)",
    "status": "wo der Vorfall steht (hier) oder jeder offene Vorfall, den Sie sehen dürfen",
    "brief": "ein kurzer Lagebericht für die Geschäftsleitung, mit Verweisen auf die Zeitleiste",
    "decision": "eine Entscheidung festhalten (wer, wann, Link)",
    "fact": "eine bestätigte Tatsache festhalten: öffentliche dürfen veröffentlicht werden, interne (die Vorgabe) "
            "bleiben im Team, private (Namen) verlassen das Protokoll nie",
    "task": "eine Aufgabe anlegen, wahlweise mit zuständiger Person und Fälligkeit",
    "assign": "jemandem eine Rolle geben (Krisenleitung)",
    "severity": "den Schweregrad des Vorfalls ändern (Krisenleitung)",
    "statement": "eine erste Stellungnahme entwerfen (Kanäle: press, x, linkedin, website, staff, email)",
    "qa": "die Presse-Q&A entwerfen: wahrscheinliche Fragen mit Antwortlinien, freigegeben wie eine Stellungnahme",
    "stakeholders": "die Stakeholder-Übersicht entwerfen: Zielgruppen, Kanäle, Zuständige und Freigaben, "
                    "mit der Botschaft für jede Zielgruppe",
    "replies": "Antwortbausteine für das Community-Management entwerfen; freigegeben werden sie zum Kopieren "
               "gepostet",
    "report": "der Abschlussbericht (Markdown und Zeitleisten-Grafik)",
    "label": "ein Label setzen (z. B. personal_data=yes); startet die gesetzlichen Fristen, die es auslöst",
    "clock": "eine gesetzliche Frist starten, korrigieren oder stoppen, mit Begründung",
    "recuse": "eine Person, die der Vorfall betrifft, heraushalten (Rolle, Freigabe, Lage, Raum)",
    "retry-setup": "eine angehaltene Einrichtung des Raums fortsetzen, sobald die Ursache behoben ist",
    "close": "den Vorfall abschließen (Krisenleitung)",
    "reopen": "einen abgeschlossenen Vorfall wieder eröffnen",
    "lesson": "eine Erkenntnis (was im Playbook zu ändern ist) für den Abschlussbericht",
}


def help_summary(name: str, language: str | None = "en") -> str | None:
    """What subcommand ``name`` does, in German; None in English (the subcommand's own summary is used)."""
    return HELP_DE.get(name) if language_of(language) == "de" else None
