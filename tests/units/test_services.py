from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hailong.units.models import Unit
from hailong.units.services import unit_create, unit_update

pytestmark = pytest.mark.django_db


def test_create_sets_path_under_parent(unit):
    city = unit("48")
    department = unit_create(
        code="48.SNV", name="Sở Nội vụ", type="department", parent=city, valid_from=date(2025, 7, 1)
    )
    assert department.path == f"{city.path}{department.pk}/"
    assert department.depth == city.depth + 1


def test_code_cannot_be_reused_in_an_overlapping_period(unit):
    city = unit("48")
    unit_create(code="48.SNV", name="Sở Nội vụ", type="department", parent=city, valid_from=date(2025, 7, 1))
    with pytest.raises(ValidationError) as caught:
        unit_create(code="48.SNV", name="Khác", type="department", parent=city, valid_from=date(2026, 1, 1))
    assert "code" in caught.value.message_dict


def test_a_code_can_return_after_the_old_unit_ended(unit):
    city = unit("48")
    old = unit_create(
        code="48.X",
        name="Cũ",
        type="department",
        parent=city,
        valid_from=date(2025, 7, 1),
        valid_to=date(2025, 12, 31),
    )
    new = unit_create(code="48.X", name="Mới", type="department", parent=city, valid_from=date(2026, 1, 1))
    assert old.pk != new.pk
    assert Unit.objects.filter(code="48.X").valid_on(date(2026, 3, 1)).get() == new


def test_parent_type_rules(unit):
    with pytest.raises(ValidationError) as caught:
        unit_create(code="X", name="Sở", type="department", parent=unit("20242"), valid_from=date(2025, 7, 1))
    assert "parent" in caught.value.message_dict


def test_parent_must_exist_during_the_units_period(unit):
    old_quang_nam = unit("49", on=date(2025, 6, 30))
    with pytest.raises(ValidationError) as caught:
        unit_create(code="X", name="Sở", type="department", parent=old_quang_nam, valid_from=date(2025, 8, 1))
    assert "parent" in caught.value.message_dict


def test_moving_a_unit_moves_its_subtree(unit):
    city = unit("48")
    centre = unit_create(
        code="C", name="Trung tâm", type="one_stop_office", parent=city, valid_from=date(2025, 7, 1)
    )
    point = unit_create(
        code="C.1", name="Điểm", type="service_point", parent=centre, valid_from=date(2025, 7, 1)
    )
    ward = unit("20242")
    unit_update(unit=centre, parent=ward)
    point.refresh_from_db()
    assert point.path == f"{ward.path}{centre.pk}/{point.pk}/"
    assert point.depth == ward.depth + 2


def test_a_unit_cannot_move_under_itself(unit):
    city = unit("48")
    centre = unit_create(
        code="C", name="Trung tâm", type="one_stop_office", parent=city, valid_from=date(2025, 7, 1)
    )
    point = unit_create(
        code="C.1", name="Điểm", type="service_point", parent=centre, valid_from=date(2025, 7, 1)
    )
    with pytest.raises(ValidationError):
        unit_update(unit=centre, parent=point)
