"""Escaping, truncation, mentions and links in mrkdwn."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.slack.text import (
    ZERO_WIDTH_JOINER,
    channel_link,
    date,
    escape,
    link,
    mention,
    mentions,
    plain,
    truncate,
)


@pytest.mark.parametrize(
    ("hostile", "inert"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<https://evil|innocent>", "&lt;https://evil|innocent&gt;"),
        ("<!subteam^S123|@comms>", "&lt;!subteam^S123|@comms&gt;"),
        ("Fish & Chips", "Fish &amp; Chips"),
        ("already &amp; escaped", "already &amp;amp; escaped"),
    ],
)
def test_escape_makes_control_sequences_inert(hostile, inert):
    escaped = escape(f"look {hostile} now")
    assert escaped == f"look {inert} now"
    assert "<" not in escaped and ">" not in escaped


@pytest.mark.parametrize("word", ["@channel", "@here", "@everyone", "@Channel", "@HERE"])
def test_escape_neutralises_bare_broadcast_words(word):
    escaped = escape(f"hey {word}!")
    assert word not in escaped
    assert escaped == f"hey @{ZERO_WIDTH_JOINER}{word[1:]}!"


def test_escape_leaves_ordinary_text_and_handles_none():
    assert escape("@channels_team and mail@here.com stay as typed") == "@channels_team and mail@here.com stay as typed"
    assert escape("ping @here.") == f"ping @{ZERO_WIDTH_JOINER}here."
    assert escape("@herein") == "@herein"
    assert escape("plain text") == "plain text"
    assert escape(None) == ""
    assert escape(42) == "42"


def test_truncate_short_text_unchanged():
    assert truncate("short", 10) == "short"
    assert truncate("exactly10!", 10) == "exactly10!"
    assert truncate(None, 5) == ""


def test_truncate_cuts_with_ellipsis():
    cut = truncate("abcdefghij", 5)
    assert cut == "abcd…"
    assert len(cut) == 5


@pytest.mark.parametrize("limit", range(1, 30))
def test_truncate_never_splits_an_entity(limit):
    text = escape("a & b < c > d & e & f")
    cut = truncate(text, limit)
    assert len(cut) <= limit
    body = cut.removesuffix("…")
    # every '&' left must start a complete entity
    for index, char in enumerate(body):
        if char == "&":
            assert body[index:].startswith(("&amp;", "&lt;", "&gt;")), cut


def test_truncate_does_not_leave_a_mention_open():
    text = f"Assigned to {mention('U12345')} and more words"
    assert truncate(text, 16) == "Assigned to …"


def test_truncate_zero_limit():
    assert truncate("abc", 0) == ""


def test_plain_truncates_without_escaping():
    assert plain("a < b & c") == "a < b & c"
    assert plain("abcdef", 4) == "abc…"
    assert plain(None) == ""


def test_plain_makes_control_sequences_inert():
    for raw in ("<!channel>", "<!here> now", "<@U0CEO>", "<https://evil.example|official>"):
        assert "<" + raw[1] not in plain(raw)
        assert plain(raw).replace("\u200b", "") == raw


def test_mention_and_mentions():
    assert mention("U12345") == "<@U12345>"
    assert mention("W0ABCDE") == "<@W0ABCDE>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert mention("not a user") == "not a user"
    assert mentions(["U1AA", "U2BB"]) == "<@U1AA>, <@U2BB>"
    assert mentions([]) == ""


def test_channel_link():
    assert channel_link("C0123ABC") == "<#C0123ABC>"
    assert channel_link("G0123ABC") == "<#G0123ABC>"
    assert channel_link("#general>") == "#general&gt;"


def test_link_http_and_https():
    assert link("https://status.example.com", "Status page") == "<https://status.example.com|Status page>"
    assert link("http://example.com/a?b=1&c=2", "x") == "<http://example.com/a?b=1&amp;c=2|x>"
    assert link("https://example.com") == "<https://example.com>"


def test_link_escapes_label_and_strips_url_controls():
    result = link("https://example.com/x|y>z", "<!channel> click")
    assert result == "<https://example.com/xyz|&lt;!channel&gt; click>"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com", "slack://open", "", None])
def test_link_refuses_other_schemes(url):
    assert link(url, "label <b>") == "label &lt;b&gt;"
    assert "<" not in link(url)


def test_date_uses_slack_date_token_with_team_fallback():
    moment = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    token = date(moment, "Europe/Berlin")
    assert token == f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|2026-03-14 10:30 CET>"
    assert date(moment).endswith("|2026-03-14 09:30 UTC>")
