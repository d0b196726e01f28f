"""The real 连云区 2022 report (traditional script, flattened tables, metadata block) parses exactly."""

from __future__ import annotations

import time
from decimal import Decimal
from importlib import resources
from pathlib import Path

from intake.published import parse_published, parse_published_file
from sampledata.lianyun import lianyun_cells, sample_report_text
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.narrative import check_narrative


def test_sample_parses_to_the_published_figures() -> None:
    ret = parse_published(sample_report_text(), "lianyun.txt")
    expected = lianyun_cells()
    assert set(ret.cells) == set(CELL_KEYS)
    assert ret.cells == expected
    assert all(type(ret.cells[k]) is int for k in CELL_KEYS if k != FEE_KEY)
    assert ret.cells[FEE_KEY] == Decimal("746.844") and isinstance(ret.cells[FEE_KEY], Decimal)
    assert ret.cells["s2.admin_license.decisions"] == 1007
    assert ret.cells["s3.new_received.total"] == 16
    assert ret.unit_name == "连云区人民政府"
    assert ret.unit_id == ""
    assert ret.year == 2022
    assert ret.extra_keys == () and ret.notes == {}


def test_sample_narrative_sections_are_kept_as_printed() -> None:
    ret = parse_published(sample_report_text())
    assert set(ret.narrative) == {"overview", "problems", "other"}
    assert ret.narrative["overview"].startswith("2022年,連云區以習近平")
    assert "新受理政府信息公開申請16件" in ret.narrative["overview"]
    assert ret.narrative["problems"].startswith("2022年,我區規范有序")
    assert "信息處理費" in ret.narrative["other"]
    # the headings themselves and the tables are not part of the narrative
    assert "總體情況" not in ret.narrative["overview"]
    assert "本年制發件數" not in ret.narrative["overview"]


def test_sample_narrative_agrees_with_its_tables() -> None:
    assert check_narrative(parse_published(sample_report_text())) == []


def test_sample_file_is_decoded_and_named(tmp_path: Path) -> None:
    path = Path(str(resources.files("sampledata").joinpath("lianyun_2022_district_report.txt")))
    ret = parse_published_file(path)
    assert ret.cells == lianyun_cells()
    gb = tmp_path / "lianyun_gb18030.txt"
    gb.write_bytes(sample_report_text().encode("gb18030"))
    assert parse_published_file(gb).cells == lianyun_cells()


def test_parse_time_per_report_is_small() -> None:
    text = sample_report_text()
    parse_published(text)  # warm up OpenCC
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        parse_published(text)
    per_report = (time.perf_counter() - start) / runs
    print(f"parse time per report: {per_report * 1000:.1f} ms")
    assert per_report < 0.5
