"""What is wrong with a form, and where: the problems import reports and the refusal it raises."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from hailong.core.messages import bilingual, lazy_format


@dataclass(frozen=True)
class SheetProblem:
    """What is wrong, and where: ``column`` is shown as a spreadsheet shows it, e.g. ``D (relevant)``."""

    sheet: str | None
    row: int | None
    column: str | None
    message: object

    def render(self, filename: str) -> str:
        params = {"filename": filename, "sheet": self.sheet, "row": self.row, "column": self.column}
        if self.sheet is None:
            where = _("File {filename}: {message}")
        elif self.row is None and self.column is None:
            where = _("File {filename}, sheet {sheet}: {message}")
        elif self.row is None:
            where = _("File {filename}, sheet {sheet}, column {column}: {message}")
        elif self.column is None:
            where = _("File {filename}, sheet {sheet}, row {row}: {message}")
        else:
            where = _("File {filename}, sheet {sheet}, row {row}, column {column}: {message}")
        return bilingual(lazy_format(where, message=self.message, **params))


class XLSFormRejected(Exception):
    """The form cannot become a questionnaire version; nothing was written."""

    def __init__(self, filename: str, problems: list[SheetProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in {filename}")
        self.filename = filename
        self.problems = problems

    def messages(self) -> list[str]:
        return [p.render(self.filename) for p in self.problems]


@dataclass(frozen=True)
class _Problem:
    problem: SheetProblem
    # pyxform reports this too (unbalanced groups, a row without name…); when pyxform refuses the
    # form on the same row, only its message is shown, so one fault is not listed twice.
    structural: bool = False


class _Refused(Exception):
    """The workbook cannot be read at all; ends reading early."""

    def __init__(self, problem: SheetProblem) -> None:
        super().__init__(str(problem.message))
        self.problem = problem
