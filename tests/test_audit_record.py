"""History is written by the services; signals are only the admin's safety net."""

from __future__ import annotations

from hotline.accounts.models import AuditEntry, Region
from hotline.audit.context import acting_as
from hotline.audit.record import audit_record, audit_saved


def test_inside_a_service_the_signal_stays_silent_and_the_service_records(world, agent):
    region = Region.objects.get(pk=world.d2.pk)
    before = AuditEntry.objects.count()
    with acting_as(agent):
        region.name = "武进新区"
        region.save(update_fields=["name"])
        assert AuditEntry.objects.count() == before  # no entry by accident
        entry = audit_saved(region, fields=["name"])
    assert entry.changes == {"name": ["武进区", "武进新区"]}
    assert entry.actor_name == "agent_d1"


def test_outside_a_service_the_signal_still_records_a_change(world):
    region = Region.objects.get(pk=world.d2.pk)
    region.name = "武进新区"
    region.save()
    entry = AuditEntry.objects.filter(model="accounts.region", action="update").latest("id")
    assert entry.changes["name"] == ["武进区", "武进新区"]


def test_secret_looking_names_are_never_logged_in_clear(db):
    entry = audit_record(
        action="update",
        model="integrations.thing",
        object_id="1",
        changes={
            "api_key": ["old-key", "new-key"],
            "webhook_secret": [None, "whsec_abc"],
            "nested": {"access_token": "tok", "name": "ok"},
            "name": ["a", "b"],
        },
    )
    entry.refresh_from_db()
    assert entry.changes == {
        "api_key": ["***", "***"],
        "webhook_secret": [None, "***"],
        "nested": {"access_token": "***", "name": "ok"},
        "name": ["a", "b"],
    }


def test_every_audited_model_names_its_rows_for_the_audit_log():
    """The audit log shows ``str(row)``: Django's default, "TrafficSetting object (1)", is
    English and tells the reader nothing."""
    from django.apps import apps
    from django.db import models

    from hotline.audit.record import AuditedModel

    unnamed = [
        model.__name__
        for model in apps.get_models()
        if issubclass(model, AuditedModel) and model.__str__ is models.Model.__str__
    ]
    assert unnamed == []
