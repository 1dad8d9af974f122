"""The reception register (统一接待登记本): one row per petition or walk-in, ready to print.

Community offices keep a paper register of every reception; this writes the same book as
an Excel file laid out for A4 landscape printing, and as a CSV. Residents' names and
phones are personal data: they are masked unless the caller explicitly asks otherwise
(the CLI demands a separate permission flag; /export is always masked).
"""

from __future__ import annotations

import csv
import html
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from nlp import mask_name, mask_personal_data, mask_phone
from reception import texts
from reception.errors import InvalidInput
from reception.petition import outbox
from reception.petition.cards import address_of
from reception.petition.states import Status, status_label
from reception.reports import texts as t
from reception.reports.metrics import is_overdue, local_midnight
from reception.texts import RATING_LABELS
from storage import callback_queries, practice_queries, queries
from storage import reports as report_queries
from storage.db import transaction
from storage.enums import Rating
from storage.models import Petition, Referral, Resident
from storage.tables import saved_id

if TYPE_CHECKING:
    from datetime import tzinfo

    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from reception.deps import Deps
    from reception.handling.access import Access

log = logging.getLogger(__name__)

# (header, column width in characters); the order of every row.
_COLUMNS = (
    ("编号", 19), ("登记时间", 17), ("渠道", 9), ("居民", 10), ("联系电话", 14),
    ("住址", 22), ("网格", 10), ("类别", 10), ("诉求摘要", 40), ("经办人", 9), ("响应时间", 17),
    ("办理结果", 34), ("办结时间", 17), ("办结时限", 17), ("是否超期", 7), ("转交部门", 12),
    ("回访结果", 10), ("评价", 9),
)
REGISTER_COLUMNS: tuple[str, ...] = tuple(header for header, _ in _COLUMNS)
SUMMARY_CHARS = 80
# The second sheet: the full text of every petition whose summary had to be cut.
_FULL_TEXT_COLUMNS = ((t.REGISTER_FULL_NUMBER, 19), (t.REGISTER_FULL_TEXT, 110))
_LINE_POINTS = 15.6  # one wrapped line of 11 pt text, CJK included


class RegisterRow(list[str]):
    """One register row (REGISTER_COLUMNS); ``full_text`` holds the whole text when the
    summary column had to cut it, for the workbook's second sheet."""

    full_text: str | None = None
# A cell starting with one of these is a formula to Excel: residents' text must never be.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0, and so an xlsx file, cannot hold: C0 controls other than tab, line feed and
# carriage return, lone surrogates, U+FFFE and U+FFFF (openpyxl raises IllegalCharacterError).
# They carry nothing a reader could see; both files drop them (the database keeps the text).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def register_rows(
    session: Session,
    deps: Deps,
    *,
    start: date,
    end: date,
    community_codes: list[str] | None,
    unmasked: bool = False,
) -> list[list[str]]:
    """Rows (without the header) for petitions received on local days ``start``..``end``.

    Every petition is listed, whatever became of it, oldest first.
    """
    return list(iter_register_rows(session, deps, start=start, end=end,
                                   community_codes=community_codes, unmasked=unmasked))


def iter_register_rows(
    session: Session,
    deps: Deps,
    *,
    start: date,
    end: date,
    community_codes: list[str] | None,
    unmasked: bool = False,
    batch: int = 1000,
) -> Iterator[list[str]]:
    """The rows of ``register_rows``, streamed in batches of ``batch`` petitions."""
    tz = deps.settings.tz
    for petitions in report_queries.petitions_received_batches(
        session, since=local_midnight(start, tz), until=local_midnight(end + timedelta(1), tz),
        communities=community_codes, batch=batch,
    ):
        residents = report_queries.residents_by_id(session, (p.resident_id for p in petitions))
        staff = queries.staff_names(session, (p.handler_staff_id for p in petitions
                                              if p.handler_staff_id is not None))
        merged = report_queries.numbers_by_id(session, (p.merged_into_id for p in petitions))
        notes = callback_queries.callback_notes(
            session, (saved_id(p) for p in petitions if p.callback_outcome))
        referred = practice_queries.referrals_of(session, (saved_id(p) for p in petitions))
        for p in petitions:
            yield _row(deps, p, residents.get(p.resident_id or 0), staff, merged,
                       unmasked=unmasked, referred=_departments(deps, referred.get(saved_id(p), [])),
                       callback_note=notes.get(saved_id(p), ""))


