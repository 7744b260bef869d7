from django.urls import path

from .views import audit, members, plan

app_name = "orgs"
urlpatterns = [
    path("members/", members.members, name="members"),
    path("members/invite/", members.invite, name="member_invite"),
    path("members/<uuid:public_id>/", members.edit_roles, name="member_roles"),
    path("members/<uuid:public_id>/remove/", members.remove, name="member_remove"),
    path("plan/", plan.plan, name="plan"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
]
