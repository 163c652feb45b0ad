"""The two full-text engines behind one question: which published articles match, best first.

SQLite: two FTS5 tables over the segmented columns of ``knowledge_searchdocument``
(external content, kept in step by triggers): ``knowledge_search_head`` over title, tags and
pinyin initials, ``knowledge_search_fts`` over title, tags and body; tokenizer ``ascii``
(the tokens are already cut and normalised; every non-ASCII character is a token
character); ranked by BM25 with column weights. PostgreSQL: ``tsvector`` values made by a
trigger (``simple`` configuration): ``head`` (A title, B tags, C pinyin initials) in the
document row, ``vector`` (A title, B tags, D body) in ``knowledge_searchvector``, each
with a GIN index, ranked by ``ts_rank`` with the same column weights. Both divide the text
relevance by ``1 + age in years`` for recency, and apply the same filters, written once
below.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction

FTS_TABLE = "knowledge_search_fts"
HEAD_TABLE = "knowledge_search_head"
VECTOR_TABLE = "knowledge_searchvector"
DOC_TABLE = "knowledge_searchdocument"
TAGS_TABLE = "knowledge_article_tags"

# FTS5 merging during a reindex: pages per step, and the normal automerge setting.
MERGE_PAGES = 50
AUTOMERGE = 4
# Column weights. Pinyin initials are indexed for titles and tags only, in the head.
TITLE, TAGS, PINYIN, BODY = 10.0, 4.0, 4.0, 1.0

_COLUMNS = {
    # FTS5 table -> its columns (both read the same rows of knowledge_searchdocument).
    "knowledge_search_fts": "title_seg, tags_seg, body_seg",
    "knowledge_search_head": "title_seg, tags_seg, pinyin",
}


def _sqlite_install() -> list[str]:
    statements = []
    inserts, deletes = [], []
    for table, columns in _COLUMNS.items():
        statements.append(
            f"CREATE VIRTUAL TABLE {table} USING fts5({columns},"
            " content='knowledge_searchdocument', content_rowid='id', tokenize='ascii')"
        )
        new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
        old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
        inserts.append(f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {new});")  # noqa: S608
        deletes.append(
            f"INSERT INTO {table}({table}, rowid, {columns})"  # noqa: S608
            f" VALUES ('delete', old.id, {old});"
        )
    doc = "knowledge_searchdocument"
    statements += [
        f"CREATE TRIGGER knowledge_search_ai AFTER INSERT ON {doc} BEGIN {' '.join(inserts)} END",
        f"CREATE TRIGGER knowledge_search_ad AFTER DELETE ON {doc} BEGIN {' '.join(deletes)} END",
        # Only a change of the texts touches the index (not a moved directory, say).
        "CREATE TRIGGER knowledge_search_au AFTER UPDATE OF title_seg, tags_seg, pinyin, body_seg"
        f" ON {doc} BEGIN {' '.join(deletes)} {' '.join(inserts)} END",
    ]
    return statements


SQLITE_INSTALL = _sqlite_install()
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS knowledge_search_au",
    "DROP TRIGGER IF EXISTS knowledge_search_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_ai",
    "DROP TABLE IF EXISTS knowledge_search_head",
    "DROP TABLE IF EXISTS knowledge_search_fts",
]
POSTGRES_INSTALL = [
    # The head vector stays in the document row, which is kept narrow (a few hundred
    # bytes): the title tier, most searches' whole work, reads only narrow rows. The full
    # vector lives in its own table; the segmented texts are not kept (snippets come from
    # the article), so the trigger blanks them once the vectors are made.
    "ALTER TABLE knowledge_searchdocument ADD COLUMN head tsvector",
    """CREATE TABLE knowledge_searchvector (
        document_id bigint PRIMARY KEY, vector tsvector NOT NULL)""",
    """CREATE FUNCTION knowledge_search_vectors() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.head := setweight(to_tsvector('simple'::regconfig, NEW.title_seg), 'A') ||
            setweight(to_tsvector('simple'::regconfig, NEW.tags_seg), 'B') ||
            setweight(to_tsvector('simple'::regconfig, NEW.pinyin), 'C');
        INSERT INTO knowledge_searchvector (document_id, vector) VALUES (NEW.id,
            setweight(to_tsvector('simple'::regconfig, NEW.title_seg), 'A') ||
            setweight(to_tsvector('simple'::regconfig, NEW.tags_seg), 'B') ||
            setweight(to_tsvector('simple'::regconfig, NEW.body_seg), 'D'))
        ON CONFLICT (document_id) DO UPDATE SET vector = EXCLUDED.vector;
        NEW.title_seg := ''; NEW.tags_seg := ''; NEW.pinyin := ''; NEW.body_seg := '';
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION knowledge_search_forget() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM knowledge_searchvector WHERE document_id = OLD.id;
        RETURN OLD;
    END $$""",
    """CREATE TRIGGER knowledge_search_vectors BEFORE INSERT ON knowledge_searchdocument
        FOR EACH ROW EXECUTE FUNCTION knowledge_search_vectors()""",
    """CREATE TRIGGER knowledge_search_revectors BEFORE UPDATE OF title_seg, tags_seg, pinyin,
        body_seg ON knowledge_searchdocument FOR EACH ROW
        EXECUTE FUNCTION knowledge_search_vectors()""",
    """CREATE TRIGGER knowledge_search_forget AFTER DELETE ON knowledge_searchdocument
        FOR EACH ROW EXECUTE FUNCTION knowledge_search_forget()""",
    "CREATE INDEX knowledge_search_head_idx ON knowledge_searchdocument USING gin (head)",
    "CREATE INDEX knowledge_search_vector_idx ON knowledge_searchvector USING gin (vector)",
]
POSTGRES_UNINSTALL = [
    "DROP TRIGGER IF EXISTS knowledge_search_forget ON knowledge_searchdocument",
    "DROP TRIGGER IF EXISTS knowledge_search_revectors ON knowledge_searchdocument",
    "DROP TRIGGER IF EXISTS knowledge_search_vectors ON knowledge_searchdocument",
    "DROP FUNCTION IF EXISTS knowledge_search_forget()",
    "DROP FUNCTION IF EXISTS knowledge_search_vectors()",
    "DROP TABLE IF EXISTS knowledge_searchvector",
    "DROP INDEX IF EXISTS knowledge_search_head_idx",
    "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS head",
]


def install(schema_editor: Any, reverse: bool = False) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = SQLITE_UNINSTALL if reverse else SQLITE_INSTALL
    elif vendor == "postgresql":
        statements = POSTGRES_UNINSTALL if reverse else POSTGRES_INSTALL
    else:
        raise NotImplementedError(f"knowledge search has no engine for {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


@dataclass
class Filters:
    """What the matching rows must also satisfy (``None`` = no restriction)."""

    group_ids: list[int] | None = None  # readable groups; ungrouped articles always pass
    region_ids: list[int] | None = None  # areas shown; articles for everywhere always pass
    area_ids: list[int] | None = None  # explicit area filter: only articles for these areas
    kinds: list[str] | None = None
    directory_path: str = ""
    tag_id: int | None = None
    published_from: datetime | None = None
    published_before: datetime | None = None
    valid_at: datetime | None = None
    exclude_ids: list[int] = field(default_factory=list)

    def sql(self) -> tuple[str, list[Any]]:
        ops = connection.ops
        clauses: list[str] = []
        params: list[Any] = []

        def in_list(column: str, values: list[Any], *, or_null: bool) -> None:
            if not values:
                clauses.append(f"{column} IS NULL" if or_null else "1 = 0")
                return
            marks = ", ".join(["%s"] * len(values))
            inner = f"{column} IN ({marks})"
            clauses.append(f"({column} IS NULL OR {inner})" if or_null else inner)
            params.extend(values)

        if self.group_ids is not None:
            in_list("d.group_id", self.group_ids, or_null=True)
        if self.region_ids is not None:
            in_list("d.region_id", self.region_ids, or_null=True)
        if self.area_ids is not None:
            in_list("d.region_id", self.area_ids, or_null=False)
        if self.kinds:
            in_list("d.kind", self.kinds, or_null=False)
        if self.directory_path:
            clauses.append("d.directory_path LIKE %s")
            params.append(self.directory_path + "%")
        if self.tag_id is not None:
            clauses.append(
                "d.article_id IN (SELECT article_id FROM knowledge_article_tags WHERE tag_id = %s)"
            )
            params.append(self.tag_id)
        if self.published_from is not None:
            clauses.append("d.published_at >= %s")
            params.append(ops.adapt_datetimefield_value(self.published_from))
        if self.published_before is not None:
            clauses.append("d.published_at < %s")
            params.append(ops.adapt_datetimefield_value(self.published_before))
        if self.valid_at is not None:
            at = ops.adapt_datetimefield_value(self.valid_at)
            clauses.append("(d.valid_from IS NULL OR d.valid_from <= %s)")
            clauses.append("(d.valid_until IS NULL OR d.valid_until > %s)")
            params.extend([at, at])
        if self.exclude_ids:
            marks = ", ".join(["%s"] * len(self.exclude_ids))
            clauses.append(f"d.article_id NOT IN ({marks})")
            params.extend(self.exclude_ids)
        return (" AND ".join(clauses) or "1 = 1"), params


def match(
    *,
    fts5: str,
    tsquery: str,
    filters: Filters,
    today: int,
    tier: int,
    candidates: int,
) -> list[tuple[int, float]]:
    """(article id, score) of one tier of matching documents, best first.

    Tier 1: every query term is in the title, tags or pinyin initials (the title boost);
    tier 2: the other matches. Within a tier, the ``candidates`` newest matches that pass
    the filters are ranked by text relevance (column weights) divided by ``1 + age in
    years``. A query matching fewer is ranked exactly; a broader one ranks its newest
    ``candidates``, which keeps every search a bounded amount of work.
    """
    where, params = filters.sql()
    if connection.vendor == "sqlite":
        if tier == 1:
            table, weights, exclude = HEAD_TABLE, (TITLE, TAGS, PINYIN), ""
        else:
            table, weights = FTS_TABLE, (TITLE, TAGS, BODY)
            exclude = (
                f" AND d.id NOT IN (SELECT rowid FROM {HEAD_TABLE}"  # noqa: S608
                f" WHERE {HEAD_TABLE} MATCH %s)"
            )
        sql = (
            "SELECT article_id, score FROM ("  # noqa: S608
            f"SELECT d.article_id, d.id AS seq, -bm25({table}, {', '.join(map(str, weights))})"
            " / (1.0 + max(0, %s - d.published_day) / 365.0) AS score"
            f" FROM {table} JOIN {DOC_TABLE} d ON d.id = {table}.rowid"
            f" WHERE {table} MATCH %s{exclude} AND {where}"
            f" ORDER BY {table}.rowid DESC LIMIT %s"
            ") ORDER BY score DESC, seq DESC"
        )
        args = [today, fts5, *([fts5] if exclude else []), *params, candidates]
    else:
        return _postgres_tier(tsquery, where, params, today, tier, candidates)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [(int(pk), float(score)) for pk, score in cursor.fetchall()]


def _postgres_tier(
    tsquery: str, where: str, params: list[Any], today: int, tier: int, candidates: int
) -> list[tuple[int, float]]:
    d, c, b, a = (w / TITLE for w in (BODY, PINYIN, TAGS, TITLE))
    if tier == 2:
        return _postgres_body_tier(tsquery, where, params, today, candidates, f"{{{d},0,{b},{a}}}")
    # The title tier reads narrow rows only: the head vector is in the document row. The
    # newest matches, window by window as for the body (below): walking the id index
    # backwards and testing every row is quick for a common word but reads the whole table
    # when filters (area, group) leave few matches, and the planner cannot tell which.
    sql = (
        f"SELECT d.article_id, d.id, ts_rank('{{0,{c},{b},{a}}}', d.head, q),"  # noqa: S608
        f" d.published_day FROM {DOC_TABLE} d, to_tsquery('simple', %s) q"
        f" WHERE d.head @@ q AND d.id > %s AND d.id <= %s AND {where}"
        " ORDER BY d.id DESC LIMIT %s"
    )
    kept: list[tuple[int, int, float, int]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {DOC_TABLE}")  # noqa: S608
        upper = int(cursor.fetchone()[0])
        window = max(candidates * 8, 2000)
        while upper > 0 and len(kept) < candidates:
            lower = max(upper - window, 0)
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(sql, [tsquery, lower, upper, *params, candidates - len(kept)])
            kept.extend(cursor.fetchall())
            cursor.execute("SET LOCAL enable_indexscan = on")
            upper, window = lower, window * 8
    found = [
        (int(pk), int(seq), float(rank) / (1.0 + max(0, today - day) / 365.0))
        for pk, seq, rank, day in kept
    ]
    found.sort(key=lambda row: (-row[2], -row[1]))
    return [(pk, score) for pk, _seq, score in found]


def _postgres_body_tier(
    tsquery: str, where: str, params: list[Any], today: int, candidates: int, weights: str
) -> list[tuple[int, float]]:
    """The body tier on PostgreSQL: the newest matches, window by window.

    The full vectors are large, so fetching every match of a common word (a third of the
    table) to find the newest costs more than the search budget. The newest ids are
    searched first: the GIN bitmap ANDed with an id range, so only matches inside the
    window are read; windows grow eightfold while too few are found (three cover 100,000
    articles). Each window's ids are then checked against the document rows (filters,
    not a title match) by primary key.
    """
    matches = (
        f"SELECT v.document_id FROM {VECTOR_TABLE} v, to_tsquery('simple', %s) q"  # noqa: S608
        " WHERE v.vector @@ q AND v.document_id > %s AND v.document_id <= %s"
    )
    documents = (
        "SELECT d.id, d.article_id, d.published_day"  # noqa: S608
        f" FROM {DOC_TABLE} d, to_tsquery('simple', %s) q"
        f" WHERE d.id = ANY(%s) AND NOT d.head @@ q AND {where}"
    )
    ranks = (
        f"SELECT v.document_id, ts_rank('{weights}', v.vector, q)"  # noqa: S608
        f" FROM {VECTOR_TABLE} v, to_tsquery('simple', %s) q WHERE v.document_id = ANY(%s)"
    )
    kept: list[tuple[int, int, int]] = []  # (seq, article id, published day), newest first
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {DOC_TABLE}")  # noqa: S608
        upper = int(cursor.fetchone()[0])
        window = max(candidates * 8, 2000)
        while upper > 0 and len(kept) < candidates:
            lower = max(upper - window, 0)
            # Bitmap scans only: walking the id index and testing each large vector would
            # read the whole table for a rare word. The GIN match is exact, so no vector
            # is read here; only the kept ones are, below, to rank them.
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(matches, [tsquery, lower, upper])
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute("SET LOCAL enable_indexscan = on")
            if ids:
                cursor.execute(documents, [tsquery, ids, *params])
                rows = sorted(cursor.fetchall(), reverse=True)
                kept.extend(rows[: candidates - len(kept)])
            upper, window = lower, window * 8
        if not kept:
            return []
        cursor.execute(ranks, [tsquery, [seq for seq, _a, _d in kept]])
        rank_of = dict(cursor.fetchall())
    found = [
        (int(article_id), int(seq), rank_of[seq] / (1.0 + max(0, today - day) / 365.0))
        for seq, article_id, day in kept
    ]
    found.sort(key=lambda row: (-row[2], -row[1]))
    return [(pk, float(score)) for pk, _seq, score in found]


@contextlib.contextmanager
def bulk_writes() -> Iterator[Callable[[], None]]:
    """A reindex: yields ``merge_step``, to be called between batches.

    On SQLite, FTS5 normally merges index segments while it inserts ("automerge"), and a
    merge may rewrite a large part of the index inside one insert. During a reindex that
    is switched off, and ``merge_step`` does a bounded amount of merging (``MERGE_PAGES``
    pages) in its own short transaction instead; the usual setting is restored at the end.
    PostgreSQL's GIN index needs no merging; its statistics are refreshed at the end.
    """
    if connection.vendor != "sqlite":
        yield lambda: None
        # The body tier relies on the planner ANDing the GIN bitmap with an id range, which
        # it does only when it knows how common each word is: refresh the statistics now
        # rather than at autovacuum's next visit.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {VECTOR_TABLE}")
            cursor.execute(f"ANALYZE {DOC_TABLE}")
        return

    def configure(option: str, value: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for table in (FTS_TABLE, HEAD_TABLE):
                cursor.execute(
                    f"INSERT INTO {table}({table}, rank) VALUES (%s, %s)",  # noqa: S608
                    [option, value],
                )

    configure("automerge", 0)
    try:
        yield lambda: configure("merge", MERGE_PAGES)
    finally:
        configure("automerge", AUTOMERGE)


def index_size_bytes() -> int:
    """Bytes the search index takes (the FTS5 shadow tables, or the vector column + GIN)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            try:
                cursor.execute(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'knowledge_search_fts%'"
                    " OR name LIKE 'knowledge_search_head%'"
                )
            except Exception:  # dbstat is a compile-time option
                return 0
            return int(cursor.fetchone()[0] or 0)
        cursor.execute(
            "SELECT pg_relation_size('knowledge_search_vector_idx')"
            " + pg_relation_size('knowledge_search_head_idx')"
            " + pg_total_relation_size('knowledge_searchvector'),"
            " COALESCE(SUM(pg_column_size(head)), 0) FROM knowledge_searchdocument"
        )
        gin, columns = cursor.fetchone()
        return int(gin) + int(columns)
