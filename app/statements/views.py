"""Block Kit for statements (holding statements and packs): the draft message with its texts, findings and
sign-offs, its modals, and the approved texts for copying."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.errors import UserError
from app.i18n import clock, number, say
from app.roles.keys import role_title
from app.slack import blocks as bk
from app.slack.ids import ActionId, CallbackId
from app.slack.text import escape, mention, mentions
from app.statements import kinds
from app.statements.chain import Waiting
from app.statements.chain import label as step_label
from app.statements.models import Approval, Statement, StatementKind, StatementStatus, StatementVersion
from app.statements.service import StepPeople

PLACEHOLDER = say("en", "card.drafting", name="holding statement")  # a holding statement in English
HOLDING = StatementKind.HOLDING
CHUNK = 2_800  # escaped characters per section, below Slack's 3,000
MAX_CHUNKS = 3  # sections per variant before the rest is left to the Edit dialog
MAX_FINDINGS = 20
EDIT_CALLBACK = CallbackId.STATEMENT_EDIT
CHANGES_CALLBACK = CallbackId.STATEMENT_CHANGES
LANGUAGE_NAMES = {"en": "English", "de": "German"}


@dataclass
class Step:
    """One role of an approval step as shown: who may sign it, and the sign-off if given (a group step shows one
    line per role, all with the step's index)."""

    index: int
    role: str
    people: StepPeople
    approval: Approval | None = None
    waiting_since: datetime | None = None
    due_at: datetime | None = None
    group: bool = False


@dataclass
class Card:
    """Everything the statement message shows, gathered by the caller from the database."""

    statement: Statement
    version: StatementVersion
    steps: list[Step]
    changes: list[Approval] = field(default_factory=list)
    legal_added: bool = False
    tz: str = "UTC"
    waiting: Waiting | None = None  # who is next (app.statements.chain.waiting)

    @property
    def kind(self) -> str:
        return self.statement.kind or HOLDING

    @property
    def value(self) -> str:
        """What the buttons carry: the statement and the version they act on."""
        return f"{self.statement.id}:{self.version.number}"


def parse_value(value: str) -> tuple[int, int]:
    """``"12:3"`` -> (statement id 12, version 3)."""
    statement, _, number = (value or "").partition(":")
    if not statement.isdigit() or not number.isdigit():
        raise UserError(key="error.statement_reference", value=repr(value)[:60])
    return int(statement), int(number)


def placeholder_message(kind: str = HOLDING, language: str = "en") -> dict[str, Any]:
    text = say(language, "card.drafting", name=kinds.name(kind, language))
    return bk.message(text, [bk.section(text)])


def failed_message(reason: str, kind: str = HOLDING, language: str = "en") -> dict[str, Any]:
    text = say(language, "card.failed", name=kinds.name(kind, language), reason=escape(reason))
    return bk.message(text, [bk.section(text), bk.context(say(language, "card.try_again",
                                                                   command=kinds.command(kind)))])


def split_text(text: str, limit: int = CHUNK) -> list[str]:
    """Escaped pieces of at most ``limit`` characters, cut between paragraphs, lines or words where possible."""
    pieces: list[str] = []
    current = ""
    for word in _tokens(text):
        candidate = current + word
        if len(escape(candidate)) <= limit:
            current = candidate
            continue
        if current.strip():
            pieces.append(escape(current.strip()))
        current = word.lstrip()
        while len(escape(current)) > limit:  # one "word" longer than a section: cut it hard
            cut = limit
            while len(escape(current[:cut])) > limit:
                cut -= 1
            pieces.append(escape(current[:cut]))
            current = current[cut:]
    if current.strip():
        pieces.append(escape(current.strip()))
    return pieces or [""]


def _tokens(text: str) -> list[str]:
    """Words with the whitespace before them, so joining them gives the text back."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if char.isspace() and word.strip():
            tokens.append(word)
            word = ""
        word += char
    if word:
        tokens.append(word)
    return tokens


def variant_blocks(channel: str, text: str, language: str, kind: str = HOLDING) -> list[dict[str, Any]]:
    limit = kinds.item_limit(kind, channel)
    counted = channel == "x" or kind == StatementKind.REPLIES
    count = f" ({len(text)}/{limit})" if limit is not None and counted else ""
    over = say(language, "card.over_limit") if limit is not None and len(text) > limit else ""
    pieces = split_text(text)
    shown = pieces[:MAX_CHUNKS]
    blocks = [bk.section(f"*{escape(kinds.item_label(kind, channel, language))}*{count}{over}\n{shown[0]}")]
    blocks += [bk.section(piece) for piece in shown[1:]]
    if len(pieces) > len(shown):
        blocks.append(bk.context(say(language, "card.more_text", count=number(len(text), language))))
    return blocks


def finding_line(item: dict[str, Any], language: str, kind: str = HOLDING) -> str:
    icon = ":no_entry:" if item.get("severity") == "error" else ":warning:"
    where = f" · {escape(kinds.item_label(kind, item['channel'], language))}" if item.get("channel") else ""
    rule = escape(item.get("rule", ""))
    severity = say(language, f"card.severity.{item.get('severity', 'warning')}") \
        if item.get("severity", "warning") in ("error", "warning") else item.get("severity")
    return f"{icon} {severity} `{rule}`{where}: {escape(item.get('message', ''))}"


def findings_blocks(card: Card) -> list[dict[str, Any]]:
    findings, language = card.version.findings, card.statement.language
    if not findings:
        lines = [say(language, "card.no_findings")]
    else:
        ordered = sorted(findings, key=lambda item: item.get("severity") != "error")
        lines = [finding_line(item, card.statement.language, card.kind) for item in ordered[:MAX_FINDINGS]]
        if len(findings) > MAX_FINDINGS:
            lines.append(say(language, "and_more", count=len(findings) - MAX_FINDINGS))
    if card.legal_added:
        lines.append(say(language, "card.legal_added"))
    errors = sum(1 for item in findings if item.get("severity") == "error")
    title = say(language, "card.checks_counted", errors=errors, warnings=len(findings) - errors) if findings \
        else say(language, "card.checks")
    return [bk.section(title + "\n" + "\n".join(lines))]


def step_line(step: Step, card: Card, waiting: Waiting | None) -> str:
    language = card.statement.language
    who = mention(step.people.approver) if step.people.approver else say(language, "card.nobody_in_roster")
    backups = say(language, "card.backup", who=mentions(list(step.people.backups))) if step.people.backups else ""
    together = say(language, "card.together") if step.group else ""
    label = f"{step.index + 1}. {role_title(step.role, language)}{together}: {who}{backups}"
    if step.approval is not None:
        by = "" if step.approval.user_id == step.people.approver else \
            say(language, "card.by", who=mention(step.approval.user_id))
        return say(language, "card.step_approved", label=label, by=by,
                   at=clock(step.approval.at, card.tz, language))
    is_waiting = waiting is not None and waiting.index == step.index and step.role in waiting.roles
    if is_waiting and card.statement.status == StatementStatus.PENDING and step.waiting_since:
        due = say(language, "card.due", at=clock(step.due_at, card.tz, language)) if step.due_at else ""
        return say(language, "card.step_waiting", label=label,
                   since=clock(step.waiting_since, card.tz, language), due=due)
    return say(language, "card.step_pending", label=label)


def progress_blocks(card: Card) -> list[dict[str, Any]]:
    language = card.statement.language
    lines = [step_line(step, card, card.waiting) for step in card.steps]
    if card.waiting is not None and len(card.waiting.roles) > 1 and card.statement.status == StatementStatus.PENDING:
        names = step_label(card.waiting.roles, lambda role: role_title(role, language))
        lines.append(say(language, "card.each_signs", names=escape(names)))
    return [bk.section(say(language, "card.approvals") + "\n" + "\n".join(lines))]


def changes_blocks(card: Card) -> list[dict[str, Any]]:
    if not card.changes:
        return []
    language = card.statement.language
    lines = [say(language, "card.change_line", who=mention(row.user_id), role=role_title(row.role, language),
                 at=clock(row.at, card.tz, language), comment=escape(row.comment or ""))
             for row in card.changes[-5:]]
    return [bk.section(say(language, "card.changes_heading") + "\n" + "\n".join(lines))]


def buttons(card: Card) -> list[dict[str, Any]]:
    language = card.statement.language
    elements = []
    if card.statement.status == StatementStatus.PENDING:
        elements.append(bk.button(say(language, "card.approve"), ActionId.STATEMENT_APPROVE, value=card.value,
                                  style="primary"))
    elements.append(bk.button(say(language, "card.request_changes"), ActionId.STATEMENT_CHANGES, value=card.value))
    elements.append(bk.button(say(language, "card.edit"), ActionId.STATEMENT_EDIT, value=card.value))
    return [bk.actions(*elements, block_id="statement-actions")]


def method_note(ver: StatementVersion, language: str = "en") -> str:
    if ver.method == "edit":
        return say(language, "card.edited_by", who=mention(ver.created_by or "")) + \
            (f": {escape(ver.note)}" if ver.note else "")
    if not ver.note:
        return escape(say(language, "card.by_model" if ver.method == "model" else "card.by_template"))
    return escape(_translated_note(ver.note, language))


# The drafting notes' fixed English openings (recorded with the version) and their keys in app.i18n.
NOTE_OPENINGS = (("Filled from the playbook template (no model configured)", "card.by_template_no_model"),
                 ("Filled from the playbook template", "card.by_template"))


def _translated_note(note: str, language: str) -> str:
    """A recorded drafting note as the card shows it: its fixed opening in the statement's language, any detail
    after it as it was recorded."""
    for opening, key in NOTE_OPENINGS:
        if note.startswith(opening):
            return say(language, key) + note[len(opening):]
    return note


def statement_message(card: Card) -> dict[str, Any]:
    """The statement message: the draft awaiting sign-off, or its approved state without buttons."""
    s, v = card.statement, card.version
    lang = s.language
    language = say(lang, f"card.language.{lang}") if lang in ("en", "de") else lang
    variants = [block for channel, text in v.variants.items()
                for block in variant_blocks(channel, text, s.language, card.kind)]
    heading = kinds.title(card.kind, lang)
    if s.status == StatementStatus.APPROVED:
        signed = [say(lang, "card.signed", role=role_title(step.role, lang), who=mention(step.approval.user_id),
                      at=clock(step.approval.at, card.tz, lang)) for step in card.steps if step.approval]
        approved_at = clock(s.approved_at, card.tz, lang) if s.approved_at else ""
        blocks = [bk.header(say(lang, "card.approved_header", heading=heading, version=v.number)),
                  bk.section(say(lang, "card.approved_line", version=v.number, at=approved_at) + "\n"
                             + "\n".join(signed)),
                  bk.context(say(lang, "card.locked", note=method_note(v, lang), lang_name=language)),
                  bk.divider(), *variants]
        return bk.message(say(lang, "card.approved_fallback", heading=heading, version=v.number), blocks)
    state = {str(StatementStatus.PENDING): say(lang, "card.state.pending"),
             str(StatementStatus.CHANGES_REQUESTED): say(lang, "card.state.changes_requested")}.get(s.status, s.status)
    blocks = [bk.header(say(lang, "card.draft_header", heading=heading, version=v.number)),
              bk.context(f"{method_note(v, lang)} · {language} · {state}"),
              bk.divider(), *variants, bk.divider(), *findings_blocks(card), *progress_blocks(card),
              *changes_blocks(card), *buttons(card)]
    return bk.message(say(lang, "card.draft_fallback", heading=heading, version=v.number, state=state),
                      _fit(blocks, lang))


def _fit(blocks: list[dict[str, Any]], language: str = "en") -> list[dict[str, Any]]:
    """Keep the buttons even when the variants fill the message."""
    if len(blocks) <= bk.MESSAGE_BLOCKS_MAX:
        return blocks
    tail = blocks[-4:]
    head = blocks[: bk.MESSAGE_BLOCKS_MAX - len(tail) - 1]
    return [*head, bk.context(say(language, "card.left_out")), *tail]


def copy_text(channel: str, text: str, language: str, number: int, kind: str = HOLDING) -> str:
    """The approved text of one channel (or pack item), in a code block for copying (escaped all the same)."""
    body = escape(text).replace("```", "'''")
    label = escape(kinds.item_label(kind, channel, language))
    return say(language, "card.copy", label=label, version=number) + f"\n```{body}```"


def copy_blocks(kind: str, variants: dict[str, str], language: str, number: int,
                ) -> list[tuple[str, list[dict[str, Any]]]]:
    """An approved pack as messages to post: (fallback text, blocks), one block per item, each in a code block
    for copying. An item too long for one block of the shared message gets a message of its own."""
    heading = say(language, "card.copy_heading", title=kinds.title(kind, language), version=number)
    shared: list[dict[str, Any]] = [bk.section(f"*{escape(heading)}*")]
    alone: list[tuple[str, list[dict[str, Any]]]] = []
    for key, text in variants.items():
        line = copy_text(key, text, language, number, kind)
        if len(line) > bk.SECTION_TEXT_MAX:
            alone.append((line, [bk.section(piece) for piece in split_text(text)][: bk.MESSAGE_BLOCKS_MAX]))
        else:
            shared.append(bk.section(line))
    messages = [(heading, shared[i:i + bk.MESSAGE_BLOCKS_MAX]) for i in range(0, len(shared), bk.MESSAGE_BLOCKS_MAX)]
    return [*messages, *alone] if len(shared) > 1 else alone


def metadata(card: Card, channel_id: str) -> str:
    return json.dumps({"statement": card.statement.id, "version": card.version.number, "channel": channel_id,
                       "language": card.statement.language})


def edit_modal(card: Card, channel_id: str) -> dict[str, Any]:
    """One text box per channel, limited to the channel's length; saving makes a new version."""
    s, v = card.statement, card.version
    lang = s.language
    blocks: list[dict[str, Any]] = [bk.context(say(lang, "card.editing", version=v.number, next=v.number + 1))]
    for channel, text in v.variants.items():
        limit = kinds.item_limit(card.kind, channel)
        hint = say(lang, "card.at_most", limit=number(limit, lang)) if limit else None
        if len(text) > bk.INPUT_MAX:
            hint = say(lang, "card.cut", max=number(bk.INPUT_MAX, lang), count=number(len(text), lang))
        blocks.append(bk.plain_input(kinds.item_label(card.kind, channel, s.language)[:2000],
                                     block_id=f"variant-{channel}",
                                     action_id="text", multiline=True, initial=text,
                                     max_length=limit or bk.INPUT_MAX, hint=hint))
    blocks.append(bk.plain_input(say(lang, "card.what_changed"), block_id="note", action_id="text", optional=True,
                                 max_length=300))
    title = say(lang, "card.edit_statement" if card.kind == HOLDING else "card.edit_pack")
    return bk.modal(title, blocks, callback_id=EDIT_CALLBACK, submit=say(lang, "card.save_version"),
                    close=say(lang, "lesson.cancel"), private_metadata=metadata(card, channel_id))


def override_modal(card: Card, channel_id: str) -> dict[str, Any]:
    """The last sign-off while the checks found errors: approving needs a reason, which is recorded."""
    lang = card.statement.language
    errors = [f for f in card.version.findings if f.get("severity") == "error"]
    lines = "\n".join(f"• {escape(f.get('message', ''))}" for f in errors[:8])
    blocks = [bk.section(say(lang, "card.override_found", count=len(errors), version=card.version.number) + "\n"
                         + lines),
              bk.context(say(lang, "card.override_hint")),
              bk.plain_input(say(lang, "card.override_reason"), block_id="reason", action_id="text",
                             multiline=True, max_length=500)]
    return bk.modal(say(lang, "card.override_title"), blocks, callback_id=CallbackId.STATEMENT_OVERRIDE,
                    submit=say(lang, "card.approve"), close=say(lang, "lesson.cancel"),
                    private_metadata=metadata(card, channel_id))


def changes_modal(card: Card, channel_id: str) -> dict[str, Any]:
    lang = card.statement.language
    blocks = [bk.context(say(lang, "card.changes_hint", title=kinds.title(card.kind, lang),
                             version=card.version.number)),
              bk.plain_input(say(lang, "card.changes_needed"), block_id="comment", action_id="text", multiline=True,
                             max_length=3000)]
    return bk.modal(say(lang, "card.request_changes"), blocks, callback_id=CHANGES_CALLBACK,
                    submit=say(lang, "card.send"), close=say(lang, "lesson.cancel"),
                    private_metadata=metadata(card, channel_id))
