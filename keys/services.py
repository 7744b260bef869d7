"""Key life-cycle operations shared by the pages, the tasks, the demo seed and other apps.

Each operation writes its audit event in the same transaction as the change. Audit details
carry the key id and fingerprint, never the secret.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orgs import audit

from .crypto import secret_hash, secret_hashes
from .models import ApiKey, KeyStatus, KeyVersion


class DuplicateSecret(Exception):
    """The organization already stores this secret under another key."""

    def __init__(self, existing: ApiKey):
        super().__init__(f"The secret is already stored as API key {existing.public_id}.")
        self.existing = existing


def audit_details(api_key, **extra):
    return {"key_id": str(api_key.public_id), "fingerprint": api_key.fingerprint, **extra}


def fingerprint_of(secret: str) -> str:
    return secret[-4:]


def find_duplicate(organization, secret: str, exclude=None):
    """Return the organization's key whose secret equals secret (by keyed hash), or None."""
    keys = ApiKey.objects.filter(organization=organization, secret_hash__in=secret_hashes(secret))
    if exclude is not None:
        keys = keys.exclude(pk=exclude.pk)
    return keys.first()


def create_key(organization, *, provider, label, secret, user=None, request=None, validated=False, **fields):
    """Store a new key and its first version; raise DuplicateSecret if the org already has it.

    `fields` are optional ApiKey fields (expires_at, base_url, department, notes).
    """
    existing = find_duplicate(organization, secret)
    if existing is not None:
        raise DuplicateSecret(existing)
    try:
        with transaction.atomic():
            api_key = ApiKey.objects.create(
                organization=organization,
                provider=provider,
                label=label,
                fingerprint=fingerprint_of(secret),
                secret_hash=secret_hash(secret),
                created_by=user,
                last_validated_at=timezone.now() if validated else None,
                **fields,
            )
            KeyVersion.objects.create(api_key=api_key, secret=secret, created_by=user)
            audit.record(
                organization,
                "key.created",
                request=request,
                actor=user,
                target=api_key,
                details=audit_details(api_key, provider=provider, label=label, validated=validated),
            )
    except IntegrityError as exc:
        # Two requests stored the same secret at once: the unique constraint caught the second.
        existing = find_duplicate(organization, secret)
        if existing is None:
            raise
        raise DuplicateSecret(existing) from exc
    return api_key


def grace_period():
    return datetime.timedelta(seconds=max(0, getattr(settings, "KEY_VERSION_GRACE_SECONDS", 0)))


UNCHANGED = object()


def rotate_key(api_key, *, secret, user=None, request=None, validated=False, expires_at=UNCHANGED):
    """Make secret the key's current version atomically and retire the previous one.

    The retired ciphertext is destroyed at once when KEY_VERSION_GRACE_SECONDS is 0, else by
    the purge task once its grace period has passed. A rotated key becomes active again
    (a rejected key is fixed by rotating it), unless it is revoked. `expires_at`, when given,
    replaces the expiry (None for never).
    """
    existing = find_duplicate(api_key.organization, secret, exclude=api_key)
    if existing is not None:
        raise DuplicateSecret(existing)
    now = timezone.now()
    grace = grace_period()
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        old_ids = list(
            KeyVersion.objects.filter(api_key=locked, retired_at__isnull=True).values_list("pk", flat=True)
        )
        retire = {"retired_at": now, "destroy_after": now + grace}
        if not grace:
            retire.update(secret=None, destroyed_at=now)
        # Retire first, then insert: the partial unique constraint allows one current version.
        KeyVersion.objects.filter(pk__in=old_ids).update(**retire)
        KeyVersion.objects.create(api_key=locked, secret=secret, created_by=user)
        locked.fingerprint = fingerprint_of(secret)
        locked.secret_hash = secret_hash(secret)
        locked.last_error = ""
        update_fields = ["fingerprint", "secret_hash", "last_error", "updated_at"]
        if locked.status == KeyStatus.REJECTED:
            locked.status = KeyStatus.ACTIVE
            update_fields.append("status")
        if validated:
            locked.last_validated_at = now
            update_fields.append("last_validated_at")
        if expires_at is not UNCHANGED:
            locked.expires_at = expires_at
            update_fields.append("expires_at")
        locked.save(update_fields=update_fields)
        audit.record(
            locked.organization,
            "key.rotated",
            request=request,
            actor=user,
            target=locked,
            details=audit_details(
                locked, retired_versions=len(old_ids), grace_seconds=int(grace.total_seconds())
            ),
        )
    return locked


def revoke_key(api_key, *, user=None, request=None):
    """Mark the key revoked so that no call uses it again; the secret stays stored."""
    with transaction.atomic():
        changed = ApiKey.objects.filter(pk=api_key.pk).exclude(status=KeyStatus.REVOKED).update(
            status=KeyStatus.REVOKED, updated_at=timezone.now()
        )
        if changed:
            audit.record(
                api_key.organization,
                "key.revoked",
                request=request,
                actor=user,
                target=api_key,
                details=audit_details(api_key),
            )
    api_key.refresh_from_db()
    return bool(changed)


def delete_key(api_key, *, user=None, request=None):
    """Delete the key and every version (ciphertext included). Callers check agents first."""
    organization = api_key.organization
    details = audit_details(api_key, provider=api_key.provider, label=api_key.label)
    target = ("ApiKey", str(api_key.public_id))
    with transaction.atomic():
        api_key.delete()
        audit.record(organization, "key.deleted", request=request, actor=user, target=target, details=details)


def purge_retired_versions(now=None):
    """Destroy the ciphertext of retired versions whose grace period has passed; return the count."""
    now = now or timezone.now()
    due = KeyVersion.objects.filter(
        retired_at__isnull=False, destroyed_at__isnull=True, destroy_after__lte=now
    )
    return due.update(secret=None, destroyed_at=now)
