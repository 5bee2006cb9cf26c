"""The bot's own phrases in English and German, as data, with times and durations as each language reads them.

``say(language, key, **values)`` fills a phrase; an unknown language falls back to English and a key
missing in German falls back to its English phrase, so a gap never breaks a message. English times read
``14:30 CET``; German ones ``14:30 Uhr`` (and dates ``22.11.2026, 14:30 Uhr``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
