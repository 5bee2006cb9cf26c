"""Fake Web API methods for auth, conversations, users and user groups."""

from __future__ import annotations

import time
from typing import Any

from app.sandbox.fake_slack_api import (
    Args,
    SlackError,
    method,
    paginate,
    require_bot_member,
    require_channel,
    require_history_scope,
    require_user,
)
from app.sandbox.fake_slack_store import Channel, SlackStore
from app.sandbox.validation import channel_name_error
from app.sandbox.workspace import Member


@method("auth.test")
def auth_test(store: SlackStore, args: Args) -> dict[str, Any]:
    return {
        "url": store.base_url + "/",
        "team": store.team_name,
        "team_id": store.team_id,
        "user": "warroom",
        "user_id": store.bot_user_id,
        "bot_id": store.bot_id,
        "is_enterprise_install": False,
    }


def _channel_answer(store: SlackStore, channel: Channel) -> dict[str, Any]:
    return {"channel": channel.to_slack(store.bot_user_id)}


def _open_channel(store: SlackStore, args: Args) -> Channel:
    """The channel named in args; it must exist and not be archived."""
    channel = require_channel(store, args)
    if channel.is_archived:
        raise SlackError("is_archived")
    return channel


@method("conversations.create")
def conversations_create(store: SlackStore, args: Args) -> dict[str, Any]:
    name = args.text("name")
    error = channel_name_error(name)
    if error:
        raise SlackError(error)
    assert name is not None
    if any(c.name == name for c in store.channels.values() if not c.is_im):
        raise SlackError("name_taken")
    is_private = args.flag("is_private")
    channel = Channel(store.new_id("C"), name, is_private, store.bot_user_id, int(time.time()), [store.bot_user_id])
    store.channels[channel.id] = channel
    store.messages[channel.id] = []
    kind = "private" if is_private else "public"
    store.record(
        "channel_created",
        store.bot_user_id,
        f"warroom created #{name} ({kind})",
        channel=channel.id,
        is_private=is_private,
    )
    return _channel_answer(store, channel)


