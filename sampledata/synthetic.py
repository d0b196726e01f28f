"""Deterministic synthetic returns: plausible, internally consistent figures for demos, tests and benchmarks.

Each return is built so that the form's identities hold by construction (SPEC §5):

* section 三: requests are drawn per applicant column first (new, carried in, carried out ≤ new), the requests
  processed in a column (new + carried in − carried out) are spread over the outcome rows, and only then are the
  总计 row and column computed as sums — so A1, A2, A3 and A4 hold;
* section 二: 规章 is all 0 (P1: district-level bodies cannot make 规章) and in_force ≥ issued (P4);
* section 四: each total is the sum of its four results (L1).

Only the stdlib ``random`` is used. :func:`build_district` seeds one ``random.Random`` per (seed, unit, year) from a
string, so a unit's figures depend neither on roster order nor on ``PYTHONHASHSEED``. It also makes the requests
pending at each year boundary a function of (seed, unit, year), so ``carried_in@t == carried_out@t-1`` (Y1) holds
when several years are built with the same seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from intake.jsonfile import write_json_return
from sampledata.lianyun import lianyun_cells
from sampledata.roster import district_roster, hierarchy, office_id, write_roster_csv
from schemas.cells import CELL_KEYS, FEE_KEY, S3_APPLICANT_COLS, S3_OUTCOME_ROWS, S3_ROW_KEYS, S4_GROUP_KEYS
from schemas.errors import NianbaoError
from schemas.returns import CanonicalReturn
from schemas.roster import AGGREGATE_KINDS, RosterUnit

__all__ = [
    "LIANYUN_UNIT_NAME",
    "RosterUnit",
    "break_a3",
    "build_district",
    "district_roster",
    "hierarchy",
    "synthetic_return",
    "write_returns_json",
    "write_roster_csv",
]

LIANYUN_UNIT_NAME = "连云区人民政府办公室"


class NotAReportingUnit(NianbaoError, ValueError):
    """Aggregate roster rows (district, city, province, country) are sums of others and file no return."""


# --- How big a unit's figures are, by kind and by what the department does ------------------------------------


@dataclass(frozen=True)
class Profile:
    """Ranges for one kind of unit. ``p_*`` are probabilities that the figure is non-zero at all."""

    requests: tuple[int, int]  # new requests in the year (all applicant columns together)
    pending_max: int  # at most this many requests still open on 31 Dec
    p_pending: float
    docs_issued: tuple[int, int]  # 行政规范性文件 issued in the year
    docs_stock: tuple[int, int]  # in force on 31 Dec on top of this year's
    licences: tuple[int, int] = (0, 0)
    penalties: tuple[int, int] = (0, 0)
    coercions: tuple[int, int] = (0, 0)
    p_decisions: float = 0.0
    fee_wan: tuple[int, int] = (0, 0)  # in thousandths of a 万元 (3 decimals, i.e. 10 yuan)
    p_fee: float = 0.0
    p_review: float = 0.0  # chance of any administrative review in the year
    p_lawsuit: float = 0.0


OFFICE = Profile((20, 150), 5, 0.6, (3, 15), (20, 120), p_review=0.5, p_lawsuit=0.4)
DEPARTMENT = Profile((0, 60), 3, 0.3, (0, 4), (0, 30), (0, 300), (0, 200), (0, 20), 0.5, (0, 50_000), 0.3, 0.15, 0.08)
TOWNSHIP = Profile((0, 10), 1, 0.1, (0, 1), (0, 5), (0, 0), (0, 80), (0, 5), 0.4, p_review=0.05, p_lawsuit=0.05)

# Departments whose work produces many decisions, many requests or large fee income (keyword in the unit name).
BUSY_DEPARTMENTS: dict[str, Profile] = {
    "行政审批局": replace(DEPARTMENT, licences=(500, 8000), p_decisions=1.0, fee_wan=(0, 200_000), p_fee=0.5),
    "市场监督管理局": replace(DEPARTMENT, licences=(200, 3000), penalties=(50, 1500), coercions=(5, 200), p_decisions=1.0),
    "自然资源和规划局": replace(
        DEPARTMENT, requests=(10, 60), licences=(50, 800), penalties=(5, 100), p_decisions=1.0,
        fee_wan=(100_000, 900_000), p_fee=0.9, p_review=0.5, p_lawsuit=0.4,
    ),
    "住房和城乡建设局": replace(
        DEPARTMENT, requests=(5, 60), licences=(50, 1500), penalties=(5, 200), p_decisions=1.0, p_review=0.3,
        p_lawsuit=0.2,
    ),
    "城市管理局": replace(DEPARTMENT, penalties=(100, 3000), coercions=(10, 500), p_decisions=1.0),
    "综合行政执法局": replace(DEPARTMENT, penalties=(100, 3000), coercions=(10, 500), p_decisions=1.0),
    "交通运输局": replace(DEPARTMENT, licences=(100, 2000), penalties=(50, 1000), p_decisions=1.0),
    "卫生健康委员会": replace(DEPARTMENT, licences=(100, 1500), penalties=(10, 300), p_decisions=1.0),
    "生态环境局": replace(DEPARTMENT, licences=(10, 200), penalties=(10, 200), coercions=(0, 30), p_decisions=1.0),
    "应急管理局": replace(DEPARTMENT, licences=(10, 300), penalties=(10, 300), p_decisions=1.0),
    "人力资源和社会保障局": replace(DEPARTMENT, requests=(5, 60), penalties=(0, 100), p_decisions=0.8),
}  # fmt: skip


def profile_for(unit: RosterUnit) -> Profile:
    if unit.kind in AGGREGATE_KINDS:
        raise NotAReportingUnit(
            f"unit {unit.unit_id} ({unit.unit_name}) is a {unit.kind} row: it sums other units and files no return; "
            "generate returns for office, department and township rows only"
        )
    if unit.kind == "office":
        return OFFICE
    if unit.kind == "township":
        return TOWNSHIP
    for keyword, profile in BUSY_DEPARTMENTS.items():
        if keyword in unit.unit_name:
            return profile
    return DEPARTMENT


# --- Section 三 ------------------------------------------------------------------------------------------------

# Who asks: mostly natural persons, some companies and law firms, very few research or welfare bodies.
APPLICANT_CUM_WEIGHTS = (85, 93, 94, 95, 98, 100)  # cumulative over S3_APPLICANT_COLS
# How requests end: mostly granted or "not held", some partial/denied/not handled. other_fee_unpaid stays 0 so
# that A5/F4 (fee notices must be reported in 六) never fires on synthetic data.
OUTCOME_WEIGHTS: dict[str, int] = {
    "granted": 40,
    "partially_granted": 10,
    "denied_state_secret": 1,
    "denied_prohibited_by_law": 1,
    "denied_security_stability": 1,
    "denied_third_party": 2,
    "denied_internal_affairs": 2,
    "denied_process_info": 3,
    "denied_enforcement_file": 1,
    "denied_admin_inquiry": 2,
    "unable_not_held": 20,
    "unable_needs_creation": 3,
    "unable_unclear_after_correction": 2,
    "not_handled_petition": 5,
    "not_handled_duplicate": 3,
    "not_handled_publication": 1,
    "not_handled_excessive": 1,
    "not_handled_confirm_existing": 1,
    "other_no_correction": 3,
    "other_fee_unpaid": 0,
    "other_other": 2,
}
assert tuple(OUTCOME_WEIGHTS) == S3_OUTCOME_ROWS
_OUTCOME_CUM: list[int] = []
for _w in OUTCOME_WEIGHTS.values():
    _OUTCOME_CUM.append((_OUTCOME_CUM[-1] if _OUTCOME_CUM else 0) + _w)

# Keys precomputed once: building f-strings per cell dominated the run time of 150,000 returns.
_ROW_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (f"s3.{row}.total", tuple(f"s3.{row}.{col}" for col in S3_APPLICANT_COLS)) for row in S3_ROW_KEYS
)
_OUTCOME_KEYS: dict[str, tuple[str, ...]] = {
    col: tuple(f"s3.{row}.{col}" for row in S3_OUTCOME_ROWS) for col in S3_APPLICANT_COLS
}
_BALANCE_KEYS: dict[str, tuple[str, str, str, str]] = {
    col: (f"s3.new_received.{col}", f"s3.carried_in.{col}", f"s3.total_processed.{col}", f"s3.carried_out.{col}")
    for col in S3_APPLICANT_COLS
}
_ZERO_CELLS: dict[str, int | Decimal] = {key: 0 for key in CELL_KEYS}
_ZERO_CELLS[FEE_KEY] = Decimal(0)


def _by_applicant(rng: random.Random, n: int) -> list[int]:
    """``n`` requests spread over the six applicant columns."""
    counts = [0] * len(S3_APPLICANT_COLS)
    if n == 0:
        return counts
    if n == 1 or rng.random() < 0.5:  # most small units only hear from natural persons
        counts[0] = n
        return counts
    for i in rng.choices(range(len(counts)), cum_weights=APPLICANT_CUM_WEIGHTS, k=n):
        counts[i] += 1
    return counts


def pending_requests(profile: Profile, rng: random.Random) -> dict[str, int]:
    """Requests still open on 31 Dec, by applicant column (small; usually none)."""
    out = dict.fromkeys(S3_APPLICANT_COLS, 0)
    if profile.pending_max and rng.random() < profile.p_pending:
        out["natural_person"] = rng.randint(1, profile.pending_max)
        if rng.random() < 0.2:
            out["legal_commercial"] = 1
    return out


def _fill_s3(
    cells: dict[str, int | Decimal],
    rng: random.Random,
    profile: Profile,
    carried_in: Mapping[str, int],
    carried_out: Mapping[str, int],
) -> None:
    """Applicant columns first, then the 总计 column and row as sums (A1–A4 hold by construction)."""
    low, high = profile.requests
    new = _by_applicant(rng, low + int((high - low + 1) * rng.random() ** 2))  # skewed: most units get few
    for i, col in enumerate(S3_APPLICANT_COLS):
        out = carried_out.get(col, 0)
        received = max(new[i], out)  # A4: what is still open on 31 Dec arrived this year
        cin = carried_in.get(col, 0)
        processed = received + cin - out
        new_key, in_key, processed_key, out_key = _BALANCE_KEYS[col]
        cells[new_key] = received
        cells[in_key] = cin
        cells[out_key] = out
        cells[processed_key] = processed
        if processed:
            outcome_keys = _OUTCOME_KEYS[col]
            if processed <= 3 or rng.random() < 0.3:  # a handful, or a unit that answers alike: one or two rows
                first, second = rng.choices(outcome_keys, cum_weights=_OUTCOME_CUM, k=2)
                cells[first] += processed - 1
                cells[second] += 1
            else:
                for key in rng.choices(outcome_keys, cum_weights=_OUTCOME_CUM, k=processed):
                    cells[key] += 1  # type: ignore[operator]
    for total_key, keys in _ROW_SUMS:
        cells[total_key] = sum([cells[k] for k in keys])  # type: ignore[misc]


# --- Sections 二 and 四 -----------------------------------------------------------------------------------------


def _maybe(rng: random.Random, p: float, bounds: tuple[int, int]) -> int:
    return rng.randint(*bounds) if bounds[1] and rng.random() < p else 0


def _fill_s2(cells: dict[str, int | Decimal], rng: random.Random, profile: Profile) -> None:
    # 规章 stays 0 (P1). Normative documents: a few issued, a few repealed, stock ≥ issued (P4).
    issued = rng.randint(*profile.docs_issued)
    stock = rng.randint(*profile.docs_stock)
    cells["s2.normative_docs.issued"] = issued
    cells["s2.normative_docs.repealed"] = rng.randint(0, min(3, stock)) if rng.random() < 0.3 else 0
    cells["s2.normative_docs.in_force"] = issued + stock
    cells["s2.admin_license.decisions"] = _maybe(rng, profile.p_decisions, profile.licences)
    cells["s2.admin_penalty.decisions"] = _maybe(rng, profile.p_decisions, profile.penalties)
    cells["s2.admin_coercion.decisions"] = _maybe(rng, profile.p_decisions / 2, profile.coercions)
    thousandths = _maybe(rng, profile.p_fee, profile.fee_wan)
    cells[FEE_KEY] = Decimal(thousandths).scaleb(-3) if thousandths else Decimal(0)


def _fill_s4(cells: dict[str, int | Decimal], rng: random.Random, profile: Profile) -> None:
    """Reviews and lawsuits: mostly none, sometimes one to three cases; total = sum of results (L1)."""
    chances = {"review": profile.p_review, "litigation_direct": profile.p_lawsuit, "litigation_after_review": 0.0}
    if rng.random() < profile.p_review * profile.p_lawsuit:
        chances["litigation_after_review"] = 1.0
    for group in S4_GROUP_KEYS:
        if rng.random() >= chances[group]:
            continue
        n = rng.randint(1, 3)
        for result in rng.choices(("upheld", "corrected", "other", "pending"), cum_weights=(70, 80, 92, 100), k=n):
            cells[f"s4.{group}.{result}"] += 1  # type: ignore[operator]
        cells[f"s4.{group}.total"] = n


# --- Narrative (一, 五, 六): short, and every number in it equals the table (X1–X3, F1) -------------------------

PROBLEMS = (
    "政策解读的形式还不够丰富，部分栏目信息更新不够及时。下一步将加强培训，完善信息发布审核机制。",
    "依申请公开答复的规范性有待提高。下一步将细化办理流程，加强与法律顾问的会商。",
    "基层政务公开标准化规范化工作仍需深化。下一步将对照标准目录逐项整改，确保信息及时准确公开。",
)


def narrative_for(unit_name: str, year: int, cells: Mapping[str, int | Decimal], rng: random.Random) -> dict[str, str]:
    """Sections 一, 五 and 六 as short text whose figures are read from ``cells``."""
    reviews = cells["s4.review.total"]
    suits = cells["s4.litigation_direct.total"] + cells["s4.litigation_after_review.total"]  # type: ignore[operator]
    if reviews == 0 and suits == 0:
        cases = "全年未发生政府信息公开行政复议、行政诉讼案件。"
    else:
        cases = f"全年发生政府信息公开行政复议案件{reviews}件、行政诉讼案件{suits}件。"
    overview = (
        f"{year}年，{unit_name}认真贯彻落实《中华人民共和国政府信息公开条例》，全面做好主动公开和依申请公开工作。"
        f"全年制发行政规范性文件{cells['s2.normative_docs.issued']}件，废止{cells['s2.normative_docs.repealed']}件，"
        f"现行有效{cells['s2.normative_docs.in_force']}件。"
        f"本年新收政府信息公开申请{cells['s3.new_received.total']}件，上年结转{cells['s3.carried_in.total']}件，"
        f"办结{cells['s3.total_processed.total']}件，结转下年度继续办理{cells['s3.carried_out.total']}件。{cases}"
    )
    return {"overview": overview, "problems": rng.choice(PROBLEMS), "other": "本年度未收取信息处理费。"}


# --- Public API ------------------------------------------------------------------------------------------------


def synthetic_return(
    unit: RosterUnit,
    year: int,
    rng: random.Random,
    *,
    carried_in: Mapping[str, int] | None = None,
    carried_out: Mapping[str, int] | None = None,
) -> CanonicalReturn:
    """All 200 cells for one unit and year, satisfying S2–S4, A1–A4, L1, P1 and P4, plus a matching narrative.

    ``carried_in``/``carried_out`` (by applicant column) fix the requests open at the start/end of the year; when
    omitted they are drawn from ``rng``. Raises :class:`NotAReportingUnit` for district/city/province/country rows.
    """
    profile = profile_for(unit)
    if carried_in is None:
        carried_in = pending_requests(profile, rng)
    if carried_out is None:
        carried_out = pending_requests(profile, rng)
    cells = dict(_ZERO_CELLS)
    _fill_s2(cells, rng, profile)
    _fill_s3(cells, rng, profile, carried_in, carried_out)
    _fill_s4(cells, rng, profile)
    return CanonicalReturn(
        unit_id=unit.unit_id,
        unit_name=unit.unit_name,
        year=year,
        cells=cells,  # type: ignore[arg-type]
        narrative=narrative_for(unit.unit_name, year, cells, rng),
    )


def unit_rng(seed: int, unit_id: str, year: int, stream: str = "return") -> random.Random:
    """An RNG for one unit and year: string seeds are hashed with SHA-512, so this is stable across runs."""
    return random.Random(f"nianbao:{stream}:{seed}:{unit_id}:{year}")


def unit_return(unit: RosterUnit, year: int, seed: int) -> CanonicalReturn:
    """The unit's return for ``year`` under ``seed``; consecutive years agree on the requests carried over (Y1)."""
    profile = profile_for(unit)
    return synthetic_return(
        unit,
        year,
        unit_rng(seed, unit.unit_id, year),
        carried_in=pending_requests(profile, unit_rng(seed, unit.unit_id, year - 1, "pending")),
        carried_out=pending_requests(profile, unit_rng(seed, unit.unit_id, year, "pending")),
    )


