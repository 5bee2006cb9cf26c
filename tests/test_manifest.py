"""manifest.yml is a valid Slack app manifest and asks for exactly the access the bot uses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "manifest.yml"
SOCKET_MANIFEST = REPO / "manifest.socket-mode.yml"
SCHEMA_NAME = "manifest.schema.1.0.0.json"
VENDORED_SCHEMA = Path(__file__).parent / "data" / "slack-manifest.schema.1.0.0.json"
SIBLING_SCHEMA = REPO.parent / "shared" / "slack" / SCHEMA_NAME
REQUEST_URL = "https://warroom.example.com/slack/events"
SUBCOMMANDS = [
    "help",
    "declare",
    "status",
    "brief",
    "decision",
    "fact",
    "task",
    "assign",
    "statement",
    "severity",
    "close",
    "report",
]

EXPECTED_BOT_SCOPES = {
    "channels:history",
    "groups:history",
    "im:history",
    "bookmarks:read",
    "channels:manage",
    "groups:write",
    "channels:read",
    "groups:read",
    "chat:write",
    "chat:write.public",
    "commands",
    "pins:write",
    "bookmarks:write",
    "users:read",
    "usergroups:read",
    "reactions:read",
    "reactions:write",
    "files:write",
    "app_mentions:read",
    "im:write",
}

# The scope Slack requires before it delivers each bot event.
EVENT_SCOPES = {
    "member_left_channel": "channels:read",
    "app_mention": "app_mentions:read",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
    "member_joined_channel": "channels:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
}


# Scopes the code must never need again: nothing joins channels (the bot creates its rooms) or looks
# people up by e-mail (the roster names Slack user ids).
UNUSED_SCOPES = {"channels:join": "conversations_join", "users:read.email": "users_lookupByEmail"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def socket_manifest() -> dict:
    return yaml.safe_load(SOCKET_MANIFEST.read_text(encoding="utf-8"))


def load_schema(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def validate(manifest: dict, schema: dict) -> None:
    assert schema.get("$schema") == "http://json-schema.org/draft-07/schema#"
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft7Validator
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(manifest), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_vendored_schema_ships_with_its_license():
    assert VENDORED_SCHEMA.is_file()
    license_text = (VENDORED_SCHEMA.parent / "LICENSE.manifest-schema").read_text(encoding="utf-8")
    assert "MIT License" in license_text


def test_manifest_matches_vendored_schema(manifest, socket_manifest):
    validate(manifest, load_schema(VENDORED_SCHEMA))
    validate(socket_manifest, load_schema(VENDORED_SCHEMA))


@pytest.mark.skipif(not SIBLING_SCHEMA.is_file(), reason="shared/ folder not checked out beside the repository")
def test_manifest_matches_shared_schema(manifest, socket_manifest):
    validate(manifest, load_schema(SIBLING_SCHEMA))
    validate(socket_manifest, load_schema(SIBLING_SCHEMA))


def test_schema_rejects_a_broken_manifest(manifest):
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "warroom"
    broken["display_information"]["name"] = "x" * 36
    schema = load_schema(VENDORED_SCHEMA)
    assert len(list(jsonschema.Draft7Validator(schema).iter_errors(broken))) == 2


def test_slash_command(manifest):
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/warroom"
    assert command["url"] == REQUEST_URL
    assert command["should_escape"] is True
    for word in SUBCOMMANDS:
        assert word in command["usage_hint"]


def test_message_shortcut(manifest):
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["callback_id"] == "log_decision"
    assert shortcut["type"] == "message"


def test_bot_user(manifest):
    bot = manifest["features"]["bot_user"]
    assert bot == {"display_name": "warroom", "always_online": True}
    assert manifest["display_information"]["name"] == "War Room"


def test_bot_scopes_are_exactly_the_needed_ones(manifest):
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == EXPECTED_BOT_SCOPES
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_unused_scopes_stay_unused(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    code = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "app").rglob("*.py")
                     if "sandbox" not in path.parts)
    for scope, call in UNUSED_SCOPES.items():
        assert scope not in scopes
        assert call not in code and call.replace("_", ".", 1) not in code, f"{call} needs {scope} in the manifest"


def test_the_sandbox_grants_exactly_the_manifest_scopes(manifest):
    """The fake Slack refuses what the real app's token could not do (``missing_scope``)."""
    from app.sandbox.scopes import BOT_SCOPES

    assert set(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES


def test_readme_lists_every_bot_scope(manifest):
    listed = (REPO / "README.md").read_text(encoding="utf-8").split("The bot asks for these bot scopes:")[1]
    listed = listed.split("*Messages* tab")[0]
    assert {scope for scope in manifest["oauth_config"]["scopes"]["bot"] if f"`{scope}`" not in listed} == set()


def test_direct_messages_have_a_messages_tab(manifest):
    assert "im:write" in manifest["oauth_config"]["scopes"]["bot"]
    assert manifest["features"]["app_home"] == {"home_tab_enabled": False, "messages_tab_enabled": True,
                                                "messages_tab_read_only_enabled": True}


def test_every_bot_event_has_its_scope(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == {"app_mention", "reaction_added", "member_joined_channel", "member_left_channel"}
    for event in events:
        assert event in EVENT_SCOPES, f"add the scope for {event} to EVENT_SCOPES"
        assert EVENT_SCOPES[event] in scopes


def test_settings(manifest):
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == REQUEST_URL
    assert settings["interactivity"] == {"is_enabled": True, "request_url": REQUEST_URL}
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_socket_mode_manifest_is_the_same_app_without_request_urls(manifest, socket_manifest):
    assert socket_manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in socket_manifest["settings"]["event_subscriptions"]
    assert socket_manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert all("url" not in command for command in socket_manifest["features"]["slash_commands"])
    # Everything else is identical: put the URLs and the switch back and the two files are equal.
    restored = json.loads(json.dumps(socket_manifest))
    restored["settings"]["socket_mode_enabled"] = False
    restored["settings"]["event_subscriptions"]["request_url"] = REQUEST_URL
    restored["settings"]["interactivity"]["request_url"] = REQUEST_URL
    restored["features"]["slash_commands"][0]["url"] = REQUEST_URL
    assert restored == manifest
