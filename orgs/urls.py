from django.urls import path
from django.utils.translation import gettext_lazy as _

from .permissions import Perm
from .placeholder import not_available_view

app_name = "orgs"
urlpatterns = [
    path("members/", not_available_view(Perm.MANAGE_ORG, _("Members")), name="members"),
    path("plan/", not_available_view(Perm.VIEW_PLAN, _("Plan")), name="plan"),
    path("audit/", not_available_view(Perm.VIEW_AUDIT, _("Audit log")), name="audit"),
]
