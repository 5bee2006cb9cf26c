"""Channel names: readable and unique for titles in any script, code names for confidential incidents."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.incidents.naming import channel_name, code_name, slugify
from app.sandbox.validation import channel_name_error
from tests.conftest import social_alert
from tests.test_intake import wait_ready

DAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_titles_in_other_scripts_are_transliterated():
    assert slugify("Скандал в соцсетях") == "skandal-v-sotssetyakh"
    assert slugify("品牌危机") == "pinpaiweiji"
    assert slugify("Ελληνικά νέα") == "ellinika-nea"
    assert slugify("Kündigungswelle bei Müller & Söhne") == "kuendigungswelle-bei-mueller-soehne"
    assert slugify("🔥🔥🔥") == "fire-fire-fire"


def test_a_title_with_nothing_readable_falls_back_to_the_incident_number():
    assert slugify("!!! ???") == ""
    assert channel_name("storm", DAY, "!!! ???", number=812) == "storm-20261130-812"
    assert channel_name("storm", DAY, "!!! ???", 2, number=812) == "storm-20261130-812-2"


def test_names_of_a_day_stay_unique_by_incident_number():
    # Fifty-five incidents with the same title on one day: each number's second name is its own.
    seconds = {channel_name("storm", DAY, "Ярость клиентов", 2, number=n) for n in range(1, 56)}
    assert len(seconds) == 55
    assert channel_name("storm", DAY, "Ярость клиентов", number=7) == "storm-20261130-yarost-klientov"
    assert channel_name("storm", DAY, "Ярость клиентов", 2, number=7) == "storm-20261130-yarost-klientov-7"
    assert channel_name("storm", DAY, "Ярость клиентов", 3, number=7) == "storm-20261130-yarost-klientov-7-2"


def test_every_name_is_one_slack_accepts():
    titles = ["A" * 300, "Сбой " * 40, "x", "-", "#WinterCampaign: 6x mentions!!", "数据泄露" * 30]
    for title in titles:
        for attempt in (1, 2, 5):
            name = channel_name("Very Long Prefix With Spaces", DAY, title, attempt, number=123456)
            assert channel_name_error(name) is None, name
            assert len(name) <= 80


def test_confidential_code_names_say_nothing():
    names = {code_name(DAY) for _ in range(20)}
    assert all(re.fullmatch(r"confidential-20261130-[0-9a-f]{4}", n) for n in names)
    assert len(names) > 1


def test_rooms_for_non_latin_titles_on_one_day_get_distinct_readable_names(sandbox):
    ids = [sandbox.alert(social_alert(title="Скандал вокруг рекламы", dedup_key=f"ru-{n}")).json()["incident_id"]
           for n in range(3)]
    incidents = [wait_ready(sandbox, incident_id) for incident_id in ids]
    names = sorted(i.channel_name for i in incidents)
    assert len(set(names)) == 3
    assert all("skandal-vokrug-reklamy" in name for name in names)
    # The plain name is reserved in the database by the first room: the others move on to their numbered
    # names without asking Slack for the taken one.
    assert len(sandbox.fake.calls_to("conversations.create")) == 3
    assert not [c for c in sandbox.fake.calls_to("conversations.create") if c.error == "name_taken"]


def test_confidential_incident_gets_a_code_named_private_room(sandbox):
    body = social_alert(kind="executive-scandal", title="Allegations about the CFO's expenses", dedup_key="cfo")
    incident = wait_ready(sandbox, sandbox.alert(body).json()["incident_id"])
    assert re.fullmatch(r"confidential-\d{8}-[0-9a-f]{4}", incident.channel_name)
    channel = sandbox.fake.channel(incident.channel_id)
    assert channel.is_private and "cfo" not in channel.name
