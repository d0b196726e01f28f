"""The stacked checkpoint frame of a tree (checkpoint.nodes), pure pandas: no GX, no DuckDB.

A three-node tree: country 0 ← province 1 ← district 2, with one unit reporting to the province and two to the
district. Node reports are the 连云区 figures (and variations), so the identities hold unless a test breaks them.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from checkpoint.frames import CheckpointInputError
from checkpoint.nodes import build_node_checks, g1_blocked, g3_frame, g4_frame, g5_frame
from sampledata.lianyun import lianyun_cells
from schemas.cells import CELL_KEYS, FEE_KEY
from schemas.models import IDENTITIES

COUNTRY, PROVINCE, DISTRICT = "0", "1", "2"
NODES = pd.DataFrame(
    {
        "node_id": [COUNTRY, PROVINCE, DISTRICT],
        "node_name": ["全国", "某省", "某区"],
        "home": ["", COUNTRY, PROVINCE],
    }
)
GRANTED = "s3.granted.natural_person"


def doubled() -> dict:
    """Every figure ×2: the identities still hold."""
    return {k: v * 2 for k, v in lianyun_cells().items()}


def node_cells(reports: dict[str, dict]) -> pd.DataFrame:
    """node_id, cell_key, value_int, value_dec as DuckDB hands them over (the fee a Decimal in value_dec)."""
    rows = [
        (node, key, None if key == FEE_KEY else cells[key], cells[key] if key == FEE_KEY else None)
        for node, cells in reports.items()
        for key in CELL_KEYS
    ]
    frame = pd.DataFrame(rows, columns=["node_id", "cell_key", "value_int", "value_dec"])
    frame["value_int"] = frame["value_int"].astype("Int64")
    return frame


def direct(rows: dict[str, dict]) -> pd.DataFrame:
    """The sums of the units reporting directly to each node, as sql/direct_sums.sql gives them (no blanks)."""
    return node_cells(rows).assign(blanks=0)


def units(*missing: str) -> pd.DataFrame:
    ids = ["101", "201", "202"]
    return pd.DataFrame(
        {
            "unit_id": ids,
            "unit_name": ["省直单位", "甲街道", "乙街道"],
            "home": [PROVINCE, DISTRICT, DISTRICT],
            "accepted_submission_id": [None if u in missing else f"sha-{u}" for u in ids],
        }
    )


def consistent() -> tuple[pd.DataFrame, pd.DataFrame]:
    """district = its units (doubled); province = its unit (lianyun) + the district; country = the province."""
    unit_sum = doubled()
    province = {k: lianyun_cells()[k] + unit_sum[k] for k in CELL_KEYS}
    reports = {COUNTRY: province, PROVINCE: province, DISTRICT: unit_sum}
    return node_cells(reports), direct({PROVINCE: lianyun_cells(), DISTRICT: unit_sum})


def g3_values(frame: pd.DataFrame, node: str, cell: str) -> tuple[object, object]:
    row = frame[frame["check_id"] == f"{node}|G3:{cell}"].iloc[0]
    return row["expected"], row["actual"]


def test_g3_expected_is_the_direct_units_plus_the_child_nodes() -> None:
    cells, sums = consistent()
    frame = g3_frame(NODES, cells, sums)
    assert len(frame) == 3 * len(CELL_KEYS)
    assert all(frame["expected"].tolist()[i] == frame["actual"].tolist()[i] for i in range(len(frame)))
    assert g3_values(frame, PROVINCE, GRANTED) == (lianyun_cells()[GRANTED] * 3,) * 2
    fee = g3_values(frame, PROVINCE, FEE_KEY)  # 746.844 × 3 万元, in millionths, as Python ints
    assert fee == (2_240_532_000, 2_240_532_000) and all(type(v) is int for v in fee)


def test_g3_a_blank_part_makes_the_sum_unknown_and_a_cell_without_parts_sums_to_zero() -> None:
    cells, sums = consistent()
    sums.loc[(sums["node_id"] == DISTRICT) & (sums["cell_key"] == GRANTED), "blanks"] = 1
    sums = sums[~((sums["node_id"] == PROVINCE) & (sums["cell_key"] == "s4.review.total"))]
    cells.loc[(cells["node_id"] == DISTRICT) & (cells["cell_key"] == "s4.review.upheld"), "value_int"] = pd.NA
    frame = g3_frame(NODES, cells, sums)
    assert g3_values(frame, DISTRICT, GRANTED)[0] is None  # a unit's blank
    assert g3_values(frame, PROVINCE, "s4.review.upheld")[0] is None  # the child node's blank
    assert g3_values(frame, DISTRICT, "s4.review.upheld")[1] is None
    # the province's own units no longer send s4.review.total: the district's figure alone is expected
    assert g3_values(frame, PROVINCE, "s4.review.total")[0] == doubled()["s4.review.total"]


def test_g3_a_stray_key_fails_at_the_end_and_a_lacking_cell_is_unknown() -> None:
    cells, sums = consistent()
    stray = pd.DataFrame({"node_id": [DISTRICT], "cell_key": ["zz.extra"], "value_int": [4], "value_dec": [None]})
    cells = pd.concat([cells[~((cells["node_id"] == COUNTRY) & (cells["cell_key"] == GRANTED))], stray])
    frame = g3_frame(NODES, cells, sums)
    assert frame["check_id"].iloc[-1] == f"{DISTRICT}|G3:zz.extra"
    assert (frame["expected"].iloc[-1], frame["actual"].iloc[-1]) == (0, 4)
    assert g3_values(frame, COUNTRY, GRANTED)[1] is None
    with pytest.raises(CheckpointInputError, match="more than one value"):
        g3_frame(NODES, pd.concat([cells, cells.iloc[:1]]), sums)
    with pytest.raises(CheckpointInputError, match="not nodes of this run"):
        g3_frame(NODES, cells.assign(node_id="9"), sums)


def one_report_g4(values: dict, node: str) -> list[tuple]:
    """The G4 rows of one report, worked out in plain Python: each checked cell is the last one its formula reads;
    A3's carried-out = new + carried-in - processed, any other identity's total = the sum of its parts. A formula
    that reads a blank (None) has no expected value. The catalogue gives only which cells each identity checks."""
    rows = []
    for identity in IDENTITIES:
        if identity.rule not in ("A1", "A2", "A3", "L1"):
            continue
        for cell, reads in zip(identity.cells, identity.reads):
            assert reads[-1] == cell
            parts = [values[k] for k in reads[:-1]]
            if any(v is None for v in parts):
                expected = None
            elif identity.rule == "A3":
                expected = parts[0] + parts[1] - parts[2]
            else:
                expected = sum(parts)
            check_id = f"{node}|G4:{identity.rule}:{cell}"
            rows.append((check_id, identity.rule, cell, ",".join(reads), expected, values[cell]))
    return rows


def test_g4_for_every_node_at_once_equals_the_one_report_rows() -> None:
    """The wide, all-nodes G4 gives the rows worked out report by report in plain Python — blanks included."""
    broken = doubled()
    broken["s3.carried_out.total"] += 1  # breaks A3 on the total column
    reports = {COUNTRY: lianyun_cells(), PROVINCE: broken, DISTRICT: doubled()}
    cells = node_cells(reports)
    blank = (cells["node_id"] == DISTRICT) & (cells["cell_key"] == "s3.new_received.legal_commercial")
    assert blank.sum() == 1
    cells.loc[blank, "value_int"] = pd.NA
    frame = g4_frame(NODES, cells)
    reports[DISTRICT] = {**reports[DISTRICT], "s3.new_received.legal_commercial": None}  # the same blank
    for node in (COUNTRY, PROVINCE, DISTRICT):
        reference = one_report_g4(reports[node], node)
        mine = frame[frame["node_id"] == node]
        got = list(
            zip(
                mine["check_id"],
                mine["detail"].astype(str),
                mine["cell"].astype(str),
                mine["formula_cells"].astype(str),
                mine["expected"],
                mine["actual"],
            )
        )
        assert got == reference, node
    assert len(frame) == 3 * 42
    district = frame[frame["node_id"] == DISTRICT]
    unknown = district.loc[district["expected"].isna(), "check_id"].tolist()  # the blank is not 0: A1, A3 unknown
    assert unknown == ["2|G4:A1:s3.new_received.total", "2|G4:A3:s3.carried_out.legal_commercial"]
    province = frame[(frame["node_id"] == PROVINCE) & (frame["detail"] == "A3")]
    assert (province["expected"] != province["actual"]).sum() == 1


def test_the_stacked_frame_has_one_g1_row_per_unit() -> None:
    cells, sums = consistent()
    checks = build_node_checks(NODES, units("201"), cells, sums)
    g1 = checks[checks["rule"] == "G1"]
    assert g1["check_id"].tolist() == ["1|G1:101", "2|G1:201", "2|G1:202"]
    assert g1["node_id"].astype(str).tolist() == [PROVINCE, DISTRICT, DISTRICT]
    assert g1["accepted_submission_id"].tolist() == ["sha-101", None, "sha-202"]
    assert len(checks) == 3 + 3 * len(CELL_KEYS) + 3 * 42
    assert isinstance(checks["rule"].dtype, pd.CategoricalDtype) and checks["check_id"].is_unique
    with pytest.raises(CheckpointInputError, match="appear twice"):
        build_node_checks(NODES, pd.concat([units(), units().iloc[:1]]), cells, sums)
    with pytest.raises(CheckpointInputError, match="home node"):
        build_node_checks(NODES, units().assign(home="9"), cells, sums)


def test_a_failing_unit_blocks_its_home_and_every_node_above_it() -> None:
    checks = build_node_checks(NODES, units("201", "101"), *consistent())
    failing = checks[checks["accepted_submission_id"].isna() & (checks["rule"] == "G1")]
    blocked = g1_blocked(failing, NODES)
    assert list(zip(blocked["node_id"], blocked["unit_id"].astype(str), blocked["node_name"])) == [
        (COUNTRY, "101", "全国"),
        (COUNTRY, "201", "全国"),
        (PROVINCE, "101", "某省"),
        (PROVINCE, "201", "某省"),
        (DISTRICT, "201", "某区"),
    ]
    assert blocked["check_id"].tolist()[-1] == "2|G1:201"
    assert g1_blocked(failing.iloc[0:0], NODES).empty


def with_verdicts(frame: pd.DataFrame, verdicts: dict[str, tuple[str, int, int, str]]) -> pd.DataFrame:
    """``units`` plus what Warehouse.unit_verdicts says: unit -> (verdict, latest version, counted version, rules)."""
    rows = [verdicts.get(u, ("accepted", 1, 1, "")) for u in frame["unit_id"]]
    return frame.assign(
        verdict=[r[0] for r in rows],
        current_version=[r[1] for r in rows],
        version=[r[2] for r in rows],
        current_rules=[r[3] for r in rows],
    )


def test_g5_fails_a_rejected_latest_version_and_blocks_like_g1() -> None:
    # 201: v2 rejected (X1, X3) while v1 is accepted; 202: v1 kept instead of a rejected v2; 101: no return (G1's)
    frame = with_verdicts(units("101"), {"201": ("rejected", 2, 1, "X1,X3"), "202": ("kept", 2, 1, "A3")})
    g5 = g5_frame(NODES, frame)
    assert g5["check_id"].tolist() == ["2|G5:201", "2|G5:202"]  # a unit with no accepted version has no G5 row
    assert g5["accepted_submission_id"].tolist() == [None, "sha-202"]
    assert list(zip(g5["expected"], g5["actual"], g5["detail"].astype(str))) == [(2, 1, "X1, X3"), (2, 1, "A3")]
    checks = build_node_checks(NODES, frame, *consistent())
    failing = checks[checks["accepted_submission_id"].isna() & (checks["rule"] == "G5")]
    blocked = g1_blocked(failing, NODES)
    assert list(zip(blocked["node_id"], blocked["unit_id"].astype(str))) == [
        (COUNTRY, "201"),
        (PROVINCE, "201"),
        (DISTRICT, "201"),
    ]
    assert blocked["check_id"].tolist() == ["0|G5:201", "1|G5:201", "2|G5:201"]
    assert g5_frame(NODES, units()).empty  # no verdicts given: no G5 rows
    assert checks["check_id"].is_unique


def test_the_fee_stays_exact_in_a_big_sum() -> None:
    """int64 millionths: 10^8 万元 + 0.000001 万元 is still exact."""
    big = dict(lianyun_cells())
    big[FEE_KEY] = Decimal("100000000.000001")
    cells = node_cells({COUNTRY: big, PROVINCE: big, DISTRICT: big})
    sums = direct({PROVINCE: {**big, FEE_KEY: Decimal(0)}, DISTRICT: big})
    frame = g3_frame(NODES, cells, sums)
    assert g3_values(frame, PROVINCE, FEE_KEY) == (100_000_000_000_001, 100_000_000_000_001)
