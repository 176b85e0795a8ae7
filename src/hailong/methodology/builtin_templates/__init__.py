"""The built-in questionnaire templates, as definitions, and how to install one.

A template is a complete questionnaire definition (the shape documented in
``hailong.methodology.definition``) written as data in this package. Installing one creates a
questionnaire owned by a unit, its first version (source "template") and, unless asked not to,
publishes it. Installing twice makes two questionnaires: idempotency is the caller's business.
"""

import copy
from dataclasses import dataclass

from django.db import transaction

from hailong.methodology import services
from hailong.methodology.builtin_templates import sipas_household, sipas_service
from hailong.methodology.choices import VersionSource
from hailong.methodology.models import Questionnaire, QuestionnaireVersion


@dataclass(frozen=True)
class Template:
    key: str
    title: dict
    description: dict
    definition: dict


TEMPLATES: dict[str, Template] = {
    module.KEY: Template(
        key=module.KEY, title=module.TITLE, description=module.DESCRIPTION, definition=module.DEFINITION
    )
    for module in (sipas_service, sipas_household)
}


def _free_code(base: str) -> str:
    code, n = base, 1
    while Questionnaire.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def template_install(
    *, key: str, owner, code: str | None = None, publish: bool = True, actor=None
) -> QuestionnaireVersion:
    """Create a questionnaire from template ``key`` for ``owner`` and return its first version.

    The code defaults to the key; when taken, ``-2``, ``-3``… is appended until it is free.
    """
    try:
        template = TEMPLATES[key]
    except KeyError:
        raise ValueError(f"Unknown questionnaire template: {key}") from None
    questionnaire = services.questionnaire_create(
        code=_free_code(code or key), title=dict(template.title), owner=owner, template_key=key
    )
    version = services.version_create(
        questionnaire=questionnaire,
        definition=copy.deepcopy(template.definition),
        source=VersionSource.TEMPLATE,
    )
    if publish:
        version = services.version_publish(version=version, actor=actor)
    return version
