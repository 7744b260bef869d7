"""Re-encrypt every stored key version under the current CRYPTOGRAPHY_KEY."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from keys.crypto import UNREADABLE, master_key_id, secret_hash
from keys.models import ApiKey, KeyVersion


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored key secret under the current CRYPTOGRAPHY_KEY, in batches. Old "
        "secrets are read with CRYPTOGRAPHY_KEY_FALLBACKS. Rows already under the current key are "
        "skipped, so an interrupted run can simply be started again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=100,
            help="Number of key versions re-encrypted per database transaction (default: 100).",
        )

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size {batch_size} is invalid: use a positive number of rows.")
        current = master_key_id()
        self.stdout.write(f"Re-encrypting key versions under CRYPTOGRAPHY_KEY {current}.")
        pending = (
            KeyVersion.objects.filter(secret__isnull=False)
            .exclude(master_key_id=current)
            .order_by("pk")
        )
        skipped = KeyVersion.objects.filter(secret__isnull=False, master_key_id=current).count()
        rotated, failed, last_pk = 0, [], 0
        while True:
            ids = list(pending.filter(pk__gt=last_pk).values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            last_pk = ids[-1]
            done, batch_failed = self._rotate_batch(ids)
            rotated += done
            failed.extend(batch_failed)
            self.stdout.write(f"  batch up to id {last_pk}: {done} re-encrypted, {len(batch_failed)} failed")
        self.stdout.write(
            f"Done: {rotated} re-encrypted, {skipped} already under the current key, {len(failed)} failed."
        )
        if failed:
            self.stderr.write(
                "Could not decrypt these key versions with CRYPTOGRAPHY_KEY or CRYPTOGRAPHY_KEY_FALLBACKS "
                "(version id: API key id): " + ", ".join(f"{pk}: {key_id}" for pk, key_id in failed)
                + ". Add the master key that encrypted them to CRYPTOGRAPHY_KEY_FALLBACKS and run "
                "the command again, or rotate those keys."
            )
            raise CommandError(f"{len(failed)} key versions could not be re-encrypted.")

    def _rotate_batch(self, ids):
        """Re-encrypt one batch in one transaction; return (count, [(version id, key id)])."""
        done, failed = 0, []
        with transaction.atomic():
            versions = KeyVersion.objects.select_for_update().select_related("api_key").filter(pk__in=ids)
            for version in versions:
                if version.secret is UNREADABLE:
                    failed.append((version.pk, str(version.api_key.public_id)))
                    continue
                version.save(update_fields=["secret"])
                if version.retired_at is None:
                    # The duplicate-detection hash is keyed from the master key too.
                    ApiKey.objects.filter(pk=version.api_key_id).update(secret_hash=secret_hash(version.secret))
                done += 1
        return done, failed
