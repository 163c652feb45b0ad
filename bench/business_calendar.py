"""SLA deadline arithmetic on the office calendar: how long one deadline takes.

    python bench/business_calendar.py [--deadlines 200000]

Pure Python, no database: the office calendar (Mon–Fri 08:30–12:00, 13:30–17:30) with the
2025 and 2026 official schedules; random start instants across 2025–2026 and the three SLA
target kinds (24 h wall clock, 48 working hours, 3 working days), plus working time between
two instants. The first call per year builds the year's index (timed separately).
Last line: {"deadlines": N, "first_year_index_ms": …, "working_hours_us": {"p50": …, "p99": …},
"working_days_us": {…}, "between_us": {…}}.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hotline.calendars.official import SCHEDULES
from hotline.calendars.worktime import (
    Calendar,
    Target,
    TargetUnit,
    deadline,
    office_week,
    working_time_between,
)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=200_000)
    args = parser.parse_args()

    holidays: dict = {}
    workdays: dict = {}
    for schedule in SCHEDULES.values():
        holidays.update(schedule.holidays())
        workdays.update(schedule.makeup_workdays())
    cal = Calendar(
        "office",
        office_week(("08:30", "12:00"), ("13:30", "17:30")),
        holidays=holidays,
        workdays=workdays,
        known_years=frozenset(SCHEDULES),
    )
    tz = ZoneInfo("Asia/Shanghai")
    rng = random.Random(7)
    base = datetime(2025, 1, 1, tzinfo=tz)
    starts = [
        base + timedelta(seconds=rng.randrange(0, 700 * 86400)) for _ in range(args.deadlines)
    ]

    began = time.perf_counter()
    cal.year(2025)
    first_index_ms = (time.perf_counter() - began) * 1000
    for year in (2026, 2027):
        cal.year(year)

    figures = {}
    for label, target in (
        ("working_hours_us", Target(48, TargetUnit.WORKING_HOURS)),
        ("working_days_us", Target(3, TargetUnit.WORKING_DAYS)),
        ("wall_clock_us", Target(24, TargetUnit.HOURS)),
    ):
        samples = []
        for start in starts:
            t0 = time.perf_counter()
            deadline(start, target, cal)
            samples.append((time.perf_counter() - t0) * 1e6)
        figures[label] = {
            "p50": round(percentile(samples, 50), 2),
            "p99": round(percentile(samples, 99), 2),
        }
    samples = []
    for start in starts:
        end = start + timedelta(days=9)
        t0 = time.perf_counter()
        working_time_between(start, end, cal)
        samples.append((time.perf_counter() - t0) * 1e6)
    figures["between_us"] = {
        "p50": round(percentile(samples, 50), 2),
        "p99": round(percentile(samples, 99), 2),
    }
    print(
        json.dumps(
            {
                "deadlines": args.deadlines,
                "first_year_index_ms": round(first_index_ms, 3),
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
