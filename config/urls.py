from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from django.views.i18n import set_language

from config.api import api_not_found, api_urls
from config.health import healthz
from orgs.views.dashboard import dashboard, switch_organization

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("orgs/switch/", switch_organization, name="switch_organization"),
    path("accounts/", include("orgs.urls_accounts")),
    path("settings/llm-keys/", include("keys.urls")),
    path("settings/", include("orgs.urls")),
    path("agents/", include("agents.urls")),
    path("traces/", include("agents.urls_traces")),
    path("widget/", include("agents.widget.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("usage/", include("usage.urls")),
    # Anonymous visitors switch language on the sign-in page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api_urls()),
    # Any other path under /api/ gets a JSON 404, as API clients expect, not an HTML page.
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
