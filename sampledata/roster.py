"""Synthetic rosters (SPEC §0.3): one district, or a whole country → province → city → district → unit tree.

Everything here is deterministic: the same arguments give the same units in the same order.

Unit ids inside a district follow one scheme, so an id never depends on how many units of another kind exist:
``<district_id>001`` is the government office, ``<district_id>101…`` the departments (at most 399),
``<district_id>501…`` the townships/streets (at most 499). Aggregate rows use 6-digit administrative-style codes:
country ``000000``, province ``PP0000``, city ``PPCC00``, district ``PPCCDD``.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Sequence
from pathlib import Path

from schemas.errors import NianbaoError
from schemas.roster import RosterUnit

ROSTER_HEADER = ("unit_id", "unit_name", "kind", "parent_id")

OFFICE_SUFFIX = "001"
FIRST_DEPARTMENT = 101
MAX_DEPARTMENTS = 399
FIRST_TOWNSHIP = 501
MAX_TOWNSHIPS = 499

# Departments of a district government that report themselves. Vertically managed units (公安分局, 税务局, 海关,
# 气象局 …) are NOT on the roster (SPEC §0, G1), so they do not appear here.
DEPARTMENT_NAMES: tuple[str, ...] = (
    "发展和改革局",
    "教育局",
    "民政局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "卫生健康委员会",
    "市场监督管理局",
    "应急管理局",
    "生态环境局",
    "科学技术局",
    "工业和信息化局",
    "司法局",
    "水利局",
    "商务局",
    "文化广电和旅游局",
    "退役军人事务局",
    "审计局",
    "统计局",
    "医疗保障局",
    "城市管理局",
    "行政审批局",
    "信访局",
    "人民防空办公室",
    "机关事务管理局",
    "数据局",
    "体育局",
    "综合行政执法局",
    "林业局",
)

# Place-name stems for townships (街道 for the urban half, 镇 for the rest) and for synthetic regions.
PLACE_STEMS: tuple[str, ...] = (
    "城东", "城西", "新华", "朝阳", "海州", "青山", "白塔", "南湖", "北苑", "东关",
    "西园", "临江", "金桥", "凤凰", "长安", "和平", "柳河", "石桥", "龙泉", "桃源",
    "清水", "大王", "花果", "云台", "宿城", "高公", "板桥", "墟沟", "连岛", "前进",
)  # fmt: skip
REGION_CHARS = "东南西北中江河湖海山川云松柏桂兰安宁平昌兴隆丰泰华阳明清远新和康永定嘉福盛"


class RosterSizeError(NianbaoError, ValueError):
    """A district was asked for more units of one kind than the id scheme has room for."""


def office_id(district_id: str) -> str:
    return district_id + OFFICE_SUFFIX


def township_name(index: int, n_townships: int) -> str:
    """The index-th township: the first half are urban 街道, the rest rural 镇; stems repeat with a number."""
    stem = PLACE_STEMS[index % len(PLACE_STEMS)]
    if index >= len(PLACE_STEMS):
        stem += str(index // len(PLACE_STEMS) + 1)
    return stem + ("街道" if index < (n_townships + 1) // 2 else "镇")


def department_name(district_name: str, index: int) -> str:
    base = DEPARTMENT_NAMES[index % len(DEPARTMENT_NAMES)]
    if index >= len(DEPARTMENT_NAMES):  # more departments than real names: number the repeats
        base = f"{base}（{index // len(DEPARTMENT_NAMES) + 1}）"
    return district_name + base


def district_roster(
    district_id: str = "320799",
    district_name: str = "示范区",
    n_departments: int = 24,
    n_townships: int = 8,
    parent_id: str = "",
) -> list[RosterUnit]:
    """The district row, its government office, ``n_departments`` departments and ``n_townships`` townships.

    With the defaults: 1 + 1 + 24 + 8 = 34 rows, 33 of them reporting units.
    """
    if not 0 <= n_departments <= MAX_DEPARTMENTS:
        raise RosterSizeError(f"district {district_id}: n_departments={n_departments}, must be 0..{MAX_DEPARTMENTS}")
    if not 0 <= n_townships <= MAX_TOWNSHIPS:
        raise RosterSizeError(f"district {district_id}: n_townships={n_townships}, must be 0..{MAX_TOWNSHIPS}")
    units = [
        RosterUnit(district_id, district_name + "人民政府", "district", parent_id),
        RosterUnit(office_id(district_id), district_name + "人民政府办公室", "office", district_id),
    ]
    units += [
        RosterUnit(
            f"{district_id}{FIRST_DEPARTMENT + i:03d}", department_name(district_name, i), "department", district_id
        )
        for i in range(n_departments)
    ]
    units += [
        RosterUnit(f"{district_id}{FIRST_TOWNSHIP + i:03d}", township_name(i, n_townships), "township", district_id)
        for i in range(n_townships)
    ]
    return units


def write_roster_csv(units: Sequence[RosterUnit], path: Path) -> Path:
    """Write the roster CSV of SPEC §0.3 (UTF-8, no BOM, header ``unit_id,unit_name,kind,parent_id``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ROSTER_HEADER)
        writer.writerows((u.unit_id, u.unit_name, u.kind, u.parent_id) for u in units)
    return path


# --- A country-wide tree for benchmarks ---------------------------------------------------------------------

UNITS_PER_DISTRICT = 60
DISTRICTS_PER_CITY = 10
CITIES_PER_PROVINCE = 10
COUNTRY_ID = "000000"


def _split(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal whole numbers (the larger ones first)."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _region_name(rng: random.Random) -> str:
    return rng.choice(REGION_CHARS) + rng.choice(REGION_CHARS)


def hierarchy(n_units: int, seed: int = 1) -> list[RosterUnit]:
    """A country → provinces → cities → districts → units tree with exactly ``n_units`` reporting (leaf) units.

    About 60 units per district, 10 districts per city, 10 cities per province. Every district looks like
    :func:`district_roster` (an office, departments, and roughly a quarter townships). Parents come before children.
    """
    if n_units < 1:
        raise ValueError(f"hierarchy: n_units must be at least 1, got {n_units}")
    rng = random.Random(seed)
    n_districts = max(1, round(n_units / UNITS_PER_DISTRICT))
    n_cities = math.ceil(n_districts / DISTRICTS_PER_CITY)
    n_provinces = math.ceil(n_cities / CITIES_PER_PROVINCE)

    units = [RosterUnit(COUNTRY_ID, "全国", "country", "")]
    leaves_per_district = iter(_split(n_units, n_districts))
    districts_per_city = iter(_split(n_districts, n_cities))
    for p, cities_here in enumerate(_split(n_cities, n_provinces), start=11):
        province_id = f"{p:02d}0000"
        units.append(RosterUnit(province_id, _region_name(rng) + "省", "province", COUNTRY_ID))
        for c in range(1, cities_here + 1):
            city_id = f"{p:02d}{c:02d}00"
            units.append(RosterUnit(city_id, _region_name(rng) + "市", "city", province_id))
            for d in range(1, next(districts_per_city) + 1):
                leaves = next(leaves_per_district)
                n_townships = (leaves - 1) // 4
                units += district_roster(
                    district_id=f"{p:02d}{c:02d}{d:02d}",
                    district_name=_region_name(rng) + "区",
                    n_departments=leaves - 1 - n_townships,
                    n_townships=n_townships,
                    parent_id=city_id,
                )
    return units
