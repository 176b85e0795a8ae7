from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class VersionSource(models.TextChoices):
    TEMPLATE = "template", _("Built-in template")
    XLSFORM = "xlsform", _("XLSForm file")
    COPY = "copy", _("New draft of an earlier version")
    MANUAL = "manual", _("Entered by staff")


class QuestionKind(models.TextChoices):
    SATISFACTION = "satisfaction", _("5-point satisfaction scale")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    YES_NO = "yes_no", _("Yes / no")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    TIME = "time", _("Time")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    RANKING = "ranking", _("Priority ranking")
    NOTE = "note", _("Note (no answer)")
    CALCULATE = "calculate", _("Calculated value")
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement")
    GEOPOINT = "geopoint", _("Location")
    MEDIA = "media", _("Photo, audio, video or file")
    BARCODE = "barcode", _("Barcode")
    METADATA = "metadata", _("Recorded automatically")


# Kinds a person answers with a choice from a list.
CHOICE_KINDS = frozenset(
    {
        QuestionKind.SATISFACTION,
        QuestionKind.SINGLE,
        QuestionKind.MULTIPLE,
        QuestionKind.YES_NO,
        QuestionKind.RANKING,
    }
)
# Kinds that carry no answer of the respondent's own.
NO_ANSWER_KINDS = frozenset({QuestionKind.NOTE, QuestionKind.CALCULATE, QuestionKind.METADATA})
# Kinds only a device app (ODK Collect) can capture; the web form shows them as not available.
DEVICE_ONLY_KINDS = frozenset({QuestionKind.GEOPOINT, QuestionKind.MEDIA, QuestionKind.BARCODE})


class Measure(models.TextChoices):
    """What a question measures, so the indices of later modules know how to use it."""

    PERCEPTION = "perception", _("Perception / assessment")
    SATISFACTION = "satisfaction", _("Satisfaction with a content")
    ELEMENT_OVERALL = "element_overall", _("Satisfaction with an element in general")
    OVERALL = "overall", _("Overall satisfaction")
    EXPECTATION = "expectation", _("Expectation / priority")
    PROFILE = "profile", _("Respondent profile")
    COMMENT = "comment", _("Open comment")
    OTHER = "other", _("Other")


class CriterionLevel(models.TextChoices):
    PILLAR = "pillar", _("Pillar")
    ELEMENT = "element", _("Element")
    CRITERION = "criterion", _("Criterion")
    SUBCRITERION = "subcriterion", _("Sub-criterion")


class WordingSource(models.TextChoices):
    """Whether the text follows an official instrument or is the platform's default wording."""

    OFFICIAL = "official", _("Official wording")
    DEFAULT = "default", _("Our default wording")
    LOCAL = "local", _("Written by the organiser")
