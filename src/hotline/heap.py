"""The garbage collector of a long-running server process, tuned for the screen pop.

CPython's full collection stops the whole process while it walks every object it tracks.
In a ``hotline run`` process serving 500 desks at 20 calls a second (docs/benchmarks.md,
decision 0026) full passes came about 20 times a minute and took 120-270 ms each: the
300,000 objects made at start-up (Django's apps, models, URL patterns, templates, the
switchboard's configuration), the 500 sockets' tasks, and some 25,000 cycles of garbage
that Django's request handling leaves each time (request, session and template contexts).
Every pop in flight during a pass waited for it.

Once start-up is done, ``settle`` collects once and freezes what is left (``gc.freeze``:
never walked again; reference counting still frees those objects), and lets ten times as
many middle-generation passes go by between full ones. Full passes then come about once a
minute and take longer (about 0.4 s: the garbage of the minute), so the process spends a
fifth of the time it did stopped; short-lived objects are still collected by the young
passes as before. ``HOTLINE_GC_SETTLE=off`` keeps CPython's defaults.
"""

from __future__ import annotations

import gc

from hotline.env import env_bool

OLD_THRESHOLD = 100  # middle-generation passes between full ones (CPython: 10)
_settled = False


def settle() -> None:
    """Freeze the objects made at start-up and space out full passes; once per process, when
    it is ready to serve."""
    global _settled
    if _settled or not env_bool("HOTLINE_GC_SETTLE", default=True):
        return
    _settled = True
    gc.collect()
    gc.freeze()
    young, middle, _old = gc.get_threshold()
    gc.set_threshold(young, middle, OLD_THRESHOLD)
