"""Writing articles: create, edit, review, publish, archive, restore a version.

Every function checks that ``by`` may do it, changes the article, writes a version when the
content changed, updates the search index in the same short transaction, records the audit
entry and publishes the domain event. The editor pages, the admin and the demo builder all
come through here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.audit.context import acting_as
from hotline.audit.record import audit_saved
from hotline.events import publish
from hotline.knowledge.access import PUBLISH, can_edit_article, knowledge_scope
from hotline.knowledge.models import (
    Article,
    ArticleContext,
    ArticleVersion,
    ContactEntry,
    Directory,
    KnowledgeGroup,
    Tag,
)
from hotline.knowledge.sanitize import clean_html, html_to_text
from hotline.knowledge.search.index import index_article
from hotline.typed_text import check_texts, text_error

MAX_BODY = 500_000


@dataclass
class ArticleData:
    """What an editor sets on an article (the form, the API and the demo fill it in)."""

    title: str
    body_html: str = ""
    kind: str = Article.Kind.ARTICLE
    directory: Directory | None = None
    group: KnowledgeGroup | None = None
    tags: list[str] = field(default_factory=list)
    region: Any = None
    valid_from: datetime.datetime | None = None
    valid_until: datetime.datetime | None = None
    must_read: bool = False
    contexts: list[tuple[str, str]] = field(default_factory=list)
    contacts: list[dict[str, str]] = field(default_factory=list)
    area_fault: Any = None  # a tickets.AreaFault
    source_ref: str = ""


CONTACT_FIELDS = ("department", "person", "phone", "hours", "note")
UPDATABLE = [
    "kind",
    "title",
    "directory",
    "group",
    "body_html",
    "body_text",
    "region",
    "valid_from",
    "valid_until",
    "must_read",
    "must_read_since",
    "area_fault",
    "updated_at",
]


def _unsafe_text(data: ArticleData) -> dict[str, Any]:
    """The fields whose text holds a control or text-direction character, each error naming
    its field; read before the spaces are tidied (``split`` takes some controls for spaces).
    The body is not among them: ``clean_html`` drops those characters, as it drops scripts."""
    texts = {
        "title": (_("Title"), data.title or ""),
        "tags": (_("Tags"), "".join(data.tags)),
        "contacts": (
            _("Contacts"),
            "".join(str(row.get(key, "")) for row in data.contacts for key in CONTACT_FIELDS),
        ),
        "contexts": (
            _("Suggestion contexts"),
            "".join(code or "" for _kind, code in data.contexts),
        ),
    }
    return {
        name: error
        for name, (label, value) in texts.items()
        if (error := text_error(value, label)) is not None
    }


def _clean_data(data: ArticleData) -> ArticleData:
    errors: dict[str, Any] = _unsafe_text(data)
    if errors:
        raise ValidationError(errors)
    data.title = " ".join((data.title or "").split())
    if not data.title:
        errors["title"] = _("An article needs a title.")
    elif len(data.title) > 200:
        errors["title"] = _("A title has at most 200 characters.")
    if data.kind not in Article.Kind.values:
        errors["kind"] = _("Unknown kind of article.")
    if len(data.body_html or "") > MAX_BODY:
        errors["body_html"] = _("The text is too long (at most 500,000 characters).")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        errors["valid_until"] = _("The end of validity must come after its start.")
    if data.kind == Article.Kind.ANNOUNCEMENT and not data.valid_until:
        errors["valid_until"] = _("An area announcement needs the time it expires.")
    tags = []
    for name in data.tags:
        name = " ".join(name.split())
        if len(name) > 40:
            errors["tags"] = _("A tag has at most 40 characters.")
        elif name and name not in tags:
            tags.append(name)
    data.tags = tags
    contacts = []
    for row in data.contacts:
        row = {key: " ".join(str(row.get(key, "")).split()) for key in CONTACT_FIELDS}
        if not any(row.values()):
            continue
        if not row["department"] or not row["phone"]:
            errors["contacts"] = _("Every contact needs a department and a phone number.")
        contacts.append(row)
    data.contacts = contacts
    if data.kind == Article.Kind.CONTACTS and not contacts and "contacts" not in errors:
        errors["contacts"] = _("A contact directory needs at least one contact.")
    contexts = []
    for kind, code in data.contexts:
        code = (code or "").strip()
        if kind not in ArticleContext.Kind.values:
            errors["contexts"] = _("Unknown kind of suggestion context.")
        elif code and (kind, code) not in contexts:
            contexts.append((kind, code[:60]))
    data.contexts = contexts
    if errors:
        raise ValidationError(errors)
    data.body_html = clean_html(data.body_html)
    return data


def _content(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "body_html": article.body_html,
        "tags": sorted(article.tags.values_list("name", flat=True)),
        "contacts": [
            {key: getattr(entry, key) for key in CONTACT_FIELDS} for entry in article.contacts.all()
        ],
    }


def _write_version(article: Article, by: Any, note: str) -> ArticleVersion:
    content = _content(article)
    article.version += 1
    article.save(update_fields=["version"])
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=content["title"],
        body_html=content["body_html"],
        body_text=article.body_text,
        tags=content["tags"],
        contacts=content["contacts"],
        note=note[:200],
        created_by=by if getattr(by, "pk", None) else None,
    )


def _set_relations(article: Article, data: ArticleData) -> None:
    article.tags.set([Tag.objects.get_or_create(name=name)[0] for name in data.tags])
    wanted = set(data.contexts)
    existing = {
        (kind, code): pk
        for pk, kind, code in ArticleContext.objects.filter(article=article).values_list(
            "pk", "kind", "code"
        )
    }
    ArticleContext.objects.filter(
        pk__in=[pk for key, pk in existing.items() if key not in wanted]
    ).delete()
    ArticleContext.objects.bulk_create(
        [ArticleContext(article=article, kind=k, code=c) for k, c in wanted - set(existing)]
    )
    article.contacts.all().delete()
    ContactEntry.objects.bulk_create(
        [ContactEntry(article=article, sort_order=i, **row) for i, row in enumerate(data.contacts)]
    )


def _check_group(by: Any, group: KnowledgeGroup | None) -> None:
    if not knowledge_scope(by).edits_group(group.pk if group else None):
        raise PermissionDenied(_("You may not edit articles of this group."))


def _event(article: Article, verb: str) -> None:
    noun = "announcement" if article.is_announcement else "article"
    publish(
        f"{noun}.{verb}",
        {
            "article": {
                "id": article.pk,
                "title": article.title,
                "kind": article.kind,
                "status": article.status,
                "version": article.version,
                "region": article.region_id,
                "group": article.group_id,
                "must_read": article.must_read,
                "valid_until": article.valid_until.isoformat() if article.valid_until else None,
            }
        },
    )


def article_create(*, data: ArticleData, by: Any) -> Article:
    """A new draft (version 1) from ``data``."""
    data = _clean_data(data)
    group = data.group or (data.directory.group if data.directory else None)
    _check_group(by, group)
    now = timezone.now()
    with acting_as(by), transaction.atomic():
        article = Article.objects.create(
            kind=data.kind,
            title=data.title,
            directory=data.directory,
            group=group,
            body_html=data.body_html,
            body_text=html_to_text(data.body_html),
            region=data.region,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            must_read=data.must_read,
            area_fault=data.area_fault,
            source_ref=data.source_ref[:100],
            created_by=by if getattr(by, "pk", None) else None,
            created_at=now,
            updated_at=now,
        )
        _set_relations(article, data)
        _write_version(article, by, _("Created"))
        audit_saved(article, created=True)
        _event(article, "created")
    return article


def article_update(*, article: Article, data: ArticleData, by: Any, note: str = "") -> Article:
    """Change an article; a content change is a new version (a published one stays live)."""
    if not can_edit_article(by, article):
        raise PermissionDenied(_("You may not edit this article."))
    check_texts({"note": (_("What changed"), note)})
    data = _clean_data(data)
    group = data.group if data.group is not None else article.group
    _check_group(by, group)
    with acting_as(by), transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        before = _content(article)
        article.kind = data.kind
        article.title = data.title
        article.directory = data.directory
        article.group = group
        article.body_html = data.body_html
        article.body_text = html_to_text(data.body_html)
        article.region = data.region
        article.valid_from = data.valid_from
        article.valid_until = data.valid_until
        if data.must_read and not article.must_read and article.status == Article.Status.PUBLISHED:
            article.must_read_since = timezone.now()
        article.must_read = data.must_read
        article.area_fault = data.area_fault
        article.updated_at = timezone.now()
        article.save(update_fields=UPDATABLE)
        _set_relations(article, data)
        if _content(article) != before:
            _write_version(article, by, note or _("Edited"))
        audit_saved(article)
        if article.status == Article.Status.PUBLISHED:
            index_article(article.pk)
        _event(article, "updated")
    return article


def _transition(
    article: Article, by: Any, *, allowed_from: set[str], to: str, verb: str, **fields: Any
) -> Article:
    with acting_as(by), transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.status not in allowed_from:
            raise ValidationError(
                {
                    "status": _("This cannot be done to an article that is %(status)s.")
                    % {"status": article.get_status_display()}
                }
            )
        article.status = to
        for name, value in fields.items():
            setattr(article, name, value)
        article.updated_at = timezone.now()
        article.save(update_fields=["status", "updated_at", *fields])
        audit_saved(article, action=verb)
        index_article(article.pk)
        _event(article, verb)
    return article


def article_submit(*, article: Article, by: Any) -> Article:
    """Draft → in review: an editor with the right to publish looks at it."""
    if not can_edit_article(by, article):
        raise PermissionDenied(_("You may not edit this article."))
    S = Article.Status
    return _transition(article, by, allowed_from={S.DRAFT}, to=S.REVIEW, verb="submitted")


def article_return(*, article: Article, by: Any) -> Article:
    """In review → draft (sent back to its author)."""
    if not can_edit_article(by, article):
        raise PermissionDenied(_("You may not edit this article."))
    S = Article.Status
    return _transition(article, by, allowed_from={S.REVIEW}, to=S.DRAFT, verb="returned")


def article_publish(*, article: Article, by: Any, at: datetime.datetime | None = None) -> Article:
    """Draft or in review → published: searchable, shown, and (if must-read) to confirm."""
    if not can_edit_article(by, article) or not by.has_perm(PUBLISH):
        raise PermissionDenied(_("You may not publish this article."))
    at = at or timezone.now()
    S = Article.Status
    fields: dict[str, Any] = {"published_at": at, "published_by": by}
    if article.must_read:
        fields["must_read_since"] = at
    return _transition(
        article, by, allowed_from={S.DRAFT, S.REVIEW}, to=S.PUBLISHED, verb="published", **fields
    )


def article_archive(*, article: Article, by: Any) -> Article:
    """Published → archived: no longer shown or found; kept with its versions."""
    if not can_edit_article(by, article) or not by.has_perm(PUBLISH):
        raise PermissionDenied(_("You may not archive this article."))
    S = Article.Status
    verb = "withdrawn" if article.is_announcement else "archived"
    return _transition(article, by, allowed_from={S.PUBLISHED}, to=S.ARCHIVED, verb=verb)


def article_reopen(*, article: Article, by: Any) -> Article:
    """Archived → draft, to be revised and published again."""
    if not can_edit_article(by, article):
        raise PermissionDenied(_("You may not edit this article."))
    S = Article.Status
    return _transition(article, by, allowed_from={S.ARCHIVED}, to=S.DRAFT, verb="reopened")


def article_restore_version(*, article: Article, version: ArticleVersion, by: Any) -> Article:
    """Make ``version``'s content the current one, as a new version (history is kept)."""
    if not can_edit_article(by, article):
        raise PermissionDenied(_("You may not edit this article."))
    if version.article_id != article.pk:
        raise ValidationError({"version": _("This version belongs to another article.")})
    with acting_as(by), transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        article.title = version.title
        article.body_html = version.body_html
        article.body_text = html_to_text(version.body_html)
        article.updated_at = timezone.now()
        article.save(update_fields=["title", "body_html", "body_text", "updated_at"])
        article.tags.set([Tag.objects.get_or_create(name=name)[0] for name in version.tags])
        article.contacts.all().delete()
        ContactEntry.objects.bulk_create(
            [
                ContactEntry(
                    article=article, sort_order=i, **{k: row.get(k, "") for k in CONTACT_FIELDS}
                )
                for i, row in enumerate(version.contacts)
            ]
        )
        _write_version(
            article, by, _("Restored from version %(number)s") % {"number": version.number}
        )
        audit_saved(article, action="restore", extra={"restored_version": version.number})
        if article.status == Article.Status.PUBLISHED:
            index_article(article.pk)
        _event(article, "restored")
    return article


