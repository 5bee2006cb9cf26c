"""A workspace that has not set its organisation's name gets statements that read naturally in the room's
language ("Unser Unternehmen informiert"), never an English placeholder in a German text."""

from __future__ import annotations

import pytest

from tests.test_german import GERMAN_ALERT
from tests.test_statement_flow import draft, room, versions_of


@pytest.mark.parametrize(("language", "expected", "foreign"), [("de", "Unser Unternehmen", "Our company"),
                                                              ("en", "Our company", "Unser Unternehmen")])
def test_an_unset_company_name_reads_in_the_room_language(make_sandbox, language, expected, foreign):
    box = make_sandbox(f"company-{language}", **({"warroom_language": "de"} if language == "de" else {}))
    incident = room(box, **(GERMAN_ALERT if language == "de" else {}))
    statement, _ = draft(box, incident, args="press")
    [version] = versions_of(box, statement.id)
    text = version.variants["press"]
    assert expected in text and foreign not in text, text
