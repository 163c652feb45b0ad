"""The switchboard's pages and services refuse text holding control or text-direction
characters, as the API and the order pages do: IVR flow names and prompts (callers' menus as
the admins read them), the wrap-up note, a supervisor's reason, the traffic mix. The error
names the field; nothing is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hotline.accounts.models import Role
from hotline.routing import services
from hotline.routing.models import IvrFlow, TrafficSetting
from hotline.telephony.models import CallRecord
from tests import factories
from tests.routing.harness import configure

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


def test_a_new_flows_name_with_an_override_is_named_and_kept(client):
    client.force_login(factories.user(Role.ADMIN))
    page = client.post("/desk/ivr/", {"code": "night", "name": f"夜间{RLO}", "number": ""})
    assert page.status_code == 400
    html = page.content.decode()
    assert "名称：" in html and "U+202E" in html and f"夜间{RLO}" in html
    assert not IvrFlow.objects.filter(code="night").exists()


def test_a_prompt_with_a_control_character_leaves_the_draft_and_shows_what_was_typed(client):
    configure(agents=0)
    flow = IvrFlow.objects.get(code="main")
    client.force_login(factories.user(Role.ADMIN))
    typed = "请按1\x1b[2J"
    page = client.post(
        f"/desk/ivr/{flow.pk}/edit/",
        {"op": "save", "path": "", "type": "menu", "prompt": typed},
        HTTP_HX_REQUEST="true",
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "提示语：" in html and "U+001B" in html and "请按1" in html
    flow.refresh_from_db()
    assert flow.draft is None


def test_a_wrap_up_note_with_an_override_is_refused_by_its_field():
    agent = factories.user(Role.AGENT)
    call = CallRecord.objects.create(
        call_id="c-1", caller="13912345678", state="ended", agent=agent, offered_at=timezone.now()
    )
    with pytest.raises(ValidationError) as refused:
        services.call_wrap_up(call=call, by=agent, disposition=None, note=f"已处理{RLO}")
    assert refused.value.message_dict["note"][0].startswith("备注")
    call.refresh_from_db()
    assert call.note == "" and call.wrapped_up_at is None


def test_a_supervisors_reason_with_a_control_character_is_refused_before_the_switch():
    lead, agent = factories.user(Role.TEAM_LEAD), factories.user(Role.AGENT)
    with pytest.raises(ValidationError) as refused:
        services.agent_state_set(agent=agent, by=lead, op="not_ready", reason="meeting\x07")
    assert "U+0007" in refused.value.message_dict["reason"][0]


def test_a_traffic_mix_with_a_control_character_is_named_with_the_other_fields(client):
    client.force_login(factories.user(Role.TEAM_LEAD))
    typed = {"enabled": "on", "calls_per_hour": "0", "known_share": "50", "ivr_mix": "1:60\x1c"}
    page = client.post("/desk/traffic/", typed)
    assert page.status_code == 400
    html = page.content.decode()
    assert "U+001C" in html and "IVR 按键分布" in html
    assert not TrafficSetting.objects.exists()
