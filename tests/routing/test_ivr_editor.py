"""The admins' IVR flow editor over HTTP: who may open it, node edits on the draft, the
problems in words, publishing refused then accepted, the preview walk, restoring a version."""

from __future__ import annotations

import pytest

from hotline.accounts.models import AuditEntry, Role
from hotline.events import recorded_events
from hotline.routing.domain import ivr_edit
from hotline.routing.models import IvrFlow, IvrFlowVersion
from tests import factories
from tests.routing.harness import MENU, configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow():
    configure(agents=0)  # queues tv and net, and the flow "main" published as version 1
    return IvrFlow.objects.get(code="main")


@pytest.fixture
def admin(client):
    person = factories.user(Role.ADMIN)
    client.force_login(person)
    return person


def edit(client, flow, **data):
    return client.post(f"/desk/ivr/{flow.pk}/edit/", data, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.ADMIN, True), (Role.AGENT, False), (Role.TEAM_LEAD, False), (Role.DISPATCHER, False)],
)
def test_only_admins_open_the_editor(client, flow, role, allowed):
    client.force_login(factories.user(role))
    for url in ("/desk/ivr/", f"/desk/ivr/{flow.pk}/"):
        assert client.get(url).status_code == (200 if allowed else 403)
    posted = edit(client, flow, op="remove", path="1")
    assert posted.status_code == (200 if allowed else 403)
    assert client.post(f"/desk/ivr/{flow.pk}/publish/").status_code in (
        (302, 400) if allowed else (403,)
    )


def test_the_editor_shows_the_published_tree_as_nested_nodes(client, flow, admin):
    page = client.get(f"/desk/ivr/{flow.pk}/").content.decode()
    assert 'id="ivr-node-root"' in page and 'id="ivr-node-2"' in page
    assert 'data-kind="callback"' in page
    assert 'data-restore="1"' in page  # the versions list


def test_editing_a_node_changes_the_draft_only_and_is_audited(client, flow, admin):
    response = edit(client, flow, op="save", path="2", type="queue", queue="tv", priority="3")
    assert response.status_code == 200 and 'id="ivr-editor"' in response.content.decode()
    flow.refresh_from_db()
    assert flow.draft["options"]["2"] == {
        "id": "to-net",
        "type": "queue",
        "queue": "tv",
        "priority": 3,
    }
    assert flow.published().tree == MENU  # callers still hear version 1
    assert AuditEntry.objects.filter(object_id=str(flow.pk), actor=admin).exists()
    # A new choice, then its type changed: the id stays, the fields follow the type.
    edit(client, flow, op="add", path="", slot="5", kind="play")
    flow.refresh_from_db()
    new_id = flow.draft["options"]["5"]["id"]
    edit(client, flow, op="save", path="5", type="hangup", label="Bye", message="Goodbye")
    flow.refresh_from_db()
    assert flow.draft["options"]["5"] == {
        "id": new_id,
        "type": "hangup",
        "label": "Bye",
        "message": "Goodbye",
    }
    # Moved to another key of the menu, then removed.
    edit(client, flow, op="move", path="5", to="|", digit="7")
    flow.refresh_from_db()
    assert "5" not in flow.draft["options"] and flow.draft["options"]["7"]["id"] == new_id
    edit(client, flow, op="remove", path="7")
    flow.refresh_from_db()
    assert set(flow.draft["options"]) == {"1", "2", "9"}


def test_a_refused_edit_says_why(client, flow, admin):
    taken = edit(client, flow, op="add", path="", slot="1", kind="play")
    assert taken.status_code == 400 and 'id="ivr-error"' in taken.content.decode()
    root = edit(client, flow, op="remove", path="")
    assert root.status_code == 400
    flow.refresh_from_db()
    assert flow.draft is None


def test_validate_lists_every_problem_with_where_it_is(client, flow, admin):
    edit(client, flow, op="add", path="", slot="3", kind="play")  # a message leading nowhere
    edit(client, flow, op="save", path="1", type="queue", queue="")  # no queue chosen
    page = client.post(f"/desk/ivr/{flow.pk}/validate/", HTTP_HX_REQUEST="true").content
    page = page.decode()
    assert page.count("<li data-path=") == 2
    new_id = IvrFlow.objects.get(pk=flow.pk).draft["options"]["3"]["id"]
    assert 'data-path="3" data-code="dead_end"' in page and new_id in page
    assert 'data-path="1" data-code="unknown_queue"' in page


