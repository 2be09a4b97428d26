"""User administration against a real database: changing a user keeps what was not asked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import InputError, NotFoundError
from bot.services.users import actor_for, add_user, deactivate_user, list_users, update_user
from storage.models import Role

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_update_changes_only_what_is_given(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        add_user(session, slack_user_id="U0ANNA001", name="Anna", organisation="Politie",
                 roles=["regisseur"], email="anna@example.org", now=NOW)
        update_user(session, "U0ANNA001", name=None, organisation=None,
                    roles=["regisseur", "secretaris"], email=None, now=NOW)
    with session_factory() as session:
        [user] = list_users(session)
        assert (user.name, user.organisation, user.email) == ("Anna", "Politie",
                                                              "anna@example.org")
        assert user.role_set == frozenset({Role.REGISSEUR, Role.SECRETARIS})


def test_update_of_an_unknown_user_or_with_a_bad_address_changes_nothing(
        session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        add_user(session, slack_user_id="U0ANNA001", name="Anna", organisation="Politie",
                 roles=["regisseur"], email=None, now=NOW)
    with pytest.raises(NotFoundError), session_factory.begin() as session:
        update_user(session, "U0NOBODY1", name="X", organisation=None, roles=None, email=None,
                    now=NOW)
    with pytest.raises(InputError), session_factory.begin() as session:
        update_user(session, "U0ANNA001", name=None, organisation=None, roles=None,
                    email="geen adres", now=NOW)
    with session_factory() as session:
        [user] = list_users(session)
        assert user.email is None


def test_a_deactivated_user_is_no_actor_any_more(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        add_user(session, slack_user_id="U0ANNA001", name="Anna", organisation="Politie",
                 roles=["regisseur"], email=None, now=NOW)
        assert actor_for(session, "U0ANNA001") is not None
        deactivate_user(session, "U0ANNA001", NOW)
        assert actor_for(session, "U0ANNA001") is None
