"""Writing the search index: one document per published article.

A service that publishes, edits or archives an article calls ``index_article`` inside its
transaction: one row written, so the index changes exactly when the article does.
``reindex_all`` rebuilds everything (after a dictionary change, or on a new installation):
the text is segmented outside any transaction and each batch is written in its own short
transaction, so SQLite's write lock is never held for long and searches keep answering
from the old or the new row of each article meanwhile.
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from hotline.knowledge.search import backends, segment

EPOCH = datetime.date(1970, 1, 1)
MAX_BODY_CHARS = 20_000
# Documents per write transaction of a reindex: 50 held the SQLite lock up to 135 ms on the
# quiet 2-core machine (FTS5 inserts of long bodies); 25 keeps it near 70 ms.
BATCH = 25


def day_number(moment: datetime.datetime | None) -> int:
    if moment is None:
        return 0
    return (moment.astimezone(datetime.UTC).date() - EPOCH).days


@dataclass(frozen=True)
class Source:
    """What the index needs of one article (read with ``values()``, no model instances)."""

    id: int
    title: str
    body_text: str
    kind: str
    group_id: int | None
    region_id: int | None
    directory_path: str
    valid_from: datetime.datetime | None
    valid_until: datetime.datetime | None
    published_at: datetime.datetime | None
    tags: tuple[str, ...] = ()
    extra_text: str = ""


def build_document(source: Source) -> Any:
    """The unsaved ``SearchDocument`` for ``source`` (pure computation)."""
    from hotline.knowledge.models import SearchDocument

    title_tokens = segment.index_tokens(source.title)
    tag_tokens = [t for tag in source.tags for t in segment.index_tokens(tag)]
    body = source.body_text[:MAX_BODY_CHARS]
    if source.extra_text:
        body = f"{body}\n{source.extra_text}"
    return SearchDocument(
        article_id=source.id,
        title_seg=segment.joined(title_tokens),
        tags_seg=segment.joined(tag_tokens),
        pinyin=segment.joined(segment.pinyin_tokens([*title_tokens, *tag_tokens])),
        body_seg=segment.joined(segment.index_tokens(body)),
        kind=source.kind,
        group_id_value=source.group_id,
        region_id_value=source.region_id,
        directory_path=source.directory_path,
        valid_from=source.valid_from,
        valid_until=source.valid_until,
        published_at=source.published_at,
        published_day=day_number(source.published_at),
    )


_FIELDS = (
    "id",
    "title",
    "body_text",
    "kind",
    "group_id",
    "region_id",
    "directory__path",
    "valid_from",
    "valid_until",
    "published_at",
)


def sources(article_ids: Iterable[int]) -> list[Source]:
    """Read the index sources of ``article_ids`` that are published (three queries)."""
    from hotline.knowledge.models import Article, ContactEntry

    ids = list(article_ids)
    rows = list(
        Article.objects.filter(pk__in=ids, status=Article.Status.PUBLISHED)
        .order_by()
        .values_list(*_FIELDS)
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for article_id, name in Article.tags.through.objects.filter(article_id__in=ids).values_list(
        "article_id", "tag__name"
    ):
        tags[article_id].append(name)
    contacts: dict[int, list[str]] = defaultdict(list)
    contact_ids = [row[0] for row in rows if row[3] == Article.Kind.CONTACTS]
    if contact_ids:
        for entry in ContactEntry.objects.filter(article_id__in=contact_ids):
            contacts[entry.article_id].append(
                f"{entry.department} {entry.person} {entry.phone} {entry.hours} {entry.note}"
            )
    return [
        Source(
            id=pk,
            title=title,
            body_text=body_text,
            kind=kind,
            group_id=group_id,
            region_id=region_id,
            directory_path=directory_path or "",
            valid_from=valid_from,
            valid_until=valid_until,
            published_at=published_at,
            tags=tuple(sorted(tags.get(pk, ()))),
            extra_text="\n".join(contacts.get(pk, ())),
        )
        for pk, title, body_text, kind, group_id, region_id, directory_path, valid_from, valid_until, published_at in rows  # noqa: E501
    ]


def index_article(article_id: int) -> bool:
    """Bring one article's document up to date (inside the caller's transaction).

    Returns whether the article is now searchable (published).
    """
    from hotline.knowledge.models import SearchDocument

    found = sources([article_id])
    SearchDocument.objects.filter(article_id=article_id).delete()
    if not found:
        return False
    build_document(found[0]).save(force_insert=True)
    return True


@dataclass(frozen=True)
class ReindexResult:
    documents: int
    removed: int
    seconds: float
    longest_batch_ms: float
    # CPU time of that longest transaction: on a busy machine the wall time includes
    # waiting for a core, which this does not.
    longest_batch_cpu_ms: float = 0.0


def reindex_all(
    *, batch: int = BATCH, progress: Callable[[int], None] | None = None
) -> ReindexResult:
    """Rebuild every document, ``batch`` articles per short transaction.

    1. Walk the published articles in order of publication, ``batch`` at a time, so that
       the documents' sequence numbers follow publication (recency = index order).
    2. Read and segment a batch outside any transaction (the slow, CPU-bound part).
    3. Replace that batch's documents in one short transaction, then let the index merge
       a bounded amount in another (see ``backends.bulk_writes``).
    4. Finally remove documents whose article is no longer published, in batches.
    """
    from hotline.knowledge.models import Article, SearchDocument

    started = time.perf_counter()
    longest = longest_cpu = 0.0
    written = 0
    every = list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    with backends.bulk_writes() as merge_step:
        for start in range(0, len(every), batch):
            ids = every[start : start + batch]
            position = {pk: index for index, pk in enumerate(ids)}
            found = sorted(sources(ids), key=lambda source: position[source.id])
            documents = [build_document(source) for source in found]
            begun, cpu = time.perf_counter(), time.thread_time()
            with transaction.atomic():
                SearchDocument.objects.filter(article_id__in=ids).delete()
                SearchDocument.objects.bulk_create(documents)
            longest, longest_cpu = _longer(longest, longest_cpu, begun, cpu)
            begun, cpu = time.perf_counter(), time.thread_time()
            merge_step()
            longest, longest_cpu = _longer(longest, longest_cpu, begun, cpu)
            written += len(documents)
            if progress:
                progress(len(documents))
    removed = 0
    stale = SearchDocument.objects.exclude(article__status=Article.Status.PUBLISHED)
    while True:
        stale_ids = list(stale.values_list("article_id", flat=True)[:batch])
        if not stale_ids:
            break
        with transaction.atomic():
            removed += SearchDocument.objects.filter(article_id__in=stale_ids).delete()[0]
    return ReindexResult(
        documents=written,
        removed=removed,
        seconds=time.perf_counter() - started,
        longest_batch_ms=longest,
        longest_batch_cpu_ms=longest_cpu,
    )


def _longer(longest: float, longest_cpu: float, begun: float, cpu: float) -> tuple[float, float]:
    wall = (time.perf_counter() - begun) * 1000
    if wall > longest:
        return wall, (time.thread_time() - cpu) * 1000
    return longest, longest_cpu
