import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.collection.formspec import form_spec
from hailong.collection.rendering import answers_from_post, build_sections, survey_js_text
from hailong.collection.validation import validate_answers
from hailong.core.messages import validation_messages
from hailong.methodology import services
from hailong.methodology.builtin_templates import TEMPLATES, template_install
from hailong.methodology.choices import Measure, VersionStatus, WordingSource
from hailong.methodology.models import Question, Questionnaire, QuestionnaireVersion, text_in
from hailong.methodology.xlsform import XLSFormRejected, version_to_xform, version_to_xlsform, xlsform_import
from hailong.units.forms import UnitCodeField


def _questionnaires_for(user, perm=Perm.SURVEYS_MANAGE):
    return permissions.scope(
        Questionnaire.objects.select_related("owner"), user, perm, path_field="owner__path"
    ).prefetch_related("versions")


def _version_for(user, version_id: int, perm=Perm.SURVEYS_MANAGE) -> QuestionnaireVersion:
    return get_object_or_404(
        permissions.scope(
            QuestionnaireVersion.objects.select_related("questionnaire__owner", "published_by"),
            user,
            perm,
            path_field="questionnaire__owner__path",
        ),
        pk=version_id,
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("XLSForm file (.xlsx or .xls)"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = UnitCodeField(
            label=gettext_lazy("Owning unit"), user=user, perm=Perm.SURVEYS_MANAGE
        )


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=gettext_lazy("Template"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(key, text_in(t.title)) for key, t in TEMPLATES.items()]
        self.fields["owner"] = UnitCodeField(
            label=gettext_lazy("Owning unit"), user=user, perm=Perm.SURVEYS_MANAGE
        )


@login_required
def questionnaire_list(request):
    permissions.require(request.user, Perm.SURVEYS_MANAGE)
    import_form = ImportForm(user=request.user)
    return render(
        request,
        "methodology/questionnaire_list.html",
        {
            "questionnaires": _questionnaires_for(request.user),
            "import_form": import_form,
            "template_form": TemplateForm(user=request.user),
            "templates": TEMPLATES.values(),
            "suggestions": import_form.fields["owner"].suggestions(),
        },
    )


@login_required
@require_POST
def questionnaire_import(request):
    permissions.require(request.user, Perm.SURVEYS_MANAGE)
    form = ImportForm(request.POST, request.FILES, user=request.user)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = xlsform_import(file=upload, filename=upload.name, owner=form.cleaned_data["owner"])
        except XLSFormRejected as rejected:
            problems = rejected.messages()
        else:
            messages.success(request, _("Questionnaire imported as a draft version."))
            return redirect("methodology:version", version.pk)
    return render(
        request,
        "methodology/import_result.html",
        {"form": form, "problems": problems, "suggestions": form.fields["owner"].suggestions()},
        status=422 if problems else 400,
    )


@login_required
@require_POST
def questionnaire_from_template(request):
    permissions.require(request.user, Perm.SURVEYS_MANAGE)
    form = TemplateForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose a template and an owning unit within your area."))
        return redirect("methodology:list")
    version = template_install(
        key=form.cleaned_data["template"], owner=form.cleaned_data["owner"], actor=request.user
    )
    messages.success(request, _("Template installed and published."))
    return redirect("methodology:version", version.pk)


@login_required
def version_detail(request, version_id: int):
    version = _version_for(request.user, version_id)
    spec = form_spec(version)
    criteria = list(version.criteria.select_related("parent").order_by("order"))
    questions = list(
        version.questions.select_related("section", "criterion", "choice_list").order_by("order")
    )
    return render(
        request,
        "methodology/version_detail.html",
        {
            "version": version,
            "questionnaire": version.questionnaire,
            "versions": version.questionnaire.versions.order_by("-number"),
            "criteria": criteria,
            "questions": questions,
            "spec": spec,
            "is_draft": version.status == VersionStatus.DRAFT,
            "campaigns": version.campaigns.all(),
        },
    )


@login_required
@require_POST
def version_action(request, version_id: int):
    version = _version_for(request.user, version_id)
    action = request.POST.get("action")
    try:
        if action == "publish":
            services.version_publish(version=version, actor=request.user)
            messages.success(request, _("Version published. It can no longer change."))
        elif action == "new_draft":
            version = services.version_new_draft(version=version)
            messages.success(request, _("New draft version created."))
        elif action == "retire":
            services.version_retire(version=version)
            messages.success(request, _("Version retired."))
        elif action == "delete" and not version.campaigns.exists():
            questionnaire = version.questionnaire
            services.version_delete_draft(version=version)
            messages.success(request, _("Draft deleted."))
            latest = questionnaire.versions.order_by("-number").first()
            return redirect("methodology:version", latest.pk) if latest else redirect("methodology:list")
    except ValidationError as exc:
        for _field, message in validation_messages(exc):
            messages.error(request, str(message))
    return redirect("methodology:version", version.pk)


@login_required
def version_export(request, version_id: int, fmt: str):
    version = _version_for(request.user, version_id, perm=Perm.SURVEYS_MANAGE)
    name = f"{version.form_id}-v{version.number}"
    if fmt == "xlsx":
        response = HttpResponse(
            version_to_xlsform(version),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(version_to_xform(version), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.xml"'
    return response


@login_required
def version_preview(request, version_id: int):
    """Try the form as a respondent would, skip logic and checks included; nothing is stored."""
    version = _version_for(request.user, version_id)
    spec = form_spec(version)
    answers, errors, valid = {}, [], False
    if request.method == "POST":
        answers = answers_from_post(spec, request.POST)
        _clean, errors = validate_answers(spec, answers)
        valid = not errors
    return render(
        request,
        "collection/survey.html",
        {
            "campaign": None,
            "unit": version.questionnaire.owner,
            "title": text_in(spec.title) or str(version),
            "form_action": reverse("methodology:preview", args=[version.pk]),
            "closed": False,
            "web_ready": spec.web_ready,
            "sections": build_sections(spec, answers, errors),
            "errors": errors,
            "instance_id": str(uuid.uuid4()),
            "started_at": timezone.now().isoformat(),
            "preview": True,
            "questionnaire_url": reverse("methodology:version", args=[version.pk]),
            "preview_valid": valid,
            "js_text": survey_js_text(),
        },
    )


class QuestionForm(forms.Form):
    label_vi = forms.CharField(
        label=gettext_lazy("Question (Vietnamese)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    label_en = forms.CharField(
        label=gettext_lazy("Question (English)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    hint_vi = forms.CharField(label=gettext_lazy("Hint (Vietnamese)"), required=False)
    hint_en = forms.CharField(label=gettext_lazy("Hint (English)"), required=False)
    required = forms.BooleanField(label=gettext_lazy("Answer required"), required=False)
    relevant = forms.CharField(
        label=gettext_lazy("Show only when (expression)"), required=False, help_text="${gop_y} = 'yes'"
    )
    constraint = forms.CharField(
        label=gettext_lazy("Constraint (expression)"), required=False, help_text=". >= 0 and . <= 50"
    )
    measure = forms.ChoiceField(
        label=gettext_lazy("Measures"), choices=[("", "—"), *Measure.choices], required=False
    )
    wording = forms.ChoiceField(label=gettext_lazy("Wording"), choices=WordingSource.choices)


@login_required
def question_edit(request, version_id: int, question_id: int):
    version = _version_for(request.user, version_id)
    question = get_object_or_404(Question, pk=question_id, version=version)
    initial = {
        "label_vi": question.label.get("vi", ""),
        "label_en": question.label.get("en", ""),
        "hint_vi": question.hint.get("vi", ""),
        "hint_en": question.hint.get("en", ""),
        "required": question.required,
        "relevant": question.relevant,
        "constraint": question.constraint,
        "measure": question.measure,
        "wording": question.wording,
    }
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.question_update(
                question=question,
                label={**question.label, "vi": data["label_vi"], "en": data["label_en"]},
                hint={**question.hint, "vi": data["hint_vi"], "en": data["hint_en"]},
                required=data["required"],
                relevant=data["relevant"],
                constraint=data["constraint"],
                measure=data["measure"],
                wording=data["wording"],
            )
        except ValidationError as exc:
            for field, message in validation_messages(exc):
                form.add_error(field if field in form.fields else None, str(message))
        else:
            messages.success(request, _("Question saved."))
            return redirect(f"{reverse('methodology:version', args=[version.pk])}#q-{question.name}")
    return render(
        request, "methodology/question_form.html", {"form": form, "version": version, "question": question}
    )
