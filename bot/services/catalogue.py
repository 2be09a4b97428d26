"""The intervention catalogue (instrumentenkoffer): list it, find a kind by code, replace it."""

# `regiebot interventies import <file.csv>` replaces the list: kinds in the file are added or
# updated (by code), kinds not in the file are removed, except those a case uses, which stay
# (inactive: no longer offered for new interventions) so no plan ever loses its kinds.

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.errors import InputError
from bot.parsing import clean_field
from storage import queries
from storage.models import Intervention, InterventionKind

CODE = re.compile(r"^[a-z][a-z0-9-]{1,23}$")
MAX_KINDS = 100                      # one static select in a form holds 100 options
SCREENING_WORDS = {"ja": True, "j": True, "1": True, "true": True, "waar": True,
                   "nee": False, "n": False, "0": False, "false": False, "onwaar": False,
                   "": False}
HEADER = ("code", "naam", "screening")


class UnknownKindError(InputError):
    """The typed kind is not in the catalogue (the message suggests the closest kinds)."""


@dataclass(frozen=True)
class KindView:
    """One kind as the administrator sees it."""

    code: str
    name: str
    screening: bool
    active: bool
    in_use: int            # interventions of this kind, in any case


@dataclass(frozen=True)
class KindRow:
    """One line of an import file."""

    code: str
    name: str
    screening: bool


@dataclass
class ImportReport:
    """What an import changed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)   # not in the file, but in use: inactive


def list_kinds(session: Session) -> list[KindView]:
    """Return every kind (active first, in catalogue order) with how often it is used."""
    used = {kind_id: count for kind_id, count in session.execute(
        select(Intervention.kind_id, func.count()).group_by(Intervention.kind_id))}
    kinds = session.scalars(select(InterventionKind).order_by(
        InterventionKind.active.desc(), InterventionKind.position, InterventionKind.code))
    return [KindView(k.code, k.name, k.screening, k.active, int(used.get(k.id, 0)))
            for k in kinds]


def active_kinds(session: Session) -> list[InterventionKind]:
    """Return the kinds offered for new interventions, in catalogue order."""
    return list(session.scalars(select(InterventionKind).where(
        InterventionKind.active.is_(True)).order_by(InterventionKind.position)))


def find_kind(session: Session, word: str) -> InterventionKind:
    """Return the active kind a regisseur typed (its code, or its name); else say which kinds
    come closest."""
    typed = word.strip().lower()
    kinds = active_kinds(session)
    for kind in kinds:
        if typed in (kind.code, kind.name.lower()):
            return kind
    codes = [k.code for k in kinds]
    retired = kind_by_code(session, typed)
    if retired is not None:  # still used by plans, no longer offered
        raise UnknownKindError(texts.plan_kind_retired(retired.code, retired.name, codes))
    close = [c for c in codes if typed and len(typed) >= 3 and c.startswith(typed)]
    close += [c for c in difflib.get_close_matches(typed, codes, n=3, cutoff=0.6)
              if c not in close]
    raise UnknownKindError(texts.plan_unknown_kind(typed[:30], close[:3], codes))


def kind_by_code(session: Session, code: str) -> InterventionKind | None:
    """Return the kind with this code (active or not)."""
    return session.scalars(select(InterventionKind).where(InterventionKind.code == code)).first()


def parse_catalogue_csv(content: str) -> list[KindRow]:
    """Read an import file (`code,naam,screening`, comma or semicolon); refuse it whole, with
    the line, when anything is wrong."""
    lines = content.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        raise InputError(texts.CATALOGUE_EMPTY_FILE)
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    if tuple(header[:3]) != HEADER:
        raise InputError(texts.catalogue_bad_header(", ".join(HEADER)))
    rows: list[KindRow] = []
    seen: set[str] = set()
    for line_no, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(_row(cells, line_no, seen))
    if not rows:
        raise InputError(texts.CATALOGUE_EMPTY_FILE)
    if len(rows) > MAX_KINDS:
        raise InputError(texts.catalogue_too_many(len(rows), MAX_KINDS))
    return rows


def _row(cells: list[str], line_no: int, seen: set[str]) -> KindRow:
    if len(cells) < 2 or len(cells) > 3:
        raise InputError(texts.catalogue_bad_line(line_no, texts.CATALOGUE_COLUMNS))
    code = cells[0].strip().lower()
    if not CODE.match(code):
        raise InputError(texts.catalogue_bad_line(line_no, texts.CATALOGUE_BAD_CODE))
    if code in seen:
        raise InputError(texts.catalogue_bad_line(line_no, texts.catalogue_twice(code)))
    seen.add(code)
    try:
        name = clean_field(cells[1], what=texts.CATALOGUE_NAME_FIELD)
    except InputError as exc:
        raise InputError(texts.catalogue_bad_line(line_no, exc.message)) from exc
    flag = cells[2].strip().lower() if len(cells) == 3 else ""
    if flag not in SCREENING_WORDS:
        raise InputError(texts.catalogue_bad_line(line_no, texts.CATALOGUE_BAD_SCREENING))
    return KindRow(code, name, SCREENING_WORDS[flag])


def import_kinds(session: Session, rows: list[KindRow], now: datetime,
                 actor: str = "cli") -> ImportReport:
    """Replace the catalogue by `rows`; kinds a case uses are kept (inactive), never deleted."""
    report = ImportReport()
    existing = {k.code: k for k in session.scalars(select(InterventionKind))}
    for position, row in enumerate(rows, start=1):
        kind = existing.pop(row.code, None)
        if kind is None:
            session.add(InterventionKind(code=row.code, name=row.name, screening=row.screening,
                                         active=True, position=position, updated_at=now))
            report.added.append(row.code)
            continue
        if (kind.name, kind.screening, kind.active) != (row.name, row.screening, True):
            report.changed.append(row.code)
        kind.name, kind.screening, kind.active = row.name, row.screening, True
        kind.position, kind.updated_at = position, now
    used = set(session.scalars(select(Intervention.kind_id).distinct()))
    for code, kind in sorted(existing.items()):
        if kind.id in used:
            if kind.active:
                kind.active, kind.updated_at = False, now
            kind.position = len(rows) + 1
            report.kept.append(code)
        else:
            session.execute(delete(InterventionKind).where(InterventionKind.id == kind.id))
            report.removed.append(code)
    queries.add_audit(session, at=now, actor=actor, action="catalogue.import",
                      detail=f"nieuw={len(report.added)} gewijzigd={len(report.changed)} "
                             f"verwijderd={len(report.removed)} behouden={len(report.kept)}")
    return report
