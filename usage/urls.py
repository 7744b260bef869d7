from django.urls import path

from . import views

app_name = "usage"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:dimension>.csv", views.export_breakdown, name="export"),
    path("chargeback.csv", views.export_chargeback, name="chargeback_csv"),
]
