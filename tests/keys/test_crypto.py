import pytest
from django.db import connection

from keys.crypto import UNREADABLE, SecretUnreadable, decrypt_bytes, encrypt_bytes, master_key_id
from keys.models import KeyVersion
from keys.plaintext import current_secret

from .helpers import make_key, new_master_key


def _raw_column(version_pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM keys_keyversion WHERE id = %s", [version_pk])
        return bytes(cursor.fetchone()[0])


def test_secret_key_change_still_decrypts(org, settings):
    api_key, secret = make_key(org)

    settings.SECRET_KEY = "a-completely-different-secret-key-" + "x" * 20

    assert current_secret(api_key) == secret


def test_cryptography_key_change_fails_closed(org, settings):
    api_key, secret = make_key(org)

    settings.CRYPTOGRAPHY_KEY = new_master_key()
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = []

    with pytest.raises(SecretUnreadable) as excinfo:
        current_secret(api_key)
    assert str(api_key.public_id) in str(excinfo.value)
    assert KeyVersion.objects.get(api_key=api_key).secret is UNREADABLE


def test_fallback_key_decrypts(org, settings):
    old = new_master_key()
    settings.CRYPTOGRAPHY_KEY = old
    api_key, secret = make_key(org)

    settings.CRYPTOGRAPHY_KEY = new_master_key()
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = [old]

    assert current_secret(api_key) == secret


def test_column_holds_ciphertext_only(org):
    api_key, secret = make_key(org)
    version = api_key.current_version()

    raw = _raw_column(version.pk)

    assert secret.encode() not in raw
    assert version.master_key_id == master_key_id()


def test_unreadable_value_cannot_be_saved(org, settings):
    api_key, _ = make_key(org)
    settings.CRYPTOGRAPHY_KEY = new_master_key()
    version = KeyVersion.objects.get(api_key=api_key)

    with pytest.raises(TypeError):
        version.save()


def test_tampered_ciphertext_is_rejected():
    token = bytearray(encrypt_bytes(b"payload"))
    token[20] ^= 1

    with pytest.raises(SecretUnreadable):
        decrypt_bytes(bytes(token))


def test_long_secret_round_trip(org):
    secret = "sk-proj-" + "A1b2" * 60

    api_key, _ = make_key(org, secret=secret)

    assert current_secret(api_key) == secret
    assert api_key.fingerprint == "A1b2"
