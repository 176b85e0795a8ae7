from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hailong.accounts.selectors import role_assignments_of
from hailong.units.choices import UnitType
from hailong.units.selectors import unit_type_counts


@login_required
def home(request):
    today = date.today()  # noqa: DTZ011 - a calendar day
    counts = unit_type_counts(user=request.user, as_of=today)
    return render(
        request,
        "core/home.html",
        {
            "assignments": role_assignments_of(request.user),
            "unit_counts": [(UnitType(t).label, n) for t, n in sorted(counts.items(), key=lambda kv: -kv[1])],
            "today": today,
        },
    )
