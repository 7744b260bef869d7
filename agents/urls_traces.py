from django.urls import path
from django.utils.translation import gettext_lazy as _

from orgs.permissions import Perm
from orgs.placeholder import not_available_view

app_name = "traces"
urlpatterns = [path("", not_available_view(Perm.VIEW_TRACES, _("Traces")), name="list")]
