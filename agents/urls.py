from django.urls import include, path

from .views import agents, playground, tokens

app_name = "agents"
urlpatterns = [
    path("", agents.agent_list, name="list"),
    path("new/", agents.agent_create, name="create"),
    path("<uuid:agent_id>/", agents.agent_detail, name="detail"),
    path("<uuid:agent_id>/edit/", agents.agent_edit, name="edit"),
    path("<uuid:agent_id>/tokens/", tokens.token_create, name="token_create"),
    path("<uuid:agent_id>/tokens/<uuid:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("<uuid:agent_id>/playground/", playground.playground, name="playground"),
    path("<uuid:agent_id>/playground/send/", playground.playground_send, name="playground_send"),
    path("", include("agents.urls_bluegreen")),
]
