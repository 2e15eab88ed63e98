import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.utils import translation
from openpyxl import Workbook, load_workbook

from gridgov.sheets import Percent, sheet_row, sheet_title

UTC = dt.UTC


def _round_trip(book):
    buffer = io.BytesIO()
    book.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]


def test_it_writes_a_title_with_scope_and_period_then_dates_and_percentages():
    for write_only in (False, True):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("x") if write_only else book.active
        with translation.override("zh-hans"):
            sheet_title(
                sheet,
                "考核报告",
                scope="街道1",
                start="2026-03-01T00:00:00+08:00",
                end="2026-04-01T00:00:00+08:00",  # exclusive: the period's last day is 31 March
                generated_at=dt.datetime(2026, 4, 1, 1, 30, tzinfo=UTC),
            )
        sheet_row(sheet, ["网格1", Percent(83.33), Percent(None), dt.date(1950, 1, 2)])
        read = _round_trip(book)
        assert read["A1"].value == "考核报告 · 街道1 · 2026-03-01 至 2026-03-31" and read["A1"].font.bold
        assert read["A2"].value == "生成时间"
        assert read["B2"].value == dt.datetime(2026, 4, 1, 9, 30)  # Beijing time, a real date cell
        assert read["B2"].number_format == "yyyy-mm-dd hh:mm"
        assert (read["B3"].value, read["B3"].number_format) == (0.8333, "0.0%")
        assert read["C3"].value is None
        assert read["D3"].is_date and read["D3"].number_format == "yyyy-mm-dd"


def test_a_time_in_another_zone_is_shown_in_beijing_time():
    book = Workbook()
    sheet_row(book.active, [dt.datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("Europe/Berlin"))])
    assert _round_trip(book)["A1"].value == dt.datetime(2026, 1, 1, 19)