def article_draft_from_case(
    *,
    title: str,
    fault: str,
    solution: str,
    source_ref: str,
    by: Any,
    directory: Directory | None = None,
    tags: list[str] | None = None,
    contexts: list[tuple[str, str]] | None = None,
) -> Article:
    """A resolved work order's fault and solution as a draft for an editor to finish.

    ``by`` is the person who resolved or flagged the order (an agent or dispatcher), not
    necessarily an editor: the draft goes straight to review, where editors find it.
    """
    fault, solution = (fault or "").strip(), (solution or "").strip()
    if not fault and not solution:
        raise ValidationError({"fault": _("Describe the fault or the solution.")})
    from django.utils.html import escape, linebreaks

    # The headings are translated outside the f-string: xgettext does not look inside one,
    # so a gettext call there never reached the catalogue.
    fault_heading, solution_heading = _("Fault"), _("Solution")
    body = (
        f"<h2>{escape(fault_heading)}</h2>{linebreaks(fault) if fault else ''}"
        f"<h2>{escape(solution_heading)}</h2>{linebreaks(solution) if solution else ''}"
    )
    data = _clean_data(
        ArticleData(
            title=title,
            body_html=body,
            directory=directory,
            tags=list(tags or []),
            contexts=list(contexts or []),
            source_ref=source_ref,
        )
    )
    with acting_as(by), transaction.atomic():
        existing = Article.objects.filter(source_ref=source_ref[:100]).exclude(
            status=Article.Status.ARCHIVED
        )
        if source_ref and existing.exists():
            return existing.first()  # the same order flagged twice: one draft
        now = timezone.now()
        article = Article.objects.create(
            title=data.title,
            directory=directory,
            group=directory.group if directory else None,
            body_html=data.body_html,
            body_text=html_to_text(data.body_html),
            status=Article.Status.REVIEW,
            source_ref=source_ref[:100],
            created_by=by if getattr(by, "pk", None) else None,
            created_at=now,
            updated_at=now,
        )
        _set_relations(article, data)
        _write_version(article, by, _("Drafted from %(source)s") % {"source": article.source_label})
        audit_saved(article, created=True, extra={"source_ref": [None, source_ref]})
        _event(article, "submitted")
    return article
