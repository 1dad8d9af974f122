"""The reception register: rows, masking, the print-ready workbook, the CSV, /export, the CLI."""

from __future__ import annotations

import argparse
import csv
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot import reports_cli
from reception.errors import InvalidInput, NotAllowed
from reception.handling.access import Access
from reception.reports.register import (
    REGISTER_COLUMNS,
    Register,
    iter_register_rows,
    register_rows,
    write_csv,
    write_xlsx,
)
from storage.db import transaction
from storage.models import Outbox
from tests.reception.report_fixtures import (
    add,
    add_staff,
    bj,
    group,
    make_deps,
    petition,
    resident,
)

PHONE = "13912345678"
VISITOR_PHONE = "13800001111"
TEXT_PHONE = "13677778888"


@pytest.fixture
def deps(tmp_path):
    return make_deps(tmp_path)


@pytest.fixture
def register(deps):
    return Register(deps, Access(deps))


@pytest.fixture
def office(deps):
    wang = add_staff(deps, 501, "王芳")
    citizen = resident(9001, "刘德华", PHONE)
    add(deps, citizen)
    rows = [
        petition(bj(2026, 11, 2, 9, 15), resident_id=citizen.id, building="3", unit="2", room="501",
                 text=f"楼顶漏水，\n请联系我 {TEXT_PHONE}", status="closed",
                 handler_staff_id=wang, first_response_at=bj(2026, 11, 2, 10),
                 result="已维修防水层", resolved_at=bj(2026, 11, 4, 16), rating="basic"),
        petition(bj(2026, 11, 3, 14), channel="walkin", visitor_name="欧阳娜娜",
                 visitor_phone=VISITOR_PHONE, category="邻里纠纷", text="=HYPERLINK(\"x\")",
                 status="rejected", reject_reason="属于法院受理范围", closed_at=bj(2026, 11, 3, 15)),
        petition(bj(2026, 11, 30, 23, 59), channel="phone", text="月末最后一刻的来电"),
        petition(bj(2026, 12, 1, 0, 0), text="下个月的第一件"),  # outside November
        petition(bj(2026, 11, 1, 0, 0), community_code="qingnian", text="青年社区的诉求"),
    ]
    add(deps, *rows)
    return rows


def rows_of(deps, **kwargs):
    with transaction(deps.engine) as session:
        return register_rows(session, deps, **kwargs)


def test_rows_are_the_columns_an_office_keeps(deps, office):
    rows = rows_of(deps, start=date(2026, 11, 1), end=date(2026, 11, 30),
                   community_codes=["hongqi"])
    assert [r[0] for r in rows] == [p.number for p in office[:3]]
    first = dict(zip(REGISTER_COLUMNS, rows[0], strict=True))
    assert first == {
        "编号": office[0].number, "登记时间": "2026-11-02 09:15", "渠道": "线上留言",
        "居民": "刘**", "联系电话": "139****5678", "住址": "红旗社区3号楼2单元501室",
        "网格": first["网格"], "类别": "物业管理", "诉求摘要": "楼顶漏水， 请联系我 136****8888",
        "经办人": "王芳", "响应时间": "2026-11-02 10:00", "办理结果": "已维修防水层",
        "办结时间": "2026-11-04 16:00", "办结时限": first["办结时限"], "是否超期": first["是否超期"],
        "转交部门": "", "回访结果": "", "评价": "基本满意",
    }
    assert first["是否超期"] in ("是", "否")
    walkin = dict(zip(REGISTER_COLUMNS, rows[1], strict=True))
    assert (walkin["渠道"], walkin["居民"], walkin["联系电话"]) == ("来访", "欧阳**", "138****1111")
    assert walkin["办理结果"] == "不予受理：属于法院受理范围"
    third = dict(zip(REGISTER_COLUMNS, rows[2], strict=True))
    assert third["渠道"] == "来电" and third["办理结果"] == "待受理"


@pytest.mark.parametrize("batch", [1, 2])
def test_rows_streamed_in_small_batches_are_the_same_rows(deps, office, batch):
    """Batches smaller than the period (a long register) give the same rows in order."""
    period = dict(start=date(2026, 11, 1), end=date(2026, 11, 30), community_codes=None)
    with transaction(deps.engine) as session:
        streamed = list(iter_register_rows(session, deps, batch=batch, **period))
    assert streamed == rows_of(deps, **period)
    assert len(streamed) == 4


