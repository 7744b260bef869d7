"""Copy providers/catalog.json into the model catalog; running it twice changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from usage.catalog import CATALOG_FILE, load_catalog


class Command(BaseCommand):
    help = "Create or update catalog models and list prices from providers/catalog.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(CATALOG_FILE), help="Path of the catalog JSON file.")

    def handle(self, *args, **options):
        try:
            created, updated = load_catalog(options["file"])
        except FileNotFoundError as exc:
            raise CommandError(f"Catalog file not found: {options['file']}. Pass --file PATH.") from exc
        except ValueError as exc:
            raise CommandError(f"Catalog file {options['file']} is invalid: {exc}") from exc
        self.stdout.write(f"Catalog: {created} models created, {updated} updated.")
