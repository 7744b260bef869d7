"""Blue/green pages (versions, golden questions, runs, swaps, canaries) and widget settings."""

from django.urls import path

from .bluegreen import views_golden, views_runs, views_versions
from .widget import views_manage

urlpatterns = [
    path("<uuid:agent_id>/versions/", views_versions.versions, name="versions"),
    path("<uuid:agent_id>/clone/", views_versions.clone, name="clone"),
    path("<uuid:agent_id>/swap/", views_versions.swap, name="swap"),
    path("<uuid:agent_id>/golden/", views_golden.golden, name="golden"),
    path("<uuid:agent_id>/golden/add/", views_golden.golden_add, name="golden_add"),
    path("<uuid:agent_id>/golden/import/", views_golden.golden_import, name="golden_import"),
    path("<uuid:agent_id>/golden/export.csv", views_golden.golden_export, name="golden_export"),
    path("<uuid:agent_id>/golden/<uuid:question_id>/", views_golden.golden_edit, name="golden_edit"),
    path("<uuid:agent_id>/golden/<uuid:question_id>/delete/", views_golden.golden_delete, name="golden_delete"),
    path("<uuid:agent_id>/runs/", views_runs.run_start, name="run_start"),
    path("<uuid:agent_id>/runs/<uuid:run_id>/", views_runs.run_detail, name="run_detail"),
    path("<uuid:agent_id>/compare/", views_runs.compare, name="compare"),
    path("<uuid:agent_id>/widget/new/", views_manage.widget_create, name="widget_create"),
    path("swaps/<uuid:batch_id>/rollback/", views_versions.rollback, name="rollback"),
    path("channels/<uuid:channel_id>/history/", views_versions.channel_history, name="channel_history"),
    path("channels/<uuid:channel_id>/canary/", views_versions.canary, name="canary"),
    path("channels/<uuid:channel_id>/widget/", views_manage.widget_settings, name="widget_settings"),
]
