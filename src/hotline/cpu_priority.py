"""Which process gets a core first when the cores are busy (decision 0025).

A call center's real-time path is the switchboard (it answers, queues and rings) and the push
processes (the ring and the screen pop reach the desk through them). Page requests can wait
a few milliseconds more; background jobs (imports, exports, reports, the SMS outbox) can wait
longer. On a machine whose cores are busy, Linux shares them by niceness, so each process
lowers or raises its own at start:

============  =====  ================================================================
process       nice   why
============  =====  ================================================================
switchboard   -5     calls: routing, rings and pops must not queue behind pages
push          -5     the ring and the pop reach the desk through it
web            0     pages and the desk's commands
worker        +10    background jobs yield to everything an agent waits for
============  =====  ================================================================

Raising a priority (a negative step) needs root or ``CAP_SYS_NICE``
(systemd: ``AmbientCapabilities=CAP_SYS_NICE``, or ``Nice=-5`` in the unit); without it the
process says so once and runs at the priority it was started with. The steps are relative to
that priority, so ``nice -n 5 hotline worker`` still ends up below the web processes.
``HOTLINE_CPU_PRIORITY=off`` leaves every process as started.
"""

from __future__ import annotations

import os
import sys

from hotline.env import env_bool

ROLE_STEPS = {"switchboard": -5, "push": -5, "web": 0, "worker": 10}


def apply_role_priority(role: str) -> int | None:
    """Move this process's niceness by its role's step; the niceness it ends at, or ``None``
    when priorities are switched off (``HOTLINE_CPU_PRIORITY=off``)."""
    if not env_bool("HOTLINE_CPU_PRIORITY", True):
        return None
    step = ROLE_STEPS[role]
    if step:
        try:
            os.nice(step)
        except PermissionError:
            print(
                f"{role}: may not raise its CPU priority (needs root or CAP_SYS_NICE, see"
                " docs/deploy.md); running at the priority it was started with",
                file=sys.stderr,
                flush=True,
            )
    return os.getpriority(os.PRIO_PROCESS, 0)
