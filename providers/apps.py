from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    """The only code that talks to OpenAI, Anthropic and Google: one adapter per official SDK behind one chat interface, typed provider errors, and the offline extractive model. Imports no Django model."""

    name = "providers"
    verbose_name = _("Providers")
