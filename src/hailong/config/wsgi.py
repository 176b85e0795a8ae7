"""WSGI entry point.

Survey submissions (``POST /s/<token>/submit``) are the one path that must take hundreds of
requests a second; they carry no session, no cookie and no sign-in, so they go through a Django
handler with only the middleware they need. Everything else gets the full stack.
"""

import os
import re

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailong.config.settings.local")

application_full = get_wsgi_application()

LEAN_MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
LEAN_PATH = re.compile(r"^/s/[^/]+/submit$")


class LeanHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        from django.conf import settings

        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = LEAN_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


application_lean = LeanHandler()


def application(environ, start_response):
    if environ.get("REQUEST_METHOD") == "POST" and LEAN_PATH.match(environ.get("PATH_INFO", "")):
        return application_lean(environ, start_response)
    return application_full(environ, start_response)
