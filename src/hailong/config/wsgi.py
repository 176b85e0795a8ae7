"""WSGI entry point.

Survey submissions (``POST /s/<token>/submit``) are the one path that must take hundreds of
requests a second. They carry no session, cookie or sign-in and render no page, so they go to
``collection.submission.submit_app``, which runs the same logic as the Django view without the
request cycle. Everything else goes through Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailong.config.settings.local")

django_application = get_wsgi_application()

from hailong.collection.submission import SUBMIT_PATH, submit_app  # noqa: E402 - needs Django set up


def application(environ, start_response):
    if environ.get("REQUEST_METHOD") == "POST" and SUBMIT_PATH.match(environ.get("PATH_INFO", "")):
        return submit_app(environ, start_response)
    return django_application(environ, start_response)