def test_publishing_is_refused_while_problems_remain_then_accepted(client, flow, admin):
    edit(client, flow, op="add", path="", slot="3", kind="play")
    refused = client.post(f"/desk/ivr/{flow.pk}/publish/")
    assert refused.status_code == 400
    assert 'id="ivr-error"' in refused.content.decode()
    assert 'data-code="dead_end"' in refused.content.decode()
    assert flow.versions.count() == 1
    edit(client, flow, op="add", path="3", slot="next", kind="hangup")
    with recorded_events() as published:
        assert client.post(f"/desk/ivr/{flow.pk}/publish/").status_code == 302
    version = flow.published()
    assert version.version == 2 and version.created_by == admin
    assert version.tree["options"]["3"]["next"]["type"] == "hangup"
    assert ("ivr.published", {"flow": "main", "version": 2}) in [
        (e.name, e.data) for e in published
    ]
    flow.refresh_from_db()
    assert flow.draft is None  # the editor starts again from what is published


def test_the_preview_walks_the_draft_with_keys_and_hours(client, flow, admin):
    edit(client, flow, op="save", path="", label="Main menu", prompt="Press 1 for TV")
    result = client.post(f"/desk/ivr/{flow.pk}/preview/", {"keys": "7 1"}).content.decode()
    assert "Press 1 for TV" in result
    assert 'data-key="7"' in result and 'data-key="1"' in result  # a wrong key, then 1
    assert 'data-kind="queue"' in result and "电视" in result  # where the call goes
    waiting = client.post(f"/desk/ivr/{flow.pk}/preview/", {"keys": ""}).content.decode()
    assert 'data-kind="wait"' in waiting
    bad = client.post(f"/desk/ivr/{flow.pk}/preview/", {"keys": "1a"}).content.decode()
    assert 'id="ivr-preview-error"' in bad


def test_the_preview_takes_the_closed_branch_when_asked(client, admin):
    configure(agents=0, flow=None)
    tree = {
        "id": "h",
        "type": "hours",
        "calendar": "",
        "open": {"id": "o", "type": "queue", "queue": "tv"},
        "closed": {"id": "c", "type": "callback", "queue": "net"},
    }
    night = IvrFlow.objects.create(code="night", name="Night", draft=tree)
    result = client.post(f"/desk/ivr/{night.pk}/preview/", {"hours": "closed"}).content.decode()
    assert 'data-kind="callback"' in result and "宽带" in result
    result = client.post(f"/desk/ivr/{night.pk}/preview/", {"hours": "open"}).content.decode()
    assert 'data-kind="queue"' in result


def test_an_earlier_version_is_restored_as_the_draft(client, flow, admin):
    edit(client, flow, op="remove", path="9")
    edit(client, flow, op="remove", path="2")
    assert client.post(f"/desk/ivr/{flow.pk}/publish/").status_code == 302
    first = IvrFlowVersion.objects.get(flow=flow, version=1)
    response = client.post(f"/desk/ivr/{flow.pk}/versions/{first.pk}/restore/")
    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.draft == MENU and flow.published().version == 2
    other = IvrFlow.objects.create(code="other", name="Other")
    assert client.post(f"/desk/ivr/{other.pk}/versions/{first.pk}/restore/").status_code == 404


def test_a_new_flow_starts_as_an_empty_menu_draft(client, admin):
    configure(agents=0, flow=None)
    response = client.post("/desk/ivr/", {"code": "vip", "name": "VIP line", "number": "96600"})
    created = IvrFlow.objects.get(code="vip")
    assert response["Location"] == f"/desk/ivr/{created.pk}/"
    assert created.draft["type"] == "menu" and created.draft["options"] == {}
    again = client.post("/desk/ivr/", {"code": "vip", "name": "Again"})
    assert again.status_code == 400


def test_tree_edits_never_touch_the_tree_they_were_given():
    tree = {"id": "m", "type": "menu", "prompt": "", "options": {}}
    grown = ivr_edit.add_child(tree, "", "1", "menu")
    grown = ivr_edit.add_child(grown, "1", "2", "queue")
    assert tree["options"] == {}
    with pytest.raises(ivr_edit.EditError) as error:
        ivr_edit.move(grown, "1", "1/2", "next")
    assert error.value.code == "into_itself"
    moved = ivr_edit.move(grown, "1/2", "", "timeout")
    assert moved["timeout"]["type"] == "queue" and moved["options"]["1"]["options"] == {}
