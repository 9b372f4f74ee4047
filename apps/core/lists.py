"""One way to page through a filtered list: the page asked for, and the filters' query string
for the page links (without the page number)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


@dataclass(frozen=True)
class ListPage:
    page: Page
    query: str  # the filters, for links to other pages


def list_page(request: HttpRequest, items: Any, *, per_page: int) -> ListPage:
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return ListPage(page=page, query=query.urlencode())
