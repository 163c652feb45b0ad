"""A server process freezes its start-up objects and spaces out full collections once."""

from __future__ import annotations

import json

from tests.processes import run_python

PROBE = """
import gc, json
from hotline import heap
before = gc.get_threshold()
heap.settle()
frozen = gc.get_freeze_count()
heap.settle()  # a second lifespan in the same process changes nothing
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": frozen,
                  "again": gc.get_freeze_count()}))
"""


def test_settle_freezes_once_and_spaces_out_full_passes():
    result = run_python("-c", PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["frozen"] > 1000 and seen["again"] == seen["frozen"]
    assert seen["after"] == [seen["before"][0], seen["before"][1], 100]


def test_settle_can_be_switched_off_and_refuses_a_malformed_value():
    off = run_python("-c", PROBE, HOTLINE_GC_SETTLE="off")
    seen = json.loads(off.stdout)
    assert seen["frozen"] == 0 and seen["after"] == seen["before"]
    bad = run_python("-c", PROBE, HOTLINE_GC_SETTLE="maybe")
    assert bad.returncode != 0 and "HOTLINE_GC_SETTLE" in bad.stderr
