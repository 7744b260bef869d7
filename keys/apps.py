from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeysConfig(AppConfig):
    """Provider API keys: encrypted storage and versions, their life cycle (add, validate, reveal, rotate, revoke, expire) and credential resolution, the one function that decides which credential serves a provider call and who pays."""

    name = "keys"
    verbose_name = _("LLM API keys")