def _departments(deps: Deps, referrals: list[Referral]) -> str:
    """The 转交部门 cell: each department referred to, once, in order."""
    names = [deps.org.departments[r.department].name if r.department in deps.org.departments
             else r.department for r in referrals]
    return "、".join(dict.fromkeys(names))


def _row(deps: Deps, petition: Petition, resident: Resident | None, staff: dict[int, str],
         merged: dict[int, str], *, unmasked: bool, referred: str = "",
         callback_note: str = "") -> RegisterRow:
    tz = deps.settings.tz
    name, phone = _who(petition, resident, unmasked=unmasked)
    community = deps.org.communities.get(petition.community_code)
    grid = deps.org.grid(petition.community_code, petition.grid_code)
    text = _flat(petition.text, unmasked=unmasked)
    summary = text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"
    row = RegisterRow([
        petition.number,
        _time(petition.created_at, tz),
        t.CHANNEL_LABELS.get(petition.channel, petition.channel),
        name,
        phone,
        (community.name if community else petition.community_code) + address_of(petition),
        grid.name if grid else "",
        petition.category,
        summary,
        staff.get(petition.handler_staff_id or 0, ""),
        _time(petition.first_response_at, tz),
        _result(petition, merged),
        _time(petition.resolved_at, tz),
        _time(petition.resolve_due, tz),
        _overdue_label(petition, deps.clock.now()),
        referred,  # 转交部门
        _callback_label(petition, callback_note, unmasked=unmasked),
        _rating_label(petition.rating),
    ])
    if summary != text:
        row.full_text = _cell_text(petition.text if unmasked else mask_personal_data(petition.text))
    return row


def _callback_label(petition: Petition, note: str, *, unmasked: bool) -> str:
    """回访结果: the call-back's outcome and its note (reception.handling.callbacks)."""
    if not petition.callback_outcome:
        return ""
    label = texts.CALLBACK_LABELS.get(petition.callback_outcome, petition.callback_outcome)
    if not note:
        return label
    return label + texts.CALLBACK_NOTE_SUFFIX.format(note=_flat(note, unmasked=unmasked))


def _overdue_label(petition: Petition, now: datetime) -> str:
    if petition.status in (Status.MERGED, Status.CANCELLED):
        return ""
    return t.REGISTER_OVERDUE_YES if is_overdue(petition, now) else t.REGISTER_OVERDUE_NO


def _who(petition: Petition, resident: Resident | None, *, unmasked: bool) -> tuple[str, str]:
    name = (resident.name if resident else petition.visitor_name) or ""
    phone = (resident.phone if resident else petition.visitor_phone) or ""
    if unmasked:
        return name or t.VISITOR_UNKNOWN, phone
    return (mask_name(name) if name else t.VISITOR_UNKNOWN), (mask_phone(phone) if phone else "")


def _flat(text: str, *, unmasked: bool) -> str:
    flat = " ".join(_cell_text(text).split())  # controls first: some count as whitespace
    return flat if unmasked else mask_personal_data(flat)


def _result(petition: Petition, merged: dict[int, str]) -> str:
    status = petition.status
    if status == Status.REJECTED:
        return t.RESULT_REJECTED.format(reason=petition.reject_reason or "")
    if status == Status.MERGED:
        number = merged.get(petition.merged_into_id or 0)
        return t.RESULT_MERGED.format(number=number) if number else t.RESULT_MERGED_UNKNOWN
    if petition.result and status in (Status.RESOLVED, Status.CLOSED):
        return petition.result
    return status_label(status)


def _rating_label(rating: Rating | None) -> str:
    return RATING_LABELS.get(rating, rating) if rating else ""


