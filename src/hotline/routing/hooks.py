"""Where the switchboard meets apps built elsewhere; each hook works without them.

- business hours: ``hotline.calendars`` (``get_calendar`` + ``is_open``) when installed;
  otherwise always open.
- call scripts (话术树): the ``knowledge`` app registers ``call_script_provider`` with
  ``set_call_script_provider(fn)``; ``fn(call_record) -> dict | None`` is shown on the
  desktop under the screen pop (``id``: the version shown, ``html``); the path taken is
  posted to ``/desk/call/<id>/script-path/``, which hands it to the function registered
  with ``set_call_script_path_recorder(fn)``: ``fn(call_record, version_id, answers, user)
  -> str`` keeps it and answers the script's HTML at its new place (``ValidationError``
  for a path that does not fit the script).
- open a work order from the call: the ``tickets`` app registers
  ``set_work_order_url(fn)``; ``fn(call_record) -> url`` becomes the desktop's
  "Open work order" link (hidden until registered).
- open work orders of the caller: the ``tickets`` app registers
  ``set_open_orders_provider(fn)``; ``fn(customer) -> list[dict]`` (each with ``number``,
  ``title``, ``state``, ``url``) is listed in the screen pop (hidden until registered).
- area fault of the caller's region: ``set_area_fault_provider(fn)``;
  ``fn(region_id) -> str | None`` is read by the IVR and the screen pop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

_call_script: Callable[[Any], dict | None] | None = None
_call_script_path: Callable[[Any, str, list[str], Any], str] | None = None
_work_order_url: Callable[[Any], str] | None = None
_area_fault: Callable[[int], str | None] | None = None
_open_orders: Callable[[Any], list[dict]] | None = None


def set_call_script_provider(fn: Callable[[Any], dict | None] | None) -> None:
    global _call_script
    _call_script = fn


def set_call_script_path_recorder(fn: Callable[[Any, str, list[str], Any], str] | None) -> None:
    global _call_script_path
    _call_script_path = fn


def call_script_path_known() -> bool:
    return _call_script_path is not None


def record_call_script_path(record: Any, version: str, answers: list[str], by: Any) -> str:
    if _call_script_path is None:
        raise LookupError("no call scripts")
    return _call_script_path(record, version, answers, by)


def set_work_order_url(fn: Callable[[Any], str] | None) -> None:
    global _work_order_url
    _work_order_url = fn


def set_area_fault_provider(fn: Callable[[int], str | None] | None) -> None:
    global _area_fault
    _area_fault = fn


def set_open_orders_provider(fn: Callable[[Any], list[dict]] | None) -> None:
    global _open_orders
    _open_orders = fn


def open_orders_known() -> bool:
    return _open_orders is not None


def open_orders(customer: Any) -> list[dict]:
    return _open_orders(customer) if (_open_orders and customer is not None) else []


def call_scripts_known() -> bool:
    return _call_script is not None


def work_orders_known() -> bool:
    return _work_order_url is not None


def call_script_for(record: Any) -> dict | None:
    return _call_script(record) if _call_script else None


def work_order_url(record: Any) -> str:
    return _work_order_url(record) if _work_order_url else ""


def area_fault(region_id: int | None) -> str | None:
    return _area_fault(region_id) if (_area_fault and region_id) else None


def business_open(calendar: str, at: datetime) -> bool:
    try:
        from hotline.calendars.selectors import get_calendar
        from hotline.calendars.worktime import is_open
    except ImportError:
        return True
    return is_open(at, get_calendar(calendar or None))
