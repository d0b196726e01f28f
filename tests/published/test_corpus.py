"""The fixture corpus (tests/published/fixtures, built by published_fixture_builder.py): every file gives its
expected outcome — exact cells, a ParseError naming section and row, or an OldFormatError naming era and label."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intake.published import OldFormatError, ParseError, parse_published_file
from schemas.cells import CELL_KEYS
from schemas.narrative import check_narrative
from schemas.returns import CanonicalReturn
from schemas.values import fee_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))


def _cells_json(ret: CanonicalReturn) -> dict[str, Any]:
    return {k: (fee_text(v) if isinstance(v, Decimal) else v) for k, v in ret.cells.items()}


def outcome(name: str) -> tuple[str, str]:
    """('exact' | 'refused' | 'wrong', explanation) for one fixture."""
    exp = MANIFEST[name]
    try:
        ret = parse_published_file(FIXTURES / name)
    except OldFormatError as err:
        ok = exp["expect"] == "OldFormatError" and (err.era, err.label, err.year) == (
            exp["era"],
            exp["label"],
            exp["year"],
        )
        return ("refused", "") if ok else ("wrong", f"unexpected {err!r}")
    except ParseError as err:
        ok = exp["expect"] == "ParseError" and err.section == exp["section"] and exp["row"] in err.row
        return ("refused", "") if ok else ("wrong", f"unexpected {err!r}")
    if exp["expect"] != "exact":
        return "wrong", "parsed a report that must be refused"
    got = _cells_json(ret)
    diff = {k: (got.get(k), exp["cells"][k]) for k in CELL_KEYS if got.get(k) != exp["cells"][k]}
    single = list(ret.other_single_row) if ret.other_single_row else None
    if single != exp.get("other_single_row"):
        diff["other_single_row"] = (single, exp.get("other_single_row"))
    if diff or (ret.unit_name, ret.year) != (exp["unit_name"], exp["year"]):
        return "wrong", f"cells differ: {list(diff.items())[:5]}; unit/year {ret.unit_name}/{ret.year}"
    return "exact", ""


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_fixture_outcome(name: str) -> None:
    kind, why = outcome(name)
    assert kind != "wrong", why
    assert kind == ("exact" if MANIFEST[name]["expect"] == "exact" else "refused")


@pytest.mark.parametrize("name", sorted(n for n, e in MANIFEST.items() if e["expect"] == "exact"))
def test_exact_fixtures_keep_narrative_in_line_with_tables(name: str) -> None:
    ret = parse_published_file(FIXTURES / name)
    assert set(ret.narrative) == {"overview", "problems", "other"} and all(ret.narrative.values())
    assert check_narrative(ret) == []
    if note := MANIFEST[name].get("note"):
        assert note in ret.notes["s2.admin_fees.amount_wan"]


def test_corpus_counts_none_wrong() -> None:
    counts = {"exact": 0, "refused": 0, "wrong": 0}
    wrong: list[str] = []
    start = time.perf_counter()
    for name in sorted(MANIFEST):
        kind, why = outcome(name)
        counts[kind] += 1
        if kind == "wrong":
            wrong.append(f"{name}: {why}")
    elapsed = time.perf_counter() - start
    print(
        f"corpus: {len(MANIFEST)} reports, {counts['exact']} exact, {counts['refused']} refused, "
        f"{counts['wrong']} wrong; {elapsed / len(MANIFEST) * 1000:.1f} ms per report"
    )
    assert wrong == []
    assert counts["exact"] == sum(e["expect"] == "exact" for e in MANIFEST.values()) >= 25
    assert counts["refused"] >= 25


def test_corpus_files_are_what_the_builder_writes(tmp_path: Path) -> None:
    import published_fixture_builder as builder

    manifest = builder.write(tmp_path)
    assert manifest == MANIFEST
    for name in manifest:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_errors_name_section_row_and_what_was_found() -> None:
    with pytest.raises(ParseError) as info:
        parse_published_file(FIXTURES / "bad_dropped_cell_flat.txt")
    err = info.value
    assert err.section == "三" and "部分公开" in err.row
    assert "6 values" in err.found and "32 | 33 | 34 | 36 | 37 | 38" in err.found
    assert "bad_dropped_cell_flat.txt" in str(err) and err.message == str(err)
    with pytest.raises(OldFormatError) as old:
        parse_published_file(FIXTURES / "old_2019_trial.txt")
    assert isinstance(old.value, ParseError)
    assert (old.value.era, old.value.label, old.value.year) == ("2019-trial", "本年新制作数量", 2020)
    assert "2019-trial" in str(old.value) and "2020" in str(old.value)
