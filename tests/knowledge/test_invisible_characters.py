"""The knowledge base refuses text holding control or text-direction characters, as the
API and the order pages do ("Trojan Source": text that displays as something other than what
is stored): the error names the field, what was typed stays, nothing is written. The body is
sanitised HTML: those characters are dropped from it, as scripts are."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotline.knowledge.models import (
    Article,
    Attachment,
    CallScript,
    Directory,
    KnowledgeGroup,
    SynonymGroup,
)
from hotline.knowledge.services import scripts as script_services
from hotline.knowledge.services.articles import ArticleData, article_create, article_update
from hotline.knowledge.services.organisation import attachment_upload

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


def test_a_title_with_a_direction_override_is_named_under_the_title_and_kept(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("knowledge:new"), {"kind": "article", "title": f"退费{RLO}流程", "tags": "账单"}
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors["title"]
    assert error.startswith("标题") and "U+202E" in error
    assert response.context["form"]["title"].value() == f"退费{RLO}流程"
    assert not Article.objects.exists()


def test_a_control_character_in_a_tag_or_a_contact_is_refused_by_its_field(editor):
    with pytest.raises(ValidationError) as tags:
        article_create(data=ArticleData(title="停机", tags=["账单\x1b[31m"]), by=editor)
    with pytest.raises(ValidationError) as contacts:
        article_create(
            data=ArticleData(
                title="通讯录",
                kind=Article.Kind.CONTACTS,
                contacts=[{"department": "客服\x07", "phone": "10086"}],
            ),
            by=editor,
        )
    assert "U+001B" in tags.value.message_dict["tags"][0]
    assert contacts.value.message_dict["contacts"][0].startswith("联系人")
    assert not Article.objects.exists()


def test_a_version_note_with_an_override_leaves_the_article_as_it_was(editor):
    article = article_create(data=ArticleData(title="停机"), by=editor)
    with pytest.raises(ValidationError) as refused:
        article_update(
            article=article, data=ArticleData(title="停机通知"), by=editor, note=f"{RLO}改"
        )
    assert "U+202E" in refused.value.message_dict["note"][0]
    article.refresh_from_db()
    assert article.title == "停机" and article.version == 1


def test_the_body_loses_direction_overrides_and_controls_but_keeps_its_line_breaks(editor):
    body = f"<p>退款{RLO}0001</p>\n<p>第二段&#x202E;txt\x0b完</p><pre>a\tb</pre>"
    article = article_create(data=ArticleData(title="退款", body_html=body), by=editor)
    assert article.body_html == "<p>退款0001</p>\n<p>第二段txt完</p><pre>a\tb</pre>"
    assert RLO not in article.body_text and RLO not in article.versions.get().body_html


def test_an_attachment_whose_name_reverses_its_extension_is_refused(editor):
    upload = SimpleUploadedFile(f"invoice{RLO}gnp.exe", b"x", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        attachment_upload(by=editor, upload=upload)
    assert refused.value.message_dict["file"][0].startswith("文件名")
    assert not Attachment.objects.exists()


def test_synonyms_directory_and_group_names_are_checked_too(client, editor, admin_user):
    client.force_login(editor)
    synonyms = client.post(reverse("knowledge:synonyms"), {"terms": f"机顶盒 / 盒子{RLO}"})
    assert "U+202E" in synonyms.context["form"].errors["terms"][0]
    directory = client.post(reverse("knowledge:directories"), {"name": "故障\x08处理"})
    assert directory.context["form"].errors["name"][0].startswith("目录名称")
    client.force_login(admin_user)
    group = client.post(reverse("knowledge:group_new"), {"name": f"客服{RLO}组"})
    assert group.context["form"].errors["name"][0].startswith("名称")
    assert not (SynonymGroup.objects.exists() or Directory.objects.exists())
    assert not KnowledgeGroup.objects.exists()


def test_a_script_name_with_an_override_is_named_under_the_name(client, editor):
    client.force_login(editor)
    response = client.post(reverse("knowledge:scripts"), {"name": f"无信号{RLO}", "active": "on"})
    assert "U+202E" in response.context["form"].errors["name"][0]
    assert not CallScript.objects.exists()


def test_a_step_text_with_an_override_is_refused_and_shown_as_typed(client, editor):
    script = script_services.script_create(
        data=script_services.ScriptSettings(name="无信号"), by=editor
    )
    script_services.draft_change(
        script=script, op="add", values={"type": "say", "text": "您好"}, by=editor
    )
    before = json.dumps(CallScript.objects.get(pk=script.pk).draft)
    client.force_login(editor)
    draft = reverse("knowledge:script_draft", args=[script.pk])
    typed = f"请按{RLO}1"
    page = client.post(
        draft, {"op": "edit", "item": "s1", "text": typed}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "要说的话" in page and "U+202E" in page and typed in page
    added = client.post(
        draft, {"op": "add", "type": "ask", "text": "好了吗\x07"}, HTTP_HX_REQUEST="true"
    )
    assert "U+0007" in added.content.decode()
    assert json.dumps(CallScript.objects.get(pk=script.pk).draft) == before


def test_a_stored_tree_with_an_override_in_an_answer_cannot_be_saved(editor):
    tree = {
        "next_id": 5,
        "steps": [
            {
                "id": "s1",
                "type": "ask",
                "text": "亮灯吗？",
                "answers": [
                    {"id": "a1", "label": f"是{RLO}", "steps": []},
                    {"id": "a2", "label": "否", "steps": []},
                ],
            }
        ],
    }
    script = script_services.script_create(
        data=script_services.ScriptSettings(name="亮灯"), by=editor, tree=tree
    )
    with pytest.raises(ValidationError) as refused:
        script_services.script_save(script=script, by=editor)
    assert any("U+202E" in message for message in refused.value.messages)
    assert not script.versions.exists()
