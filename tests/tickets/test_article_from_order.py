""" "Create article from this order": a resolved or closed order's fault and solution become a
knowledge-base draft in review. Anyone who may see the order may offer it; an editor goes on
to finish the draft, others go back to the order."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.accounts.models import Role
from hotline.knowledge.models import Article
from hotline.tickets.services.dispatching import ticket_dispatch
from hotline.tickets.services.transitions import ticket_accept, ticket_arrive, ticket_resolve
from tests import factories

pytestmark = pytest.mark.django_db

BUTTON = 'data-form="article"'


def resolved(desk, open_order):
    ticket = open_order(category_id=desk.no_signal.pk, description="整栋楼无信号\n机顶盒重启无效")
    ticket = ticket_dispatch(ticket=ticket, technician=desk.tech_a, by=desk.dispatcher)
    ticket = ticket_accept(ticket=ticket, by=desk.tech_a.user)
    ticket = ticket_arrive(ticket=ticket, by=desk.tech_a.user)
    return ticket_resolve(
        ticket=ticket,
        by=desk.tech_a.user,
        note="楼道分配器进水，更换后恢复",
        parts_used="分配器 ×1",
        confirmation_code=ticket.confirmation_code,
    )


@pytest.fixture
def admin(desk):
    return factories.user(Role.ADMIN, username="admin1")


def test_an_admin_drafts_an_article_from_a_resolved_order(desk, open_order, client, admin):
    ticket = resolved(desk, open_order)
    client.force_login(admin)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert BUTTON in page
    response = client.post(reverse("tickets:article", args=[ticket.pk]))
    article = Article.objects.get(source_ref=f"ticket:{ticket.number}")
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:edit", args=[article.pk])
    assert article.status == Article.Status.REVIEW
    assert article.title == "无信号: 整栋楼无信号"
    assert "整栋楼无信号" in article.body_html and "楼道分配器进水" in article.body_html
    assert "分配器 ×1" in article.body_html
    assert list(article.tags.values_list("name", flat=True)) == ["无信号"]
    assert client.get(response["Location"]).status_code == 200  # the editor opens
    line = ticket.history.get(action="article_drafted")
    assert (line.actor_id, line.data) == (admin.pk, {"article_id": article.pk})
    # Asked again: the same draft, one history line.
    again = client.post(reverse("tickets:article", args=[ticket.pk]))
    assert again["Location"] == response["Location"]
    assert Article.objects.filter(source_ref=f"ticket:{ticket.number}").count() == 1
    assert ticket.history.filter(action="article_drafted").count() == 1


def test_a_knowledge_editor_who_sees_orders_gets_the_button(desk, open_order, client):
    ticket = resolved(desk, open_order)
    editor = factories.user(Role.KNOWLEDGE_EDITOR, regions=[desk.world.d1])
    client.force_login(editor)
    url = reverse("tickets:detail", args=[ticket.pk])
    assert client.get(url).status_code == 403  # editors do not read work orders by default
    from django.contrib.auth.models import Permission

    editor.role.permissions.add(Permission.objects.get(codename="view_ticket"))
    editor = type(editor).objects.get(pk=editor.pk)  # permissions cache
    client.force_login(editor)
    assert BUTTON in client.get(url).content.decode()
    response = client.post(reverse("tickets:article", args=[ticket.pk]))
    assert response.status_code == 302 and "/edit/" in response["Location"]


def test_a_dispatcher_offers_the_solution_to_the_editors(desk, open_order, client):
    ticket = resolved(desk, open_order)
    url = reverse("tickets:detail", args=[ticket.pk])
    client.force_login(desk.dispatcher)
    assert BUTTON in client.get(url).content.decode()
    response = client.post(reverse("tickets:article", args=[ticket.pk]))
    assert response.status_code == 302 and response["Location"] == url
    article = Article.objects.get(source_ref=f"ticket:{ticket.number}")
    assert article.status == Article.Status.REVIEW
    line = ticket.history.get(action="article_drafted")
    assert line.actor_id == desk.dispatcher.pk


def test_refused_to_people_who_may_not_see_work_orders(desk, open_order, client):
    ticket = resolved(desk, open_order)
    editor = factories.user(Role.KNOWLEDGE_EDITOR, regions=[desk.world.d1])
    client.force_login(editor)
    assert client.post(reverse("tickets:article", args=[ticket.pk])).status_code == 403
    assert not Article.objects.filter(source_ref=f"ticket:{ticket.number}").exists()
    assert not ticket.history.filter(action="article_drafted").exists()


def test_not_offered_before_the_order_is_resolved_nor_outside_the_scope(
    desk, open_order, client, admin
):
    ticket = open_order()
    client.force_login(admin)
    assert BUTTON not in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    response = client.post(reverse("tickets:article", args=[ticket.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert not Article.objects.exists()
    # An editor bound to another district with order access: the order is not found.
    done = resolved(desk, open_order)
    far = factories.user(Role.KNOWLEDGE_EDITOR, regions=[desk.world.d2])
    from django.contrib.auth.models import Permission

    far.role.permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(far)
    assert client.post(reverse("tickets:article", args=[done.pk])).status_code == 404
