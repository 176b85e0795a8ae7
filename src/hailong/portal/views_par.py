"""The public PAR INDEX pages: published cycles only (``parindex.selectors.published_*``)."""

from django.shortcuts import render

from hailong.parindex.selectors import cycle_results, published_cycle, published_cycles
from hailong.portal.views import PAGE_MAX_AGE, public


@public(PAGE_MAX_AGE)
def par_home(request):
    return render(request, "portal/par_home.html", {"cycles": published_cycles(), "section": "par"})


@public(PAGE_MAX_AGE)
def par_cycle(request, pk: int):
    cycle = published_cycle(pk)
    fields, rows = cycle_results(cycle)
    return render(
        request, "portal/par_cycle.html", {"cycle": cycle, "fields": fields, "rows": rows, "section": "par"}
    )
