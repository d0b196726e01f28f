"""report.json: the district's canonical return plus scope and units."""

from __future__ import annotations

import json
from decimal import Decimal

from publish_fixtures import DISTRICT_FEE, DISTRICT_ID, make_report

from publish.render import json_bytes, report_json
from schemas.cells import CELL_KEYS, FEE_KEY, NARRATIVE_KEYS
from schemas.returns import FORMAT_ID, from_raw_cells


def test_report_json_is_the_districts_canonical_return(report) -> None:
    doc = report_json(report)
    assert doc["format"] == FORMAT_ID
    assert (doc["unit_id"], doc["unit_name"], doc["year"]) == (DISTRICT_ID, "连云区人民政府", 2022)
    assert list(doc["cells"]) == list(CELL_KEYS)
    assert doc["cells"][FEE_KEY] == DISTRICT_FEE  # a decimal string, exact
    assert doc["cells"]["s3.new_received.total"] == 48 and isinstance(doc["cells"]["s3.new_received.total"], int)
    assert {k: v for k, v in doc["cells"].items() if k != FEE_KEY} == {
        k: v for k, v in report.cells.items() if k != FEE_KEY
    }
    assert set(doc["narrative"]) == set(NARRATIVE_KEYS)
    assert "全区共新收政府信息公开申请48件" in doc["narrative"]["overview"]


def test_report_json_declares_scope_and_lists_every_unit(report) -> None:
    doc = report_json(report)
    assert doc["scope"] == "全区"
    assert doc["units"] == [
        {
            "unit_id": u.unit_id,
            "unit_name": u.unit_name,
            "kind": u.kind,
            "status": u.status,
            "version": u.version,
            "sha256": u.sha256,
        }
        for u in report.units
    ]
    assert [u["status"] for u in doc["units"]] == ["accepted", "accepted", "accepted", "missing"]
    assert doc["units"][3]["version"] is None and doc["units"][3]["sha256"] is None


def test_report_json_round_trips_through_the_canonical_reader(report) -> None:
    raw = json.loads(json_bytes(report_json(report)).decode("utf-8"))
    ret = from_raw_cells(raw["unit_id"], raw["unit_name"], raw["year"], raw["cells"], raw["narrative"])
    assert ret.cells == report.cells
    assert ret.cells[FEE_KEY] == Decimal(DISTRICT_FEE)


def test_an_integer_fee_is_still_written_as_a_decimal_string() -> None:
    cells = make_report().cells
    cells[FEE_KEY] = 0
    assert report_json(make_report(cells=cells))["cells"][FEE_KEY] == "0"


def test_json_bytes_are_utf8_unescaped_and_end_with_a_newline(report) -> None:
    data = json_bytes(report_json(report))
    assert data.endswith(b"}\n")
    assert "连云区人民政府".encode() in data
    assert json_bytes(report_json(report)) == json_bytes(report_json(make_report()))
    assert json_bytes({"fee": Decimal("1.500000")}) == b'{\n  "fee": "1.5"\n}\n'
