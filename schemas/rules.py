"""The rule catalogue: every check nianbao runs, with its ID, severity, formula and message.

IDs and severities are SPEC §5. The ``I`` rules are nianbao's own intake rules (a file that cannot be read, a
unit that is not on the roster, two returns for one unit in one batch); the SPEC names the defects but gives
them no ID. Messages are templates filled with ``str.format`` from a failure's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    HARD = "HARD"  # blocks publication; the unit must resubmit
    HARD_W = "HARD-W"  # blocks unless a named auditor records a waiver
    SOFT = "SOFT"  # listed for auditors, never blocks

    @property
    def blocks(self) -> bool:
        return self is not Severity.SOFT


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str  # short English name
    formula: str  # what is checked, in the SPEC's notation
    message_zh: str
    message_en: str


HARD, HARD_W, SOFT = Severity.HARD, Severity.HARD_W, Severity.SOFT

RULES: tuple[Rule, ...] = (
    # --- intake (nianbao's own) ---
    Rule(
        "I1",
        HARD,
        "readable file",
        "the file opens as a return in a known layout",
        "文件无法读取：{detail}",
        "The file cannot be read: {detail}",
    ),
    Rule(
        "I2",
        HARD,
        "unit on roster",
        "unit_id ∈ roster",
        "单位 {actual} 不在本区名册中",
        "Unit {actual} is not on the district roster",
    ),
    Rule(
        "I3",
        HARD,
        "one return per unit per batch",
        "at most one return per unit_id in a batch",
        "同一批次中单位 {unit_id} 有多份报表：{detail}",
        "Unit {unit_id} sent more than one return in this batch: {detail}",
    ),
    Rule(
        "I4",
        SOFT,
        "unknown key",
        "every key of a JSON/CSV return is one of the 200 cell keys",
        "未知的单元格键 {actual} 已忽略（是否拼写错误？）",
        "Unknown cell key {actual} was ignored (a typo?)",
    ),
    # --- shape, type and format (S) ---
    Rule(
        "S1",
        HARD,
        "2021 format",
        "labels of the 2021 format present; 2019-trial / 2008-era labels absent",
        "不是2021年版格式：{detail}",
        "Not the 2021 format: {detail}",
    ),
    Rule(
        "S2",
        HARD,
        "cell present",
        "all 200 numeric cells present; blank, '-', '—', '/', '无' are missing",
        "单元格 {cell} 缺失（空白不等于0）",
        "Cell {cell} is missing (blank is not zero)",
    ),
    Rule(
        "S3",
        HARD,
        "count is a non-negative integer",
        "count cell ∈ ℕ after stripping separators",
        "单元格 {cell} 应为非负整数，实际为 {actual}",
        "Cell {cell} must be a non-negative integer, found {actual}",
    ),
    Rule(
        "S4",
        HARD,
        "fee is a decimal in 万元",
        "s2.admin_fees.amount_wan: Decimal ≥ 0 that DECIMAL(18,6) holds exactly (< 10^12, ≤ 6 decimals: never "
        'rounded); a separator only between groups of three digits ("1,5" is refused); 元/亿元 converted with a warning',
        "收费金额 {cell} 应为以万元计的非负数，实际为 {actual}{detail}",
        "Fee {cell} must be a non-negative amount in 万元, found {actual}{detail}",
    ),
    Rule(
        "S4W",
        SOFT,
        "fee unit converted",
        "a 元/亿元 suffix was converted to 万元, or the fee has more than 4 decimals",
        "收费金额 {cell} 请核对单位或精度（{detail}），现为 {actual} 万元",
        "Fee {cell}: please check the unit or precision ({detail}); now {actual} 万元",
    ),
    Rule(
        "S5",
        HARD,
        "report year",
        "return year = pipeline year t",
        "报表年度为 {actual}，本次汇总年度为 {expected}",
        "The return is for {actual}, this consolidation is for {expected}",
    ),
    # (六)其他处理 printed as one row instead of its three sub-rows (schemas.single_row): a deviation from the form,
    # waivable because no figure is lost; once waived the row is counted under (六)3.其他 (the form's only "other")
    Rule(
        "S6",
        HARD_W,
        "(六) printed as one row",
        "(六)其他处理 printed as one row (non-standard): its total is kept and checked, the three detail rows are missing",
        "（六）其他处理按一行填报（非标准格式）：{detail}；该行总计 {actual} 予以保留并校验，三个明细行缺失",
        "(六) other handling printed as one row (non-standard): {detail}; its total {actual} is kept and checked, "
        "the three detail rows are missing",
    ),
    # --- section 三 identities (A) ---
    Rule(
        "A1",
        HARD,
        "row total",
        "s3.r.total = Σ_{c∈C6} s3.r.c",
        "{cell}：总计应为各类申请人之和 {expected}，实际为 {actual}",
        "{cell}: the total must equal the sum of the six applicant columns, {expected}, found {actual}",
    ),
    Rule(
        "A2",
        HARD,
        "outcome total",
        "s3.total_processed.c = Σ_{r∈OUT} s3.r.c",
        "{cell}：（七）总计应为21项办理结果之和 {expected}，实际为 {actual}",
        "{cell}: (七) total must equal the sum of the 21 outcome rows, {expected}, found {actual}",
    ),
    Rule(
        "A3",
        HARD,
        "column balance",
        "s3.new_received.c + s3.carried_in.c = s3.total_processed.c + s3.carried_out.c",
        "{cell}：第一项加第二项之和应等于第三项加第四项之和，应为 {expected}，实际为 {actual}",
        "{cell}: new + carried-in must equal processed + carried-out; expected {expected}, found {actual}",
    ),
    Rule(
        "A4",
        SOFT,
        "carry-out plausibility",
        "s3.carried_out.c ≤ s3.new_received.c",
        "{cell}：结转下年度 {actual} 多于本年新收 {expected}",
        "{cell}: carried out {actual} exceeds new requests {expected}",
    ),
    # --- section 四 (L) ---
    Rule(
        "L1",
        HARD,
        "review/litigation total",
        "s4.g.total = upheld + corrected + other + pending",
        "{cell}：总计应为四项之和 {expected}，实际为 {actual}",
        "{cell}: the total must equal the sum of the four results, {expected}, found {actual}",
    ),
    # --- section 二 (P) ---
    Rule(
        "P1",
        HARD,
        "no 规章 below city level",
        "s2.regulations.{issued,repealed,in_force} = 0 for county-level units",
        "{cell}：区县级单位无规章制定权，应为 {expected}，实际为 {actual}",
        "{cell}: county-level units cannot make 规章, expected {expected}, found {actual}",
    ),
    Rule(
        "P4",
        SOFT,
        "in force ≥ issued",
        "s2.x.in_force ≥ s2.x.issued",
        "{cell}：现行有效件数 {actual} 少于本年制发件数 {expected}",
        "{cell}: documents in force {actual} are fewer than documents issued this year {expected}",
    ),
    # --- cross-year (P2, P3, P5, P6, Y1; SPEC §5.4–5.5): this year against the unit's previous-year return,
    # checked by schemas.crossyear ---
    Rule(
        "P2",
        SOFT,
        "stock roll-forward",
        "in_force@t = in_force@t-1 + issued@t − repealed@t",
        "{cell}：现行有效件数应为上年现行有效加本年制发减本年废止 {expected}，实际为 {actual}，请说明差异",
        "{cell}: documents in force should be last year's stock + issued − repealed = {expected}, found {actual}; "
        "please explain the gap",
    ),
    Rule(
        "P3",
        SOFT,
        "repealed ≤ stock",
        "repealed@t ≤ in_force@t-1 + issued@t",
        "{cell}：本年废止 {actual} 件，多于上年现行有效加本年制发 {expected} 件",
        "{cell}: {actual} documents repealed, more than last year's stock + this year's issued, {expected}",
    ),
    Rule(
        "P5",
        SOFT,
        "fee unit plausibility",
        "amount_wan@t / amount_wan@t-1 ∈ [0.01, 100]; a department's fee < 100 000 万元",
        "{cell}：收费金额 {actual} 万元与上年 {expected} 万元相差悬殊（{detail}），请核对单位（元/万元）",
        "{cell}: fee {actual} 万元 is implausible against last year's {expected} 万元 ({detail}); check the unit (元/万元)",
    ),
    Rule(
        "P6",
        SOFT,
        "decisions year-on-year",
        "decisions@t / decisions@t-1 ∈ [0.1, 10]",
        "{cell}：处理决定数量 {actual} 与上年 {expected} 相差十倍以上，请核对",
        "{cell}: {actual} decisions against {expected} last year, a swing of more than 10×; please check",
    ),
    Rule(
        "Y1",
        HARD_W,
        "carry-over matches last year",
        "s3.carried_in.c@t = s3.carried_out.c@t-1 (same unit)",
        "{cell}：上年结转 {actual} 应等于上年报表的结转下年度 {expected}",
        "{cell}: carried in {actual} must equal last year's carried out, {expected}",
    ),
    Rule(
        "N1",
        SOFT,
        "no prior return (info)",
        "the unit has no accepted return for t-1: Y1, P2, P3, P5, P6 not checked",
        "单位 {unit_id} 没有{expected}年度的已接受报表（本年新设或上年未报），未做跨年度核对",
        "Unit {unit_id} has no accepted return for {expected} (new this year or none sent): cross-year rules not checked",
    ),
    # --- narrative ↔ table (X), SPEC §5.6; checked by schemas.narrative.check_narrative ---
    Rule(
        "X0",
        SOFT,
        "narrative figure needs review",
        "a figure in 一/五/六 could not be read unambiguously",
        "需人工核对：正文中的数字无法确定对应哪个表格数值（{cell}，表格为 {expected}）：{detail}",
        "Needs review: a figure in the text cannot be matched to one table value ({cell}, table {expected}): {detail}",
    ),
    Rule(
        "X1",
        HARD,
        "narrative requests = table",
        "requests received/answered/carried quoted in text = s3 totals",
        "{cell}：正文为 {actual}，表格为 {expected}（“{detail}”）",
        '{cell}: the text says {actual}, the table says {expected} ("{detail}")',
    ),
    Rule(
        "X2",
        HARD,
        "narrative review/litigation = table",
        "no review/litigation stated ⇒ s4.g.total = 0; counts = totals",
        "{cell}：正文为 {actual}，表格为 {expected}（“{detail}”）",
        '{cell}: the text says {actual}, the table says {expected} ("{detail}")',
    ),
    Rule(
        "X3",
        HARD,
        "narrative normative documents = table",
        "issued/repealed/in force quoted in text = s2.normative_docs.*",
        "{cell}：正文为 {actual}，表格为 {expected}（“{detail}”）",
        '{cell}: the text says {actual}, the table says {expected} ("{detail}")',
    ),
    # --- district consolidation (G) ---
    Rule(
        "G1",
        HARD,
        "roster complete",
        "every roster unit has an accepted return for year t",
        "单位 {unit_id} 没有通过校验的{expected}年度报表",
        "Unit {unit_id} has no accepted return for {expected}",
    ),
    Rule(
        "G3",
        HARD,
        "district = Σ units",
        "district cell = Σ over the latest accepted return of every roster unit",
        "{cell}：全区汇总应为各单位之和 {expected}，实际为 {actual}",
        "{cell}: the district figure must equal the sum over units, {expected}, found {actual}",
    ),
    Rule(
        "G4",
        HARD,
        "district report re-checked",
        "the consolidated report passes A1–A3 and L1",
        "{cell}：全区报表未通过{detail}校验，应为 {expected}，实际为 {actual}",
        "{cell}: the district report fails {detail}; expected {expected}, found {actual}",
    ),
    # nianbao's own (SPEC §5 gives it no ID): an older version is never published silently in place of a rejected
    # latest one. Checked by checkpoint.nodes.g5_frame (GX: checkpoint.suite.CHECKS), from the verdicts of
    # warehouse/sql/unit_verdicts.sql; the office's keeps: audit.keeps
    Rule(
        "G5",
        HARD,
        "latest version accepted",
        "every unit's latest received return for year t is accepted, or the office keeps an older accepted version "
        "(nianbao keep)",
        "单位 {unit_id} 最新报送的第{expected}版报表未通过校验，旧版本（第{actual}版）不会被默认采用：{detail}；"
        "请重新报送，或以 nianbao keep 明确保留旧版本",
        "Unit {unit_id}: its latest return (version {expected}) was rejected and the older accepted version "
        "{actual} is not used without a decision: {detail}; resubmit, or keep version {actual} with `nianbao keep`",
    ),
)

RULE_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

# Where each rule is implemented: one place per rule (tests/schemas/test_rule_catalogue.py checks that each file
# exists and names the rule). Every caller (nianbao validate, the run, the checkpoint) reaches it from there.
IMPLEMENTED_IN: dict[str, str] = {
    "I1": "intake/errors.py",  # UnreadableFile: raised by every reader, recorded by intake/read.py
    "I2": "schemas/judge.py",  # roster membership
    "I3": "schemas/judge.py",  # one return per unit per batch
    "I4": "schemas/judge.py",  # unknown keys
    "S1": "intake/errors.py",  # WrongLayout: raised by the readers of each format
    "S2": "schemas/validate.py",  # missing cells, from the shape schema's failures
    "S3": "schemas/models.py",  # is_count in the shape schema
    "S4": "schemas/models.py",  # is_fee in the shape schema
    "S4W": "schemas/models.py",  # the fee's unit and precision notes
    "S5": "schemas/models.py",  # the year check of the shape schema
    "S6": "schemas/single_row.py",  # (六) printed as one row
    **{r: "schemas/models.py" for r in ("A1", "A2", "A3", "A4", "L1", "P1", "P4")},  # IDENTITIES (G4 reuses them)
    **{r: "schemas/crossyear.py" for r in ("P2", "P3", "P5", "P6", "Y1", "N1")},  # against last year's return
    **{r: "schemas/narrative.py" for r in ("X0", "X1", "X2", "X3")},  # the figures the text quotes
    **{r: "checkpoint/nodes.py" for r in ("G1", "G3", "G4", "G5")},  # the node frames the GX checkpoint reads
}


def rule(rule_id: str) -> Rule:
    """The catalogue entry for ``rule_id`` (KeyError names the unknown ID)."""
    return RULE_BY_ID[rule_id]
