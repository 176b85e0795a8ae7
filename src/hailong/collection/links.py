"""Finding a public link from its token, fast.

The survey endpoints are the platform's busiest (the day a link goes out on the provincial portal)
and every request starts here. A link, its campaign and questionnaire version change rarely, so each
process keeps what it read for a few seconds. A change made in this process (closing a campaign)
clears the memory at once; other processes see it within ``TTL_SECONDS``.
"""

import time

from django.http import Http404

from hailong.collection.models import PublicLink

TTL_SECONDS = 5.0
_cache: dict[str, tuple[float, PublicLink]] = {}


def public_link(token: str) -> PublicLink:
    """The active link with its campaign, version, unit and service point loaded; 404 otherwise.

    The returned objects are shared between requests of this process: read them, never change them.
    """
    now = time.monotonic()
    hit = _cache.get(token)
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]
    link = (
        PublicLink.objects.select_related("campaign__version", "unit", "service_point")
        .filter(token=token, active=True)
        .first()
    )
    if link is None:
        _cache.pop(token, None)
        raise Http404("unknown link")
    if len(_cache) > 10_000:  # a province has a few hundred links; this bounds a scan of made-up tokens
        _cache.clear()
    _cache[token] = (now, link)
    return link


def forget_links() -> None:
    _cache.clear()


def forget_on_change(sender, **kwargs) -> None:
    forget_links()
