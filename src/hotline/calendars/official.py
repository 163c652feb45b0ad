"""The State Council's published holiday schedules (国务院办公厅关于部分节假日安排的通知).

One entry per year: the days off (放假) and the make-up working days (调休上班) exactly as the
notice lists them. Weekends inside a holiday block are listed too, so a calendar that is
open on weekends (a hotline open Saturdays) still closes for the whole block.

Sources:
- 2025: 国办发明电〔2024〕12号, published 2024-11-12 (gov.cn, 2024年第34号国务院公报).
- 2026: 国办发明电〔2025〕7号, published 2025-11-04 (gov.cn, 2025年第32号国务院公报).
- 2027: not known to this release (the notice is usually published in November of the year
  before); admins enter it in the admin when it appears, and until then the year is reported
  as missing (see docs/decisions/0008-business-calendars.md).

Both years were cross-checked against the independent ``holidays`` package (0.108, China).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Block:
    name: str
    first: date
    last: date
    makeup_workdays: tuple[date, ...] = ()

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class YearSchedule:
    year: int
    source: str
    blocks: tuple[Block, ...]

    def holidays(self) -> dict[date, str]:
        return {day: block.name for block in self.blocks for day in block.days()}

    def makeup_workdays(self) -> dict[date, str]:
        return {day: block.name for block in self.blocks for day in block.makeup_workdays}


D = date

SCHEDULES: dict[int, YearSchedule] = {
    2025: YearSchedule(
        2025,
        "国办发明电〔2024〕12号",
        (
            Block("元旦", D(2025, 1, 1), D(2025, 1, 1)),
            Block("春节", D(2025, 1, 28), D(2025, 2, 4), (D(2025, 1, 26), D(2025, 2, 8))),
            Block("清明节", D(2025, 4, 4), D(2025, 4, 6)),
            Block("劳动节", D(2025, 5, 1), D(2025, 5, 5), (D(2025, 4, 27),)),
            Block("端午节", D(2025, 5, 31), D(2025, 6, 2)),
            Block(
                "国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8), (D(2025, 9, 28), D(2025, 10, 11))
            ),
        ),
    ),
    2026: YearSchedule(
        2026,
        "国办发明电〔2025〕7号",
        (
            Block("元旦", D(2026, 1, 1), D(2026, 1, 3), (D(2026, 1, 4),)),
            Block("春节", D(2026, 2, 15), D(2026, 2, 23), (D(2026, 2, 14), D(2026, 2, 28))),
            Block("清明节", D(2026, 4, 4), D(2026, 4, 6)),
            Block("劳动节", D(2026, 5, 1), D(2026, 5, 5), (D(2026, 5, 9),)),
            Block("端午节", D(2026, 6, 19), D(2026, 6, 21)),
            Block("中秋节", D(2026, 9, 25), D(2026, 9, 27)),
            Block("国庆节", D(2026, 10, 1), D(2026, 10, 7), (D(2026, 9, 20), D(2026, 10, 10))),
        ),
    ),
}
