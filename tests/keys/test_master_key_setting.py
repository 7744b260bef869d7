import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import validate_cryptography_key

from .helpers import new_master_key


@pytest.mark.parametrize("value", ["", "short", "not base64 at all!", "QUJD", new_master_key()[:-4]])
def test_malformed_master_key_stops_start_up(value):
    with pytest.raises(ImproperlyConfigured, match="CRYPTOGRAPHY_KEY is malformed"):
        validate_cryptography_key(value)


def test_valid_master_key_accepted():
    value = new_master_key()

    assert validate_cryptography_key(value) == value
