"""The public portal: published results only, no sign-in, light pages for phones.

Every page reads through ``hailong.indices.publication`` (live publications of done, official
runs; small cells suppressed). The campaign and unit pages are rendered once per publication,
language and page and kept in Django's cache (``cached_page``), after the live publication has
been looked up. Pages are cacheable by shared caches for a few minutes
(``Cache-Control: public``); they vary by the language cookie. Nothing here needs JavaScript.
"""

import hashlib
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_safe

from hailong.indices import opendata as od
from hailong.indices.publication import (
    QUERY_MAX_LENGTH,
    default_min_respondents,
    publication_for_code,
    published_campaigns,
    published_overview,
    published_unit,
    ranking_page_size,
)

PAGE_MAX_AGE = 300  # seconds: a withdrawal reaches every reader within five minutes
DATA_MAX_AGE = 900
# Rendered campaign and unit pages, per publication, language and page, in Django's cache. The run is
# frozen; the timeout only bounds how long a renamed unit keeps its old name on a cached page.
PAGE_CACHE_SECONDS = 3600
CACHE_VERSION = 1  # raise when the pages' templates change what a cached page would show
PAGE_PREFIX = "page_"


def public(max_age: int):
    """Cacheable by anyone for ``max_age`` seconds; varies with the language cookie."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                patch_cache_control(response, public=True, max_age=max_age)
                patch_vary_headers(response, ("Cookie",))
            return response

        return require_safe(wrapped)

    return decorate


@public(PAGE_MAX_AGE)
def home(request):
    return render(request, "portal/home.html", {"publications": published_campaigns(), "section": "home"})


def page_cache_key(publication, language: str, page: str, *parts) -> str:
    """The cache key of one rendered page of a publication. A published run is frozen, so a page
    depends only on the publication (id, run and when it was published: an id a test database
    hands out again still gives another key), the language and the page's normalised parameters."""
    identity = f"{publication.pk}.{publication.run_id}.{publication.published_at.timestamp():.6f}"
    digest = hashlib.sha256(repr((page, *parts)).encode()).hexdigest()[:32]
    return f"portal:{CACHE_VERSION}:{identity}:{language}:{digest}"


def cached_page(request, publication, key_parts: tuple, build) -> HttpResponse:
    """The page of a live ``publication`` from Django's cache, else ``build()`` rendered and kept.

    The caller has looked up the live publication first (``publication_for_code``, one query), so
    a withdrawn or replaced publication is never served from here: its pages are not reached any
    more, and its keys are never asked for again."""
    key = page_cache_key(publication, request.LANGUAGE_CODE, *key_parts)
    content = cache.get(key)
    if content is None:
        response = build()
        if response.status_code != 200:
            return response
        content = response.content
        cache.set(key, content, PAGE_CACHE_SECONDS)
    return HttpResponse(content, content_type="text/html; charset=utf-8")


def ranking_request(request) -> tuple[str, dict[str, int]]:
    """The search (``q``) and the page per ranking group (``page_<group>``) asked for; anything
    else in the query string is ignored (and so is not part of the cache key)."""
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    pages: dict[str, int] = {}
    for name, value in request.GET.items():
        if name.startswith(PAGE_PREFIX) and len(pages) < 20:
            group = name[len(PAGE_PREFIX) :]
            if group and len(group) <= 32 and value.isdigit() and len(value) <= 6 and int(value) != 1:
                pages[group] = int(value)
    return query, pages


def ranking_url(base: str, query: str, pages: dict[str, int], **changes) -> str:
    """The campaign page's URL with the search and the ranking pages, some of them changed."""
    wanted = {**pages, **changes}
    params = [("q", query)] if query else []
    params += [(PAGE_PREFIX + group, page) for group, page in sorted(wanted.items()) if page != 1]
    return f"{base}?{urlencode(params)}" if params else base


def page_links(ranking, base: str, query: str, pages: dict[str, int]) -> list[dict]:
    """Links to the pages of one ranking: the first, the last and two either side of the current
    one, with gaps (``None``) between."""
    numbers = sorted(
        {1, ranking.pages, *range(max(1, ranking.page - 2), min(ranking.pages, ranking.page + 2) + 1)}
    )
    links, previous = [], 0
    for number in numbers:
        if number != previous + 1:
            links.append(None)
        anchor = f"#ranking-{ranking.group}"
        url = ranking_url(base, query, pages, **{ranking.group: number}) + anchor
        links.append({"number": number, "url": url, "current": number == ranking.page})
        previous = number
    return links


@public(PAGE_MAX_AGE)
def campaign(request, code: str):
    publication = publication_for_code(code)  # first: the live publication (one query), then the cache
    query, pages = ranking_request(request)
    base = reverse("portal:campaign", args=[publication.campaign.code])

    def build():
        overview = published_overview(publication, query=query, pages=pages)
        for ranking in overview.rankings:
            ranking.links = page_links(ranking, base, query, pages) if ranking.paged else []
            anchor = f"#ranking-{ranking.group}"
            ranking.previous_url = (
                ranking_url(base, query, pages, **{ranking.group: ranking.page - 1}) + anchor
                if ranking.page > 1
                else ""
            )
            ranking.next_url = (
                ranking_url(base, query, pages, **{ranking.group: ranking.page + 1}) + anchor
                if ranking.page < ranking.pages
                else ""
            )
        return render(
            request,
            "portal/campaign.html",
            {
                "publication": publication,
                "campaign": publication.campaign,
                "run": publication.run,
                "o": overview,
                "query": query,
                "page_size": ranking_page_size(),
                "self_url": ranking_url(base, query, pages),
                "section": "home",
            },
        )

    return cached_page(request, publication, ("campaign", query, tuple(sorted(pages.items()))), build)


@public(PAGE_MAX_AGE)
def unit(request, code: str, unit_code: str):
    publication = publication_for_code(code)  # first: the live publication (one query), then the cache

    def build():
        report = published_unit(publication, unit_code)
        return render(
            request,
            "portal/unit.html",
            {
                "publication": publication,
                "campaign": publication.campaign,
                "run": publication.run,
                "r": report,
                "self_url": reverse("portal:unit", args=[publication.campaign.code, report.unit.code]),
                "section": "home",
            },
        )

    return cached_page(request, publication, ("unit", unit_code), build)


@public(PAGE_MAX_AGE)
def methodology(request):
    return render(
        request,
        "portal/methodology.html",
        {
            "default_minimum": default_min_respondents(),
            "fields": od.dictionary(request.LANGUAGE_CODE),
            "section": "methodology",
        },
    )


@public(DATA_MAX_AGE)
def opendata(request, code: str, fmt: str):
    publication = publication_for_code(code)
    run, language = publication.run, request.LANGUAGE_CODE
    filename = f"{publication.campaign.code}-{run.pk}.{fmt}"
    if fmt == "csv":
        chunks = od.csv_chunks(run, min_respondents=publication.min_respondents, language=language, bom=True)
        content_type = "text/csv; charset=utf-8"
    else:
        chunks = od.json_chunks(
            run,
            min_respondents=publication.min_respondents,
            language=language,
            metadata={
                "publication": {
                    "published_at": publication.published_at.isoformat(),
                    "min_respondents": publication.min_respondents,
                    "note": publication.note,
                }
            },
        )
        content_type = "application/json; charset=utf-8"
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def language(request):
    """Switch the portal's language with a plain link (no form, no token: pages stay cacheable)."""
    chosen = request.GET.get("lang", "")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = reverse("portal:home")
    response = HttpResponseRedirect(target)
    if chosen in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