def returns_for(units: Iterable[RosterUnit], year: int, seed: int) -> list[CanonicalReturn]:
    """One return per reporting unit (aggregate rows skipped), in roster order."""
    return [unit_return(u, year, seed) for u in units if u.kind not in AGGREGATE_KINDS]


def build_district(
    district_id: str = "320799",
    district_name: str = "示范区",
    year: int = 2024,
    seed: int = 7,
    lianyun_unit: bool = True,
    lianyun_year: int | None = None,
) -> tuple[list[RosterUnit], list[CanonicalReturn]]:
    """The default district roster and one return per non-district unit.

    With ``lianyun_unit`` the government office is renamed 连云区人民政府办公室 and carries exactly the published
    连云区 2022 figures (:func:`sampledata.lianyun.lianyun_cells`), whatever ``year`` is asked, with no narrative —
    except the year after ``lianyun_year``: then the office sends a synthetic return that carries in the requests
    the 连云区 figures carried out, so the cross-year rule Y1 holds for every unit.
    """
    roster = district_roster(district_id, district_name)
    if lianyun_unit:
        office = office_id(district_id)
        roster = [replace(u, unit_name=LIANYUN_UNIT_NAME) if u.unit_id == office else u for u in roster]
    returns = []
    for unit in roster:
        if unit.kind in AGGREGATE_KINDS:
            continue
        if lianyun_unit and unit.kind == "office" and lianyun_year is not None and year == lianyun_year + 1:
            carried = {c: int(lianyun_cells()[f"s3.carried_out.{c}"]) for c in S3_APPLICANT_COLS}
            rng = unit_rng(seed, unit.unit_id, year)
            returns.append(synthetic_return(unit, year, rng, carried_in=carried))
        elif lianyun_unit and unit.kind == "office":
            returns.append(CanonicalReturn(unit.unit_id, unit.unit_name, year, dict(lianyun_cells())))
        else:
            returns.append(unit_return(unit, year, seed))
    return roster, returns


