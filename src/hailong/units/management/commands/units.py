"""``hailong units load | import FILE | export [--as-of DATE]``."""

import csv
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hailong.core.messages import bilingual
from hailong.core.tabular import TableError, read_table
from hailong.units.imports import ImportRejected, units_import
from hailong.units.registry import read_registry
from hailong.units.selectors import unit_export_rows
from hailong.units.services import registry_load

EXPORT_COLUMNS = ["code", "name", "type", "parent_code", "valid_from", "valid_to"]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Ngày không hợp lệ / Invalid date: {text} (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Administrative units: load the official registry, import a province's own units, export."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "load", help="Load or refresh the official registry (2025 and pre-2025 units, lineage)."
        )
        load.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="load only this 2025 province (repeatable), with its predecessors; e.g. --province 48",
        )
        imp = sub.add_parser(
            "import", help="Import departments, offices and service points from CSV or XLSX."
        )
        imp.add_argument("file", type=Path)
        exp = sub.add_parser("export", help="Write units as CSV to standard output.")
        exp.add_argument(
            "--as-of", type=_day, default=None, help="only units that exist on this day (YYYY-MM-DD)"
        )

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_load(self, *, province: list[str], **options):
        registry = read_registry()
        if province:
            registry = registry.restricted_to(set(province))
        result = registry_load(registry=registry, actor_username="(command line)")
        self.stdout.write(
            f"Đã nạp danh mục / Registry loaded: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged; lineage {result.links_created} created, {result.links_updated} updated "
            f"({', '.join(f'{k} {v}' for k, v in result.versions.items())})"
        )

    def handle_import(self, *, file: Path, **options):
        if not file.exists():
            raise CommandError(f"Không tìm thấy tệp / File not found: {file}")
        try:
            table = read_table(file)
            result = units_import(table=table)
        except TableError as exc:
            raise CommandError(bilingual(exc.message)) from None
        except ImportRejected as rejected:
            for message in rejected.messages():
                self.stderr.write(message)
            raise CommandError(
                f"Không nhập đơn vị nào: {len(rejected.errors)} lỗi / Nothing imported: {len(rejected.errors)} error(s)."
            ) from None
        self.stdout.write(
            f"Đã nhập / Imported {file.name}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged."
        )

    def handle_export(self, *, as_of: date | None, **options):
        writer = csv.writer(self.stdout if self.stdout is not None else sys.stdout, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in unit_export_rows(as_of=as_of):
            writer.writerow(row)
