"""Call scripts (话术树): the tree and its checks, versions, the choice of a script for a
call, the editor's pages and who may open them, and the path taken posted by the desktop."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from hotline.accounts.models import AuditEntry, Role, Team, User
from hotline.catalog.models import StatisticItem
from hotline.events import recorded_events
from hotline.knowledge.models import Article, CallScript, CallScriptRun, KnowledgeGroup
from hotline.knowledge.services import script_trees as trees
from hotline.knowledge.services import scripts as svc
from hotline.routing import hooks
from hotline.routing.models import AgentSkill, Queue, Skill
from hotline.telephony.models import CallRecord
from tests import factories

pytestmark = pytest.mark.django_db

TREE = {
    "next_id": 10,
    "steps": [
        {"id": "s1", "type": "say", "text": "您好，请问是电视没有信号吗？"},
        {
            "id": "s2",
            "type": "ask",
            "text": "机顶盒指示灯是什么颜色？",
            "answers": [
                {
                    "id": "a1",
                    "label": "红灯",
                    "steps": [
                        {"id": "s3", "type": "say", "text": "请重新插拔信号线。"},
                        {
                            "id": "s4",
                            "type": "ask",
                            "text": "恢复了吗？",
                            "answers": [
                                {"id": "a3", "label": "恢复", "steps": []},
                                {
                                    "id": "a4",
                                    "label": "没有",
                                    "steps": [
                                        {
                                            "id": "s5",
                                            "type": "suggest",
                                            "text": "",
                                            "order_type": "",
                                            "statistic_item": "tv-signal",
                                        }
                                    ],
                                },
                            ],
                        },
                    ],
                },
                {"id": "a2", "label": "绿灯", "steps": []},
            ],
        },
        {"id": "s6", "type": "say", "text": "感谢来电。"},
    ],
}


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted in English (the pages would be Chinese by default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def editor(world):
    return factories.user(Role.KNOWLEDGE_EDITOR, regions=[world.city], username="editor")


@pytest.fixture
def item(db):
    return StatisticItem.objects.create(
        code="tv-signal", label_zh="电视无信号", label_en="No signal"
    )


@pytest.fixture
def tv_queue(db):
    skill = Skill.objects.create(code="tv", label_zh="电视", label_en="TV")
    return Queue.objects.create(code="tv", label_zh="电视故障", label_en="TV faults", skill=skill)


def make_script(editor, name="无信号", tree=None, publish=True, **attach):
    script = svc.script_create(
        data=svc.ScriptSettings(name=name, **attach),
        by=editor,
        tree=json.loads(json.dumps(tree or TREE)),
    )
    svc.script_save(script=script, by=editor, note="first", publish_it=publish)
    script.refresh_from_db()
    return script


def a_call(agent, *, queue="tv", ivr_path=None, call_id="c-1", **fields):
    return CallRecord.objects.create(
        call_id=call_id,
        caller="13912345678",
        state="talking",
        queue=queue,
        agent=agent,
        ivr_path=ivr_path or [],
        offered_at=timezone.now(),
        **fields,
    )


# -- the tree -----------------------------------------------------------------------------


def test_a_walk_follows_the_answers_into_branches_and_on_after_the_question(item):
    walked = trees.walk(TREE, [])
    assert walked.step_ids == ["s1", "s2"] and walked.waiting["id"] == "s2"
    walked = trees.walk(TREE, ["a1", "a4"])
    assert walked.step_ids == ["s1", "s2", "s3", "s4", "s5", "s6"] and walked.finished
    assert walked.path == [{"step": "s2", "answer": "a1"}, {"step": "s4", "answer": "a4"}]
    assert trees.walk(TREE, ["a2"]).step_ids == ["s1", "s2", "s6"]
    with pytest.raises(ValidationError) as error:
        trees.walk(TREE, ["a3"])
    assert "“a3” is not an answer to the question “机顶盒指示灯是什么颜色？”" in str(error.value)


def test_the_checks_name_the_step_that_is_wrong(item):
    tree = json.loads(json.dumps(TREE))
    tree["steps"][0]["text"] = " "
    tree["steps"][1]["answers"][0]["steps"][1]["answers"][1]["label"] = ""
    suggest = tree["steps"][1]["answers"][0]["steps"][1]["answers"][0]["steps"]
    suggest.append({"id": "s7", "type": "suggest", "order_type": "nope", "statistic_item": ""})
    tree["steps"].append({"id": "s8", "type": "link", "article": 999})
    tree["steps"].append({"id": "s9", "type": "ask", "text": "还有吗？", "answers": []})
    errors = trees.tree_errors(tree)
    assert "Step 1 (say): the text to say is empty." in errors
    assert "Step 2 › 红灯 › 2 (ask): an answer is empty." in errors
    assert "Step 2 › 红灯 › 2 › 恢复 › 1 (suggest): there is no order type “nope”." in errors
    assert "Step 4 (link): there is no article number 999." in errors
    assert "Step 5 (ask): a question needs at least two answers." in errors
    assert trees.tree_errors({"steps": []}) == ["A call script needs at least one step."]
    assert trees.tree_errors(TREE) == []


def test_the_draft_is_built_step_by_step_and_saving_it_checks_it(editor, item):
    script = svc.script_create(data=svc.ScriptSettings(name="宽带"), by=editor)
    first = svc.draft_change(
        script=script, op="add", values={"type": "say", "text": "您好"}, by=editor
    )
    ask = svc.draft_change(script=script, op="add", values={"type": "ask"}, by=editor)
    with pytest.raises(ValidationError) as error:
        svc.script_save(script=script, by=editor)
    assert "Step 2 (ask): the question is empty." in error.value.messages
    svc.draft_change(
        script=script, op="edit", values={"item": ask, "text": "光猫亮红灯吗？"}, by=editor
    )
    script.refresh_from_db()
    yes = script.draft["steps"][1]["answers"][0]["id"]
    svc.draft_change(
        script=script,
        op="add",
        values={"parent": yes, "type": "suggest", "statistic_item": "tv-signal"},
        by=editor,
    )
    svc.draft_change(script=script, op="up", values={"item": ask}, by=editor)
    script.refresh_from_db()
    assert [s["id"] for s in script.draft["steps"]] == [ask, first]
    svc.draft_change(script=script, op="down", values={"item": ask}, by=editor)
    with recorded_events() as events:
        version = svc.script_save(script=script, by=editor, note="v1")
    assert (
        version.number == 1
        and version.tree["steps"][1]["answers"][0]["steps"][0]["type"] == "suggest"
    )
    assert [e.name for e in events] == ["call_script.saved"]
    assert AuditEntry.objects.filter(
        model="knowledge.callscript", object_id=str(script.pk), action="save_version"
    ).exists()
    svc.draft_change(script=script, op="delete", values={"item": first}, by=editor)
    script.refresh_from_db()
    assert [s["id"] for s in script.draft["steps"]] == [ask]
    with pytest.raises(ValidationError):
        svc.draft_change(script=script, op="edit", values={"item": "s99"}, by=editor)


def test_agents_may_not_change_scripts(editor, agent, item):
    script = make_script(editor)
    with pytest.raises(PermissionDenied):
        svc.draft_change(script=script, op="add", values={"type": "say"}, by=agent)
    with pytest.raises(PermissionDenied):
        svc.script_save(script=script, by=agent)


def test_versions_are_kept_and_a_restore_is_a_new_version(editor, item):
    script = make_script(editor)
    first = script.published_version
    svc.draft_change(
        script=script, op="edit", values={"item": "s1", "text": "改过的开场白"}, by=editor
    )
    second = svc.script_save(script=script, by=editor, note="改开场白")
    first.refresh_from_db()
    assert first.tree["steps"][0]["text"] == "您好，请问是电视没有信号吗？"  # never changed
    assert script.published_version_id == first.pk  # saving does not publish
    svc.script_publish(script=script, version=second, by=editor)
    script.refresh_from_db()
    assert script.published_version_id == second.pk
    with recorded_events() as events:
        third = svc.script_restore(script=script, version=first, by=editor)
    assert (
        third.number == 3 and third.tree == first.tree and third.note == "Restored from version 1"
    )
    script.refresh_from_db()
    assert script.draft == first.tree and script.published_version_id == second.pk
    assert [e.name for e in events] == ["call_script.restored"]
    assert AuditEntry.objects.filter(model="knowledge.callscript", action="restore").exists()


def test_a_call_gets_its_script_by_ivr_choice_then_queue_then_statistic_item(
    editor, agent, item, tv_queue
):
    by_ivr = make_script(editor, name="按键1", ivr_choices=["main:1"])
    by_node = make_script(editor, name="电视节点", ivr_choices=["tv-more"])
    by_queue = make_script(editor, name="电视队列", queues=[tv_queue])
    by_item = make_script(editor, name="无信号统计项", statistic_items=[item])
    make_script(editor, name="未发布", ivr_choices=["main:2"], publish=False)
    path = [
        {"node": "main", "type": "menu"},
        {"node": "main", "key": "1"},
        {"node": "tv", "type": "queue", "queue": "tv"},
    ]
    assert svc.script_for(ivr_path=path, queue="tv") == by_ivr
    deeper = [*path[:2], {"node": "tv-more", "type": "menu"}]
    assert svc.script_for(ivr_path=deeper, queue="tv") == by_node  # the deepest choice
    assert svc.script_for(ivr_path=[{"node": "main", "key": "2"}], queue="tv") == by_queue
    assert svc.script_for(ivr_path=[], queue="net", statistic_item_id=item.pk) == by_item
    assert svc.script_for(ivr_path=[], queue="net") is None
    by_ivr.active = False  # switched off (kept per process: the change is seen at once)
    by_ivr.save(update_fields=["active"])
    assert svc.script_for(ivr_path=path, queue="tv") == by_queue
    # Through the desktop's hook, with the script as HTML.
    call = a_call(agent, ivr_path=path)
    shown = hooks.call_script_for(call)
    assert shown["script"] == by_queue.pk and shown["id"] == by_queue.published_version_id
    assert "机顶盒指示灯是什么颜色？" in shown["html"] and 'data-answer="a1"' in shown["html"]


# -- the editor's pages -------------------------------------------------------------------


def test_only_knowledge_editors_and_admins_open_the_editor(
    world, client, editor, agent, admin_user, item
):
    script = make_script(editor)
    technician = factories.user(Role.TECHNICIAN, regions=[world.d1], username="tech")
    urls = [
        reverse("knowledge:scripts"),
        reverse("knowledge:script", args=[script.pk]),
        reverse("knowledge:script_versions", args=[script.pk]),
        reverse("knowledge:script_preview", args=[script.pk]),
    ]
    for user, allowed in [(editor, True), (admin_user, True), (agent, False), (technician, False)]:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == (200 if allowed else 403), (user, url)
        posted = client.post(
            reverse("knowledge:script_draft", args=[script.pk]), {"op": "add", "type": "say"}
        )
        assert posted.status_code == (302 if allowed else 403)


def test_the_editor_changes_the_draft_with_htmx_saves_and_previews(client, editor, item):
    client.force_login(editor)
    created = client.post(reverse("knowledge:scripts"), {"name": "数字机顶盒", "active": "on"})
    script = CallScript.objects.get(name="数字机顶盒")
    assert created.url == reverse("knowledge:script", args=[script.pk])
    draft = reverse("knowledge:script_draft", args=[script.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    tree = client.post(draft, {"op": "add", "type": "ask", "text": "指示灯亮吗？"}, **htmx)
    assert 'id="script-tree"' in tree.content.decode() and "<html" not in tree.content.decode()
    script.refresh_from_db()
    ask = script.draft["steps"][0]
    yes, no = (a["id"] for a in ask["answers"])
    client.post(
        draft, {"op": "add", "parent": yes, "type": "say", "text": "请重启机顶盒。"}, **htmx
    )
    client.post(draft, {"op": "edit", "item": no, "label": "不亮"}, **htmx)
    bad = client.post(draft, {"op": "edit", "item": "s404", "text": "x"}, **htmx).content.decode()
    assert "There is no step “s404” in this script." in bad
    saved = client.post(reverse("knowledge:script_save", args=[script.pk]), {"publish": "1"})
    assert saved.status_code == 302
    script.refresh_from_db()
    assert script.published_version.number == 1
    preview = reverse("knowledge:script_preview", args=[script.pk])
    page = client.get(preview).content.decode()
    assert "指示灯亮吗？" in page and "请重启机顶盒。" not in page
    walked = client.get(preview, {"answers": yes}, **htmx).content.decode()
    assert "请重启机顶盒。" in walked and "End of the script." in walked
    versions = client.get(reverse("knowledge:script_versions", args=[script.pk])).content.decode()
    assert 'data-version="1"' in versions


def test_saving_an_invalid_draft_tells_which_step(client, editor):
    client.force_login(editor)
    script = svc.script_create(data=svc.ScriptSettings(name="空"), by=editor)
    svc.draft_change(script=script, op="add", values={"type": "say"}, by=editor)
    response = client.post(reverse("knowledge:script_save", args=[script.pk]), follow=True)
    assert "Step 1 (say): the text to say is empty." in response.content.decode()
    assert not script.versions.exists()


# -- the path taken on a call -------------------------------------------------------------


def test_the_agent_of_the_call_records_the_path_and_the_call_page_shows_it(
    client, editor, agent, item, tv_queue
):
    script = make_script(editor, queues=[tv_queue])
    call = a_call(agent)
    url = reverse("routing:script_path", args=[call.call_id])
    version = script.published_version
    client.force_login(agent)
    response = client.post(url, {"version": version.pk, "answers": "a1"})
    assert response.status_code == 200 and "请重新插拔信号线。" in response.content.decode()
    response = client.post(url, {"version": version.pk, "answers": "a1,a4"})
    run = CallScriptRun.objects.get(call=call)
    assert run.path == [{"step": "s2", "answer": "a1"}, {"step": "s4", "answer": "a4"}]
    assert run.steps == ["s1", "s2", "s3", "s4", "s5", "s6"] and run.by == agent
    # The pop shows the script where the agent left it.
    assert 'aria-pressed="true"' in hooks.call_script_for(call)["html"]
    page = client.get(reverse("routing:call", args=[call.pk])).content.decode()
    assert "机顶盒指示灯是什么颜色？ → <strong>红灯</strong>" in page


def test_a_path_that_does_not_fit_the_script_is_refused_with_the_reason(
    client, editor, agent, item
):
    script = make_script(editor)
    call = a_call(agent)
    url = reverse("routing:script_path", args=[call.call_id])
    client.force_login(agent)
    response = client.post(url, {"version": script.published_version.pk, "answers": "a1,zz"})
    assert response.status_code == 400
    assert response.json()["errors"]["answers"] == [
        "“zz” is not an answer to the question “恢复了吗？”."
    ]
    response = client.post(url, {"version": "0", "answers": "a1"})
    assert response.status_code == 400 and "version" in response.json()["errors"]
    assert not CallScriptRun.objects.exists()


def test_only_the_agent_of_the_call_or_their_team_lead_may_record_the_path(
    world, client, editor, agent, team_lead, item, tv_queue
):
    script = make_script(editor)
    call = a_call(agent)
    url = reverse("routing:script_path", args=[call.call_id])
    data = {"version": script.published_version.pk, "answers": "a2"}
    other = factories.user(Role.AGENT, regions=[world.d1], username="agent_other")
    client.force_login(other)
    assert client.post(url, data).status_code == 404
    client.force_login(editor)
    assert client.post(url, data).status_code == 404
    client.force_login(team_lead)
    assert client.post(url, data).status_code == 404  # not the lead of this agent's team
    team = Team.objects.create(name="A", lead=team_lead)
    agent.team = team
    agent.save(update_fields=["team"])
    AgentSkill.objects.create(agent=agent, skill=tv_queue.skill)
    assert client.post(url, data).status_code == 200
    assert CallScriptRun.objects.get(call=call).by == team_lead


def test_link_steps_show_published_articles(editor, agent, publish):
    article = publish("机顶盒指示灯说明", "<p>红灯表示无信号。</p>")
    leads_only = publish(
        "班长考核细则", "<p>……</p>", group=KnowledgeGroup.objects.create(name="班组长")
    )
    tree = {
        "next_id": 3,
        "steps": [
            {"id": "s1", "type": "link", "article": article.pk, "text": "参阅"},
            {"id": "s2", "type": "link", "article": leads_only.pk, "text": "班长参阅"},
        ],
    }
    script = make_script(editor, tree=tree, ivr_choices=["tv"])
    call = a_call(agent, ivr_path=[{"node": "tv", "type": "queue", "queue": "tv"}])
    html = hooks.call_script_for(call)["html"]
    assert reverse("knowledge:article", args=[article.pk]) in html and "机顶盒指示灯说明" in html
    assert "班长考核细则" not in html and "The article is not available." in html  # not the agent's
    Article.objects.filter(pk=article.pk).update(status=Article.Status.ARCHIVED)
    assert trees.tree_errors(script.published_version.tree)[:1] == [
        f"Step 1 (link): there is no article number {article.pk}."
    ]


def test_the_demo_has_published_scripts_for_the_tv_and_broadband_keys(db):
    from hotline.demo.builder import demo_build

    demo_build(customers=20, seed=5)
    scripts = {s.name: s for s in CallScript.objects.select_related("published_version")}
    assert set(scripts) == {"电视无信号（数字机顶盒）", "宽带无法上网"}
    for script in scripts.values():
        assert script.published_version and trees.tree_errors(script.published_version.tree) == []
    tv = svc.script_for(ivr_path=[{"node": "main", "key": "1"}, {"node": "tv", "type": "queue"}])
    assert tv.name == "电视无信号（数字机顶盒）"
    walked = trees.walk(tv.published_version.tree, ["a1", "a12"])
    assert "fault-repair" in [step.get("order_type") for step in walked.steps]
    agent = User.objects.get(username="agent")
    call = a_call(agent, ivr_path=[{"node": "main", "key": "1"}])
    svc.script_path_record(call=call, version=tv.published_version, answers=["a1", "a12"], by=agent)
    html = hooks.call_script_for(call)["html"]
    # Opens the suggested order, from this call.
    assert f"{reverse('tickets:new')}?call={call.call_id}&amp;type=fault-repair" in html


def test_the_screen_pop_shows_the_script_with_answers_that_post_the_path(
    client, editor, agent, item, tv_queue
):
    script = make_script(editor, queues=[tv_queue])
    call = a_call(agent, customer=None)
    client.force_login(agent)
    pop = client.get(reverse("routing:pop", args=[call.call_id])).content.decode()
    assert f'data-script="{script.published_version_id}"' in pop
    assert f'hx-post="{reverse("routing:script_path", args=[call.call_id])}"' in pop
    assert "机顶盒指示灯是什么颜色？" in pop and "请重新插拔信号线。" not in pop


def test_the_list_names_ivr_choices_by_the_published_flows_labels(client, editor, item):
    from hotline.routing.demo import DEMO_FLOW
    from hotline.routing.models import IvrFlow, IvrFlowVersion

    flow = IvrFlow.objects.create(code="main", name="主流程")
    IvrFlowVersion.objects.create(flow=flow, version=1, tree={"id": "old", "type": "hangup"})
    IvrFlowVersion.objects.create(flow=flow, version=2, tree=DEMO_FLOW, published_at=timezone.now())
    IvrFlowVersion.objects.create(  # a later draft version, not published: not shown
        flow=flow, version=3, tree={**DEMO_FLOW, "label": "草稿"}
    )
    make_script(editor, name="按键1", ivr_choices=["main:1", "tv", "gone:7"])
    client.force_login(editor)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("knowledge:scripts")).content.decode()
    assert "IVR: 主菜单, key 1: 电视故障" in html  # a key pressed at a menu
    assert "IVR: 电视故障</span>" in html  # a node reached
    assert "IVR: gone:7</span>" in html  # no longer in a published flow: its code
    # The form lists the choices it can take, with their codes.
    assert "<code>main:9</code></td><td>主菜单, key 9: 预约回呼" in html
    assert "草稿" not in html
