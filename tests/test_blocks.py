"""Block Kit builders clamp to Slack's limits; validate_blocks finds what Slack would reject."""

from __future__ import annotations

import json

import pytest

from app.slack import blocks as bk
from app.slack.text import escape


def test_builders_produce_valid_blocks():
    built = [
        bk.header("Crisis: #acmefail trending"),
        bk.section("*Severity:* high", block_id="summary"),
        bk.fields_section(["*Lead*\n<@U123>", "*Comms*\n<@U456>"], text="*Roles*"),
        bk.context("Opened 09:12 UTC", "Next update 09:45 UTC"),
        bk.divider(),
        bk.actions(
            bk.button("Approve", "approve_statement", value="42", style="primary"),
            bk.button(
                "Reject",
                "reject_statement",
                value="42",
                style="danger",
                confirm=bk.confirm_dialog("Reject?", "The draft goes back to comms."),
            ),
            bk.button("Status page", "open_status", url="https://status.example.com"),
            block_id="statement-42",
        ),
        bk.section("With a button", accessory=bk.button("Open", "open_room")),
    ]
    assert bk.validate_blocks(built) == []


def test_header_clamped_to_150():
    block = bk.header("h" * 400)
    assert len(block["text"]["text"]) == 150
    assert block["text"]["text"].endswith("…")
    assert bk.validate_blocks([block]) == []


def test_section_clamped_to_3000_without_breaking_entities():
    block = bk.section(escape("&" * 5000))
    text = block["text"]["text"]
    assert len(text) <= 3000
    assert text.endswith("&amp;…")
    assert bk.validate_blocks([block]) == []


def test_empty_texts_still_valid():
    assert bk.validate_blocks([bk.section(""), bk.header("  "), bk.context()]) == []


def test_fields_section_caps_count_and_length():
    block = bk.fields_section([f"field {n} " + "x" * 3000 for n in range(14)])
    fields = block["fields"]
    assert len(fields) == 10
    assert fields[-1]["text"] == "…and 5 more"
    assert all(len(field["text"]) <= 2000 for field in fields)
    assert bk.validate_blocks([block]) == []


def test_fields_section_needs_something():
    with pytest.raises(ValueError):
        bk.fields_section([])


def test_context_caps_elements():
    block = bk.context(*[f"note {n}" for n in range(13)])
    assert len(block["elements"]) == 10
    assert block["elements"][-1]["text"] == "…and 4 more"
    assert bk.validate_blocks([block]) == []


def test_actions_keeps_25():
    block = bk.actions(*[bk.button(f"b{n}", f"action_{n}") for n in range(30)])
    assert len(block["elements"]) == 25
    assert bk.validate_blocks([block]) == []


def test_button_limits():
    button = bk.button("x" * 100, "do_it", value="v" * 2000)
    assert len(button["text"]["text"]) == 75
    with pytest.raises(ValueError):
        bk.button("ok", "do_it", value="v" * 2001)
    with pytest.raises(ValueError):
        bk.button("ok", "a" * 256)
    with pytest.raises(ValueError):
        bk.button("ok", "do_it", style="green")
    with pytest.raises(ValueError):
        bk.button("ok", "do_it", url="javascript:alert(1)")


def test_confirm_dialog_clamps():
    dialog = bk.confirm_dialog("t" * 200, "x" * 500, confirm="c" * 40, deny="d" * 40)
    assert len(dialog["title"]["text"]) == 100
    assert len(dialog["text"]["text"]) == 300
    assert len(dialog["confirm"]["text"]) == 30 and len(dialog["deny"]["text"]) == 30


