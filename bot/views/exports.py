"""The monitor figures as labelled rows, CSV bytes and a PNG chart (matplotlib, Agg)."""

# Everything here renders `MonitorFigures`, which only holds protected values, so neither the
# CSV nor the chart can show a case code, case text or an unprotected small count.

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot import texts
from bot.services.audit_export import spreadsheet_safe
from bot.services.monitor import MonitorFigures, Shown

CHART_SIZE_IN = (11.0, 4.4)
CHART_DPI = 100
BAR_COLOUR = "#004699"  # Amsterdam blue


@dataclass(frozen=True)
class FigureRow:
    """One figure with its section, label and unit (aantal, procent, dagen, gemiddelde)."""

    section: str
    label: str
    value: Shown
    unit: str


def figure_rows(figures: MonitorFigures) -> list[FigureRow]:
    """Return every figure as a labelled row, in the order the monitor shows them."""
    count, pct = texts.MONITOR_UNIT_COUNT, texts.MONITOR_UNIT_PERCENT
    rows: list[FigureRow] = []
    section = texts.MONITOR_SECTION_PHASE
    for key, value in figures.phases.cells.items():
        rows.append(FigureRow(section, texts.MONITOR_PHASE_LABELS[key], value, count))
    rows.append(FigureRow(section, texts.MONITOR_LABEL_TOTAL, figures.phases.total, count))
    section = texts.MONITOR_SECTION_RISK
    for key, value in figures.risk_groups.cells.items():
        rows.append(FigureRow(section, texts.MONITOR_CHART_RISK_PREFIX + key, value, count))
    rows.append(FigureRow(section, texts.MONITOR_LABEL_TOTAL, figures.risk_groups.total, count))
    section = texts.MONITOR_SECTION_FLOW
    rows.append(FigureRow(section, texts.MONITOR_LABEL_INTAKE, figures.intake, count))
    rows.append(FigureRow(section, texts.MONITOR_LABEL_OUTFLOW, figures.outflow, count))
    section = texts.MONITOR_SECTION_UVO
    rows.append(FigureRow(section, texts.monitor_uvo_label(figures.uvo_weeks),
                          figures.uvo_recent, count))
    rows.append(FigureRow(section, texts.MONITOR_LABEL_UVO_SHARE, figures.uvo_share, pct))
    rows.append(FigureRow(texts.MONITOR_SECTION_EVALUATION,
                          texts.MONITOR_LABEL_EVALUATION_OVERDUE,
                          figures.evaluations_overdue, count))
    section = texts.MONITOR_SECTION_LETTERS
    rows.append(FigureRow(section, texts.MONITOR_LABEL_LETTERS_TOTAL, figures.letters.total,
                          count))
    for key, value in figures.letters.cells.items():
        rows.append(FigureRow(section, texts.MONITOR_LETTER_LABELS[key], value, count))
    rows.append(FigureRow(section, texts.MONITOR_LABEL_LETTERS_SHARE, figures.letters_share,
                          pct))
    section = texts.MONITOR_SECTION_APPROVAL
    rows.append(FigureRow(section, texts.MONITOR_LABEL_APPROVED, figures.approved, count))
    rows.append(FigureRow(section, texts.MONITOR_LABEL_MEDIAN,
                          figures.median_days_to_approval, texts.MONITOR_UNIT_DAYS))
    section = texts.MONITOR_SECTION_MEETINGS
    for meeting in figures.meetings:
        name = texts.MONITOR_MEETING_LABELS[meeting.kind]
        rows.append(FigureRow(section, f"{name}: {texts.MONITOR_LABEL_MEETINGS_HELD}",
                              meeting.meetings, count))
        rows.append(FigureRow(section, f"{name}: {texts.MONITOR_LABEL_PLANS}", meeting.plans,
                              count))
        rows.append(FigureRow(section, f"{name}: {texts.MONITOR_LABEL_PER_MEETING}",
                              meeting.per_meeting, texts.MONITOR_UNIT_AVERAGE))
    rows.append(FigureRow(texts.MONITOR_SECTION_SAFETY, texts.MONITOR_LABEL_SAFETY,
                          figures.safety_reports, count))
    return rows + plan_rows(figures)


