"""Knowledge base: groups, a directory tree, articles with versions, receipts and votes.

An article's kind says how it is shown: a plain article, a policy, an area announcement
(片区公告, with an area and a validity period, shown on the home page and on the page of
every customer in the area) or a contact directory (业务联系电话, structured rows).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Region, Role, Team
from hotline.audit.record import AuditedModel


class KnowledgeGroup(AuditedModel):
    """群组: who may read and who may edit the articles of the group."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    everyone_reads = models.BooleanField(
        _("everyone may read"),
        default=False,
        help_text=_("Every user who may read the knowledge base reads this group."),
    )
    reader_roles = models.ManyToManyField(
        Role, verbose_name=_("reading roles"), blank=True, related_name="+"
    )
    reader_teams = models.ManyToManyField(
        Team, verbose_name=_("reading teams"), blank=True, related_name="+"
    )
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("readers"), blank=True, related_name="+"
    )
    editor_roles = models.ManyToManyField(
        Role, verbose_name=_("editing roles"), blank=True, related_name="+"
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("editors"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("knowledge group")
        verbose_name_plural = _("knowledge groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Directory(AuditedModel):
    """目录: a node of the directory tree; new articles take its group."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent directory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    group = models.ForeignKey(
        KnowledgeGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directories",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    # Materialised path of ids ("/3/7/"): a subtree is one prefix test.
    path = models.CharField(_("path"), max_length=400, db_index=True, editable=False)

    class Meta:
        verbose_name = _("directory")
        verbose_name_plural = _("directories")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        return self.filter(status=Article.Status.PUBLISHED)

    def valid_at(self, at: Any) -> ArticleQuerySet:
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=at),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gt=at),
        )


class Article(AuditedModel):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        POLICY = "policy", _("Policy")
        ANNOUNCEMENT = "announcement", _("Area announcement")
        CONTACTS = "contacts", _("Contact directory")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    audit_exclude = {"body_text", "useful_count", "not_useful_count"}

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(_("title"), max_length=200)
    directory = models.ForeignKey(
        Directory,
        verbose_name=_("directory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    group = models.ForeignKey(
        KnowledgeGroup,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text=_("Who may read it; empty means everyone who reads the knowledge base."),
    )
    body_html = models.TextField(_("text"), blank=True)
    body_text = models.TextField(_("plain text"), blank=True, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only for this district or station (and below); empty means everywhere."),
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    must_read = models.BooleanField(_("must read"), default=False)
    # Receipts given before this moment no longer count (a changed policy is read again).
    must_read_since = models.DateTimeField(_("must read since"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    # The area fault (work orders) this announcement is about.
    area_fault = models.ForeignKey(
        "tickets.AreaFault",
        verbose_name=_("area fault"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where a draft came from ("ticket:WO-2026-0042").
    source_ref = models.CharField(_("source"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    useful_count = models.PositiveIntegerField(_("useful"), default=0)
    not_useful_count = models.PositiveIntegerField(_("not useful"), default=0)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_article", _("Can publish and archive knowledge articles")),
            ("view_read_receipts", _("Can see who has read must-read articles")),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "valid_until"], name="kb_article_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_label(self) -> str:
        """Where a draft came from, as people read it: "ticket:WO…" is "工单 WO…"."""
        kind, _sep, reference = self.source_ref.partition(":")
        if kind == "ticket" and reference:
            return gettext("Work order %(number)s") % {"number": reference}
        return self.source_ref

    def is_valid_at(self, at: Any) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or self.valid_until > at
        )

    @property
    def is_announcement(self) -> bool:
        return self.kind == self.Kind.ANNOUNCEMENT


class ArticleContext(models.Model):
    """Where an article is suggested: a statistic item, an order type, an IVR choice."""

    class Kind(models.TextChoices):
        STATISTIC_ITEM = "statistic_item", _("Statistic item")
        ORDER_TYPE = "order_type", _("Order type")
        IVR_CHOICE = "ivr_choice", _("IVR choice")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="contexts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=60)

    class Meta:
        verbose_name = _("suggestion context")
        verbose_name_plural = _("suggestion contexts")
        constraints = [
            models.UniqueConstraint(fields=["article", "kind", "code"], name="kb_context_unique")
        ]
        indexes = [models.Index(fields=["kind", "code"], name="kb_context_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}"


class ContactEntry(models.Model):
    """One row of a contact directory (业务联系电话)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="contacts")
    department = models.CharField(_("department"), max_length=100)
    person = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=40)
    hours = models.CharField(_("hours"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.department} {self.phone}"


class ArticleVersion(models.Model):
    """What an article said at one version; versions are never changed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body_html = models.TextField(_("text"), blank=True)
    body_text = models.TextField(_("plain text"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    contacts = models.JSONField(_("contacts"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ReadReceipt(models.Model):
    """An agent confirmed having read a must-read article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("version read"))
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="kb_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article} · v{self.version}"


class Vote(models.Model):
    """ "Was this useful?" — one answer per person and article (changeable)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    useful = models.BooleanField(_("useful"))
    voted_at = models.DateTimeField(_("voted"), default=timezone.now)

    class Meta:
        verbose_name = _("helpfulness vote")
        verbose_name_plural = _("helpfulness votes")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="kb_vote_unique")]

    def __str__(self) -> str:
        # The audit log shows this: the article's title, not "5 on 13: True".
        answer = gettext("useful") if self.useful else gettext("not useful")
        return f"{self.article} · {answer}"


class SynonymGroup(AuditedModel):
    """Words that mean the same to callers: 机顶盒 / 盒子 / STB."""

    terms = models.CharField(
        _("terms"), max_length=500, help_text=_("Separate the words with “/” or commas.")
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.terms

    @property
    def term_list(self) -> list[str]:
        from hotline.knowledge.search.synonyms import split_terms

        return split_terms(self.terms)


class _FilesStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.VAR_DIR / "knowledge-files")


files_storage = _FilesStorage()


def _files_storage() -> Any:
    return files_storage


class Attachment(models.Model):
    """An image or file uploaded from the editor; served only to those who may read."""

    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="%Y/%m/", storage=_files_storage)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class SearchDocument(models.Model):
    """The segmented text of one published article, and what search filters on.

    SQLite indexes it with FTS5 tables kept in step by triggers; on PostgreSQL a trigger
    turns the texts into ``tsvector`` values with GIN indexes and does not keep the texts
    (see ``search/backends.py``; both made by the migration). Only
    published articles have a row. The id is a sequence number given in order of
    publication, so "the newest matches" is a walk down the index. The narrow filter
    columns come before the long texts: a row's filters are read without its text.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, related_name="search_document"
    )
    kind = models.CharField(max_length=16)
    group_id_value = models.BigIntegerField(null=True, db_column="group_id")
    region_id_value = models.BigIntegerField(null=True, db_column="region_id")
    directory_path = models.CharField(max_length=400, blank=True)
    valid_from = models.DateTimeField(null=True)
    valid_until = models.DateTimeField(null=True)
    published_at = models.DateTimeField(null=True)
    # Days since 1970-01-01 of publication: recency in the rank without date arithmetic.
    published_day = models.IntegerField(default=0)
    title_seg = models.TextField(blank=True)
    tags_seg = models.TextField(blank=True)
    pinyin = models.TextField(blank=True)
    body_seg = models.TextField(blank=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document {self.article_id}"


class CallScript(AuditedModel):
    """话术树: what an agent says and asks on a call, branching on the caller's answers.

    The tree being edited is the draft; saving it makes a ``CallScriptVersion`` (never
    changed afterwards) and one of the versions is the published one the desktop shows. A
    script is chosen for a call by the IVR choice the caller made, then by the call's queue,
    then by its statistic item (``services/scripts.py``).
    """

    audit_exclude = {"draft"}

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    queues = models.ManyToManyField(
        "routing.Queue", verbose_name=_("queues"), blank=True, related_name="+"
    )
    statistic_items = models.ManyToManyField(
        "catalog.StatisticItem", verbose_name=_("statistic items"), blank=True, related_name="+"
    )
    # IVR choices, e.g. "tv" (a node the caller reached) or "main:1" (key 1 at menu "main").
    ivr_choices = models.JSONField(_("IVR choices"), default=list, blank=True)
    draft = models.JSONField(_("draft"), default=dict, blank=True)
    published_version = models.ForeignKey(
        "CallScriptVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class CallScriptVersion(models.Model):
    """One saved tree of a call script; versions are never changed."""

    script = models.ForeignKey(CallScript, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    tree = models.JSONField(_("steps"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("call script version")
        verbose_name_plural = _("call script versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["script", "number"], name="kb_script_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.script_id} v{self.number}"


class CallScriptRun(models.Model):
    """The path an agent took through a call's script: the answers chosen, in order."""

    call = models.ForeignKey(
        "telephony.CallRecord", on_delete=models.CASCADE, related_name="script_runs"
    )
    version = models.ForeignKey(CallScriptVersion, on_delete=models.PROTECT, related_name="runs")
    # [{"step": "s2", "answer": "a1"}, ...] and the ids of the steps shown.
    path = models.JSONField(_("path"), default=list)
    steps = models.JSONField(_("steps shown"), default=list)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("call script path")
        verbose_name_plural = _("call script paths")
        constraints = [
            models.UniqueConstraint(fields=["call", "version"], name="kb_script_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.call_id} v{self.version_id}"

    def described(self) -> list[dict[str, str]]:
        """The questions asked and the answers chosen, as the call's page lists them."""
        from hotline.knowledge.services.script_trees import iter_steps

        questions = {}
        for step, _position, _siblings in iter_steps(self.version.tree.get("steps") or []):
            for answer in step.get("answers") or []:
                questions[answer.get("id")] = (step.get("text", ""), answer.get("label", ""))
        return [
            {"question": questions[e["answer"]][0], "answer": questions[e["answer"]][1]}
            for e in self.path
            if e.get("answer") in questions
        ]
