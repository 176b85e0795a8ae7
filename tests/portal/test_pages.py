"""The campaign page's rankings a page at a time (links, search, no JavaScript) and the page cache:
rendered pages are kept per publication, and a withdrawn publication's page is never served."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from hailong.indices.choices import DomainKind, FigureKind
from hailong.indices.models import EstimateValue
from hailong.indices.opendata import run_ranks, suppressed_units
from hailong.indices.publication import publication_withdraw, run_publish, searchable
from hailong.indices.services import run_create, run_execute
from hailong.indices.templatetags.indices import share
from hailong.portal.views import page_cache_key

pytestmark = pytest.mark.django_db

ROW = r'<tr><td class="num">(\d+)</td><th scope="row"><a href="[^"]+/don-vi/{code}/">'


def page_of(client, publication, **params) -> str:
    response = client.get(reverse("portal:campaign", args=[publication.campaign.code]), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def row_of(page: str, unit):
    """The unit's ranking row on the page: (rank shown, the row's HTML), or None."""
    match = re.search(ROW.format(code=re.escape(unit.code)) + r".*?</tr>", page, re.S)
    return (int(match.group(1)), match.group(0)) if match else None


def test_a_ranking_is_shown_a_page_at_a_time_with_the_same_numbers(client, settings, published, departments):
    settings.HAILONG_PORTAL_RANKING_PAGE_SIZE = 2
    run = published.run
    ranks = run_ranks(run, suppressed_units(run, published.min_respondents))
    values = {
        v.unit_id: v
        for v in EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL)
    }
    ordered = sorted(departments, key=lambda u: ranks[u.pk])
    first, last = ordered[:2], ordered[2]
    page_one = page_of(client, published)
    page_two = page_of(client, published, page_department=2)
    # Two departments on page 1, the third on page 2 only; the wards (one page) on both.
    assert [row_of(page_one, u) is not None for u in ordered] == [True, True, False]
    assert [row_of(page_two, u) is not None for u in ordered] == [False, False, True]
    # The numbers do not depend on the page: the published rank of the whole group, the frozen index.
    for page, unit in [(page_one, first[0]), (page_one, first[1]), (page_two, last)]:
        rank, row = row_of(page, unit)
        v = values[unit.pk]
        assert rank == ranks[unit.pk]
        assert share(v.estimate) in row and share(v.ci_low, 1) in row and share(v.ci_high, 1) in row
    assert row_of(page_two, last)[0] == 3
    # With one page for everything, the same rows and ranks.
    settings.HAILONG_PORTAL_RANKING_PAGE_SIZE = 50
    cache.clear()
    everything = page_of(client, published)
    for unit in ordered:
        assert row_of(everything, unit) == row_of(page_one if unit in first else page_two, unit)
    assert 'aria-label="Các trang của bảng xếp hạng' not in everything


def test_the_page_links_are_a_labelled_navigation_with_the_current_page(client, settings, published):
    settings.HAILONG_PORTAL_RANKING_PAGE_SIZE = 2
    page = page_of(client, published, page_department=2)
    nav = re.search(r'<nav class="pages" aria-label="([^"]+)">(.*?)</nav>', page, re.S)
    assert nav and "Sở" in nav.group(1)
    links = dict(
        re.findall(r'<a href="([^"]+)"[^>]*>(?:<span class="vh">[^<]*</span>)?(\d+)</a>', nav.group(2))
    )
    assert set(links.values()) == {"1", "2"}
    assert re.search(r'page_department=2#ranking-department" aria-current="page"', nav.group(2))
    assert 'rel="prev"' in nav.group(2) and 'rel="next"' not in nav.group(2)
    # The caption says which units the table holds.
    assert re.search(r"<caption>[^<]*<span class=\"muted\">\(đơn vị 3–3 / 3, trang 2 / 2\)", page), page
    # The previous link leads back to page 1 (no parameter for it).
    previous = re.search(r'<a href="([^"]+)" rel="prev">', nav.group(2)).group(1)
    assert previous == reverse("portal:campaign", args=[published.campaign.code]) + "#ranking-department"
    # Past the last page: not found.
    url = reverse("portal:campaign", args=[published.campaign.code])
    assert client.get(url, {"page_department": 3}).status_code == 404
    assert client.get(url, {"page_department": "x"}).status_code == 200  # ignored


def test_search_by_unit_name_without_accents_keeps_ranks_and_the_suppressed_explanation(
    client, published, wards, small_unit
):
    run = published.run
    ranks = run_ranks(run, suppressed_units(run, published.min_respondents))
    ward = wards[1]
    typed = searchable(ward.name).upper()  # no accents, other case
    assert typed != ward.name
    page = page_of(client, published, q=typed)
    assert row_of(page, ward) == (ranks[ward.pk], row_of(page_of(client, published), ward)[1])
    assert row_of(page, wards[0]) is None
    assert f'value="{typed}"' in page and 'role="search"' in page
    # A suppressed unit found by the search is still explained, not ranked.
    page = page_of(client, published, q=small_unit.name)
    assert row_of(page, small_unit) is None
    assert "Không xếp hạng" in page and small_unit.name in page


def test_a_cached_page_is_served_from_the_cache_after_one_query(
    client, published, departments, django_assert_num_queries
):
    paths = [
        reverse("portal:campaign", args=[published.campaign.code]),
        reverse("portal:unit", args=[published.campaign.code, departments[0].code]),
    ]
    for path in paths:
        first = client.get(path)
        with django_assert_num_queries(1):  # the live publication, then the cache
            again = client.get(path)
        assert again.content == first.content and again.status_code == 200
        assert "public" in again["Cache-Control"]
    key = page_cache_key(published, "vi", "campaign", "", ())
    assert cache.get(key) is not None
    # Another language is another page.
    client.get(reverse("portal:language"), {"lang": "en", "next": paths[0]})
    assert b'<html lang="en">' in client.get(paths[0]).content


def test_a_withdrawn_publications_cached_page_is_never_served(client, published, people, departments):
    campaign_url = reverse("portal:campaign", args=[published.campaign.code])
    unit_url = reverse("portal:unit", args=[published.campaign.code, departments[0].code])
    assert client.get(campaign_url).status_code == 200 and client.get(unit_url).status_code == 200
    key = page_cache_key(published, "vi", "campaign", "", ())
    assert cache.get(key) is not None
    publication_withdraw(publication=published, actor=people["manager"], reason="Sai số liệu")
    # The rendered pages are still in the cache, but the live publication is looked up first.
    assert cache.get(key) is not None
    assert client.get(campaign_url).status_code == 404
    assert client.get(unit_url).status_code == 404
    # A new publication of another run of the campaign shows that run, not the cached page.
    newer = run_execute(run=run_create(campaign=published.campaign, enqueue=False, level=0.9))
    replacement = run_publish(run=newer, actor=people["manager"])
    page = client.get(campaign_url).content.decode()
    assert f"#{newer.pk}" in page and f"#{published.run_id} " not in page
    assert page_cache_key(replacement, "vi", "campaign", "", ()) != key
