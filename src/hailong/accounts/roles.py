"""Roles and what each may do. The matrix is data: one place to read, one place to test."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SURVEY_MANAGER = "survey_manager", _("Survey manager")
    ANALYST = "analyst", _("Analyst")
    UNIT_OFFICER = "unit_officer", _("Unit officer")
    INTERVIEWER = "interviewer", _("Interviewer")
    APPRAISER = "appraiser", _("Appraiser")
    VIEWER = "viewer", _("Viewer")


class Perm(models.TextChoices):
    UNITS_VIEW = "units.view", _("See units")
    UNITS_CHANGE = "units.change", _("Create and edit units")
    ACCOUNTS_VIEW = "accounts.view", _("See users and their roles")
    ACCOUNTS_MANAGE = "accounts.manage", _("Create users and grant roles")
    AUDIT_VIEW = "audit.view", _("Read the audit log")
    SURVEYS_MANAGE = "surveys.manage", _("Manage questionnaires, campaigns and samples")
    RESPONSES_COLLECT = "responses.collect", _("Collect and enter responses")
    RESPONSES_VIEW = "responses.view", _("See individual responses")
    RESPONSES_REVIEW = "responses.review", _("Approve or reject responses")
    PERSONAL_DATA_VIEW = "personal_data.view", _("See respondents' personal data")
    RESULTS_VIEW = "results.view", _("See results and dashboards")
    RESULTS_ANALYSE = "results.analyse", _("Run estimations")
    RESULTS_PUBLISH = "results.publish", _("Publish results")
    DATA_EXPORT = "data.export", _("Export data")
    PAR_MANAGE = "par.manage", _("Manage PAR INDEX criteria and cycles")
    PAR_SELF_ASSESS = "par.self_assess", _("Self-assess for PAR INDEX")
    PAR_APPRAISE = "par.appraise", _("Appraise PAR INDEX scores")
    PLANS_MANAGE = "plans.manage", _("Manage improvement plans")
    PLANS_REPORT = "plans.report", _("Report progress on improvement tasks")


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(Perm.values),
    Role.SURVEY_MANAGER: frozenset(
        {
            Perm.UNITS_VIEW,
            Perm.UNITS_CHANGE,
            Perm.ACCOUNTS_VIEW,
            Perm.ACCOUNTS_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.SURVEYS_MANAGE,
            Perm.RESPONSES_COLLECT,
            Perm.RESPONSES_VIEW,
            Perm.RESPONSES_REVIEW,
            Perm.PERSONAL_DATA_VIEW,
            Perm.RESULTS_VIEW,
            Perm.RESULTS_ANALYSE,
            Perm.RESULTS_PUBLISH,
            Perm.DATA_EXPORT,
            Perm.PAR_MANAGE,
            Perm.PLANS_MANAGE,
            Perm.PLANS_REPORT,
        }
    ),
    Role.ANALYST: frozenset(
        {Perm.UNITS_VIEW, Perm.RESPONSES_VIEW, Perm.RESULTS_VIEW, Perm.RESULTS_ANALYSE, Perm.DATA_EXPORT}
    ),
    Role.UNIT_OFFICER: frozenset(
        {Perm.UNITS_VIEW, Perm.RESULTS_VIEW, Perm.PAR_SELF_ASSESS, Perm.PLANS_REPORT}
    ),
    Role.INTERVIEWER: frozenset({Perm.UNITS_VIEW, Perm.RESPONSES_COLLECT}),
    Role.APPRAISER: frozenset({Perm.UNITS_VIEW, Perm.RESULTS_VIEW, Perm.PAR_APPRAISE}),
    Role.VIEWER: frozenset({Perm.UNITS_VIEW, Perm.RESULTS_VIEW}),
}

# Reading these about a unit extends to the units it came from (through lineage), so a province
# formed in 2025 can still read its predecessors' history. Changing never does.
HISTORY_READABLE: frozenset[str] = frozenset(
    {Perm.UNITS_VIEW, Perm.RESULTS_VIEW, Perm.RESPONSES_VIEW, Perm.AUDIT_VIEW}
)


# Who may grant which role (on units inside the granter's own scope). Nobody grants a role above
# their own: only a system administrator makes another one.
GRANTABLE_BY: dict[str, frozenset[str]] = {
    Role.SYSTEM_ADMIN: frozenset(Role.values),
    Role.SURVEY_MANAGER: frozenset(Role.values) - {Role.SYSTEM_ADMIN},
}
