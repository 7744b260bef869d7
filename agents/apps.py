from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgentsConfig(AppConfig):
    """Agents (model choice, strategy, department), cloning, golden questions and regression runs, channels and traffic swaps, conversations and traces, and the chat pipeline."""

    name = "agents"
    verbose_name = _("Agents")
