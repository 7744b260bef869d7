"""Production start-up checks: each runs `django.setup()` in a fresh interpreter."""

import base64
import os
import subprocess
import sys

import pytest
from django.conf import settings

VALID_SECRET_KEY = "k" * 20 + "-production-secret-key-for-tests"
VALID_CRYPTOGRAPHY_KEY = base64.urlsafe_b64encode(b"\x01" * 32).decode()
VALID = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": VALID_SECRET_KEY,
    "CRYPTOGRAPHY_KEY": VALID_CRYPTOGRAPHY_KEY,
    "ALLOWED_HOSTS": "flexy.example.com",
}


def run_setup(tmp_path, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in VALID and key not in ("DEBUG", "CRYPTOGRAPHY_KEY_FALLBACKS")
    }
    env.update(VALID)
    env["FLEXY_VAR_DIR"] = str(tmp_path)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_with_valid_settings_starts(tmp_path):
    result = run_setup(tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "dev-secrets.json").exists()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is malformed"),
        ({"CRYPTOGRAPHY_KEY": None}, "CRYPTOGRAPHY_KEY is missing"),
        ({"CRYPTOGRAPHY_KEY": "not-base64-of-32-bytes"}, "CRYPTOGRAPHY_KEY is malformed"),
        ({"CRYPTOGRAPHY_KEY_FALLBACKS": "abc"}, "CRYPTOGRAPHY_KEY_FALLBACKS is malformed"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is missing"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is missing"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV='staging' is invalid"),
    ],
)
def test_production_bad_setting_stops(tmp_path, overrides, message):
    result = run_setup(tmp_path, **overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_off_requires_secrets(tmp_path):
    result = run_setup(tmp_path, DJANGO_ENV="development", DEBUG="false", SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY is missing" in result.stderr


def test_malformed_secret_is_not_echoed(tmp_path):
    secret = "SHORT-SECRET-VALUE"
    result = run_setup(tmp_path, CRYPTOGRAPHY_KEY=secret)
    assert result.returncode != 0
    assert secret not in result.stderr
    assert secret not in result.stdout


def test_development_generates_dev_secrets(tmp_path):
    result = run_setup(
        tmp_path, DJANGO_ENV="development", SECRET_KEY=None, CRYPTOGRAPHY_KEY=None, ALLOWED_HOSTS=None
    )
    assert result.returncode == 0, result.stderr
    secrets_file = tmp_path / "dev-secrets.json"
    assert secrets_file.exists()
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
