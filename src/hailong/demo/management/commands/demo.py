"""``hailong demo``: prepare the database, seed the demo province, start a task worker and serve.

``PORT`` (default 8000) sets the port; ``--no-serve`` only prepares and seeds.
"""

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from hailong.demo.services import DEMO_PASSWORD, DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Set up and seed the demo, then serve it at http://127.0.0.1:$PORT with a task worker."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="prepare and seed only")
        parser.add_argument(
            "--province-only",
            action="store_true",
            help="load only the demo province's units from the registry (faster; other provinces absent)",
        )
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, no_serve: bool, province_only: bool, host: str, port: str, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Cơ sở dữ liệu đã sẵn sàng / Database ready.")
        seeded = demo_seed(province_only=province_only)
        self.stdout.write(
            f"Dữ liệu mẫu / Demo data: {seeded['units_created']} units and {seeded['users_created']} users created; "
            f"demo campaign holds {seeded['responses']} responses."
        )
        self.stdout.write(f"Tài khoản mẫu / Demo accounts (password {DEMO_PASSWORD}):")
        for spec in DEMO_USERS:
            self.stdout.write(f"  {spec.username:15} {spec.role}")
        if no_serve:
            return
        worker = subprocess.Popen([sys.executable, "-m", "hailong", "db_worker"])  # noqa: S603
        self.stdout.write(f"Đang phục vụ tại / Serving at http://{host}:{port}/ (Ctrl+C to stop)")
        # Stopped with SIGTERM (a service manager, a test) as with Ctrl+C: the worker is stopped too,
        # not left running on its own.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=True)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
