"""The simulated-traffic page's forms: every wrong field is named under it, what was typed
stays, and no stray text appears under a field that is right."""

from __future__ import annotations

import pytest

from hotline.accounts.models import Role
from hotline.routing.models import TrafficSetting
from tests import factories

pytestmark = pytest.mark.django_db


def test_bad_settings_name_each_field_and_keep_what_was_typed(client):
    client.force_login(factories.user(Role.TEAM_LEAD))
    typed = {"enabled": "on", "calls_per_hour": "0", "known_share": "150", "ivr_mix": "1:abc"}
    page = client.post("/desk/traffic/", typed)
    html = page.content.decode()
    assert page.status_code == 400
    assert "请填写每小时 1 到 36,000 个来电。" in html
    assert html.count('class="errorlist"') == 3
    assert 'value="150"' in html and 'value="1:abc"' in html and 'value="0"' in html
    assert not TrafficSetting.objects.filter(enabled=True).exists()
    words = client.post("/desk/traffic/", {**typed, "calls_per_hour": "many", "ivr_mix": "1:60"})
    assert words.status_code == 400 and 'value="many"' in words.content.decode()
    assert "请填写整数。" in words.content.decode()
    ok = client.post(
        "/desk/traffic/", {**typed, "calls_per_hour": "600", "known_share": "70", "ivr_mix": "1:60"}
    )
    assert ok.status_code == 302
    assert TrafficSetting.objects.get().calls_per_hour == 600


def test_a_bad_number_for_one_call_names_only_the_number(client):
    client.force_login(factories.user(Role.TEAM_LEAD))
    page = client.post("/desk/traffic/call/", {"number": "abc", "keys": "1"})
    html = page.content.decode()
    assert page.status_code == 400 and "5 到 20 位" in html
    assert html.count('class="errorlist"') == 1
    assert ">number<" not in html  # the errors' own field names are never listed
