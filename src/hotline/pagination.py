"""Paging for tables that grow without bound (customers, the audit log).

Django's ``Paginator`` counts every row to know the number of pages: at a million customers
that ``COUNT(*)`` is most of the page's time. ``CountlessPaginator`` reads one row more than
it shows instead, which answers "is there a next page" from the same indexed query.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, InvalidPage, Page, Paginator


class CountlessPage(Page):
    def __init__(self, object_list: Any, number: int, paginator: Paginator, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more

    def next_page_number(self) -> int:
        if not self._more:
            raise EmptyPage
        return self.number + 1


# No list holds this many rows; past it, OFFSET would overflow the database's 64-bit integer
# (SQLite: "datatype mismatch", PostgreSQL: "bigint out of range").
MAX_OFFSET = 2**53


class CountlessPaginator(Paginator):
    countless = True

    def validate_number(self, number: Any) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise InvalidPage from None
        if number < 1 or (number - 1) * self.per_page > MAX_OFFSET:
            raise EmptyPage
        return number

    def page(self, number: Any) -> CountlessPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage
        return CountlessPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> CountlessPage:
        try:
            return self.page(number)
        except InvalidPage:
            return self.page(1)
