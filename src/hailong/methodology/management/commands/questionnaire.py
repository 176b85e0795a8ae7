"""``hailong questionnaire import FILE [--owner CODE] [--questionnaire CODE] | export VERSION_ID``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hailong.methodology.models import Questionnaire, QuestionnaireVersion
from hailong.methodology.xlsform import (
    SheetProblem,
    XLSFormRejected,
    version_to_xform,
    version_to_xlsform,
    xlsform_import,
)
from hailong.units.models import Unit


class Command(BaseCommand):
    help = "Questionnaires: import an XLSForm as a new draft version, export a version as XLSForm or XForm."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="Import an XLSForm (.xlsx, .xls, .ods) as a new draft version; prints the version's id.",
        )
        imp.add_argument("file", type=Path)
        imp.add_argument(
            "--owner", default="VN", metavar="CODE", help="code of the owner unit, valid today (default: VN)"
        )
        imp.add_argument(
            "--questionnaire",
            default=None,
            metavar="CODE",
            help="add the draft to this questionnaire instead of creating a new one",
        )
        exp = sub.add_parser("export", help="Write a version as XLSForm (.xlsx) or XForm (XML).")
        exp.add_argument("version_id", type=int, metavar="VERSION_ID")
        exp.add_argument("--format", dest="output_format", choices=("xlsx", "xml"), default="xlsx")
        exp.add_argument(
            "-o",
            "--output",
            type=Path,
            default=None,
            metavar="FILE",
            help="required for xlsx; xml goes to stdout without it",
        )

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_import(self, *, file: Path, owner: str, questionnaire: str | None, **options):
        if not file.is_file():
            raise CommandError(f"Không tìm thấy tệp / File not found: {file}")
        units = list(Unit.objects.valid_on(timezone.localdate()).filter(code=owner)[:2])
        if len(units) != 1:
            raise CommandError(
                f"Không có đúng một đơn vị mã {owner} hiện hành / No single unit with code {owner} exists today."
            )
        target = None
        if questionnaire is not None:
            target = Questionnaire.objects.filter(code=questionnaire).first()
            if target is None:
                raise CommandError(
                    f"Không có bảng hỏi mã {questionnaire} / No questionnaire with code {questionnaire}."
                )
        warnings: list[SheetProblem] = []
        try:
            version = xlsform_import(
                file=file, filename=file.name, owner=units[0], questionnaire=target, warnings=warnings
            )
        except XLSFormRejected as rejected:
            for message in rejected.messages():
                self.stderr.write(message)
            count = len(rejected.problems)
            raise CommandError(
                f"Không tạo bảng hỏi nào: {count} lỗi / Nothing created: {count} error(s)."
            ) from None
        for warning in warnings:
            self.stderr.write(warning.render(file.name))
        # The id alone on the first line, so scripts can read it.
        self.stdout.write(str(version.pk))
        self.stderr.write(
            f"Đã tạo bản nháp / Draft created: {version.questionnaire.code} v{version.number} "
            f"({version.questions.count()} questions, {len(warnings)} warning(s))."
        )

    def handle_export(self, *, version_id: int, output_format: str, output: Path | None, **options):
        version = QuestionnaireVersion.objects.filter(pk=version_id).first()
        if version is None:
            raise CommandError(f"Không có phiên bản {version_id} / No version {version_id}.")
        if output_format == "xlsx" and output is None:
            raise CommandError("Cần -o FILE để xuất xlsx / xlsx export needs -o FILE.")
        try:
            content = version_to_xlsform(version) if output_format == "xlsx" else version_to_xform(version)
        except XLSFormRejected as rejected:
            for message in rejected.messages():
                self.stderr.write(message)
            raise CommandError("Không xuất được / Cannot export.") from None
        if output is None:
            self.stdout.write(content)
            return
        if isinstance(content, bytes):
            output.write_bytes(content)
        else:
            output.write_text(content, encoding="utf-8")
        self.stderr.write(f"Đã ghi / Written: {output}")