@method("conversations.rename")
def conversations_rename(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = _open_channel(store, args)
    name = args.text("name")
    error = channel_name_error(name)
    if error:
        raise SlackError(error)
    if any(c.name == name and c.id != channel.id for c in store.channels.values()):
        raise SlackError("name_taken")
    old = channel.name
    channel.name = name or ""
    store.record("renamed", store.bot_user_id, f"#{old} renamed to #{name}", channel=channel.id)
    return _channel_answer(store, channel)


def _invite_error(store: SlackStore, channel: Channel, user: str) -> str | None:
    """Why Slack would not invite this person, or None."""
    member = store.users.get(user)
    if member is None:
        return "user_not_found"
    if user == store.bot_user_id:
        return "cant_invite_self"
    if member.deleted:
        return "cant_invite"
    if member.guest == "single":
        return "user_is_ultra_restricted"
    if member.guest == "multi" and channel.is_private:
        return "user_is_restricted"
    if user in channel.members:
        return "already_in_channel"
    return None


@method("conversations.invite")
def conversations_invite(store: SlackStore, args: Args) -> dict[str, Any]:
    """Without force, one person Slack refuses fails the whole call and nobody is invited; with force=true the
    others are invited and the refusals are listed per person (ok is false only when nobody could be)."""
    channel = _open_channel(store, args)
    require_bot_member(store, channel)
    users = args.id_list("users")
    if not users:
        raise SlackError("no_user")
    if len(users) > 100:
        raise SlackError("too_many_users")
    users = list(dict.fromkeys(users))
    refused = {u: code for u in users if (code := _invite_error(store, channel, u))}
    already = [u for u, code in refused.items() if code == "already_in_channel"]
    problems = {u: code for u, code in refused.items() if code != "already_in_channel"}  # members are skipped
    errors = [{"user": u, "ok": False, "error": code} for u, code in problems.items()]
    added = [u for u in users if u not in refused]
    if problems and (not args.flag("force") or not added):
        first = next(iter(problems.values()))
        if len(problems) == 1 and first == "cant_invite_self" and not added:
            raise SlackError(first)
        raise SlackError(first, errors=errors)
    if not added:
        raise SlackError("already_in_channel" if already else "no_user")
    channel.members.extend(added)
    names = ", ".join(store.user_label(u) for u in added)
    store.record("invited", store.bot_user_id, f"invited to #{channel.name}: {names}", channel=channel.id, users=added)
    answer = _channel_answer(store, channel)
    if errors:
        answer["errors"] = errors
    return answer


@method("conversations.kick")
def conversations_kick(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = _open_channel(store, args)
    user = require_user(store, args.text("user"))
    if user == store.bot_user_id:
        raise SlackError("cant_kick_self")
    if user not in channel.members:
        raise SlackError("not_in_channel")
    channel.members.remove(user)
    store.record(
        "kicked",
        store.bot_user_id,
        f"removed {store.user_label(user)} from #{channel.name}",
        channel=channel.id,
        users=[user],
    )
    return {}


def _set_text(store: SlackStore, args: Args, key: str) -> dict[str, Any]:
    channel = _open_channel(store, args)
    value = args.text(key, "") or ""
    if len(value) > 250:
        raise SlackError("too_long")
    setattr(channel, key, value)
    store.record(key, store.bot_user_id, f"{key} of #{channel.name} set: {value}", channel=channel.id, text=value)
    return _channel_answer(store, channel)


@method("conversations.setTopic")
def conversations_set_topic(store: SlackStore, args: Args) -> dict[str, Any]:
    return _set_text(store, args, "topic")


@method("conversations.setPurpose")
def conversations_set_purpose(store: SlackStore, args: Args) -> dict[str, Any]:
    return _set_text(store, args, "purpose")


@method("conversations.archive")
def conversations_archive(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    if channel.is_archived:
        raise SlackError("already_archived")
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    require_bot_member(store, channel)
    channel.is_archived = True
    store.record("archived", store.bot_user_id, f"#{channel.name} archived", channel=channel.id)
    return {}


@method("conversations.unarchive")
def conversations_unarchive(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    if not channel.is_archived:
        raise SlackError("not_archived")
    channel.is_archived = False
    store.record("unarchived", store.bot_user_id, f"#{channel.name} unarchived", channel=channel.id)
    return {}


@method("conversations.info")
def conversations_info(store: SlackStore, args: Args) -> dict[str, Any]:
    return _channel_answer(store, require_channel(store, args))


@method("conversations.list")
def conversations_list(store: SlackStore, args: Args) -> dict[str, Any]:
    listed = [c.to_slack(store.bot_user_id) for c in store.channels.values() if _listed(store, c, args)]
    page, metadata = paginate(listed, args)
    return {"channels": page, "response_metadata": metadata}


def _listed(store: SlackStore, channel, args: Args) -> bool:
    """Whether a listing (conversations.list, users.conversations) shows ``channel`` to the app, by its
    ``types`` and ``exclude_archived``: private channels only when the bot is in them."""
    types = set(args.id_list("types") or ["public_channel"])
    if channel.is_im:
        wanted = "im" in types
    elif channel.is_private:
        wanted = "private_channel" in types and store.bot_user_id in channel.members
    else:
        wanted = "public_channel" in types
    return wanted and not (args.flag("exclude_archived") and channel.is_archived)


@method("users.conversations")
def users_conversations(store: SlackStore, args: Args) -> dict[str, Any]:
    """The channels a user (default: the bot) is in that the app can see: public ones, and private ones the
    bot is in too."""
    user = args.text("user") or store.bot_user_id
    if user not in store.users:
        raise SlackError("user_not_found")
    listed = [c.to_slack(store.bot_user_id) for c in store.channels.values()
              if not c.is_im and user in c.members and _listed(store, c, args)]
    page, metadata = paginate(listed, args)
    return {"channels": page, "response_metadata": metadata}


@method("conversations.replies")
def conversations_replies(store: SlackStore, args: Args) -> dict[str, Any]:
    """A thread: its parent first, then the replies oldest first, between `oldest` and `latest` (the parent is
    always included); metadata only when asked for."""
    channel = require_channel(store, args)
    require_history_scope(store, channel)
    if (channel.is_private or channel.is_im) and store.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    parent_ts = args.text("ts")
    if not parent_ts:
        raise SlackError("invalid_arguments")
    messages = store.messages.get(channel.id, [])
    parent = next((m for m in messages if m.ts == parent_ts), None)
    if parent is None:
        raise SlackError("thread_not_found")
    try:
        oldest = float(args.text("oldest") or 0)
        latest = float(args.text("latest") or "inf")
    except ValueError as exc:
        raise SlackError("invalid_ts_oldest") from exc
    replies = [m for m in messages
               if m.thread_ts == parent_ts and m.ts != parent_ts and oldest <= float(m.ts) <= latest]
    with_metadata = args.flag("include_all_metadata")
    page, metadata = paginate([m.to_slack(with_metadata=with_metadata) for m in [parent, *replies]], args)
    return {"messages": page, "has_more": bool(metadata["next_cursor"]),
            "response_metadata": {"next_cursor": metadata["next_cursor"]}}


@method("conversations.history")
def conversations_history(store: SlackStore, args: Args) -> dict[str, Any]:
    """Top-level messages, newest first, between `oldest` and `latest`; metadata only when asked for."""
    channel = require_channel(store, args)
    require_history_scope(store, channel)
    if (channel.is_private or channel.is_im) and store.bot_user_id not in channel.members:
        raise SlackError("not_in_channel")
    try:
        oldest = float(args.text("oldest") or 0)
        latest = float(args.text("latest") or "inf")
    except ValueError as exc:
        raise SlackError("invalid_ts_oldest") from exc
    inclusive = args.flag("inclusive")

    def within(ts: float) -> bool:
        return oldest <= ts <= latest if inclusive else oldest < ts < latest

    found = [m for m in reversed(store.messages.get(channel.id, []))
             if (not m.thread_ts or m.thread_ts == m.ts) and within(float(m.ts))]
    with_metadata = args.flag("include_all_metadata")
    page, metadata = paginate([m.to_slack(with_metadata=with_metadata) for m in found], args)
    metadata_page = {"next_cursor": metadata["next_cursor"]}
    return {"messages": page, "has_more": bool(metadata["next_cursor"]), "response_metadata": metadata_page}


@method("conversations.members")
def conversations_members(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = require_channel(store, args)
    page, metadata = paginate(list(channel.members), args)
    return {"members": page, "response_metadata": metadata}


@method("conversations.open")
def conversations_open(store: SlackStore, args: Args) -> dict[str, Any]:
    existing = args.text("channel")
    if existing:
        channel = store.channels.get(existing)
        if channel is None or not channel.is_im:
            raise SlackError("channel_not_found")
        return {"channel": {"id": channel.id}}
    users = [u for u in dict.fromkeys(args.id_list("users")) if u != store.bot_user_id]
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > 8:
        raise SlackError("too_many_users")
    for user in users:
        require_user(store, user)
    known = frozenset(users) in store.dm_ids
    channel = store.dm_channel(users)
    answer: dict[str, Any] = {"channel": {"id": channel.id}}
    if known:
        answer.update(no_op=True, already_open=True)
    return answer


@method("conversations.join")
def conversations_join(store: SlackStore, args: Args) -> dict[str, Any]:
    channel = _open_channel(store, args)
    if channel.is_private or channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")
    answer = _channel_answer(store, channel)
    if store.bot_user_id in channel.members:
        answer["warning"] = "already_in_channel"
        return answer
    channel.members.append(store.bot_user_id)
    store.record("joined", store.bot_user_id, f"warroom joined #{channel.name}", channel=channel.id)
    return _channel_answer(store, channel)


def member_to_slack(store: SlackStore, member: Member) -> dict[str, Any]:
    profile = {
        "real_name": member.real_name,
        "display_name": member.name,
        "real_name_normalized": member.real_name,
        "display_name_normalized": member.name,
        "email": member.email,
        "title": member.title,
    }
    answer: dict[str, Any] = {
        "id": member.id,
        "team_id": store.team_id,
        "name": member.name,
        "real_name": member.real_name,
        "deleted": member.deleted,
        "tz": member.tz,
        "is_bot": member.is_bot,
        "is_restricted": member.guest is not None,
        "is_ultra_restricted": member.guest == "single",
        "is_app_user": False,
        "profile": profile,
    }
    if member.is_bot:
        profile["bot_id"] = store.bot_id
    return answer


@method("users.info")
def users_info(store: SlackStore, args: Args) -> dict[str, Any]:
    user = require_user(store, args.text("user"))
    return {"user": member_to_slack(store, store.users[user])}


@method("users.list")
def users_list(store: SlackStore, args: Args) -> dict[str, Any]:
    members = [member_to_slack(store, m) for m in store.users.values()]
    page, metadata = paginate(members, args, default_limit=200)
    return {"members": page, "response_metadata": metadata}


@method("users.lookupByEmail")
def users_lookup_by_email(store: SlackStore, args: Args) -> dict[str, Any]:
    email = (args.text("email") or "").lower()
    member = next((m for m in store.users.values() if m.email.lower() == email and email), None)
    if member is None:
        raise SlackError("users_not_found")
    return {"user": member_to_slack(store, member)}


@method("usergroups.list")
def usergroups_list(store: SlackStore, args: Args) -> dict[str, Any]:
    include_users = args.flag("include_users")
    groups = []
    for group in store.usergroups.values():
        item: dict[str, Any] = {
            "id": group.id,
            "team_id": store.team_id,
            "handle": group.handle,
            "name": group.name,
            "user_count": len(group.members),
            "is_usergroup": True,
        }
        if include_users:
            item["users"] = list(group.members)
        groups.append(item)
    return {"usergroups": groups}


@method("usergroups.users.list")
def usergroups_users_list(store: SlackStore, args: Args) -> dict[str, Any]:
    group = store.usergroups.get(args.text("usergroup") or "")
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group.members)}
