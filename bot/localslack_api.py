"""The local Slack stand-in's Web API: what it remembers and how each method answers."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

LOCAL_TEAM_ID = "T0LOCAL01"
LOCAL_BOT_USER_ID = "U0REGIEBOT"


def dm_channel(user_id: str) -> str:
    """Return the id of the stand-in's DM channel with a user (stable per user)."""
    return "D" + user_id.lstrip("UW")[:10]


@dataclass
class Call:
    """One recorded Web API call (or response_url post)."""

    method: str
    args: dict[str, Any]
    at: float
    result: dict[str, Any] = field(default_factory=dict)  # what the stand-in answered


@dataclass
class Fault:
    """A fault to inject on the next `times` calls of a method ("*" for any)."""

    method: str
    status: int = 200
    error: str | None = None        # answer ok:false with this error
    retry_after: int | None = None  # Retry-After header (with 429)
    delay_s: float = 0.0            # answer slowly
    times: int = 1


@dataclass
class UploadedFile:
    """A file uploaded through files.getUploadURLExternal + completeUploadExternal."""

    file_id: str
    filename: str
    content: bytes = b""
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    completed: bool = False


@dataclass
class SlackUser:
    """A user in the stand-in's directory, as users.info reports it."""

    id: str
    name: str
    team_id: str = LOCAL_TEAM_ID
    email: str | None = None
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_stranger: bool = False
    deleted: bool = False
    is_bot: bool = False
    is_app_user: bool = False
    updated: int = 1  # Slack's `updated`: when the account last changed (Unix seconds)


def user_object(user: SlackUser) -> dict[str, Any]:
    """Return the user as users.info and the user_change event describe it."""
    return {"id": user.id, "team_id": user.team_id, "name": user.name, "real_name": user.name,
            "deleted": user.deleted, "is_restricted": user.is_restricted,
            "is_ultra_restricted": user.is_ultra_restricted, "is_stranger": user.is_stranger,
            "is_bot": user.is_bot, "is_app_user": user.is_app_user, "updated": user.updated,
            "profile": {"real_name": user.name, "email": user.email}}


@dataclass
class LocalSlackState:
    """Everything the stand-in remembers; guarded by `lock`."""

    calls: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    users: dict[str, SlackUser] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, str] = field(default_factory=dict)  # user id -> id of their Home view
    received: Counter[str] = field(default_factory=Counter)   # requests per method, any answer
    in_flight: Counter[str] = field(default_factory=Counter)  # requests not yet answered
    lock: threading.Lock = field(default_factory=threading.Lock)


class Workspace(Protocol):
    """What a Web API method needs of the stand-in (LocalSlack provides it)."""

    team_id: str
    state: LocalSlackState

    @property
    def base_url(self) -> str: ...

    def new_id(self, prefix: str) -> str: ...


# -- Web API methods ------------------------------------------------------------------

def _m_auth_test(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "team_id": slack.team_id, "user_id": LOCAL_BOT_USER_ID,
            "bot_id": "B0REGIEBOT", "team": "Lokaal", "user": "regiebot",
            "url": "https://lokaal.slack.invalid/"}


def _m_post_message(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel", ""))
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not args.get("text") and not args.get("blocks"):
        return {"ok": False, "error": "no_text"}
    return {"ok": True, "channel": channel, "ts": f"{time.time():.6f}",
            "message": {"text": args.get("text", "")}}


def _m_post_ephemeral(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("channel") or not args.get("user"):
        return {"ok": False, "error": "channel_not_found"}
    return {"ok": True, "message_ts": f"{time.time():.6f}"}


def _m_conversations_open(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    users = str(args.get("users", ""))
    if not users:
        return {"ok": False, "error": "users_list_not_supplied"}
    return {"ok": True, "channel": {"id": dm_channel(users.split(",")[0])}}


def _m_users_info(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    with slack.state.lock:
        user = slack.state.users.get(str(args.get("user", "")))
    if user is None:
        return {"ok": False, "error": "user_not_found"}
    return {"ok": True, "user": user_object(user)}


def _m_views_open(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("trigger_id"):
        return {"ok": False, "error": "invalid_trigger_id"}
    view = json_arg(args.get("view"))
    if not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    view_id = slack.new_id("V")
    with slack.state.lock:
        slack.state.views[view_id] = view
    return {"ok": True, "view": {"id": view_id, **view}}


def _m_views_publish(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    view = json_arg(args.get("view"))
    if not args.get("user_id") or not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    if len(view.get("blocks", [])) > 100:
        return {"ok": False, "error": "invalid_blocks"}
    user_id = str(args["user_id"])
    with slack.state.lock:
        # Slack keeps one Home view per user; publishing replaces it under the same id.
        view_id = slack.state.homes.setdefault(user_id, slack.new_id("V"))
        slack.state.views[view_id] = view
    return {"ok": True, "view": {"id": view_id, **view}}


def _m_views_update(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    view = json_arg(args.get("view"))
    if not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    view_id = str(args.get("view_id") or "")
    with slack.state.lock:
        if not view_id and args.get("external_id"):
            view_id = next((i for i, v in slack.state.views.items()
                            if v.get("external_id") == args.get("external_id")), "")
        if not view_id:
            return {"ok": False, "error": "not_found"}
        # Unknown ids are accepted: tests submit views the stand-in never opened.
        slack.state.views[view_id] = view
    return {"ok": True, "view": {"id": view_id, **view}}


def _m_files_get_upload_url(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    filename = str(args.get("filename", ""))
    if not filename or not str(args.get("length", "")).isdigit():
        return {"ok": False, "error": "invalid_arguments"}
    file_id = slack.new_id("F")
    with slack.state.lock:
        slack.state.files[file_id] = UploadedFile(file_id=file_id, filename=filename)
    return {"ok": True, "file_id": file_id, "upload_url": f"{slack.base_url}/upload/{file_id}"}


def _m_files_complete_upload(slack: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    files = json_arg(args.get("files"))
    if not isinstance(files, list) or not files:
        return {"ok": False, "error": "invalid_arguments"}
    done = []
    with slack.state.lock:
        for entry in files:
            upload = slack.state.files.get(str(entry.get("id")))
            if upload is None:
                return {"ok": False, "error": "file_not_found"}
            upload.title = entry.get("title")
            upload.channel_id = args.get("channel_id")
            upload.initial_comment = args.get("initial_comment")
            upload.completed = True
            done.append({"id": upload.file_id, "name": upload.filename, "title": upload.title})
    return {"ok": True, "files": done}


def json_arg(value: Any) -> Any:
    """Return a Web API argument sent as JSON text (or already decoded); None if malformed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


METHODS: dict[str, Callable[[Workspace, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": _m_auth_test,
    "chat.postMessage": _m_post_message,
    "chat.postEphemeral": _m_post_ephemeral,
    "chat.update": _m_post_message,
    "conversations.open": _m_conversations_open,
    "users.info": _m_users_info,
    "views.open": _m_views_open,
    "views.push": _m_views_open,
    "views.publish": _m_views_publish,
    "views.update": _m_views_update,
    "files.getUploadURLExternal": _m_files_get_upload_url,
    "files.completeUploadExternal": _m_files_complete_upload,
}
