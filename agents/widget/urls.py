from django.urls import path

from . import views, views_manage

app_name = "widget"
urlpatterns = [
    path("demo/", views_manage.widget_demo, name="demo"),
    path("<uuid:widget_id>/config", views.widget_config, name="config"),
    path("<uuid:widget_id>/chat", views.widget_chat, name="chat"),
]
