"""`regiebot shell`: a local console that runs the real handlers through the Slack stand-in."""

from __future__ import annotations

import html
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from slack_bolt import App, BoltResponse

from bot import texts
from bot.app import InlineExecutor, build_app
from bot.deps import Deps
from bot.localslack import LOCAL_TEAM_ID, Answer, Call, LocalSlack, SlackDriver, dm_channel
from bot.outbox import deliver_due
from storage import queries

PROMPT = "regie> "


# -- Block Kit as plain text ------------------------------------------------------------

def _plain(text: Any) -> str:
    if isinstance(text, dict):
        text = text.get("text", "")
    text = str(text or "")
    text = re.sub(r"<(?:https?|mailto)[^|>]*\|([^>]+)>", r"\1", text)
    return html.unescape(text)


def render_blocks(blocks: Iterable[dict[str, Any]]) -> str:
    """Render Block Kit blocks as readable text lines."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_plain(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_plain(block["text"]))
            for f in block.get("fields") or []:
                lines.append("  " + _plain(f))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"]))
        elif kind == "context":
            lines.append("  (" + " ".join(_plain(e) for e in block.get("elements", [])) + ")")
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "input":
            label = _plain(block.get("label"))
            lines.append(f"  {label}: {_element(block.get('element') or {})}")
        elif kind == "rich_text":
            lines.append(json.dumps(block.get("elements"), ensure_ascii=False))
    return "\n".join(lines)


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type", "")
    if kind == "button":
        return f"[{_plain(element.get('text'))}]"
    if kind in ("static_select", "external_select"):
        options = ", ".join(_plain(o.get("text")) for o in element.get("options", []))
        return f"<keuze: {options}>" if options else "<keuze>"
    if kind == "datepicker":
        return f"<datum {element.get('initial_date', '')}>".replace(" >", ">")
    if kind == "plain_text_input":
        return "<tekst>"
    return f"<{kind}>"


def render_response(response: BoltResponse) -> str:
    """Render the acknowledgement of a request (the ephemeral reply) as text."""
    if response.status != 200:
        return f"(HTTP {response.status})"
    if not response.body:
        return ""
    try:
        body = json.loads(response.body)
    except ValueError:
        return str(response.body)
    if not isinstance(body, dict):
        return str(body)
    if body.get("blocks"):
        return render_blocks(body["blocks"])
    return _plain(body.get("text", ""))


def render_answer(answer: Answer) -> str:
    """Render what a user sees after a slash command: the acknowledgement and the replies."""
    shown = [render_response(answer.ack)]
    shown += [render_blocks(r["blocks"]) if r.get("blocks") else _plain(r.get("text", ""))
              for r in answer.replies]
    return "\n".join(part for part in shown if part)


def render_call(call: Call, names: dict[str, str]) -> str | None:
    """Render one recorded Web API call as something the user would see."""
    args = call.args
    if call.method == "chat.postMessage":
        channel = str(args.get("channel", ""))
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        body = render_blocks(blocks) if blocks else _plain(args.get("text", ""))
        if channel.startswith("D"):
            who = next((name for uid, name in names.items()
                        if dm_channel(uid) == channel), channel)
            where = f"DM aan {who}"
        else:
            where = f"kanaal {channel}"
        return f"[{where}] {body}"
    if call.method == "views.open":
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view or {}
        return (f"[formulier: {_plain(view.get('title'))}]\n" + render_blocks(
            view.get("blocks", [])))
    if call.method == "views.publish":
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view or {}
        who = names.get(str(args.get("user_id")), str(args.get("user_id")))
        return f"[App Home van {who}]\n" + render_blocks(view.get("blocks", []))
    if call.method == "files.completeUploadExternal":
        files = args.get("files")
        files = json.loads(files) if isinstance(files, str) else files or []
        titles = ", ".join(str(f.get("title") or f.get("id")) for f in files)
        return f"[bestand in DM] {titles}"
    if call.method == "response_url":
        text = args.get("text", "")
        blocks = args.get("blocks")
        return render_blocks(blocks) if blocks else _plain(text)
    return None


# -- the console ------------------------------------------------------------------------

@dataclass
class Shell:
    """A local Slack workspace around the real app: one user at a time types commands."""

    deps: Deps
    slack: LocalSlack
    app: App
    driver: SlackDriver
    user_id: str
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, deps: Deps, as_user: str) -> Shell:
        """Start the stand-in and an app wired to it, acting as `as_user`."""
        slack = LocalSlack().start()
        secret = secrets.token_hex(16)
        settings = deps.settings.model_copy(update={
            "slack_api_url": slack.api_url,
            "slack_bot_token": _secret("xoxb-local-shell"),
            "slack_signing_secret": _secret(secret),
            "team_id": LOCAL_TEAM_ID,
        })
        local_deps = Deps(settings=settings, session_factory=deps.session_factory,
                          clock=deps.clock, instance_id=deps.instance_id + ":shell")
        app = build_app(local_deps, executor=InlineExecutor())
        shell = cls(local_deps, slack, app, SlackDriver(app, secret, slack), "")
        shell.refresh_directory()
        shell.user_id = shell.resolve(as_user)
        return shell

    def close(self) -> None:
        """Stop the stand-in."""
        self.slack.stop()

    def refresh_directory(self) -> None:
        """Put every registered user in the stand-in's directory."""
        with self.deps.session_factory() as session:
            for user in queries.all_users(session):
                self.slack.add_user(user.slack_user_id, user.name, email=user.email)
                self.names[user.slack_user_id] = user.name

    def resolve(self, who: str) -> str:
        """Find a user by Slack id or (part of) the name; unknown ids are used as given."""
        who = who.strip().lstrip("@")
        if who in self.names:
            return who
        matches = [uid for uid, name in self.names.items() if who.lower() in name.lower()]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ValueError(texts.shell_ambiguous_user(", ".join(
                f"{self.names[m]} ({m})" for m in matches)))
        if re.fullmatch(r"[UW][A-Z0-9]{2,31}", who):
            # A workspace member Regiebot does not know: the bot refuses them, as in Slack.
            self.slack.add_user(who, who)
            return who
        raise ValueError(texts.shell_unknown_user(who))

    def run_line(self, line: str) -> str:
        """Handle one typed line and return everything the user would see."""
        line = line.strip()
        if not line:
            return ""
        if line.startswith(":als ") or line.startswith(":as "):
            try:
                self.user_id = self.resolve(line.split(" ", 1)[1])
            except ValueError as exc:
                return str(exc)
            return texts.shell_you_are(self.names.get(self.user_id, self.user_id), self.user_id,
                                       now=True)
        mark = self.slack.mark()
        if line == ":home":
            response = self.driver.home_opened(self.user_id)
        elif line.startswith("/regie"):
            response = self.driver.command(self.user_id, line[len("/regie"):].strip())
        else:
            return texts.SHELL_HINT
        deliver_due(self.deps.session_factory, self.app.client, self.deps.clock(),
                    self.deps.instance_id)
        out = [render_response(response)]
        for call in self.slack.since(mark):
            shown = render_call(call, self.names)
            if shown:
                out.append(shown)
        return "\n".join(part for part in out if part)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def run_shell(deps: Deps, as_user: str, stdin: IO[str], stdout: IO[str]) -> int:
    """Read lines from stdin until EOF or :stop, printing the bot's answers."""
    try:
        shell = Shell.open(deps, as_user)
    except ValueError as exc:
        print(exc, file=stdout)
        return 2
    interactive = stdin.isatty()
    try:
        print(texts.SHELL_BANNER, file=stdout)
        print(texts.shell_you_are(shell.names.get(shell.user_id, shell.user_id), shell.user_id),
              file=stdout)
        while True:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            line = stdin.readline()
            if not line or line.strip() in (":stop", ":quit", ":q"):
                break
            if not interactive:
                print(PROMPT + line.rstrip("\n"), file=stdout)
            print(shell.run_line(line), file=stdout)
            stdout.flush()
    finally:
        shell.close()
    return 0
