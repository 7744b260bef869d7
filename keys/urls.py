from django.urls import path

from .views import actions, calendar, pages, reveal

app_name = "keys"
urlpatterns = [
    path("", pages.key_list, name="list"),
    path("add/", pages.add_key, name="add"),
    path("calendar/token/", calendar.calendar_token, name="calendar_token"),
    path("calendar/token/revoke/", calendar.calendar_token_revoke, name="calendar_token_revoke"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("<uuid:key_id>/", pages.key_detail, name="detail"),
    path("<uuid:key_id>/edit/", pages.edit_key, name="edit"),
    path("<uuid:key_id>/rotate/", actions.rotate, name="rotate"),
    path("<uuid:key_id>/validate/", actions.validate, name="validate"),
    path("<uuid:key_id>/revoke/", actions.revoke, name="revoke"),
    path("<uuid:key_id>/delete/", actions.delete, name="delete"),
    path("<uuid:key_id>/reveal/", reveal.reveal, name="reveal"),
    path("<uuid:key_id>/reveal/secret/", reveal.reveal_secret, name="reveal_secret"),
]
