"""The demo seed: a cycle with units at every stage, idempotent."""

import pytest

from hailong.parindex.choices import AssessmentStatus
from hailong.parindex.demo import DEMO_CYCLE_NAME, demo_par_seed
from hailong.parindex.models import Cycle

pytestmark = pytest.mark.django_db


def test_demo_has_every_stage_and_runs_twice(registry):
    from hailong.demo.services import demo_seed

    demo_seed(province_only=True, responses=0)  # calls demo_par_seed
    cycle = Cycle.objects.get(name=DEMO_CYCLE_NAME)
    statuses = set(cycle.assessments.values_list("status", flat=True))
    assert statuses == set(AssessmentStatus.values)
    final = cycle.assessments.filter(status=AssessmentStatus.FINAL)
    assert all(a.index is not None and a.group for a in final)
    adjusted = cycle.assessments.get(unit__code="48.SCT").scores.get(criterion__code="2.2.1")
    assert adjusted.appraisal_reason and adjusted.response
    assert demo_par_seed() == cycle
    assert Cycle.objects.filter(name=DEMO_CYCLE_NAME).count() == 1
