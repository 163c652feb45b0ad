"""Demo traffic: simulated callers at the rate and mix a team lead set on the traffic page."""

from __future__ import annotations

import random
from typing import Any

from hotline.telephony.simulated import CallerScript

SETTINGS_EVERY = 5.0  # seconds of real time between re-reading the traffic setting


def read_setting() -> dict[str, Any]:
    from hotline.routing.models import TrafficSetting

    row = TrafficSetting.objects.first()
    if row is None:
        return {"enabled": False}
    return {
        "enabled": row.enabled,
        "calls_per_hour": row.calls_per_hour,
        "known_share": row.known_share,
        "ivr_mix": parse_mix(row.ivr_mix),
    }


def known_numbers(limit: int = 500) -> list[str]:
    from hotline.customers.models import CustomerPhone

    return list(CustomerPhone.objects.order_by("id").values_list("number", flat=True)[:limit])


def parse_mix(text: str) -> list[tuple[str, int]]:
    """'1:60,2:25' -> [('1', 60), ('2', 25)]; raises ValueError naming the bad part."""
    mix = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        key, _sep, weight = part.partition(":")
        if (
            not key
            or len(key) > 4
            or not weight.isdigit()
            or any(c not in "0123456789*#" for c in key)
        ):
            raise ValueError(part)
        mix.append((key, int(weight)))
    return mix


class DemoTraffic:
    def __init__(self, switchboard: Any, *, rng: random.Random | None = None) -> None:
        self.sb = switchboard
        self.rng = rng or random.Random()
        self.setting: dict[str, Any] = {"enabled": False}
        self.numbers: list[str] = []
        self._last = None  # simulated time of the last tick
        self._read_at = -1e18
        self.placed = 0

    async def tick(self) -> None:
        clock = self.sb.clock
        now = clock.now()
        if (now - self._read_at) * clock.to_seconds(1.0) >= SETTINGS_EVERY or self._read_at < 0:
            self._read_at = now
            self.setting = await self.sb.db.run(read_setting)
            if self.setting.get("enabled") and not self.numbers:
                self.numbers = await self.sb.db.run(known_numbers)
        if self._last is None or not self.setting.get("enabled"):
            self._last = now
            return
        elapsed, self._last = now - self._last, now
        expected = self.setting["calls_per_hour"] / 3600.0 * elapsed
        calls = int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)
        for _ in range(calls):
            self.place()

    def place(self) -> str:
        setting = self.setting
        known = self.numbers and self.rng.randrange(100) < setting.get("known_share", 0)
        number = self.rng.choice(self.numbers) if known else f"139{self.rng.randrange(10**8):08d}"
        mix = setting.get("ivr_mix") or [("1", 1)]
        keys = self.rng.choices([k for k, _w in mix], weights=[w for _k, w in mix])[0]
        script = CallerScript(
            keys=keys,
            think=self.rng.uniform(1, 4),
            patience=self.rng.uniform(60, 300),
            talk=self.rng.uniform(30, 240),
        )
        self.placed += 1
        return self.sb.switch.place_call(number, "96655", script)
