from __future__ import annotations

from django.urls import path

from hotline.knowledge.views import editing, organising, panels, reading, scripts

app_name = "knowledge"

urlpatterns = [
    path("", reading.index, name="index"),
    path("a/<int:pk>/", reading.article_detail, name="article"),
    path("a/<int:pk>/confirm/", reading.article_confirm, name="confirm"),
    path("a/<int:pk>/vote/", reading.article_vote_view, name="vote"),
    path("a/<int:pk>/edit/", editing.article_edit, name="edit"),
    path("a/<int:pk>/versions/", editing.article_versions, name="versions"),
    path("a/<int:pk>/versions/<int:number>/restore/", editing.article_restore, name="restore"),
    path("a/<int:pk>/<slug:action>/", editing.article_action, name="action"),
    path("new/", editing.article_new, name="new"),
    path("desk/", editing.desk, name="desk"),
    path("files/upload/", editing.upload, name="upload"),
    path("files/<int:pk>/", reading.attachment_file, name="file"),
    path("receipts/", reading.receipts, name="receipts"),
    path("receipts/<int:pk>/", reading.receipt_detail, name="receipt_detail"),
    path("synonyms/", organising.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/", organising.synonym_edit, name="synonym_edit"),
    path("groups/", organising.groups, name="groups"),
    path("groups/new/", organising.group_edit, name="group_new"),
    path("groups/<int:pk>/", organising.group_edit, name="group_edit"),
    path("directories/", organising.directories, name="directories"),
    path("directories/<int:pk>/", organising.directories, name="directory_edit"),
    path("scripts/", scripts.script_list, name="scripts"),
    path("scripts/<int:pk>/", scripts.script_edit, name="script"),
    path("scripts/<int:pk>/draft/", scripts.script_draft, name="script_draft"),
    path("scripts/<int:pk>/save/", scripts.script_save, name="script_save"),
    path("scripts/<int:pk>/preview/", scripts.script_preview, name="script_preview"),
    path("scripts/<int:pk>/versions/", scripts.script_versions, name="script_versions"),
    path(
        "scripts/<int:pk>/versions/<int:number>/<slug:action>/",
        scripts.script_version_action,
        name="script_version_action",
    ),
    path("suggest/", panels.suggest, name="suggest"),
    path("panels/home/", panels.home_panel, name="home_panel"),
    path("panels/customer/", panels.customer_panel, name="customer_panel"),
]
