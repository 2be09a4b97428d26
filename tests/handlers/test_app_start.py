"""Starting the app: no misleading warnings."""

from __future__ import annotations

import logging

import pytest

from bot.app import InlineExecutor, build_app
from bot.deps import Deps


def test_bolt_does_not_warn_that_the_token_will_be_unused(
        deps: Deps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    token = deps.settings.slack_bot_token
    assert token is not None
    monkeypatch.setenv("SLACK_BOT_TOKEN", token.get_secret_value())  # as in production
    with caplog.at_level(logging.DEBUG):
        build_app(deps, executor=InlineExecutor())
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]


def test_a_different_token_in_the_environment_is_still_warned_about(
        deps: Deps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    logging.getLogger("regiebot.bolt").filters.clear()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-another-token")
    with caplog.at_level(logging.WARNING):
        build_app(deps, executor=InlineExecutor())
    assert [r for r in caplog.records if "will be unused" in r.getMessage()]