def break_a3(ret: CanonicalReturn, col: str = "natural_person") -> CanonicalReturn:
    """A copy whose column balance A3 fails in applicant column ``col`` while A1 and A2 still hold.

    One more request is counted as received (in ``col`` and in the row's 总计) but never processed or carried over.
    A3 then necessarily fails in the 总计 column as well: with A1 and A2 intact, the 总计 balance is the sum of the
    six applicant balances. A generated narrative is regenerated so that X1 still matches the table.
    """
    if col not in S3_APPLICANT_COLS:
        raise ValueError(f"break_a3: column {col!r} is not an applicant column; use one of {S3_APPLICANT_COLS}")
    cells = dict(ret.cells)
    for key in (f"s3.new_received.{col}", "s3.new_received.total"):
        if not isinstance(cells.get(key), int):
            raise TypeError(f"break_a3: unit {ret.unit_id} cell {key} is {cells.get(key)!r}, not a count")
        cells[key] += 1  # type: ignore[operator]
    narrative = dict(ret.narrative)
    if "overview" in narrative:
        old = f"本年新收政府信息公开申请{ret.cells['s3.new_received.total']}件"
        narrative["overview"] = narrative["overview"].replace(
            old, f"本年新收政府信息公开申请{cells['s3.new_received.total']}件"
        )
    return replace(ret, cells=cells, narrative=narrative, notes=dict(ret.notes))


def write_returns_json(returns: Iterable[CanonicalReturn], folder: Path) -> list[Path]:
    """One canonical JSON file per return, ``<folder>/<unit_id>.json`` (UTF-8, Chinese kept readable)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_json_return(ret, folder / f"{ret.unit_id}.json") for ret in returns]