def test_all_communities_and_local_day_edges(deps, office):
    rows = rows_of(deps, start=date(2026, 11, 1), end=date(2026, 11, 30), community_codes=None)
    assert len(rows) == 4  # 1 Nov 00:00 (青年社区) in, 1 Dec 00:00 out


def test_unmasked_shows_names_and_phones(deps, office):
    rows = rows_of(deps, start=date(2026, 11, 2), end=date(2026, 11, 3),
                   community_codes=["hongqi"], unmasked=True)
    assert rows[0][3:5] == ["刘德华", PHONE]
    assert TEXT_PHONE in rows[0][REGISTER_COLUMNS.index("诉求摘要")]
    assert rows[1][3:5] == ["欧阳娜娜", VISITOR_PHONE]


def test_export_writes_a_print_ready_workbook(register, office, tmp_path):
    xlsx, csv_path = register.export(start=date(2026, 11, 1), end=date(2026, 11, 30),
                                     out=tmp_path / "out" / "register.xlsx",
                                     communities=["hongqi"])
    assert csv_path == tmp_path / "out" / "register.csv"
    sheet = load_workbook(xlsx).active
    assert sheet["A1"].value == "红旗社区民愿接待室统一接待登记本（2026年11月1日至2026年11月30日）"
    assert [c.value for c in sheet[2]] == list(REGISTER_COLUMNS)
    assert sheet.max_row == 2 + 3
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.column_dimensions["I"].width == 40
    summary = sheet["I3"]
    assert summary.alignment.wrap_text is True
    assert summary.border.left.style == "thin"
    # A resident's text starting with "=" stays text, never a formula.
    assert sheet["I4"].value == '=HYPERLINK("x")'
    assert sheet["I4"].data_type == "s"


def test_masked_export_holds_no_full_phone(register, office, tmp_path):
    xlsx, csv_path = register.export(start=date(2026, 11, 1), end=date(2026, 11, 30),
                                     out=tmp_path / "register.xlsx")
    cells = " ".join(str(c.value) for row in load_workbook(xlsx).active.iter_rows() for c in row)
    everything = cells + csv_path.read_text(encoding="utf-8-sig")
    for secret in (PHONE, VISITOR_PHONE, TEXT_PHONE, "刘德华", "欧阳娜娜"):
        assert secret not in everything


def test_csv_has_a_bom_and_the_same_rows(deps, register, office, tmp_path):
    _, csv_path = register.export(start=date(2026, 11, 1), end=date(2026, 11, 30),
                                  out=tmp_path / "register.xlsx", communities=["hongqi"])
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    rows = rows_of(deps, start=date(2026, 11, 1), end=date(2026, 11, 30),
                   community_codes=["hongqi"])
    summary = REGISTER_COLUMNS.index("诉求摘要")
    rows[1][summary] = "'" + rows[1][summary]  # formula-looking text is defused in the CSV
    assert table == [list(REGISTER_COLUMNS), *rows]


def test_csv_alone(tmp_path):
    path = write_csv([["a", "+1"]], tmp_path / "x.csv")
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "a,'+1"


@pytest.mark.parametrize("kwargs", [
    dict(start=date(2026, 11, 30), end=date(2026, 11, 1)),
    dict(start=date(2026, 11, 1), end=date(2026, 11, 30), communities=["atlantis"]),
])
def test_export_refuses_bad_arguments(register, tmp_path, kwargs):
    with pytest.raises(InvalidInput):
        register.export(out=tmp_path / "r.xlsx", **kwargs)


def test_export_for_chat_sends_this_month_masked(deps, register, office):
    deps.clock.set(bj(2026, 11, 30, 18))
    add(deps, group(-1001, "community", "hongqi"))
    path = register.export_for_chat(tg_user_id=501, chat_id=-1001)
    assert path == deps.settings.reports_dir / "register-hongqi-2026-11.xlsx"
    sheet = load_workbook(path).active
    assert sheet.max_row == 2 + 3
    assert sheet["D3"].value == "刘**"
    with Session(deps.engine) as session:
        queued = session.exec(select(Outbox)).one()
    assert (queued.kind, queued.chat_id) == ("upload", -1001)
    assert queued.payload["as_photo"] is False
    assert queued.payload["path"] == str(path.resolve())
    assert "共 3 条" in queued.payload["caption"]


def test_export_for_chat_is_for_staff_only(register, office):
    with pytest.raises(NotAllowed):
        register.export_for_chat(tg_user_id=4242, chat_id=-1001)