def plan_rows(figures: MonitorFigures) -> list[FigureRow]:
    """Return the interventions' figures as labelled rows: totals, results, breakdowns."""
    count, pct = texts.MONITOR_UNIT_COUNT, texts.MONITOR_UNIT_PERCENT
    plan = figures.plan
    section = texts.MONITOR_SECTION_PLAN
    rows = [FigureRow(section, texts.MONITOR_LABEL_PLAN_STARTED,
                      plan.by_kind["gestart"].total, count),
            FigureRow(section, texts.MONITOR_LABEL_PLAN_RUNNING,
                      plan.by_kind["lopend"].total, count),
            FigureRow(section, texts.MONITOR_LABEL_PLAN_ENDED,
                      plan.by_kind["beeindigd"].total, count)]
    rows += [FigureRow(section, texts.MONITOR_PLAN_RESULT_LABELS[key], value, count)
             for key, value in plan.results.cells.items()]
    rows += [FigureRow(section, texts.MONITOR_LABEL_PLAN_SHARE, plan.reached_share, pct),
             FigureRow(section, texts.MONITOR_LABEL_SCREENINGS, plan.screenings, count)]
    names = {kind.code: kind.name for kind in plan.kinds}
    for measure in plan.by_kind:
        section = texts.monitor_plan_section(measure, "soort")
        rows += [FigureRow(section, names[key], value, count)
                 for key, value in plan.by_kind[measure].cells.items()]
        section = texts.monitor_plan_section(measure, "risicogroep")
        rows += [FigureRow(section, texts.MONITOR_CHART_RISK_PREFIX + key, value, count)
                 for key, value in plan.by_group[measure].cells.items()]
    return rows


def display_value(value: Shown, unit: str) -> str:
    """Return a figure the Dutch way: decimal comma, '%' for shares, marks unchanged."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        shown = f"{value:.1f}".replace(".", ",")
    else:
        shown = str(int(value))
    return shown + "%" if unit == texts.MONITOR_UNIT_PERCENT else shown


def csv_value(value: Shown) -> str:
    """Return a figure for the CSV: plain number with a decimal point, or the mark."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def monitor_csv(figures: MonitorFigures) -> bytes:
    """Return the figures as UTF-8 CSV (with BOM, so spreadsheets read the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(texts.MONITOR_CSV_HEADER)
    meta = texts.MONITOR_CSV_META
    days = [(texts.MONITOR_CSV_FROM, figures.start), (texts.MONITOR_CSV_TO, figures.end),
            (texts.MONITOR_CSV_TODAY, figures.today)]
    if figures.asked is not None:
        days += [(texts.MONITOR_CSV_ASKED_FROM, figures.asked[0]),
                 (texts.MONITOR_CSV_ASKED_TO, figures.asked[1])]
    for label, day in days:
        writer.writerow([meta, label, day.isoformat(), texts.MONITOR_CSV_DATE])
    writer.writerow([meta, texts.MONITOR_CSV_THRESHOLD, figures.min_group,
                     texts.MONITOR_UNIT_COUNT])
    for row in figure_rows(figures):
        writer.writerow([spreadsheet_safe(row.section), spreadsheet_safe(row.label),
                         spreadsheet_safe(csv_value(row.value)), row.unit])
    return buffer.getvalue().encode("utf-8-sig")


def _bars(axes: object, labels: list[str], values: list[Shown], title: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    heights = [v if isinstance(v, int) else 0 for v in values]
    positions = list(range(len(labels)))
    axes.bar(positions, heights, color=BAR_COLOUR, width=0.6)
    top = max([*heights, 1])
    for x, value, height in zip(positions, values, heights, strict=True):
        axes.text(x, height + top * 0.02, str(value), ha="center", va="bottom", fontsize=9)
    axes.set_xticks(positions, labels, fontsize=8, rotation=0)
    axes.set_ylim(0, top * 1.2)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="y", labelsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts, never 0.2 of a case


def monitor_png(figures: MonitorFigures) -> bytes:
    """Return a bar chart of the figures as PNG bytes (suppressed bars carry their mark)."""
    fig = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    left, middle, right, plan = fig.subplots(1, 4)
    _bars(left, [texts.MONITOR_PHASE_LABELS[k].split(" ")[0] for k in figures.phases.cells],
          list(figures.phases.cells.values()), texts.MONITOR_CHART_PHASE)
    _bars(middle, list(figures.risk_groups.cells), list(figures.risk_groups.cells.values()),
          texts.MONITOR_CHART_RISK)
    _bars(right, list(texts.MONITOR_CHART_FLOW_LABELS),
          [figures.intake, figures.outflow, figures.safety_reports], texts.MONITOR_CHART_FLOW)
    by_kind = figures.plan.by_kind
    _bars(plan, list(texts.MONITOR_CHART_PLAN_LABELS),
          [by_kind["gestart"].total, by_kind["lopend"].total, by_kind["beeindigd"].total,
           figures.plan.screenings], texts.MONITOR_CHART_PLAN)
    fig.suptitle(texts.monitor_chart_title(texts.monitor_months(figures.start, figures.end),
                                           texts.format_date(figures.today)), fontsize=12)
    fig.text(0.01, 0.01, texts.monitor_legend(figures.min_group), fontsize=7, wrap=True)
    fig.subplots_adjust(left=0.05, right=0.98, top=0.82, bottom=0.2, wspace=0.25)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI)
    return buffer.getvalue()


def monitor_files(figures: MonitorFigures) -> dict[str, bytes]:
    """Return the figures as files to send, by extension: the CSV and the chart."""
    return {"csv": monitor_csv(figures), "png": monitor_png(figures)}
