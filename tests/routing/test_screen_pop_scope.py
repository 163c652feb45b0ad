"""The screen pop is pushed from the switchboard's memory as the phone rings, and carries the
caller's customer only to an agent whose scope holds the customer's region."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hotline.push.send import recorded_pushes
from hotline.routing import stores
from hotline.telephony.models import CallRecord
from tests import factories
from tests.routing.harness import Harness, configure, known_caller, run

pytestmark = pytest.mark.django_db(transaction=True)


def _offer_to(agent, number: str = "13912345678") -> tuple[dict, list[str]]:
    """Ring ``agent`` with a call from ``number``: the pushed pop and the call's steps."""

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        with recorded_pushes() as pushes:
            await h.call(number, keys="1", think=2, talk=30)
            await h.advance(2)  # the caller presses 1: the agent's phone rings
        h.close()
        return pushes

    pushes = run(scenario())
    offers = [p for p in pushes if p.event == "call.offered"]
    assert len(offers) == 1 and offers[0].group == f"agent.{agent.pk}"  # once, not twice
    record = CallRecord.objects.get(call_id=offers[0].data["call_id"])
    return offers[0].data, list(record.steps.values_list("kind", flat=True))


def test_an_agent_of_the_callers_region_gets_the_customer_in_the_pop():
    city = factories.region("city")
    district = factories.region("district", parent=city)
    (agent,) = configure(agents=1)
    agent.regions.set([city])  # a region above the customer's: it is in scope
    customer = known_caller(district)

    pop, kinds = _offer_to(agent)

    assert pop["customer"] == {
        "id": customer.pk,
        "name": customer.name,
        "vip_level": 0,
        "region_id": district.pk,
    }
    assert pop["number"] != "13912345678"  # masked
    assert pop["queue"] == "tv" and pop["ivr_path"] and pop["consult"] is False
    assert kinds[-1] == "ringing"  # the offer is written too


def test_an_agent_of_another_region_sees_an_unknown_caller():
    city, town = factories.region("city"), factories.region("town")
    (agent,) = configure(agents=1)
    agent.regions.set([town])
    known_caller(city)

    pop, _kinds = _offer_to(agent)

    assert pop["customer"] is None
    assert pop["number"] != "13912345678"


def test_the_pop_read_from_the_database_applies_the_same_scope():
    city, town = factories.region("city"), factories.region("town")
    inside, outside = factories.user(regions=[city]), factories.user(regions=[town])
    customer = known_caller(city)
    record = CallRecord.objects.create(
        call_id="c1",
        channel="sim-1",
        caller="13912345678",
        customer=customer,
        state="ringing",
        offered_at=timezone.now(),
    )

    assert stores.screen_pop(record, agent_id=inside.pk)["customer"]["id"] == customer.pk
    assert stores.screen_pop(record, agent_id=outside.pk)["customer"] is None


def test_the_pops_cached_scope_follows_region_and_role_changes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.accounts.models import Role
    from hotline.routing.stores import pop_customer_for

    city, town = factories.region("city"), factories.region("town")
    (agent,) = configure(agents=1)
    agent.regions.set([city])
    customer = {"id": 1, "name": "王伟", "region_id": city.pk}
    assert pop_customer_for(agent_id=agent.pk, customer=customer) == customer
    with CaptureQueriesContext(connection) as reads:
        assert pop_customer_for(agent_id=agent.pk, customer=customer) == customer
    assert len(reads.captured_queries) == 0  # cached: no row read at each offer
    agent.regions.set([town])  # an admin moves the agent: the ACL version moves
    assert pop_customer_for(agent_id=agent.pk, customer=customer) is None
    agent.regions.set([city])
    assert pop_customer_for(agent_id=agent.pk, customer=customer) == customer
    agent.role = Role.objects.get(code="technician")  # no right to see customers
    agent.save()
    assert pop_customer_for(agent_id=agent.pk, customer=customer) is None


def test_an_agent_who_becomes_ready_has_their_pop_scope_read_before_the_offer():
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.accounts.acl_cache import acl_user_key
    from hotline.routing.stores import pop_customer_for

    city = factories.region("city")
    (agent,) = configure(agents=1)
    agent.regions.set([city])
    cache.delete(acl_user_key("pop", agent.pk))

    async def scenario():
        h = Harness()
        await h.start()
        await h.ready(agent)
        await h.sb.settle()
        h.close()

    run(scenario())

    customer = {"id": 1, "name": "王伟", "region_id": city.pk}
    with CaptureQueriesContext(connection) as reads:
        assert pop_customer_for(agent_id=agent.pk, customer=customer) == customer
    assert len(reads.captured_queries) == 0  # read in when the agent became ready


def test_the_pop_panel_reads_the_offer_and_the_call_together():
    """The pop reaches the desk before the switchboard's writer commits. Were the record
    read before the offer was looked up, a commit in between (queue, IVR choice and the
    ringing step together) would show a panel without its queue and choices."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hotline.routing.selectors import call_for_desk
    from hotline.telephony.models import CallStep

    (agent,) = configure(agents=1)
    record = CallRecord.objects.create(
        call_id="c1",
        channel="sim-1",
        caller="13912345678",
        state="ringing",
        offered_at=timezone.now(),
        queue="tv",
    )
    CallStep.objects.create(call=record, at=timezone.now(), kind="ringing", agent=agent)

    with CaptureQueriesContext(connection) as reads:
        assert call_for_desk(agent, "c1") == record
    (read,) = reads.captured_queries  # one statement, one snapshot: the offer with its record
    assert "telephony_callstep" in read["sql"] and "telephony_callrecord" in read["sql"]


def test_the_pop_panel_shows_the_customer_only_within_the_agents_scope(client):
    from hotline.telephony.models import CallStep

    city, town = factories.region("city"), factories.region("town")
    mine, other = configure(agents=2)
    mine.regions.set([city])
    other.regions.set([town])
    customer = known_caller(city)
    for n, agent in enumerate((mine, other)):
        record = CallRecord.objects.create(
            call_id=f"c{n}",
            channel=f"sim-{n}",
            caller="13912345678",
            customer=customer,
            state="ringing",
            offered_at=timezone.now(),
            queue="tv",
        )
        CallStep.objects.create(call=record, at=timezone.now(), kind="ringing", agent=agent)
    client.force_login(mine)
    assert customer.name in client.get("/desk/pop/c0/").content.decode()
    client.force_login(other)
    panel = client.get("/desk/pop/c1/")
    assert panel.status_code == 200 and customer.name not in panel.content.decode()
