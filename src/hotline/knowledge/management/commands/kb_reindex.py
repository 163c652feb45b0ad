"""Rebuild the knowledge search index (after a dictionary change, or to repair it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from hotline.knowledge.models import Article
from hotline.knowledge.search.index import BATCH, reindex_all


class Command(BaseCommand):
    help = "Rebuild the knowledge base's full-text index in short batches."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=BATCH)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        total = Article.objects.filter(status=Article.Status.PUBLISHED).count()
        bar = tqdm(total=total, unit=" articles", disable=options["quiet"])
        result = reindex_all(batch=options["batch"], progress=bar.update)
        bar.close()
        self.stdout.write(
            f"indexed {result.documents} articles, removed {result.removed} stale documents"
            f" in {result.seconds:.1f} s (longest transaction {result.longest_batch_ms:.0f} ms)"
        )
