"""The 2021 national format (国办公开办函〔2021〕30号) as data: all 200 numeric cells.

Readers, validators, SQL and renderers are driven by the tables below, so a label fix is one edit here.
Keys follow SPEC §0: ``s2.<item>.<field>``, ``s3.<row>.<col>``, ``s4.<group>.<result>``.
Simplified labels are the official ones; traditional labels are as printed in the 连云区 sample
(mechanical conversion, so it keeps 范, 于 and 后 in places).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CellKind = Literal["count", "money"]


@dataclass(frozen=True)
class Label:
    """One label in both scripts."""

    zh: str  # simplified (official)
    zht: str  # traditional, as in the sample


@dataclass(frozen=True)
class Cell:
    """One numeric cell of the form."""

    key: str
    section: int  # 2, 3 or 4
    order: int  # 1..200, the order cells appear in the official layout
    row_key: str
    col_key: str
    row_label: Label
    col_label: Label
    kind: CellKind
    group_label: Label | None = None  # sub-table caption (二), row group (三) or column group (四)


# --- Section 二: four sub-tables, each headed by the article item it reports -----------------------------

ART20_ITEM_1 = Label("第二十条第（一）项", "第二十條第(一)項")
ART20_ITEM_5 = Label("第二十条第（五）项", "第二十條第(五)項")
ART20_ITEM_6 = Label("第二十条第（六）项", "第二十條第(六)項")
ART20_ITEM_8 = Label("第二十条第（八）项", "第二十條第(八)項")
INFO_CONTENT = Label("信息内容", "信息內容")

DOC_FIELDS: tuple[tuple[str, Label], ...] = (
    ("issued", Label("本年制发件数", "本年制發件數")),
    ("repealed", Label("本年废止件数", "本年廢止件數")),
    ("in_force", Label("现行有效件数", "現行有效件數")),
)
DECISIONS = Label("本年处理决定数量", "本年處理決定數量")
FEE_AMOUNT = Label("本年收费金额（单位：万元）", "本年收費金額(單位:萬元)")


@dataclass(frozen=True)
class S2Item:
    key: str
    label: Label
    subtable: Label
    fields: tuple[tuple[str, Label], ...]
    kind: CellKind = "count"


S2_ITEMS: tuple[S2Item, ...] = (
    S2Item("regulations", Label("规章", "規章"), ART20_ITEM_1, DOC_FIELDS),
    S2Item("normative_docs", Label("行政规范性文件", "行政規范性文件"), ART20_ITEM_1, DOC_FIELDS),
    S2Item("admin_license", Label("行政许可", "行政許可"), ART20_ITEM_5, (("decisions", DECISIONS),)),
    S2Item("admin_penalty", Label("行政处罚", "行政處罰"), ART20_ITEM_6, (("decisions", DECISIONS),)),
    S2Item("admin_coercion", Label("行政强制", "行政強制"), ART20_ITEM_6, (("decisions", DECISIONS),)),
    S2Item(
        "admin_fees", Label("行政事业性收费", "行政事業性收費"), ART20_ITEM_8, (("amount_wan", FEE_AMOUNT),), "money"
    ),
)
S2_SUBTABLES: tuple[Label, ...] = (ART20_ITEM_1, ART20_ITEM_5, ART20_ITEM_6, ART20_ITEM_8)

# --- Section 三: the request-outcome matrix, 25 rows x 7 applicant columns ----------------------------------

S3_CORNER = Label(
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "(本列數據的勾稽關系為:第一項加第二項之和,等于第三項加第四項之和)",
)
S3_APPLICANT = Label("申请人情况", "申請人情況")
S3_LEGAL_GROUP = Label("法人或其他组织", "法人或其他組織")
S3_RESULTS_GROUP = Label("三、本年度办理结果", "三、本年度辦理結果")


@dataclass(frozen=True)
class S3Col:
    key: str
    label: Label
    legal_person: bool  # sits under 法人或其他组织


S3_COLS: tuple[S3Col, ...] = (
    S3Col("natural_person", Label("自然人", "自然人"), False),
    S3Col("legal_commercial", Label("商业企业", "商業企業"), True),
    S3Col("legal_research", Label("科研机构", "科研機構"), True),
    S3Col("legal_social_welfare", Label("社会公益组织", "社會公益組織"), True),
    S3Col("legal_legal_service", Label("法律服务机构", "法律服務機構"), True),
    S3Col("legal_other", Label("其他", "其他"), True),
    S3Col("total", Label("总计", "總計"), False),
)
S3_COL_KEYS: tuple[str, ...] = tuple(c.key for c in S3_COLS)
S3_APPLICANT_COLS: tuple[str, ...] = S3_COL_KEYS[:-1]  # C6 in the SPEC: every column but total


@dataclass(frozen=True)
class S3Row:
    key: str
    label: Label  # the row's own label (for sub-rows: "1.属于国家秘密")
    group: Label | None = None  # (三)…(六) outcome groups; None for rows that stand alone
    outcome: bool = False  # one of the 21 outcome rows summed into (七)总计


G3_DENIED = Label("（三）不予公开", "(三)不予公開")
G4_UNABLE = Label("（四）无法提供", "(四)無法提供")
G5_NOT_HANDLED = Label("（五）不予处理", "(五)不予處理")
G6_OTHER = Label("（六）其他处理", "(六)其他處理")

S3_ROWS: tuple[S3Row, ...] = (
    S3Row("new_received", Label("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公開申請數量")),
    S3Row("carried_in", Label("二、上年结转政府信息公开申请数量", "二、上年結轉政府信息公開申請數量")),
    S3Row("granted", Label("（一）予以公开", "(一)予以公開"), outcome=True),
    S3Row(
        "partially_granted",
        Label(
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            "(二)部分公開(區分處理的,只計這一情形,不計其他情形)",
        ),
        outcome=True,
    ),
    S3Row("denied_state_secret", Label("1.属于国家秘密", "1.屬于國家秘密"), G3_DENIED, True),
    S3Row(
        "denied_prohibited_by_law", Label("2.其他法律行政法规禁止公开", "2.其他法律行政法規禁止公開"), G3_DENIED, True
    ),
    S3Row("denied_security_stability", Label("3.危及“三安全一稳定”", "3.危及“三安全一穩定”"), G3_DENIED, True),
    S3Row("denied_third_party", Label("4.保护第三方合法权益", "4.保護第三方合法權益"), G3_DENIED, True),
    S3Row("denied_internal_affairs", Label("5.属于三类内部事务信息", "5.屬于三類內部事務信息"), G3_DENIED, True),
    S3Row("denied_process_info", Label("6.属于四类过程性信息", "6.屬于四類過程性信息"), G3_DENIED, True),
    S3Row("denied_enforcement_file", Label("7.属于行政执法案卷", "7.屬于行政執法案卷"), G3_DENIED, True),
    S3Row("denied_admin_inquiry", Label("8.属于行政查询事项", "8.屬于行政查詢事項"), G3_DENIED, True),
    S3Row("unable_not_held", Label("1.本机关不掌握相关政府信息", "1.本機關不掌握相關政府信息"), G4_UNABLE, True),
    S3Row("unable_needs_creation", Label("2.没有现成信息需要另行制作", "2.沒有現成信息需要另行制作"), G4_UNABLE, True),
    S3Row(
        "unable_unclear_after_correction",
        Label("3.补正后申请内容仍不明确", "3.補正后申請內容仍不明確"),
        G4_UNABLE,
        True,
    ),
    S3Row("not_handled_petition", Label("1.信访举报投诉类申请", "1.信訪舉報投訴類申請"), G5_NOT_HANDLED, True),
    S3Row("not_handled_duplicate", Label("2.重复申请", "2.重復申請"), G5_NOT_HANDLED, True),
    S3Row("not_handled_publication", Label("3.要求提供公开出版物", "3.要求提供公開出版物"), G5_NOT_HANDLED, True),
    S3Row("not_handled_excessive", Label("4.无正当理由大量反复申请", "4.無正當理由大量反復申請"), G5_NOT_HANDLED, True),
    S3Row(
        "not_handled_confirm_existing",
        Label("5.要求行政机关确认或重新出具已获取信息", "5.要求行政機關確認或重新出具已獲取信息"),
        G5_NOT_HANDLED,
        True,
    ),
    S3Row(
        "other_no_correction",
        Label(
            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "1.申請人無正當理由逾期不補正、行政機關不再處理其政府信息公開申請",
        ),
        G6_OTHER,
        True,
    ),
    S3Row(
        "other_fee_unpaid",
        Label(
            "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            "2.申請人逾期未按收費通知要求繳納費用、行政機關不再處理其政府信息公開申請",
        ),
        G6_OTHER,
        True,
    ),
    S3Row("other_other", Label("3.其他", "3.其他"), G6_OTHER, True),
    S3Row("total_processed", Label("（七）总计", "(七)總計")),
    S3Row("carried_out", Label("四、结转下年度继续办理", "四、結轉下年度繼續辦理")),
)
S3_ROW_KEYS: tuple[str, ...] = tuple(r.key for r in S3_ROWS)
S3_OUTCOME_ROWS: tuple[str, ...] = tuple(r.key for r in S3_ROWS if r.outcome)  # OUT in the SPEC (21 rows)

# --- Section 四: administrative review and litigation, 3 groups x 5 results -------------------------------

S4_REVIEW = Label("行政复议", "行政復議")
S4_LITIGATION = Label("行政诉讼", "行政訴訟")


@dataclass(frozen=True)
class S4Group:
    key: str
    label: Label  # the group as printed under its top header
    top: Label  # 行政复议 or 行政诉讼


S4_GROUPS: tuple[S4Group, ...] = (
    S4Group("review", S4_REVIEW, S4_REVIEW),
    S4Group("litigation_direct", Label("未经复议直接起诉", "未經復議直接起訴"), S4_LITIGATION),
    S4Group("litigation_after_review", Label("复议后起诉", "復議后起訴"), S4_LITIGATION),
)
S4_RESULTS: tuple[tuple[str, Label], ...] = (
    ("upheld", Label("结果维持", "結果維持")),
    ("corrected", Label("结果纠正", "結果糾正")),
    ("other", Label("其他结果", "其他結果")),
    ("pending", Label("尚未审结", "尚未審結")),
    ("total", Label("总计", "總計")),
)
S4_GROUP_KEYS: tuple[str, ...] = tuple(g.key for g in S4_GROUPS)
S4_RESULT_KEYS: tuple[str, ...] = tuple(k for k, _ in S4_RESULTS)

# --- Section headings (一 to 六) ---------------------------------------------------------------------------

SECTION_HEADINGS: tuple[Label, ...] = (
    Label("一、总体情况", "一、總體情況"),
    Label("二、主动公开政府信息情况", "二、主動公開政府信息情況"),
    Label("三、收到和处理政府信息公开申请情况", "三、收到和處理政府信息公開申請情況"),
    Label("四、政府信息公开行政复议、行政诉讼情况", "四、政府信息公開行政復議、行政訴訟情況"),
    Label("五、存在的主要问题及改进情况", "五、存在的主要問題及改進情況"),
    Label("六、其他需要报告的事项", "六、其他需要報告的事項"),
)
NARRATIVE_KEYS: tuple[str, ...] = ("overview", "problems", "other")  # sections 一, 五, 六


def _build_cells() -> tuple[Cell, ...]:
    cells: list[Cell] = []

    def add(**kw: object) -> None:
        cells.append(Cell(order=len(cells) + 1, **kw))  # type: ignore[arg-type]

    for item in S2_ITEMS:
        for field, col_label in item.fields:
            add(
                key=f"s2.{item.key}.{field}",
                section=2,
                row_key=item.key,
                col_key=field,
                row_label=item.label,
                col_label=col_label,
                kind=item.kind,
                group_label=item.subtable,
            )
    for row in S3_ROWS:
        for col in S3_COLS:
            add(
                key=f"s3.{row.key}.{col.key}",
                section=3,
                row_key=row.key,
                col_key=col.key,
                row_label=row.label,
                col_label=col.label,
                kind="count",
                group_label=row.group,
            )
    for group in S4_GROUPS:
        for result, result_label in S4_RESULTS:
            add(
                key=f"s4.{group.key}.{result}",
                section=4,
                row_key=group.key,
                col_key=result,
                row_label=group.label,
                col_label=result_label,
                kind="count",
                group_label=group.top,
            )
    return tuple(cells)


CELLS: tuple[Cell, ...] = _build_cells()
CELL_KEYS: tuple[str, ...] = tuple(c.key for c in CELLS)
CELL_BY_KEY: dict[str, Cell] = {c.key: c for c in CELLS}
FEE_KEY = "s2.admin_fees.amount_wan"
COUNT_KEYS: tuple[str, ...] = tuple(c.key for c in CELLS if c.kind == "count")
FEE_DECIMALS = 6  # DECIMAL(18,6): one fen of a 万元 is 0.000001
# The warehouse stores a return's fee as DECIMAL(FEE_DIGITS, FEE_DECIMALS) (warehouse/sql/create_tables.sql,
# cells.value_dec; tests/warehouse check the two agree): a fee that does not fit is refused (S4) before the load,
# never rounded nor left to abort the load's transaction.
FEE_DIGITS = 18

assert len(CELLS) == 200, len(CELLS)


def s3(row: str, col: str) -> str:
    """Key of a section-三 cell."""
    return f"s3.{row}.{col}"


def s4(group: str, result: str) -> str:
    """Key of a section-四 cell."""
    return f"s4.{group}.{result}"