def _time(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _cell_text(value: str) -> str:
    """``value`` without the characters an xlsx file cannot hold (see _FORBIDDEN)."""
    return _FORBIDDEN.sub("", value)


def write_xlsx(rows: Iterable[list[str]], path: Path, *, title: str) -> Path:
    """Write the register as a print-ready workbook: A4 landscape, one page wide.

    Row 1 is the title, row 2 the header (frozen, and repeated on every printed page).
    The sheet is written in openpyxl's write-only mode: rows stream to the file as they
    come, so time grows linearly and memory stays bounded however long the book is.
    """
    # openpyxl loads only when a register is written, not at bot start-up.
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(t.REGISTER_SHEET)
    full_sheet = workbook.create_sheet(t.REGISTER_FULL_SHEET)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    def styled(value: str, **style: Any) -> Cell:
        cell = WriteOnlyCell(sheet, value=value)
        for name, attribute in style.items():
            setattr(cell, name, attribute)
        return cell

    # Widths, print settings and panes must be set before the first row is written.
    for index, (_, width) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages tall as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = t.REGISTER_FOOTER
    sheet.merged_cells.add(f"A1:{get_column_letter(len(_COLUMNS))}1")
    sheet.row_dimensions[1].height = 28

    sheet.append([styled(_cell_text(title), font=Font(bold=True, size=14),
                         alignment=Alignment(horizontal="center", vertical="center"))])
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append([styled(h, font=Font(bold=True), alignment=header_alignment, border=border)
                  for h in REGISTER_COLUMNS])
    for index, (_, width) in enumerate(_FULL_TEXT_COLUMNS, start=1):
        full_sheet.column_dimensions[get_column_letter(index)].width = width
    full_sheet.freeze_panes = "A2"
    full_sheet.print_title_rows = "1:1"
    full_sheet.page_setup.orientation = "landscape"
    full_sheet.page_setup.paperSize = "9"
    full_sheet.page_setup.fitToWidth = 1
    full_sheet.page_setup.fitToHeight = 0
    full_sheet.sheet_properties.pageSetUpPr.fitToPage = True
    full_sheet.oddFooter.center.text = t.REGISTER_FOOTER
    full_sheet.append([styled(h, font=Font(bold=True), alignment=header_alignment, border=border)
                       for h, _ in _FULL_TEXT_COLUMNS])

    # Every body cell shares one style: register it once and copy its index to each cell.
    template = styled("", alignment=Alignment(wrap_text=True, vertical="top"), border=border)

    def body(target: WriteOnlyWorksheet, values: list[str]) -> list[Cell]:
        line = []
        for value in values:
            cell = WriteOnlyCell(target, value=_cell_text(value))
            # Sharing one style array is openpyxl's fast path; its stubs omit the private _style.
            cell._style = copy(template._style)  # type: ignore[attr-defined]
            if value.startswith(_FORMULA_STARTS):
                cell.data_type = "s"  # openpyxl reads a leading "=" as a formula
            line.append(cell)
        return line

    widths = [width for _, width in _COLUMNS]
    full_widths = [width for _, width in _FULL_TEXT_COLUMNS]
    row_number, full_number = 3, 2
    for values in rows:
        # Heights that fit the wrapped text: in write-only mode a row's height is set before it.
        sheet.row_dimensions[row_number].height = row_height(values, widths)
        sheet.append(body(sheet, values))
        row_number += 1
        full_text = getattr(values, "full_text", None)
        if full_text:
            full = [values[0], full_text]
            full_sheet.row_dimensions[full_number].height = row_height(full, full_widths)
            full_sheet.append(body(full_sheet, full))
            full_number += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def row_height(values: list[str], widths: list[int]) -> float:
    """Points for a row whose cells wrap at their column widths (a CJK character takes two
    of a column's character units, as Excel measures them), capped at Excel's 409."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        room = max(width - 1, 1)
        cell_lines = sum(max(1, -(-_display_width(part) // room)) for part in str(value).split("\n"))
        lines = max(lines, cell_lines)
    return min(409.0, round(lines * _LINE_POINTS + 2, 1))


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def write_csv(rows: Iterable[list[str]], path: Path) -> Path:
    """Write header and rows as CSV in UTF-8 with a BOM, so Excel shows the Chinese."""
    with _CsvWriter(path) as out:
        for _ in out.passing(rows):
            pass
    return path


class _CsvWriter:
    """The register's CSV, written row by row as the rows pass through ``passing``; with no
    ``path`` the rows are only counted (a download wants the workbook alone)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._writer: Any = None

    def __enter__(self) -> _CsvWriter:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(REGISTER_COLUMNS)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            self._handle.close()

    def passing(self, rows: Iterable[list[str]]) -> Iterator[list[str]]:
        for row in rows:
            if self._writer is not None:
                self._writer.writerow([_csv_safe(_cell_text(v)) for v in row])
            self.count += 1
            yield row


def _csv_safe(value: str) -> str:
    # OWASP "CSV injection": a leading apostrophe keeps a spreadsheet from evaluating it.
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class Register:
    def __init__(self, deps: Deps, access: Access) -> None:
        self.deps = deps
        self.access = access

    def export(self, *, start: date, end: date, out: Path, communities: list[str] | None = None,
               unmasked: bool = False) -> tuple[Path, Path]:
        """Write ``out`` (xlsx) and the CSV beside it; return both paths.

        Raises InvalidInput for an unknown community or a period that ends before it starts.
        """
        xlsx, csv_path, _ = self._write(start=start, end=end, out=Path(out),
                                        communities=communities or None, unmasked=unmasked)
        assert csv_path is not None
        return xlsx, csv_path

    def workbook(self, *, start: date, end: date, out: Path, communities: list[str]) -> Path:
        """The masked xlsx alone, no CSV beside it (the desk's download).

        Raises InvalidInput as ``export`` does.
        """
        xlsx, _, _ = self._write(start=start, end=end, out=Path(out), communities=communities,
                                 unmasked=False, with_csv=False)
        return xlsx

    def export_for_chat(self, *, tg_user_id: int, chat_id: int) -> Path:
        """/export: this month so far for the group's (else the staff member's) scope, masked.

        Queues the workbook as a document to ``chat_id`` and returns its path.
        Raises NotAllowed when the user is not active staff.
        """
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            owner = self.access.report_owner(session, staff, chat_id)
            communities = self.access.communities_of(owner)
            scope_code = owner.scope_code
        today = self.deps.clock.now().astimezone(self.deps.settings.tz).date()
        start = today.replace(day=1)
        out = Path(self.deps.settings.reports_dir) / f"register-{scope_code}-{start:%Y-%m}.xlsx"
        xlsx, _, count = self._write(start=start, end=today, out=out, communities=communities,
                                     unmasked=False)
        caption = t.REGISTER_CAPTION.format(scope=html.escape(self._scope_name(communities)),
                                            start=_ymd(start), end=_ymd(today), count=count)
        with transaction(self.deps.engine) as session:
            outbox.upload(session, chat_id=chat_id, path=str(xlsx.resolve()), caption=caption,
                          now=self.deps.clock.now(), as_photo=False)
        return xlsx

    def _write(self, *, start: date, end: date, out: Path, communities: list[str] | None,
               unmasked: bool, with_csv: bool = True) -> tuple[Path, Path | None, int]:
        if end < start:
            raise InvalidInput(f"the period ends ({end}) before it starts ({start})")
        unknown = [c for c in communities or [] if c not in self.deps.org.communities]
        if unknown:
            raise InvalidInput(f"unknown community: {', '.join(unknown)}")
        if unmasked:
            log.warning("register %s..%s exported UNMASKED to %s", start, end, out)
        title = t.REGISTER_TITLE.format(scope=self._scope_name(communities), office=t.OFFICE,
                                        start=_ymd(start), end=_ymd(end))
        csv_path = out.with_suffix(".csv") if with_csv else None
        # One streaming pass: each row goes to the CSV and to the workbook as it is read.
        # A plain read-only session: its identity map lets each written batch go.
        with Session(self.deps.engine) as session, _CsvWriter(csv_path) as csv_out:
            rows = iter_register_rows(session, self.deps, start=start, end=end,
                                      community_codes=communities, unmasked=unmasked)
            xlsx = write_xlsx(csv_out.passing(rows), out, title=title)
        return xlsx, csv_path, csv_out.count

    def _scope_name(self, communities: list[str] | None) -> str:
        org = self.deps.org
        chosen = communities or list(org.communities)
        if len(chosen) == 1:
            return org.communities[chosen[0]].name
        streets = {org.communities[c].street for c in chosen}
        if len(streets) == 1 and set(chosen) == {
            c.code for c in org.communities_of_street(next(iter(streets)))
        }:
            return org.streets[next(iter(streets))].name
        return t.REGISTER_ALL if set(chosen) == set(org.communities) else "、".join(
            org.communities[c].name for c in chosen)


def _ymd(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