# --- the command line -----------------------------------------------------------------------

def cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    reports_cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_cli_unmasked_needs_explicit_permission(tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    args = cli("export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out),
               "--unmasked")
    assert args.func(args) == 2
    assert "--i-have-permission" in capsys.readouterr().err
    assert not out.exists()


def test_cli_rejects_a_bad_date(capsys):
    with pytest.raises(SystemExit):
        cli("export", "--from", "2026-13-01", "--to", "2026-11-30", "--out", "r.xlsx")
    assert "not a date" in capsys.readouterr().err


def test_every_report_command_has_help():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    reports_cli.register(commands)
    for name, command in commands.choices.items():
        assert command.description, name
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings}"


def test_cli_export_writes_both_files_masked(wired, office, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    args = cli("export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out),
               "--community", "hongqi")
    assert args.func(args) == 0
    assert capsys.readouterr().out.split() == [str(out), str(tmp_path / "r.csv")]
    assert "刘**" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_cli_unmasked_with_permission(wired, office, tmp_path):
    args = cli("export", "--from", "2026-11-01", "--to", "2026-11-30", "--out",
               str(tmp_path / "r.xlsx"), "--unmasked", "--i-have-permission")
    assert args.func(args) == 0
    assert PHONE in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")


def test_cli_unknown_community(wired, tmp_path, capsys):
    args = cli("export", "--from", "2026-11-01", "--to", "2026-11-30", "--out",
               str(tmp_path / "r.xlsx"), "--community", "atlantis")
    assert args.func(args) == 2
    assert "atlantis" in capsys.readouterr().err


# --- characters a workbook cannot hold; exports that fail half-way ----------------------------

CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\ufffe\uffff"


def test_characters_the_formats_forbid_are_dropped_from_every_cell(deps, register, tmp_path):
    wang = add_staff(deps, 502, f"李{CONTROL}明")
    citizen = resident(9002, f"赵{CONTROL}六", PHONE)
    add(deps, citizen)
    add(deps, petition(bj(2026, 11, 5, 10), resident_id=citizen.id, text=f"电梯{CONTROL}坏了",
                       handler_staff_id=wang, status="resolved", result=f"已{CONTROL}修好",
                       resolved_at=bj(2026, 11, 6), category=f"物业{CONTROL}管理"))
    xlsx, csv_path = register.export(start=date(2026, 11, 1), end=date(2026, 11, 30),
                                     out=tmp_path / "register.xlsx", unmasked=True)
    row = [c.value for c in load_workbook(xlsx).active[3]]
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle))[1] == [v or "" for v in row]
    cell = dict(zip(REGISTER_COLUMNS, row, strict=True))
    assert (cell["居民"], cell["类别"], cell["诉求摘要"], cell["经办人"], cell["办理结果"]) == (
        "赵六", "物业管理", "电梯坏了", "李明", "已修好")


def test_a_title_with_control_characters_is_written(tmp_path):
    path = write_xlsx([], tmp_path / "r.xlsx", title="登记本\x00\x07")
    assert load_workbook(path).active["A1"].value == "登记本"


def test_a_long_text_is_kept_whole_on_the_second_sheet_and_rows_fit_their_text(deps, register, tmp_path):
    long_text = "楼下饭店的油烟每天晚上直排进我家窗户，" * 12 + "联系电话13612345678"
    add(deps, petition(bj(2026, 11, 20, 10), text=long_text, building="5"))
    xlsx, _ = register.export(start=date(2026, 11, 1), end=date(2026, 11, 30),
                              out=tmp_path / "register.xlsx", communities=["hongqi"])
    book = load_workbook(xlsx)
    main, full = book["接待登记"], book["诉求全文"]
    summary = main.cell(row=3, column=REGISTER_COLUMNS.index("诉求摘要") + 1).value
    assert summary.endswith("…") and len(summary) == 80
    assert [c.value for c in full[1]] == ["编号", "诉求全文（登记本中摘要被截断的）"]
    number, text = (c.value for c in full[2])
    assert number == main["A3"].value
    assert text.startswith("楼下饭店") and "油烟" in text and len(text) > 200
    assert "13612345678" not in text and "136****5678" in text, "masked like the register"
    # 80 characters in a 40-wide column wrap onto about four lines; a one-line row stays low.
    assert main.row_dimensions[3].height >= 4 * 15
    assert full.row_dimensions[2].height > 15
