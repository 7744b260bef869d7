from django.contrib.auth import views as auth_views
from django.urls import include, path

from .sudo import confirm_password

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("confirm-password/", confirm_password, name="confirm_password"),
    path("", include("django.contrib.auth.urls")),
]
