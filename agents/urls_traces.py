"""Trace viewer, reproduction and export for members (/traces/) and platform support staff (/traces/staff/)."""

from django.urls import path

from .traces import grants, staff, views

app_name = "traces"
urlpatterns = [
    path("", views.trace_list, name="list"),
    path("<uuid:trace_id>/", views.trace_detail, name="detail"),
    path("<uuid:trace_id>/reproduce/", views.trace_reproduce, name="reproduce"),
    path("<uuid:trace_id>/export/", views.trace_export, name="export"),
    path("support-access/", grants.support_access, name="support_access"),
    path("support-access/<uuid:grant_id>/revoke/", grants.support_access_revoke, name="support_access_revoke"),
    path("staff/", staff.staff_index, name="staff_index"),
    path("staff/<uuid:org_id>/", views.trace_list, name="staff_list"),
    path("staff/<uuid:org_id>/<uuid:trace_id>/", views.trace_detail, name="staff_detail"),
    path("staff/<uuid:org_id>/<uuid:trace_id>/reproduce/", views.trace_reproduce, name="staff_reproduce"),
    path("staff/<uuid:org_id>/<uuid:trace_id>/export/", views.trace_export, name="staff_export"),
]
