"""Encryption of stored provider secrets under CRYPTOGRAPHY_KEY, never under SECRET_KEY.

django-cryptography 2.x (django-cryptography-django5 2.2) builds its field cipher as
`FernetBytes(key)` with a `FernetSigner()` whose HMAC key defaults to `settings.SECRET_KEY`,
even when `CRYPTOGRAPHY_KEY` is set. A value written under one SECRET_KEY then fails with
BadSignature under another. `EncryptedSecretField` keeps django-cryptography's encrypted
field and its Fernet-style format (version byte, timestamp, IV, AES-256-CBC ciphertext,
HMAC-SHA256). It derives both the AES key and the HMAC key from CRYPTOGRAPHY_KEY with HKDF.
When the current key fails, it decrypts with the keys in CRYPTOGRAPHY_KEY_FALLBACKS.

Importing django-cryptography replaces `settings.CRYPTOGRAPHY_KEY` with its PBKDF2-SHA256
derivation (30,000 iterations, salt CRYPTOGRAPHY_SALT), as django_cryptography/conf.py does.
This module applies the same derivation to every str key, such as a fallback or a test
override, and uses the 32 derived bytes as master key material. Both forms of one key agree.
"""

import hashlib
import hmac
import logging
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.db import models
from django.utils.encoding import force_bytes
from django_cryptography.core.signing import BadSignature, FernetSigner
from django_cryptography.fields import get_encrypted_field
from django_cryptography.utils.crypto import FernetBytes, InvalidToken

logger = logging.getLogger(__name__)

_HKDF_SALT = b"flexyagents.keys"


class SecretUnreadable(Exception):
    """A stored secret that no configured master key decrypts. Callers must fail closed."""


class _Unreadable:
    """The value of a secret column that no configured master key decrypts.

    It is not a str, so it cannot be sent to a provider by mistake, and saving it raises.
    """

    def __repr__(self):
        return "<unreadable secret>"

    def __bool__(self):
        return False


UNREADABLE = _Unreadable()


@lru_cache(maxsize=16)
def _pbkdf2(master_key: str) -> bytes:
    salt = force_bytes(getattr(settings, "CRYPTOGRAPHY_SALT", "django-cryptography"))
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=30000)
    return kdf.derive(force_bytes(master_key))


def _master_bytes(master_key: str | bytes) -> bytes:
    """Return the key material of a master key as django-cryptography derives it."""
    if isinstance(master_key, bytes):
        return master_key  # already derived by django-cryptography's settings
    return _pbkdf2(master_key)


@lru_cache(maxsize=64)
def _derive(master_key: str | bytes, purpose: bytes, length: int = 32) -> bytes:
    """Derive a subkey of master_key for one purpose (HKDF-SHA256), cached per master key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_HKDF_SALT, info=purpose)
    return hkdf.derive(_master_bytes(master_key))


def master_key_id(master_key: str | bytes | None = None) -> str:
    """Return a 16-hex-digit identifier of a master key (current one by default); not secret."""
    master_key = master_key or settings.CRYPTOGRAPHY_KEY
    return _derive(master_key, b"key id", 8).hex()


def master_keys() -> list[str | bytes]:
    """Return the current CRYPTOGRAPHY_KEY followed by its fallbacks, without duplicates."""
    ordered = [settings.CRYPTOGRAPHY_KEY, *getattr(settings, "CRYPTOGRAPHY_KEY_FALLBACKS", [])]
    unique = {}
    for master_key in ordered:
        unique.setdefault(_master_bytes(master_key), master_key)
    return list(unique.values())


def _cipher(master_key: str | bytes) -> FernetBytes:
    signer = FernetSigner(key=_derive(master_key, b"keyversion.secret hmac"), algorithm="sha256")
    return FernetBytes(key=_derive(master_key, b"keyversion.secret aes"), signer=signer)


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt and authenticate data under the current CRYPTOGRAPHY_KEY."""
    return _cipher(settings.CRYPTOGRAPHY_KEY).encrypt(data)


def decrypt_bytes(token: bytes) -> tuple[bytes, str]:
    """Return (plaintext, master key id) using the first configured master key that verifies.

    Raises SecretUnreadable when neither CRYPTOGRAPHY_KEY nor a fallback verifies the token.
    """
    for master_key in master_keys():
        try:
            return _cipher(master_key).decrypt(token), master_key_id(master_key)
        except (BadSignature, InvalidToken):
            continue
    raise SecretUnreadable(
        "The secret could not be decrypted with CRYPTOGRAPHY_KEY "
        f"({master_key_id()}) or any key in CRYPTOGRAPHY_KEY_FALLBACKS."
    )


def secret_hash(secret: str, master_key: str | bytes | None = None) -> str:
    """Return the keyed HMAC-SHA256 of a secret, for duplicate detection without decrypting."""
    key = _derive(master_key or settings.CRYPTOGRAPHY_KEY, b"apikey.secret duplicate hmac")
    return hmac.new(key, secret.encode("utf-8"), hashlib.sha256).hexdigest()


def secret_hashes(secret: str) -> list[str]:
    """Return the secret's hash under the current master key and under every fallback."""
    return [secret_hash(secret, master_key) for master_key in master_keys()]


class _MasterKeyCipher:
    """The cipher interface django-cryptography's field calls (`encrypt`, `decrypt`)."""

    def encrypt(self, data: bytes) -> bytes:
        return encrypt_bytes(data)

    def decrypt(self, data: bytes, ttl=None) -> bytes:
        return decrypt_bytes(data)[0]


class EncryptedSecretField(get_encrypted_field(models.TextField, True)):
    """django-cryptography's encrypted TextField, keyed from CRYPTOGRAPHY_KEY.

    Values are stored as UTF-8 bytes instead of django-cryptography's pickle, so a forged or
    corrupted column can never run code on load. A column that no master key decrypts loads
    as `UNREADABLE`; callers turn it into SecretUnreadable with the row's id.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fernet = _MasterKeyCipher()

    def get_prep_value(self, value):
        # TextField.to_python would turn UNREADABLE into the text "<unreadable secret>".
        if value is not None and not isinstance(value, str):
            raise TypeError("Only a str secret can be encrypted; an unreadable secret cannot be saved.")
        return value

    def _dump(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode("utf-8"))

    def _load(self, value: bytes):
        try:
            return self._fernet.decrypt(value).decode("utf-8")
        except SecretUnreadable:
            return UNREADABLE
