"""What opening an order reads from configuration is kept, and forgotten when it changes."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from hotline.accounts.models import Role
from hotline.config_cache import config_cached, config_version
from hotline.tickets.routing import escalation_chain
from hotline.tickets.services.opening import form_specs, policy_for
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_kept_answer_is_served_until_the_configuration_changes(desk):
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    assert config_cached("probe", 1, load) == 1
    assert config_cached("probe", 1, load) == 1
    desk.fault.label_en = "Fault repair (cable)"
    desk.fault.save(update_fields=["label_en"])
    assert config_cached("probe", 1, load) == 2


def test_a_cleared_cache_never_makes_an_old_answer_current(desk):
    before = config_version()
    cache.clear()
    assert config_version() != before


def test_a_new_sla_rule_applies_to_the_next_order(desk):
    assert policy_for(desk.fault, "low") == desk.normal
    desk.fault.sla_rules.create(priority="low", policy=desk.major)
    assert policy_for(desk.fault, "low") == desk.major


def test_a_new_form_field_is_asked_for_on_the_next_order(desk):
    assert [f.key for f in form_specs(desk.fault)] == ["symptom", "device", "photo"]
    desk.fault.fields.create(key="floor", label_zh="楼层", label_en="Floor", sort_order=0)
    assert [f.key for f in form_specs(desk.fault)] == ["floor", "symptom", "device", "photo"]


def test_a_dispatcher_bound_to_the_station_joins_the_chain(desk):
    assert escalation_chain(desk.world.s1a)[0] == desk.dispatcher.pk
    newcomer = factories.user(Role.DISPATCHER, username="disp_new")
    newcomer.regions.add(desk.world.s1a)
    assert escalation_chain(desk.world.s1a)[:2] == [desk.dispatcher.pk, newcomer.pk]


def test_a_deactivated_owner_leaves_the_chain(desk):
    desk.lead.is_active = False
    desk.lead.save(update_fields=["is_active"])
    assert desk.lead.pk not in escalation_chain(desk.world.s1a)


def test_a_caller_changing_the_chain_it_got_changes_nothing_kept(desk):
    chain = escalation_chain(desk.world.s1a)
    chain.clear()
    assert escalation_chain(desk.world.s1a)[0] == desk.dispatcher.pk


def test_nothing_found_is_not_kept_and_the_kept_answers_are_bounded(desk, monkeypatch):
    from hotline import config_cache

    loads = []
    assert config_cached("probe-none", "x", lambda: loads.append(1)) is None
    assert config_cached("probe-none", "x", lambda: loads.append(1)) is None
    assert len(loads) == 2
    monkeypatch.setattr(config_cache, "MAX_KEPT", 5)
    config_cache.config_cache_clear()
    for n in range(12):
        config_cached("probe-many", n, lambda n=n: n)
    assert len(config_cache._answers) <= 5
