"""A questionnaire version compiled for collection: what the validator and the web form run on.

Built once per published version and kept in memory (a published version never changes), so
validating a submission costs no database query for the questionnaire itself.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from hailong.methodology.choices import CHOICE_KINDS, DEVICE_ONLY_KINDS, NO_ANSWER_KINDS, VersionStatus
from hailong.methodology.definition import version_definition
from hailong.methodology.expressions import ExpressionError, compile_expression
from hailong.methodology.models import QuestionnaireVersion


@dataclass(frozen=True)
class ChoiceSpec:
    value: str
    label: dict
    extra: dict


@dataclass(frozen=True)
class QuestionSpec:
    name: str
    kind: str
    label: dict
    hint: dict
    required: bool
    required_message: dict
    # Own relevance AND every enclosing section's, as a list of ASTs all of which must hold.
    relevant: tuple
    constraint: list | None
    constraint_message: dict
    calculation: list | None
    choices: tuple[ChoiceSpec, ...]
    choice_filter: list | None
    section: str | None
    appearance: str
    parameters: dict
    criterion: str | None
    measure: str
    web_supported: bool = True
    # An XLSForm `required` written as an expression ("${age} >= 18"): required only when it holds.
    required_when: list | None = None
    # Derived once here: validation reads them for every answer of every submission.
    takes_answer: bool = field(init=False)
    is_choice: bool = field(init=False)
    choice_values: frozenset = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "takes_answer", self.kind not in NO_ANSWER_KINDS)
        object.__setattr__(self, "is_choice", self.kind in CHOICE_KINDS)
        object.__setattr__(self, "choice_values", frozenset(c.value for c in self.choices))


@dataclass(frozen=True)
class SectionSpec:
    name: str
    label: dict
    relevant: tuple
    repeat: bool
    depth: int
    questions: tuple[str, ...]


@dataclass(frozen=True)
class FormSpec:
    version_id: int
    title: dict
    questions: tuple[QuestionSpec, ...]
    sections: tuple[SectionSpec, ...]
    by_name: dict = field(repr=False)
    unsupported: tuple[str, ...] = ()

    @property
    def web_ready(self) -> bool:
        """Whether the web form can collect this version (no repeats, nothing only a device can do)."""
        return not self.unsupported


def _compile(text: str, *, choice_columns: bool = False) -> list | None:
    try:
        return compile_expression(text or "", choice_columns=choice_columns)
    except ExpressionError:
        return None


def build_form_spec(version_id: int, definition: dict) -> FormSpec:
    lists = definition.get("choice_lists", {})
    questions: list[QuestionSpec] = []
    sections: list[SectionSpec] = []
    unsupported: list[str] = []
    web_problems = {
        (p.get("name"), p.get("field"))
        for p in definition.get("settings", {}).get("hailong_web_unsupported", [])
    }

    def walk(items: list[dict], inherited: tuple, section: str | None, depth: int) -> list[str]:
        names = []
        for item in items:
            own = _compile(item.get("relevant", ""))
            relevant = (*inherited, own) if own else inherited
            if item["type"] == "section":
                if item.get("repeat"):
                    unsupported.append(f"repeat:{item['name']}")
                index = len(sections)
                sections.append(None)  # keep form order: the section comes before its contents
                contents = walk(item["items"], relevant, item["name"], depth + 1)
                sections[index] = SectionSpec(
                    item["name"],
                    item.get("label") or {},
                    relevant,
                    bool(item.get("repeat")),
                    depth,
                    tuple(contents),
                )
                names.extend(contents)
                continue
            web_supported = item["kind"] not in DEVICE_ONLY_KINDS and not any(
                (item["name"], f) in web_problems
                for f in ("relevant", "constraint", "calculation", "choice_filter")
            )
            if not web_supported and (item.get("required") or item["kind"] not in DEVICE_ONLY_KINDS):
                unsupported.append(f"question:{item['name']}")
            choices = tuple(
                ChoiceSpec(str(c["value"]), c.get("label") or {}, c.get("extra") or {})
                for c in lists.get(item.get("choice_list") or "", [])
            )
            questions.append(
                QuestionSpec(
                    name=item["name"],
                    kind=item["kind"],
                    label=item.get("label") or {},
                    hint=item.get("hint") or {},
                    required=bool(item.get("required")),
                    required_message=item.get("required_message") or {},
                    relevant=relevant,
                    constraint=_compile(item.get("constraint", "")),
                    constraint_message=item.get("constraint_message") or {},
                    calculation=_compile(item.get("calculation", "")),
                    choices=choices,
                    choice_filter=_compile(item.get("choice_filter", ""), choice_columns=True),
                    section=section,
                    appearance=item.get("appearance") or "",
                    parameters=item.get("parameters") or {},
                    criterion=item.get("criterion"),
                    measure=item.get("measure") or "",
                    web_supported=web_supported,
                    required_when=_compile(str((item.get("extra") or {}).get("required", ""))),
                )
            )
            names.append(item["name"])
        return names

    walk(definition["items"], (), None, 0)
    return FormSpec(
        version_id=version_id,
        title=definition.get("title") or {},
        questions=tuple(questions),
        sections=tuple(sections),
        by_name={q.name: q for q in questions},
        unsupported=tuple(unsupported),
    )


@lru_cache(maxsize=64)
def _published_spec(version_id: int, fingerprint: str) -> FormSpec:
    version = QuestionnaireVersion.objects.get(pk=version_id)
    return build_form_spec(version_id, version_definition(version))


def form_spec(version: QuestionnaireVersion) -> FormSpec:
    """The compiled form of a version: cached for published versions, fresh for drafts (previews)."""
    if version.status != VersionStatus.DRAFT and version.fingerprint:
        return _published_spec(version.pk, version.fingerprint)
    return build_form_spec(version.pk, version_definition(version))