def test_inputs_and_modal_are_valid():
    inputs = [
        bk.plain_input(
            "Decision",
            block_id="decision",
            action_id="text",
            multiline=True,
            initial="i" * 600,
            max_length=500,
            placeholder="What was decided, and why?",
        ),
        bk.static_select_input(
            "Severity",
            block_id="severity",
            action_id="level",
            options=[("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
            initial="high",
        ),
        bk.users_select_input("Owner", block_id="owner", action_id="user", initial="U123", optional=True),
        bk.users_select_input("Team", block_id="team", action_id="users", initial=["U1", "U2"], multi=True),
    ]
    assert len(inputs[0]["element"]["initial_value"]) == 500
    assert inputs[1]["element"]["initial_option"] == {
        "text": {"type": "plain_text", "text": "High", "emoji": True},
        "value": "high",
    }
    assert inputs[3]["element"]["initial_users"] == ["U1", "U2"]
    view = bk.modal(
        "Log a decision for the war room",
        inputs,
        callback_id="log_decision",
        submit="Save",
        private_metadata=json.dumps({"incident": 7}),
    )
    assert len(view["title"]["text"]) == 24
    assert bk.validate_blocks(view["blocks"], limit=100) == []


def test_modal_private_metadata_is_never_cut():
    with pytest.raises(ValueError, match="private_metadata"):
        bk.modal("T", [bk.section("x")], callback_id="c", private_metadata="x" * 3001)
    view = bk.modal("T", [bk.section("x")], callback_id="c", private_metadata="x" * 3000)
    assert len(view["private_metadata"]) == 3000


def test_modal_with_inputs_needs_submit():
    with pytest.raises(ValueError, match="submit"):
        bk.modal("T", [bk.plain_input("L", block_id="b", action_id="a")], callback_id="c")


def test_modal_keeps_at_most_100_blocks():
    view = bk.modal("T", [bk.section(str(n)) for n in range(130)], callback_id="c")
    assert len(view["blocks"]) == 100


def test_fit_blocks_adds_and_n_more():
    many = [bk.section(f"line {n}") for n in range(60)]
    fitted = bk.fit_blocks(many)
    assert len(fitted) == 50
    assert fitted[-1] == bk.context("…and 11 more")
    assert bk.fit_blocks(many[:50]) == many[:50]
    custom = bk.fit_blocks(many, limit=10, more=lambda n: f"{n} older entries in the log")
    assert custom[-1]["elements"][0]["text"] == "51 older entries in the log"


def test_message_has_fallback_and_fits():
    payload = bk.message("Status update", [bk.section(str(n)) for n in range(70)])
    assert payload["text"] == "Status update"
    assert len(payload["blocks"]) == 50
    assert bk.validate_blocks(payload["blocks"]) == []


# --- validate_blocks ----------------------------------------------------------------------------


def problems(blocks) -> str:
    return "\n".join(bk.validate_blocks(blocks))


def test_validate_51_blocks():
    assert "51 blocks" in problems([bk.divider() for _ in range(51)])
    assert problems([bk.divider() for _ in range(100)]) and not bk.validate_blocks(
        [bk.divider() for _ in range(100)], limit=100
    )


def test_validate_11_fields():
    block = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}
    assert "11 fields" in problems([block])


def test_validate_long_field():
    block = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}
    assert "fields[0] is 2,001 characters" in problems([block])


def test_validate_long_header_and_section():
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}
    found = problems([header, section])
    assert "blocks[0] (header): header text is 151 characters" in found
    assert "blocks[1] (section): section text is 3,001 characters" in found


def test_validate_unknown_type_and_shapes():
    found = problems([{"type": "fancy_banner"}, {"text": "no type"}, "not a block"])
    assert "blocks[0] (fancy_banner): unknown block type 'fancy_banner'" in found
    assert "blocks[1]: must be an object with a type" in found
    assert "blocks[2]: must be an object with a type" in found


def test_validate_context_actions_and_block_ids():
    ctx = {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}
    acts = {"type": "actions", "elements": [bk.button("b", f"a{n}") for n in range(26)]}
    dup = [bk.section("a", block_id="same"), bk.section("b", block_id="same")]
    long_id = {"type": "divider", "block_id": "x" * 256}
    found = problems([ctx, acts, *dup, long_id])
    assert "11 context elements" in found
    assert "26 actions elements" in found
    assert "block_id 'same' is used twice" in found
    assert "blocks[4] (divider): block_id must be a string of 1 to 255" in found


def test_validate_reports_what_slack_sdk_finds():
    button = bk.button("ok", "a")
    button["text"]["text"] = "x" * 76
    assert "cannot exceed 75" in problems([{"type": "actions", "elements": [button]}])
