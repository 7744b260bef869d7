"""Access to plaintext secrets, only at call time. Nothing here caches a plaintext secret."""

import logging

from .crypto import SecretUnreadable
from .models import ApiKey

logger = logging.getLogger(__name__)


def current_secret(api_key: ApiKey) -> str:
    """Decrypt and return the secret of api_key's current version.

    Raises SecretUnreadable, naming the key's public id, when the key has no current version
    or no configured master key decrypts it. The plaintext is never stored on api_key.
    """
    version = api_key.current_version()
    if version is None:
        raise SecretUnreadable(f"API key {api_key.public_id} has no current version.")
    try:
        return version.plaintext(api_key.public_id)
    except SecretUnreadable:
        logger.warning(
            "Decryption failed for API key %s version %s (master key id %s)",
            api_key.public_id,
            version.pk,
            version.master_key_id or "unknown",
        )
        raise
