import pytest
from django.core.management import CommandError, call_command

from keys.crypto import master_key_id, secret_hash
from keys.management.commands import rotate_encryption_key
from keys.models import ApiKey, KeyVersion
from keys.plaintext import current_secret

from .helpers import make_key, new_master_key


@pytest.fixture
def old_keys(org, settings):
    old = new_master_key()
    settings.CRYPTOGRAPHY_KEY = old
    created = [make_key(org, label=f"Key {n}") for n in range(5)]
    new = new_master_key()
    settings.CRYPTOGRAPHY_KEY = new
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = [old]
    return created, old, new


def test_rotates_from_fallback(old_keys, settings, capsys):
    created, old, new = old_keys

    call_command("rotate_encryption_key", "--batch-size", "2")

    out = capsys.readouterr().out
    assert "5 re-encrypted" in out
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = []
    for api_key, secret in created:
        assert current_secret(api_key) == secret
        assert ApiKey.objects.get(pk=api_key.pk).secret_hash == secret_hash(secret)
    assert set(KeyVersion.objects.values_list("master_key_id", flat=True)) == {master_key_id(new)}
    assert secret not in out


def test_interrupted_run_resumes(old_keys, settings, monkeypatch, capsys):
    created, old, new = old_keys
    original = rotate_encryption_key.Command._rotate_batch
    calls = {"count": 0}

    def fail_after_first_batch(self, ids):
        calls["count"] += 1
        if calls["count"] == 2:
            raise RuntimeError("worker killed")
        return original(self, ids)

    monkeypatch.setattr(rotate_encryption_key.Command, "_rotate_batch", fail_after_first_batch)
    with pytest.raises(RuntimeError):
        call_command("rotate_encryption_key", "--batch-size", "2")
    assert KeyVersion.objects.filter(master_key_id=master_key_id(new)).count() == 2

    monkeypatch.undo()
    call_command("rotate_encryption_key", "--batch-size", "2")

    out = capsys.readouterr().out
    assert "3 re-encrypted, 2 already under the current key" in out
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = []
    for api_key, secret in created:
        assert current_secret(api_key) == secret


def test_reports_unreadable_ids(old_keys, settings, capsys):
    created, old, new = old_keys
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = []

    with pytest.raises(CommandError):
        call_command("rotate_encryption_key")

    err = capsys.readouterr().err
    for api_key, secret in created:
        assert str(api_key.public_id) in err
        assert secret not in err


def test_bad_batch_size(db):
    with pytest.raises(CommandError, match="batch-size"):
        call_command("rotate_encryption_key", "--batch-size", "0")
