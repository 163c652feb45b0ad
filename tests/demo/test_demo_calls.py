"""The demo's call history: a week of calls so the call log and timelines are not empty."""

from __future__ import annotations

import wave

import pytest

from hotline.customers.models import TimelineEntry
from hotline.demo.builder import demo_build
from hotline.demo.calls import RECORDED, build_call_demo
from hotline.routing.demo import switchboard_demo_setup
from hotline.telephony.models import CallRecord, CallStep


@pytest.mark.django_db
def test_a_week_of_calls_with_steps_wrap_ups_and_playable_recordings(client, tmp_path, settings):
    settings.RECORDINGS_DIR = tmp_path
    demo_build(customers=300, seed=5)
    switchboard_demo_setup()
    made = build_call_demo(seed=5, days=3, per_day=30)
    assert made == 90 == CallRecord.objects.count()
    assert build_call_demo(seed=5) == 0  # once: calls exist
    abandoned = CallRecord.objects.filter(state="abandoned")
    answered = CallRecord.objects.filter(state="ended", agent__isnull=False)
    assert abandoned.exists() and answered.count() > 60
    call = answered.filter(customer__isnull=False).first()
    kinds = list(call.steps.order_by("at").values_list("kind", flat=True))
    assert kinds == ["offered", "ivr", "queued", "ringing", "answered", "ended", "wrapped_up"]
    assert call.disposition is not None and call.wrapped_up_at > call.ended_at
    assert TimelineEntry.objects.filter(ref_model="telephony.callrecord", ref_id=str(call.pk))
    recorded = CallRecord.objects.exclude(recording="")
    assert recorded.count() == RECORDED
    newest = CallRecord.objects.filter(answered_at__isnull=False).order_by("-offered_at").first()
    assert newest.recording  # the most recent answered calls carry one
    with wave.open(str(tmp_path / newest.recording)) as audio:
        assert abs(audio.getnframes() / audio.getframerate() - newest.recording_seconds) < 0.01
    assert CallStep.objects.filter(kind="abandoned").count() == abandoned.count()

    from hotline.accounts.models import User

    client.force_login(User.objects.get(username="inspector"))
    log = client.get("/desk/calls/").content.decode()
    assert log.count("data-call=") == settings.HOTLINE_PAGE_SIZE
    page = client.get(f"/desk/calls/{newest.pk}/")
    assert page.status_code == 200 and 'id="recording"' in page.content.decode()
    assert client.get(f"/desk/calls/{newest.pk}/recording.wav").status_code == 200


@pytest.mark.django_db
def test_demo_calls_fall_in_the_working_day_whenever_the_demo_is_loaded(tmp_path, settings):
    """Loaded at 04:30 Shanghai time, the week of calls still came in between 08:00 and 20:00
    local time (not in the small hours) and all on earlier days."""
    import datetime

    from django.utils import timezone

    settings.RECORDINGS_DIR = tmp_path
    demo_build(customers=100, seed=5)
    switchboard_demo_setup()
    now = datetime.datetime(2026, 11, 24, 20, 30, tzinfo=datetime.UTC)  # 04:30 on the 25th
    build_call_demo(seed=5, days=3, per_day=20, now=now)
    local = [
        timezone.localtime(at) for at in CallRecord.objects.values_list("offered_at", flat=True)
    ]
    assert local and all(8 <= at.hour < 20 for at in local)
    assert {at.date() for at in local} == {datetime.date(2026, 11, d) for d in (22, 23, 24)}
