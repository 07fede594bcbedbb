"""The annual report's words: its title, table headings and rows, and the numbered
sections as sentences — written once, so the PDF (annual_pdf) and the DOCX (annual_docx)
print the same text and the same numbers.

The report is a document filed with the 保密局, so it is written in Chinese, like the
registers (backend.registers.selectors) and the loss report.
"""

from __future__ import annotations

from collections.abc import Mapping

from backend.inspection.annual import AnnualReport
from backend.inspection.evidence import FORMS, LEVELS, STATISTICS
from backend.registry.levels import Form

FORMS_ZH: dict[str, str] = {value: str(label) for value, label in Form.choices}
STAT_HEADINGS = ("登记", "复制", "借阅", "归还", "发出", "接收", "销毁", "遗失", "解密")
LEVEL_ROWS = LEVELS
FORM_ROWS = FORMS
TOTAL = "合计"


def title(report: AnnualReport) -> str:
    return f"{report.unit}{report.year}年度保密工作报告"


def statistics_rows(
    table: Mapping[str, Mapping[str, int]], keys: tuple[str, ...], names: Mapping[str, str]
) -> list[list[str]]:
    """One row per level (or form) and a 合计 row: the name, then STATISTICS in order."""
    rows = [[names[key], *(str(table[key][stat]) for stat in STATISTICS)] for key in keys]
    totals = [sum(table[key][stat] for key in keys) for stat in STATISTICS]
    return [*rows, [TOTAL, *map(str, totals)]]


def _codes(codes: list[str]) -> str:
    return "、".join(codes) if codes else "无"


def paragraphs(report: AnnualReport) -> list[tuple[str, list[str]]]:
    """The numbered sections after the two tables: (heading, paragraphs)."""
    v = report.value
    declassified = sum(row["declassified"] for row in report.by_level.values())
    review = "已开展" if report.figures["annual_review"].value else "未开展"
    lost = [row.code for row in report.figures["losses"].rows]
    findings = report.findings
    score = (
        "本年度尚未进行自查评分。"
        if report.score is None
        else f"自查自评得分 {report.score:g} 分。"
    )
    return [
        (
            "三、定密工作",
            [
                f"本年度作出定密决定 {v('classification_procedure')} 件（拟定、审核、批准、记录），"
                f"其中未经审核 {v('classification_unreviewed')} 件；解密 {declassified} 件。",
                f"年度定密审核：{review}。",
            ],
        ),
        (
            "四、清查与超期",
            [
                f"本年度完成涉密载体清查 {v('stocktakes')} 次，其中发现缺失 "
                f"{v('stocktakes_with_missing')} 次。",
                f"本年度发生超期未归还、未签收、未销毁等案件 {v('overdue_cases')} 起，"
                f"年末仍未解决 {v('overdue_unresolved')} 起。",
            ],
        ),
        (
            "五、销毁",
            [
                f"本年度完成销毁 {v('destructions')} 件，其中经两名以上监销人扫码监销 "
                f"{v('destruction_witnessed')} 件。",
            ],
        ),
        (
            "六、泄密事件与24小时报告",
            [
                f"本年度报告遗失涉密载体 {v('losses')} 件，24小时内书面报告 "
                f"{v('losses_reported')} 件。遗失载体编号：{_codes(lost)}。",
            ],
        ),
        (
            "七、检查发现问题与整改",
            [
                f"本年度记录检查发现问题：未整改 {findings['open']} 项，已整改 "
                f"{findings['closed']} 项，超过整改期限 {findings['overdue']} 项。",
            ],
        ),
        ("八、自查自评", [score]),
    ]
