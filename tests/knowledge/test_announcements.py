"""Area announcements: targeting by area, expiry, the IVR selector, pushes, the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.knowledge.models import Article
from hotline.knowledge.selectors import announcements_for_region, announcements_for_user
from hotline.knowledge.services.articles import article_archive
from hotline.push.send import recorded_pushes

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def outage(world, publish):
    """A planned outage in district d1, valid for the next six hours."""
    now = timezone.now()
    return publish(
        "天宁区计划停电公告",
        "<p>今日9时至15时天宁区部分小区停电，有线电视和宽带暂停。</p>",
        kind=Article.Kind.ANNOUNCEMENT,
        region=world.d1,
        valid_from=now - HOUR,
        valid_until=now + 6 * HOUR,
    )


def test_an_announcement_reaches_its_district_and_the_stations_below(world, outage):
    now = timezone.now()
    assert announcements_for_region(world.d1, at=now) == [outage]
    assert announcements_for_region(world.s1a, at=now) == [outage]  # a station in d1
    assert announcements_for_region(world.d2, at=now) == []
    assert announcements_for_region(world.s2a, at=now) == []


def test_an_announcement_for_everywhere_reaches_every_area(world, publish):
    now = timezone.now()
    citywide = publish(
        "全市系统升级公告",
        kind=Article.Kind.ANNOUNCEMENT,
        valid_until=now + HOUR,
    )
    assert announcements_for_region(world.s2a, at=now) == [citywide]
    assert announcements_for_region(None, at=now) == [citywide]


def test_announcements_expire_and_may_start_later(world, outage, publish):
    now = timezone.now()
    later = publish(
        "天宁区光缆割接公告",
        kind=Article.Kind.ANNOUNCEMENT,
        region=world.d1,
        valid_from=now + 2 * HOUR,
        valid_until=now + 5 * HOUR,
    )
    assert announcements_for_region(world.s1a, at=now) == [outage]
    assert announcements_for_region(world.s1a, at=now + 3 * HOUR) == [later, outage]
    assert announcements_for_region(world.s1a, at=now + 7 * HOUR) == []
    assert announcements_for_region(world.s1a, at=now - 2 * HOUR) == []


def test_a_withdrawn_announcement_is_gone_at_once(world, outage, editor):
    article_archive(article=outage, by=editor)
    assert announcements_for_region(world.s1a, at=timezone.now()) == []


def test_agents_see_the_announcements_of_their_areas_only(world, outage, agent, agent_d2, manager):
    assert announcements_for_user(agent) == [outage]
    assert announcements_for_user(agent_d2) == []
    assert announcements_for_user(manager) == [outage]


def test_publishing_pushes_to_the_pages_of_that_area(
    world, editor, django_capture_on_commit_callbacks
):
    from hotline.knowledge.services.articles import ArticleData, article_create, article_publish

    now = timezone.now()
    draft = article_create(
        data=ArticleData(
            title="武进区线路维护",
            kind=Article.Kind.ANNOUNCEMENT,
            region=world.d2,
            valid_until=now + HOUR,
        ),
        by=editor,
    )
    with recorded_pushes() as pushes, django_capture_on_commit_callbacks(execute=True):
        article_publish(article=draft, by=editor)
    groups = {(p.group, p.event) for p in pushes}
    assert (f"kbarea.{world.d2.pk}", "announcement.published") in groups
    assert ("kbarea.every", "announcement.published") in groups


def test_the_area_topic_is_only_for_those_who_work_there(world, agent, agent_d2):
    from hotline.push.topics import topic_allowed

    assert topic_allowed(agent, f"kbarea.{world.d1.pk}")
    assert topic_allowed(agent, f"kbarea.{world.city.pk}")  # the city above d1
    assert not topic_allowed(agent, f"kbarea.{world.d2.pk}")
    assert topic_allowed(agent_d2, "kbarea.all")
    assert not topic_allowed(agent_d2, "kbarea.every")


def test_the_customer_page_shows_the_announcement_of_the_customers_area(
    world, outage, client, manager
):
    client.force_login(manager)
    inside = client.get(reverse("customers:detail", args=[world.c1a.pk])).content.decode()
    outside = client.get(reverse("customers:detail", args=[world.c2a.pk])).content.decode()
    assert f'data-announcement="{outage.pk}"' in inside
    assert "天宁区计划停电公告" in inside
    assert "天宁区计划停电公告" not in outside


def test_the_home_page_shows_the_announcements_of_the_agents_area(world, outage, client, agent):
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert f'data-announcement="{outage.pk}"' in html
    assert f"kbarea.{world.d1.pk}" in html  # the panel listens for new ones
