"""`regiebot meetings list`: the coming meetings with their cut-offs, holidays included."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from bot.__main__ import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in an empty directory (no .env) with only the meeting settings a test sets."""
    monkeypatch.chdir(tmp_path)
    for name in ("REGIEBOT_HOLIDAY_POLICY", "REGIEBOT_ITAT_ANCHOR", "REGIEBOT_ITAT_START",
                 "REGIEBOT_REGIE_ANCHOR", "REGIEBOT_REGIE_START", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["meetings", "list", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_lists_both_series_in_date_order_with_their_cutoffs(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "--from", "23-11-2026", "--count", "2")

    assert code == 0
    assert lines == [
        "Regieoverleg woensdag 25 november 2026 09:00   termijn gereedmelding: "
        "woensdag 18 november 2026 09:00",
        "Regieoverleg woensdag 9 december 2026 09:00   termijn gereedmelding: "
        "woensdag 2 december 2026 09:00",
        "ITAT-R       donderdag 10 december 2026 13:00   termijn gereedmelding: "
        "donderdag 3 december 2026 13:00",
        "ITAT-R       donderdag 31 december 2026 13:00   termijn gereedmelding: "
        "donderdag 24 december 2026 13:00",
    ]


def test_meeting_on_hemelvaartsdag_is_shown_moved_to_the_next_working_day(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "--from", "2026-05-01", "--count", "1")

    assert code == 0
    [itat] = [line for line in lines if line.startswith("ITAT-R")]
    assert itat == ("ITAT-R       vrijdag 15 mei 2026 13:00   termijn gereedmelding: vrijdag 8 mei "
                    "2026 13:00   (verplaatst van donderdag 14 mei 2026: Hemelvaartsdag)")


def test_meeting_on_hemelvaartsdag_is_shown_as_cancelled_with_the_skip_policy(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIEBOT_HOLIDAY_POLICY", "skip")

    code, lines, _ = run(capsys, "--from", "01-05-2026", "--count", "1")

    assert code == 0
    itat = [line for line in lines if line.startswith("ITAT-R")]
    assert itat == ["ITAT-R       donderdag 14 mei 2026 vervalt (Hemelvaartsdag)",
                    "ITAT-R       donderdag 4 juni 2026 13:00   termijn gereedmelding: "
                    "donderdag 28 mei 2026 13:00"]


def test_cutoff_across_the_dst_change_keeps_the_wall_clock_time(
        capsys: pytest.CaptureFixture[str]) -> None:
    _, lines, _ = run(capsys, "--from", "26-10-2026", "--count", "1")

    assert ("ITAT-R       donderdag 29 oktober 2026 13:00   termijn gereedmelding: "
            "donderdag 22 oktober 2026 13:00") in lines


def test_configured_start_time_is_used(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIEBOT_REGIE_START", "10:30")

    _, lines, _ = run(capsys, "--from", "23-11-2026", "--count", "1")

    assert lines[0].startswith("Regieoverleg woensdag 25 november 2026 10:30")


@pytest.mark.parametrize("bad", ["31-02-2026", "volgende week", "2026-13-01"])
def test_bad_from_date_is_explained_with_exit_code_2(capsys: pytest.CaptureFixture[str],
                                                     bad: str) -> None:
    code, lines, err = run(capsys, "--from", bad)

    assert code == 2 and lines == []
    assert "geen geldige datum" in err and "22-11-2026" in err


@pytest.mark.parametrize("bad", ["0", "-3", "veel", "1000"])
def test_bad_count_is_explained_with_exit_code_2(capsys: pytest.CaptureFixture[str],
                                                 bad: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["meetings", "list", "--count", bad])

    assert stopped.value.code == 2
    assert "--count moet een getal van 1 tot en met 100 zijn" in capsys.readouterr().err


def test_without_from_the_listing_starts_today(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "--count", "3")

    assert code == 0
    assert sum(line.startswith("ITAT-R") for line in lines) == 3
    assert sum(line.startswith("Regieoverleg") for line in lines) == 3


def test_csv_has_iso_dates_and_moments_with_their_offset(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, "--from", "2026-05-01", "--count", "1", "--format", "csv")

    assert code == 0
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert [r["reeks"] for r in rows] == ["regie", "itat"]
    itat = rows[1]
    assert (itat["gepland_op"], itat["datum"], itat["begin"], itat["termijn"], itat["status"],
            itat["feestdag"]) == ("2026-05-14", "2026-05-15", "2026-05-15T13:00:00+02:00",
                                  "2026-05-08T13:00:00+02:00", "verplaatst", "Hemelvaartsdag")
    for row in rows:  # every moment parses back to the same instant
        assert datetime.fromisoformat(row["begin"]).tzinfo is not None


def test_json_lists_the_same_meetings_with_a_skipped_one_as_cancelled(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIEBOT_HOLIDAY_POLICY", "skip")
    code, lines, _ = run(capsys, "--from", "01-05-2026", "--count", "1", "--format", "json")

    assert code == 0
    records = json.loads("\n".join(lines))
    skipped = [r for r in records if r["status"] == "vervalt"]
    assert skipped == [{"reeks": "itat", "vergadering": "ITAT-R", "gepland_op": "2026-05-14",
                        "datum": None, "begin": None, "termijn": None, "status": "vervalt",
                        "feestdag": "Hemelvaartsdag"}]
    text_code, text_lines, _ = run(capsys, "--from", "01-05-2026", "--count", "1")
    assert text_code == 0 and len(text_lines) == len(records)


@pytest.mark.parametrize("value", ["xml", "", "CSV ; rm -rf /", "j" * 200])
def test_an_unknown_format_is_refused_in_dutch_and_prints_nothing(
        capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["meetings", "list", "--format", value])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2 and out == ""
    assert "kies tekst, csv of json" in err and "Er is niets gewijzigd" in err
