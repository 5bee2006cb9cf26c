"""An edited holding statement is checked as a drafted one is: by the rules and, with a model configured, by
the model's second opinion, whose findings (warnings quoting the edited text) reach the new version."""

from __future__ import annotations

import json

from app.sandbox.fake_openai import FakeOpenAI, answer_for
from tests.test_statement_flow import draft, room, versions_of, wait_version

REWRITTEN = "Our engineers are working through the night on the fix."
FLAGGED = {"rule": "over_promise", "sentence": REWRITTEN, "reason": "promises more than the team can keep"}


def reviewer(messages: list[dict]) -> str:
    """The model: it flags the over-promising sentence when it reviews a text that has it; drafts as usual."""
    system, user = messages[0]["content"], messages[-1]["content"]
    if system.startswith("You review crisis-communication") and REWRITTEN in user:
        return json.dumps({"findings": [FLAGGED]})
    if system.startswith("You review crisis-communication"):
        return json.dumps({"findings": []})
    return answer_for(messages)


def reviews(fake) -> int:
    return sum(1 for r in fake.requests if r["messages"][0]["content"].startswith("You review"))


def test_an_edit_gets_the_model_second_opinion(make_sandbox):
    with FakeOpenAI(reviewer) as fake:
        box = make_sandbox("edit-opinion", openai_api_key="k", openai_base_url=fake.base_url,
                           warroom_llm_model="fake-model")
        incident = room(box)
        statement, _ = draft(box, incident, args="press")
        [v1] = versions_of(box, statement.id)
        assert not [f for f in v1.findings if f.get("source") == "model"]
        reviews_before = reviews(fake)

        box.driver.click("U0COMMS", incident.channel_id, statement.message_ts, "statement_edit")
        view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
        edited = (f"We are sorry for the disruption. {REWRITTEN} Next update at 15:00 UTC: "
                  "https://status.example.com")
        box.driver.submit_view("U0COMMS", view.id, {"variant-press": {"text": edited}, "note": {"text": "clearer"}})
        statement, _ = wait_version(box, incident, 2)
        v2 = versions_of(box, statement.id)[1]
        assert v2.method == "edit" and v2.variants["press"] == edited
        [opinion] = [f for f in v2.findings if f.get("source") == "model"]
        assert opinion["rule"] == "over_promise" and opinion["severity"] == "warning"
        assert reviews(fake) == reviews_before + 1
