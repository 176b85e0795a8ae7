"""Every interface string has a Vietnamese translation, and the compiled catalogue matches it."""

from pathlib import Path

import polib

from tests.conftest import skip_or_fail

LOCALE = Path(__file__).resolve().parents[2] / "src" / "hailong" / "locale" / "vi" / "LC_MESSAGES"


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(LOCALE / "django.po"))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_compiled_catalogue_is_up_to_date():
    source = {
        (e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0))
        for e in polib.pofile(str(LOCALE / "django.po"))
        if not e.obsolete
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0))
        for e in polib.mofile(str(LOCALE / "django.mo"))
    }
    compiled.pop((None, ""), None)
    assert compiled == source, "run: hailong compilemessages (or msgfmt) after editing django.po"


def test_source_strings_are_all_in_the_catalogue(tmp_path, monkeypatch):
    """makemessages finds nothing new: no English string slips into the Vietnamese interface."""
    import shutil

    from django.core.management import call_command
    from django.test import override_settings

    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        skip_or_fail("GNU gettext (xgettext, msgmerge) is not installed: cannot extract messages")
    work = tmp_path / "hailong"
    shutil.copytree(LOCALE.parents[2], work, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(work)
    # Extract into the copy only: the real catalogue must not be touched by a test.
    with override_settings(LOCALE_PATHS=[str(work / "locale")]):
        call_command(
            "makemessages", locale=["vi"], no_location=True, ignore_patterns=["migrations/*"], verbosity=0
        )
    fresh = polib.pofile(str(work / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in fresh if not e.obsolete and not (e.msgstr or e.msgstr_plural.get(0))]
    assert missing == []
