"""`regiebot shell`: the real app behind a local Slack, with forms, buttons, a clock and jobs."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from pydantic import SecretStr
from slack_bolt import App, BoltResponse

from bot import texts
from bot.app import InlineExecutor, build_app
from bot.clock import AMSTERDAM, local
from bot.config import Settings
from bot.console import files as delivered_files
from bot.console.filling import FormFiller
from bot.console.forms import CANCEL, view_payload
from bot.console.render import (
    Button,
    Buttons,
    Origin,
    is_true,
    json_dict,
    plain,
    render_answer,
    render_blocks,
    render_call,
    render_response,
)
from bot.console.session import LineSource, ScriptBroken, Settled
from bot.console.timeline import ConsoleClock, Timeline
from bot.deps import Deps
from bot.errors import BotError
from bot.handlers.shortcuts import SHORTCUTS
from bot.localmail import LOCAL_SENDER, LocalMail
from bot.localslack import LOCAL_TEAM_ID, LocalSlack, SlackDriver, dm_channel
from bot.outbox import deliver_all
from bot.parsing import ascii_number, parse_date
from storage import queries

__all__ = ["PROMPT", "Shell", "render_answer", "render_blocks", "run_shell"]

PROMPT = "regie> "
COMMAND_CHANNEL = "C0LOCAL01"           # where the console's user types /regie
SECRETARIAT_CHANNEL = "C0SECRETARIAAT"  # used when REGIEBOT_SECRETARIAT_CHANNEL is not set
MAX_WEEKS = 104                         # the furthest the clock moves in one step
_FORWARD = re.compile(r"^([0-9]{1,6})\s*(m|min|u|h|d|w)$")
_FORWARD_UNITS = {"m": "minutes", "min": "minutes", "u": "hours", "h": "hours", "d": "days",
                  "w": "weeks"}
_CLOCK_TIME = re.compile(r"^([0-9]{1,2})[:.]([0-9]{2})$")


@dataclass
class Shell:
    """A local Slack workspace around the real app: one user at a time types commands."""

    deps: Deps
    slack: LocalSlack
    mail: LocalMail
    app: App
    driver: SlackDriver
    clock: ConsoleClock
    timeline: Timeline
    out: IO[str]
    source: LineSource
    user_id: str = ""
    strict: bool = False
    names: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    buttons: Buttons = field(default_factory=Buttons)
    files: list[delivered_files.DeliveredFile] = field(default_factory=list)
    failures: int = 0
    form_open: str = ""  # the id of the modal being filled in

    @classmethod
    def open(cls, deps: Deps, as_user: str, out: IO[str], source: LineSource, *,
             strict: bool = False) -> Shell:
        """Start the Slack and mail stand-ins and an app wired to them, acting as `as_user`."""
        slack = LocalSlack().start()
        mail = LocalMail().start()
        try:
            secret = secrets.token_hex(16)
            channel = deps.settings.secretariat_channel or SECRETARIAT_CHANNEL
            settings = deps.settings.model_copy(update={
                "slack_api_url": slack.api_url,
                "slack_bot_token": SecretStr("xoxb-local-shell"),
                "slack_signing_secret": SecretStr(secret),
                "team_id": LOCAL_TEAM_ID,
                "secretariat_channel": channel,
                # Never a real mail server: invitations go to the local one and are shown.
                "smtp_host": mail.host, "smtp_port": mail.port, "smtp_starttls": False,
                "smtp_username": None, "smtp_password": None, "smtp_sender": LOCAL_SENDER,
            })
            clock = ConsoleClock(deps.clock())
            local_deps = Deps(settings=settings, session_factory=deps.session_factory,
                              clock=clock, instance_id=deps.instance_id + ":shell")
            app = build_app(local_deps, executor=InlineExecutor())
            shell = cls(local_deps, slack, mail, app, SlackDriver(app, secret, slack), clock,
                        Timeline(local_deps, app.client, clock), out, source, strict=strict,
                        channels={channel: "#secretariaat"})
            shell.refresh_directory()
            shell.user_id = shell.resolve(as_user)
        except BaseException:
            slack.stop()
            mail.stop()
            raise
        return shell

    def close(self) -> None:
        """Stop the stand-ins (and listening to the database's commits)."""
        self.timeline.close()
        self.slack.stop()
        self.mail.stop()

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
        if len(matches) == 1 and who:
            return matches[0]
        if len(matches) > 1 and who:
            raise ValueError(texts.shell_ambiguous_user(", ".join(
                f"{self.names[m]} ({m})" for m in matches)))
        if re.fullmatch(r"[UW][A-Z0-9]{2,31}", who):
            # A workspace member Regiebot does not know: the bot refuses them, as in Slack.
            self.slack.add_user(who, who)
            return who
        raise ValueError(texts.shell_unknown_user(who[:40]))

    # -- output --------------------------------------------------------------------------
    def say(self, *parts: str) -> None:
        """Write what the user sees (empty parts are left out)."""
        for part in parts:
            if part:
                self.out.write(part.rstrip("\n") + "\n")
        self.out.flush()

    def fail(self, message: str = "") -> None:
        """Show why a line could not be done; a --strict script stops here."""
        self.say(message)
        self.failures += 1
        if self.strict:
            raise ScriptBroken(texts.console_script_stopped(self.source.number,
                                                            self.source.last))

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> int:
        """Read and act on lines until the end or :stop; return the exit code."""
        try:
            while True:
                line = self.source.read(PROMPT)
                if line is None or line.strip() in (":stop", ":quit", ":q"):
                    return 0
                self.run_line(line)
        except ScriptBroken as stop:
            self.say(str(stop))
            return 1

    def run_line(self, line: str) -> None:
        """Act on one typed line."""
        line = line.strip()
        if not line:
            return
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word.startswith("/"):
            if word != "/regie":
                self.fail(texts.console_not_our_command(word[:40]))
                return
            self.request(lambda: self.driver.command(self.user_id, rest,
                                                     channel_id=COMMAND_CHANNEL))
            return
        commands: dict[str, Callable[[str], None]] = {
            ":help": lambda _: self.say(texts.CONSOLE_HELP), ":hulp": lambda _: self.say(
                texts.CONSOLE_HELP), ":als": self.switch_user, ":as": self.switch_user,
            ":home": self.open_home, ":snelkoppeling": self.use_shortcut,
            ":knop": self.press, ":tijd": self.set_time, ":verder": self.move_on,
            ":ics": self.show_invitation, ":bestanden": lambda _: self.say(
                *delivered_files.list_files(self.files, self.user_id)),
            CANCEL: lambda _: self.fail(texts.CONSOLE_NO_FORM),
        }
        command = commands.get(word.lower())
        if command is None:
            self.fail(texts.console_unknown_command(word[:40]) if word.startswith(":")
                      else texts.SHELL_HINT)
            return
        command(rest)

    def open_home(self, _: str) -> None:
        """`:home`: open the App Home tab (Slack sends app_home_opened)."""
        self.request(lambda: self.driver.home_opened(self.user_id))

    def use_shortcut(self, word: str) -> None:
        """`:snelkoppeling <naam>`: use a global shortcut (it opens its form)."""
        names = {callback_id: texts.MODAL_TITLES[kind] for callback_id, kind in SHORTCUTS.items()}
        if not word:
            self.say(texts.console_shortcuts(names.values()))
            return
        wanted = word.strip().lower()
        found = [callback_id for callback_id, kind in SHORTCUTS.items()
                 if wanted in (callback_id, kind, names[callback_id].lower())]
        if not found:
            self.fail(texts.console_unknown_shortcut(word[:40]))
            return
        self.request(lambda: self.driver.shortcut(self.user_id, found[0]))

    def switch_user(self, who: str) -> None:
        """`:als <naam>`: act as another user."""
        if not who:
            self.fail(texts.CONSOLE_AS_USAGE)
            return
        try:
            self.user_id = self.resolve(who)
        except ValueError as exc:
            self.fail(str(exc))
            return
        self.say(texts.shell_you_are(self.names.get(self.user_id, self.user_id), self.user_id,
                                     now=True))

    # -- requests into the app -------------------------------------------------------------
    def request(self, send: Callable[[], BoltResponse]) -> BoltResponse:
        """Send one request as Slack would, then show everything it caused (and fill forms)."""
        mark, mail_mark = self.slack.mark(), self.mail.mark()
        response = send()
        if response.status != 200:
            self.fail(f"(HTTP {response.status})")
        else:
            self.say(render_response(response, self.buttons.numbering(Origin(
                "ephemeral", COMMAND_CHANNEL, f"ack{mark}", viewer=self.user_id))))
        settled = self.settle(mark, mail_mark, deliver=True)
        self.say(*settled.lines)
        if settled.crashed:
            self.fail()  # the bot answered with its error: a --strict script stops here
        for view in settled.opened:
            FormFiller(self).fill_in(view)
        return response

    def settle(self, mark: int, mail_mark: int, *, deliver: bool) -> Settled:
        """Deliver what is due (after a request) and collect what the stand-ins received."""
        if deliver:
            deliver_all(self.deps.session_factory, self.app.client, self.clock(),
                        self.deps.instance_id, mail=self.deps.mail)
        settled = Settled()
        for call in self.slack.since(mark):
            if call.method in ("views.open", "views.push"):
                view = json_dict(call.args.get("view"))
                settled.opened.append({**view, "id": call.result["view"]["id"]})
                continue
            if call.method == "views.update" and call.result["view"]["id"] == self.form_open:
                continue  # the form being filled in shows its new fields itself
            if call.method == "files.completeUploadExternal":
                self._keep_files(call.args)
            shown = render_call(call, self.names, self.buttons, self.channels, self.user_id)
            if shown:
                settled.lines.append(shown)
                settled.crashed |= texts.GENERIC_ERROR in shown
        for received in self.mail.since(mail_mark):
            settled.lines.extend(delivered_files.describe_mail(received.message))
        return settled

    def _keep_files(self, args: dict[str, Any]) -> None:
        owner = next((uid for uid in self.names
                      if dm_channel(uid) == str(args.get("channel_id") or "")), "")
        entries = args.get("files")
        entries = json.loads(entries) if isinstance(entries, str) else entries
        for entry in entries if isinstance(entries, list) else []:
            with self.slack.state.lock:
                upload = self.slack.state.files.get(str(entry.get("id")))
            if upload is not None:
                self.files.append(delivered_files.DeliveredFile(
                    owner, upload.filename, upload.title or upload.filename, upload.content,
                    self.clock()))

    # -- buttons ---------------------------------------------------------------------------
    def press(self, arg: str, *, form_values: dict[str, Any] | None = None) -> None:
        """`:knop <n>`: press a button as Slack's client would (block_actions)."""
        number = ascii_number(arg)
        if number is None:
            self.fail(texts.CONSOLE_BUTTON_USAGE)
            return
        button = self.buttons.get(number)
        if button is None:
            self.fail(texts.console_no_button(arg[:10], self.buttons.last))
            return
        origin = button.origin
        if origin.viewer and origin.viewer != self.user_id:
            self.fail(texts.console_button_not_yours(button.number,
                                                     self.names.get(origin.viewer,
                                                                    origin.viewer)))
            return
        if origin.kind == "view" and origin.view.get("type") == "modal" \
                and origin.view.get("id") != self.form_open:
            self.fail(texts.console_no_button(arg[:10], self.buttons.last))
            return
        if not self._confirmed(button):
            return
        self.say(texts.console_button_pressed(button.number, plain(button.element.get("text"))))
        reply_url = self.slack.response_url()
        if origin.kind == "view":
            view = view_payload(origin.view, form_values or {})
            response = self.request(lambda: self.driver.press(
                self.user_id, button.element, button.block_id, view=view))
        else:
            response = self.request(lambda: self.driver.press(
                self.user_id, button.element, button.block_id, channel=origin.channel,
                message_ts=origin.ts, message=origin.message,
                ephemeral=origin.kind == "ephemeral", response_url=reply_url))
        if response.status == 200:
            self._retire_replaced(origin, reply_url)

    def _retire_replaced(self, origin: Origin, reply_url: str) -> None:
        """A reply that replaced or deleted the pressed message takes its buttons away."""
        for call in self.slack.replies_to(reply_url):
            if (is_true(call.args.get("replace_original"))
                    or is_true(call.args.get("delete_original"))):
                self.buttons.retire(origin.key)

    def _confirmed(self, button: Button) -> bool:
        confirm = button.element.get("confirm")
        if not isinstance(confirm, dict):
            return True
        self.say(texts.console_confirm(plain(confirm.get("title")), plain(confirm.get("text")),
                                       plain(confirm.get("confirm")) or "ja",
                                       plain(confirm.get("deny")) or "nee"))
        while True:
            answer = self.source.read(texts.CONSOLE_FORM_PROMPT)
            if answer is None or answer.strip().lower() in ("nee", "n", CANCEL):
                self.say(texts.CONSOLE_CONFIRM_DECLINED)
                return False
            if answer.strip().lower() in ("ja", "j"):
                return True
            self.fail(texts.CONSOLE_CONFIRM_ANSWER)

    # -- time ------------------------------------------------------------------------------
    def set_time(self, arg: str) -> None:
        """`:tijd` shows the simulated time; `:tijd <datum> [HH:MM]` sets it."""
        if not arg:
            self.say(texts.console_now(self.clock()))
            return
        words = arg.split()
        now = local(self.clock())
        day, at = now.date(), now.timetz().replace(tzinfo=None)
        if len(words) > 2:
            self.fail(texts.CONSOLE_TIME_USAGE)
            return
        try:
            if not _CLOCK_TIME.match(words[0]):
                day = _read_day(words[0], now.date())
                words = words[1:]
            if words:
                at = _read_clock_time(words[0])
        except ValueError as exc:
            self.fail(str(exc))
            return
        if not 2000 <= day.year <= 2100:
            self.fail(texts.CONSOLE_YEAR_RANGE)
            return
        self.move_to(datetime.combine(day, at, AMSTERDAM))

    def move_on(self, arg: str) -> None:
        """`:verder <n>m|u|d|w`: let time pass."""
        match = _FORWARD.match(arg.strip().lower())
        if match is None:
            self.fail(texts.CONSOLE_FORWARD_USAGE)
            return
        delta = timedelta(**{_FORWARD_UNITS[match.group(2)]: int(match.group(1))})
        self.move_to(self.clock() + delta)

    def move_to(self, target: datetime) -> None:
        """Move the clock, running the scheduled jobs on the way and showing what arrives."""
        if target - self.clock() > timedelta(weeks=MAX_WEEKS):
            self.fail(texts.console_too_far(MAX_WEEKS))
            return
        if target < self.clock():
            self.clock.set(target)
            self.say(texts.console_clock_back(target))
            return
        heading, failed = "", False
        mark, mail_mark = self.slack.mark(), self.mail.mark()
        for run in self.timeline.advance(target):
            # The jobs deliver what they queued themselves (the outbox job, on its ticks).
            shown = self.settle(mark, mail_mark, deliver=False).lines
            mark, mail_mark = self.slack.mark(), self.mail.mark()
            if run.error:
                shown.append(texts.console_job_failed(run.job_id, run.error))
                failed = True
            if shown:
                moment = texts.console_heading(run.at)
                if moment != heading:
                    self.say(moment)
                    heading = moment
                self.say(*shown)
        self.say(texts.console_clock_moved(self.clock()))
        if failed:
            self.fail()

    # -- files -----------------------------------------------------------------------------
    def show_invitation(self, arg: str) -> None:
        """`:ics` shows the last invitation; `:ics opslaan <pad>` writes it."""
        words = arg.split(maxsplit=1)
        if words and (words[0].lower() != "opslaan" or len(words) != 2):
            self.fail(texts.CONSOLE_ICS_USAGE)
            return
        invitation = delivered_files.last_invitation(self.files, self.user_id)
        if invitation is None:
            self.fail(texts.CONSOLE_NO_INVITATION)
            return
        if not words:
            self.say(*delivered_files.describe_invitation(invitation))
            return
        try:
            self.say(texts.console_ics_saved(delivered_files.save(invitation, words[1])))
        except OSError:
            self.fail(texts.console_ics_not_saved(words[1][:200]))


def _read_day(word: str, today: date) -> date:
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", word):
            return date.fromisoformat(word)
        return parse_date(word, today)
    except BotError as exc:
        raise ValueError(exc.message + " " + texts.CONSOLE_TIME_USAGE) from exc
    except ValueError as exc:
        raise ValueError(texts.CONSOLE_TIME_USAGE) from exc


def _read_clock_time(word: str) -> time:
    match = _CLOCK_TIME.match(word)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(texts.console_bad_clock_time(word[:20]))
    return time(int(match.group(1)), int(match.group(2)))


def console_refusal(settings: Settings) -> str | None:
    """Say why the console must not open on this configuration (None: it may).

    With Slack tokens set the database is one a real bot delivers from: the console would
    'send' its queued messages to the local stand-in and run days of reminders ahead."""
    return texts.CONSOLE_NOT_WITH_SLACK if settings.has_slack_tokens else None


def run_shell(deps: Deps, as_user: str, stdin: IO[str], stdout: IO[str], *,
              script: str | None = None, strict: bool = False) -> int:
    """Run the console on stdin (or a script file) until the end or :stop; return the exit
    code (1: a --strict script met a broken line; 2: it could not start)."""
    if script is not None:
        try:
            lines = Path(script).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            print(texts.console_script_unreadable(script), file=stdout)
            return 2
        source = LineSource(stdout, lines=lines)
    else:
        source = LineSource(stdout, stdin=stdin)
    try:
        shell = Shell.open(deps, as_user, stdout, source, strict=strict)
    except ValueError as exc:
        print(exc, file=stdout)
        return 2
    try:
        shell.say(texts.SHELL_BANNER, texts.shell_you_are(
            shell.names.get(shell.user_id, shell.user_id), shell.user_id),
            texts.console_now(shell.clock()))
        return shell.run()
    finally:
        shell.close()
