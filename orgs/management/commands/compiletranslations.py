"""Compile every project .po file to .mo with polib, so no gettext tools are needed."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SKIPPED_DIRS = {".venv", "node_modules", ".git", "staticfiles", "var"}


class Command(BaseCommand):
    help = "Compile the project's zh_Hans (and any other) .po catalogs into .mo files."

    def handle(self, *args, **options):
        compiled = 0
        for po_path in sorted(Path(settings.BASE_DIR).rglob("*.po")):
            if SKIPPED_DIRS.intersection(po_path.relative_to(settings.BASE_DIR).parts):
                continue
            try:
                catalog = polib.pofile(str(po_path))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path} is not a valid .po file: {exc}") from exc
            catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
            compiled += 1
        self.stdout.write(f"Compiled {compiled} catalog(s).")
