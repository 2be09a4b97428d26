"""Filling in a modal at the console: field by field, submitted as Slack's client would."""

from __future__ import annotations

from typing import Any

from bot import texts
from bot.clock import local_date
from bot.console.forms import (
    CANCEL,
    CLEAR,
    AnswerError,
    Field,
    describe,
    initial_state,
    input_fields,
    is_empty,
    options_of,
    parse_answer,
    unfillable,
    view_payload,
)
from bot.console.render import Origin, json_dict, plain, render_blocks, response_body
from bot.console.session import Host
from bot.parsing import ascii_number

# Console commands; in a form they are refused rather than taken as an answer.
CONSOLE_COMMANDS = (":help", ":hulp", ":als", ":as", ":home", ":knop", ":tijd", ":verder",
                    ":ics", ":bestanden", ":snelkoppeling", ":stop", ":quit", ":q")
SLACK_MIN_QUERY_LENGTH = 3  # what Slack waits for when a field does not say


class FormFiller:
    """Walks the modals the app opens for the console's user."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def fill_in(self, view: dict[str, Any], after: list[str] | None = None) -> None:
        """Walk a modal's fields, submit it as Slack would, and go on as the app answers.

        `after`: what else arrived with this view, shown once the view is."""
        while True:
            title = plain(view.get("title"))
            fields = input_fields(view)
            origin = Origin("view", view=view, viewer=self.host.user_id)
            rest = render_blocks([b for b in view.get("blocks") or []
                                  if b.get("type") != "input"],
                                 self.host.buttons.numbering(origin))
            if not fields:  # information only: shown, then closed by the user
                self.host.say(f"[{texts.console_form_title(title)}]", rest, *(after or []))
                self.host.buttons.retire(origin.key)
                return
            bad = unfillable(fields)
            if bad:
                self.host.fail(texts.console_unfillable(", ".join(sorted({f.kind for f in bad}))))
                self._close(view)
                return
            self.host.say(texts.console_form_opened(title), rest, *(after or []))
            self.host.form_open = str(view.get("id", ""))
            try:
                following, after = self._walk(view, fields)
            finally:
                self.host.form_open = ""
            if following is None:
                return
            view = following

    def _walk(self, view: dict[str, Any], fields: list[Field]
              ) -> tuple[dict[str, Any] | None, list[str]]:
        """Fill in and submit until the app accepts; return the view it shows next, if any,
        and what else arrived with it."""
        values = {f.block_id: {f.action_id: initial_state(f)} for f in fields}
        pending = fields
        while True:
            for field_ in pending:
                answer = self._ask(view, field_, fields.index(field_) + 1, len(fields), values)
                if answer == "cancel":
                    self.host.say(texts.CONSOLE_FORM_CANCELLED)
                    self._close(view)
                    return None, []
                if answer == "eof":
                    self.host.fail(texts.CONSOLE_FORM_EOF)
                    self._close(view)
                    return None, []
                if isinstance(answer, dict):  # a button in the form changed the view
                    return answer, []
            mark, mail_mark = self.host.slack.mark(), self.host.mail.mark()
            response = self.host.driver.submit_view(self.host.user_id, view_payload(view, values))
            body = response_body(response) if response.status == 200 else {}
            settled = self.host.settle(mark, mail_mark, deliver=True)
            action = body.get("response_action")
            if response.status != 200:
                self.host.fail(f"(HTTP {response.status})")
            elif action == "errors" and isinstance(body.get("errors"), dict):
                errors = {str(k): plain(v) for k, v in body["errors"].items()}
                labels = {f.block_id: f.label for f in fields}
                self.host.say(texts.CONSOLE_FORM_NOT_SAVED, *(
                    texts.console_field_error(labels.get(block_id, block_id), message)
                    for block_id, message in errors.items()), *settled.lines)
                pending = [f for f in fields if f.block_id in errors] or fields
                continue
            self.host.buttons.retire(f"view:{view.get('id', '')}")
            if action in ("update", "push") and isinstance(body.get("view"), dict):
                return {**body["view"], "id": view.get("id", "") if action == "update"
                        else self.host.slack.new_id("V")}, settled.lines
            self.host.say(*settled.lines)
            if action != "clear":
                self.host.say(texts.CONSOLE_FORM_SENT)
            for opened in settled.opened:
                self.fill_in(opened)
            return None, []

    def _ask(self, view: dict[str, Any], field_: Field, number: int, total: int,
             values: dict[str, dict[str, Any]]) -> str | dict[str, Any] | None:
        """Ask one field until the answer is one Slack's client would accept."""
        state = values[field_.block_id][field_.action_id]
        options: list[dict[str, Any]] | None = None
        if field_.kind == "external_select":
            found = self._search(view, field_, values)
            if isinstance(found, str):
                return found
            options = found
        while True:
            self.host.say(describe(field_, number, total, state, self.host.names, options))
            answer = self.host.source.read(texts.CONSOLE_FORM_PROMPT, blank_ok=True)
            if answer is None:
                return "eof"
            word = answer.strip()
            if word.lower() == CANCEL:
                return "cancel"
            command = word.split()[0].lower() if word else ""
            if command == ":knop":
                changed = self._press_in_form(view, word[5:].strip(), values)
                if changed is not None:
                    return changed
                continue
            if command in CONSOLE_COMMANDS:
                self.host.fail(texts.CONSOLE_COMMAND_IN_FORM)
                continue
            if not word:
                if is_empty(state) and not field_.optional:
                    self.host.fail(texts.CONSOLE_FIELD_REQUIRED)
                    continue
                return None
            if word.lower() == CLEAR:
                if not field_.optional:
                    self.host.fail(texts.CONSOLE_FIELD_NOT_OPTIONAL)
                    continue
                values[field_.block_id][field_.action_id] = {"type": field_.kind}
                return None
            try:
                values[field_.block_id][field_.action_id] = parse_answer(
                    field_, answer, local_date(self.host.clock()), self.host.resolve, options)
            except AnswerError as exc:
                self.host.fail(str(exc))
                continue
            return None

    def _search(self, view: dict[str, Any], field_: Field,
                values: dict[str, dict[str, Any]]) -> list[dict[str, Any]] | str:
        """Ask a search word and load an external select's options from the app (once it is
        as long as the field's min_query_length: Slack asks nothing before)."""
        least = field_.element.get("min_query_length")
        least = least if isinstance(least, int) and least >= 0 else SLACK_MIN_QUERY_LENGTH
        while True:
            self.host.say(texts.console_search_prompt(least))
            query = self.host.source.read(texts.CONSOLE_FORM_PROMPT, blank_ok=True)
            if query is None:
                return "eof"
            if query.strip().lower() == CANCEL:
                return "cancel"
            if len(query.strip()) < least:
                self.host.fail(texts.console_search_too_short(least))
                continue
            response = self.host.driver.suggest(
                self.host.user_id, view_payload(view, values), field_.action_id,
                field_.block_id, query.strip())
            options = options_of(response_body(response)) if response.status == 200 else []
            if options:
                return options
            self.host.fail(texts.CONSOLE_NO_OPTIONS)

    def _press_in_form(self, view: dict[str, Any], arg: str,
                       values: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """Press a button inside the open form; return the view when the app changed it."""
        number = ascii_number(arg)
        button = self.host.buttons.get(number) if number is not None else None
        if button is not None and button.origin.key != f"view:{view.get('id', '')}":
            # A modal lies over everything else in Slack: only its own buttons can be pressed.
            self.host.fail(texts.CONSOLE_BUTTON_OUTSIDE_FORM)
            return None
        mark = self.host.slack.mark()
        self.host.press(arg, form_values=values)
        for call in self.host.slack.since(mark):
            if call.method == "views.update" and call.result.get("view", {}).get(
                    "id") == view.get("id"):
                return {**json_dict(call.args.get("view")), "id": view.get("id")}
        return None

    def _close(self, view: dict[str, Any]) -> None:
        """Close a modal; the app hears of it only when it asked to (notify_on_close)."""
        self.host.buttons.retire(f"view:{view.get('id', '')}")
        if view.get("notify_on_close"):
            closing = view_payload(view, {})
            self.host.request(lambda: self.host.driver.close_view(self.host.user_id, closing))
