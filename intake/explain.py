"""``nianbao parse --explain``: every cell of a return with where it was read.

One line per cell in the form's order — the table, the row label and the column label as the form names them, the
value, and the place in the source ("第3页 表2 第7行 第8列（总计）：“0”", or the text line and offset) — then the
cells that were cut from glued digits and the identities that decided the cut, which therefore vouch for
nothing ("not independently checked").
"""

from __future__ import annotations

from decimal import Decimal

from schemas import cells as C
from schemas.returns import CanonicalReturn
from schemas.single_row import SINGLE_ROW
from schemas.values import fee_text

_SECTION = {2: "表二", 3: "表三", 4: "表四"}


def _value(v: object) -> str:
    if v is None:
        return "（缺失）"
    return fee_text(v) if isinstance(v, Decimal) else str(v)


def cell_name(key: str) -> str:
    """'表三 （一）予以公开 × 总计' — the cell as the form names it."""
    cell = C.CELL_BY_KEY[key]
    group = f"{cell.group_label.zh} " if cell.group_label and cell.section == 3 else ""
    return f"{_SECTION[cell.section]} {group}{cell.row_label.zh} × {cell.col_label.zh}"


def explain_lines(ret: CanonicalReturn) -> list[str]:
    out = [f"{ret.unit_name or '（单位未知）'} {ret.year}年：{len(ret.cells)} 个单元格"]
    for key in C.CELL_KEYS:
        where = ret.provenance.get(key, "（表单或JSON，无版面位置）")
        out.append(f"{key}\t{cell_name(key)}\t= {_value(ret.cells.get(key))}\t← {where}")
    if ret.other_single_row is not None:
        out.append("非标准表格：（六）其他处理 按一行填报，三个子行缺失：")
        for col, v in zip(C.S3_COLS, ret.other_single_row):
            key = C.s3(SINGLE_ROW, col.key)
            out.append(
                f"{key}\t表三 （六）其他处理（一行） × {col.label.zh}\t= {_value(v)}\t← {ret.provenance.get(key, '')}"
            )
    if ret.decoded:
        used = sorted({name for names in ret.decoded.values() for name in names})
        out.append(f"连写数字切分：{len(ret.decoded)} 个单元格由连写数字切出。")
        out.append(
            "未独立核对 (not independently checked): " + ("、".join(used) if used else "（唯一切分，未用勾稽关系）")
        )
    return out
