"""Groups, directories, synonyms and uploaded files: how editors organise the knowledge base."""

from __future__ import annotations

import mimetypes
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from hotline.audit.context import acting_as
from hotline.audit.record import audit_deleted, audit_record, audit_saved
from hotline.events import publish
from hotline.knowledge.access import EDIT, MANAGE, SYNONYMS
from hotline.knowledge.models import Attachment, Directory, KnowledgeGroup, SynonymGroup
from hotline.knowledge.search.synonyms import forget_synonyms, split_terms
from hotline.typed_text import check_texts

MAX_UPLOAD = 20 * 1024 * 1024
ALLOWED_UPLOADS = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
    "application/msword", "application/vnd.ms-excel", "text/plain", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}  # fmt: skip


def _require(by: Any, permission: str) -> None:
    if not by.has_perm(permission):
        raise PermissionDenied(permission)


def group_save(
    *,
    by: Any,
    name: str,
    description: str = "",
    everyone_reads: bool = False,
    reader_roles: list[Any] | None = None,
    reader_teams: list[Any] | None = None,
    readers: list[Any] | None = None,
    editor_roles: list[Any] | None = None,
    editors: list[Any] | None = None,
    group: KnowledgeGroup | None = None,
) -> KnowledgeGroup:
    """Create or change a group with who reads and who edits it."""
    _require(by, MANAGE)
    check_texts(
        {
            "name": (pgettext("of a thing", "Name"), name),
            "description": (_("Description"), description),
        }
    )
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A group needs a name.")})
    clash = KnowledgeGroup.objects.filter(name=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise ValidationError({"name": _("Another group has this name.")})
    with acting_as(by), transaction.atomic():
        created = group is None
        group = group or KnowledgeGroup()
        group.name, group.description, group.everyone_reads = name, description, everyone_reads
        if created:
            group.save()
        else:
            group.save(update_fields=["name", "description", "everyone_reads"])
        members = {
            "reader_roles": reader_roles,
            "reader_teams": reader_teams,
            "readers": readers,
            "editor_roles": editor_roles,
            "editors": editors,
        }
        changes: dict[str, Any] = {}
        for field, values in members.items():
            if values is None:
                continue
            getattr(group, field).set(values)
            changes[field] = sorted(str(v) for v in values)
        audit_saved(group, created=created, extra=changes)
        publish("knowledge_group.saved", {"group": {"id": group.pk, "name": group.name}})
    return group


def directory_save(
    *,
    by: Any,
    name: str,
    parent: Directory | None = None,
    group: KnowledgeGroup | None = None,
    sort_order: int = 0,
    directory: Directory | None = None,
) -> Directory:
    """Create, rename or move a directory (its subtree's paths follow, in one transaction)."""
    _require(by, EDIT)
    check_texts({"name": (_("Directory name"), name)})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A directory needs a name.")})
    if directory is not None and parent is not None and parent.path.startswith(directory.path):
        raise ValidationError({"parent": _("A directory cannot be moved below itself.")})
    with acting_as(by), transaction.atomic():
        created = directory is None
        directory = directory or Directory()
        old_path = directory.path
        directory.name, directory.parent, directory.group = name, parent, group
        directory.sort_order = sort_order
        directory.save()
        directory.path = f"{parent.path if parent else '/'}{directory.pk}/"
        directory.save(update_fields=["path"])
        if old_path and old_path != directory.path:
            for child in Directory.objects.filter(path__startswith=old_path).exclude(
                pk=directory.pk
            ):
                child.path = directory.path + child.path[len(old_path) :]
                child.save(update_fields=["path"])
            from hotline.knowledge.models import SearchDocument

            for doc in SearchDocument.objects.filter(directory_path__startswith=old_path):
                doc.directory_path = directory.path + doc.directory_path[len(old_path) :]
                doc.save(update_fields=["directory_path"])
        audit_saved(directory, created=created)
    return directory


def synonym_group_save(
    *, by: Any, terms: str, synonym_group: SynonymGroup | None = None
) -> SynonymGroup:
    """Create or change a synonym group ("机顶盒 / 盒子 / STB"); searches use it at once."""
    _require(by, SYNONYMS)
    check_texts({"terms": (_("Words with the same meaning"), terms)})
    words = split_terms(terms)
    if len(words) < 2:
        raise ValidationError({"terms": _("A synonym group needs at least two words.")})
    if any(len(w) > 40 for w in words):
        raise ValidationError({"terms": _("A word has at most 40 characters.")})
    with acting_as(by), transaction.atomic():
        created = synonym_group is None
        synonym_group = synonym_group or SynonymGroup()
        synonym_group.terms = " / ".join(words)
        synonym_group.updated_at = timezone.now()
        if created:
            synonym_group.save()
        else:
            synonym_group.save(update_fields=["terms", "updated_at"])
        audit_saved(synonym_group, created=created)
        publish("synonyms.changed", {"synonym_group": synonym_group.pk})
        forget_synonyms()
        transaction.on_commit(forget_synonyms)  # again: a search meanwhile cached the old
    return synonym_group


def synonym_group_delete(*, by: Any, synonym_group: SynonymGroup) -> None:
    _require(by, SYNONYMS)
    with acting_as(by), transaction.atomic():
        audit_deleted(synonym_group)
        synonym_group.delete()
        publish("synonyms.changed", {"synonym_group": None})
        forget_synonyms()
        transaction.on_commit(forget_synonyms)  # again: a search meanwhile cached the old


def attachment_upload(*, by: Any, upload: UploadedFile, article: Any = None) -> Attachment:
    """Store an image or file from the editor; only readers of the article may fetch it."""
    _require(by, EDIT)
    content_type = (upload.content_type or mimetypes.guess_type(upload.name or "")[0] or "").lower()
    if content_type not in ALLOWED_UPLOADS:
        raise ValidationError({"file": _("This kind of file cannot be attached.")})
    if upload.size is None or upload.size > MAX_UPLOAD:
        raise ValidationError({"file": _("A file has at most 20 MB.")})
    # Readers see the name: "invoice\u202egpj.exe" would show as "invoiceexe.jpg".
    check_texts({"file": (_("File name"), upload.name or "")})
    with acting_as(by), transaction.atomic():
        attachment = Attachment(
            article=article,
            name=(upload.name or "file")[-200:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
        audit_record(
            action="upload",
            obj=attachment,
            changes={"name": attachment.name, "size": attachment.size},
        )
    return attachment
