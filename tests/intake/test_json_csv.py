"""Canonical JSON and cell,value CSV returns: exact values, blanks missing, encodings, and refusals."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from intake.read import read_submission
from sampledata.lianyun import lianyun_cells, lianyun_return
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.values import fee_text

LICENSE = "s2.admin_license.decisions"


def write_json(path: Path, doc: object, encoding: str = "utf-8") -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding=encoding)
    return path


def csv_text(cells: dict, meta: bool = True, meta_first: bool = False) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    rows = [["unit_id", "320703"], ["unit_name", "连云区人民政府"], ["year", "2022"]] if meta else []
    if meta_first:
        w.writerows(rows)
    w.writerow(["cell", "value"])
    if not meta_first:
        w.writerows(rows)
    for key, v in cells.items():
        w.writerow([key, fee_text(v) if isinstance(v, Decimal) else ("" if v is None else v)])
    return out.getvalue()


# --- JSON ----------------------------------------------------------------------------------------------------


def test_json_round_trip(tmp_path: Path) -> None:
    ret = lianyun_return()
    ret.narrative = {"overview": "总体", "other": "无"}
    outcome = read_submission(write_json(tmp_path / "320703.json", ret.to_json()))
    assert outcome.reader == "json" and outcome.failures == []
    assert outcome.ret.cells == lianyun_cells()
    assert (outcome.ret.unit_id, outcome.ret.unit_name, outcome.ret.year) == ("320703", "连云区人民政府", 2022)
    assert outcome.ret.narrative == {"overview": "总体", "other": "无"}


def test_json_null_and_absent_are_missing_and_numbers_are_exact(tmp_path: Path) -> None:
    doc = lianyun_return().to_json()
    doc["cells"]["s4.review.total"] = None
    del doc["cells"]["s3.carried_out.total"]
    path = tmp_path / "r.json"
    text = json.dumps(doc, ensure_ascii=False).replace('"746.844"', "0.1")  # fee as a JSON number
    path.write_text("\ufeff" + text, encoding="utf-8")  # with a BOM
    ret = read_submission(path).ret
    assert ret.cells["s4.review.total"] is None and ret.cells["s3.carried_out.total"] is None
    assert ret.cells[FEE_KEY] == Decimal("0.1") and isinstance(ret.cells[FEE_KEY], Decimal)
    assert ret.cells[LICENSE] == 1007


def test_json_fee_with_a_unit_suffix_becomes_a_note(tmp_path: Path) -> None:
    doc = lianyun_return().to_json()
    doc["cells"][FEE_KEY] = "7468440元"
    doc["cells"][LICENSE] = "1,007"
    outcome = read_submission(write_json(tmp_path / "r.json", doc))
    assert outcome.failures == []
    assert outcome.ret.cells[FEE_KEY] == Decimal("746.844") and "元" in outcome.ret.notes[FEE_KEY]
    assert outcome.ret.cells[LICENSE] == 1007


@pytest.mark.parametrize(
    ("text", "rule", "says"),
    [
        ('{"format": "nianbao.return/1", "cells": ', "I1", "not valid JSON"),
        ('{"format": "nianbao.return/0", "cells": {}}', "S1", "nianbao.return/0"),
        ('{"unit_id": "1", "cells": {}}', "S1", 'no "format" key'),
        ("[1, 2]", "S1", "list"),
        ('{"format": "nianbao.return/1", "cells": [1]}', "S1", '"cells"'),
        (
            '{"format": "nianbao.return/1", "cells": {"s2.regulations.issued": 0, "s2.regulations.issued": 5}}',
            "I1",
            "twice",
        ),
        ("[" * 100_000, "I1", "JSON"),
    ],
)
def test_bad_json(tmp_path: Path, text: str, rule: str, says: str) -> None:
    (tmp_path / "bad.json").write_text(text, encoding="utf-8")
    outcome = read_submission(tmp_path / "bad.json")
    assert outcome.ret is None
    [failure] = outcome.failures
    assert (failure.rule, failure.file) == (rule, "bad.json") and says in failure.detail


# --- CSV -----------------------------------------------------------------------------------------------------


def test_csv_round_trip_utf8(tmp_path: Path) -> None:
    path = tmp_path / "320703.csv"
    path.write_text(csv_text(lianyun_cells()), encoding="utf-8")
    outcome = read_submission(path)
    assert outcome.reader == "csv" and outcome.failures == [] and outcome.encoding == "utf-8"
    assert outcome.ret.cells == lianyun_cells()
    assert (outcome.ret.unit_id, outcome.ret.unit_name, outcome.ret.year) == ("320703", "连云区人民政府", 2022)


@pytest.mark.parametrize(
    ("encoding", "recorded"), [("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")]
)
def test_csv_encodings(tmp_path: Path, encoding: str, recorded: str) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(csv_text(lianyun_cells(), meta_first=True).encode(encoding))
    outcome = read_submission(path)
    assert outcome.failures == [] and outcome.encoding == recorded
    assert outcome.ret.unit_name == "连云区人民政府"
    assert outcome.ret.cells == lianyun_cells()


def test_csv_blanks_text_and_unknown_keys(tmp_path: Path) -> None:
    cells = {key: 0 for key in CELL_KEYS}
    cells.update({LICENSE: "1,007", "s4.review.total": "", "s3.granted.total": "-", FEE_KEY: "12元", "s9.extra": 4})
    del cells["s3.carried_out.total"]
    path = tmp_path / "r.csv"
    path.write_text(csv_text(cells) + "\r\n\r\n", encoding="utf-8")
    ret = read_submission(path).ret
    assert ret.cells[LICENSE] == 1007
    assert ret.cells["s4.review.total"] is None and ret.cells["s3.granted.total"] is None
    assert ret.cells["s3.carried_out.total"] is None
    assert ret.cells[FEE_KEY] == Decimal("0.0012") and ret.notes[FEE_KEY]
    assert ret.extra_keys == ("s9.extra",)


def test_csv_without_metadata_rows_reads_with_empty_unit(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(csv_text({LICENSE: 3}, meta=False), encoding="utf-8")
    ret = read_submission(path).ret
    assert (ret.unit_id, ret.year, ret.cells[LICENSE]) == ("", None, 3)


@pytest.mark.parametrize(
    ("content", "rule", "says"),
    [
        (b"cell,value\ns2.admin_license.decisions,1,007\n", "I1", "line 2 has 3 fields"),
        (b"cell,value\ns2.regulations.issued,0\ns2.regulations.issued,1\n", "I1", "already given on line 2"),
        (b"unit_id,unit_name,kind,parent_id\n1,x,department,0\n", "S1", "not a cell,value CSV"),
        (b"unit_id,1\nyear,2022\n", "S1", "no header row"),
        (b"cell,value\nunit_name,\xff\xfe\x80\n", "I1", "neither UTF-8 nor GBK"),
        ("cell,value\nunit_id,1\n".encode("utf-16"), "I1", "NUL"),
    ],
)
def test_bad_csv(tmp_path: Path, content: bytes, rule: str, says: str) -> None:
    (tmp_path / "bad.csv").write_bytes(content)
    outcome = read_submission(tmp_path / "bad.csv")
    assert outcome.ret is None
    [failure] = outcome.failures
    assert (failure.rule, failure.file) == (rule, "bad.csv") and says in failure.detail, failure.detail
