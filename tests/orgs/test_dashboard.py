import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "security", "builder", "support", "finance"])
def test_dashboard_works(client_for, role):
    response = client_for(role).get("/")
    assert response.status_code == 200
    assert b"Welcome to Acme Test" in response.content


@pytest.mark.django_db
def test_dashboard_wrong_method_405(client_for):
    assert client_for("admin").post("/").status_code == 405


@pytest.mark.django_db
def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_dashboard_without_organization(client, django_user_model):
    user = django_user_model.objects.create_user("lonely@test.example", "lonely@test.example")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert b"You are not a member of any organization" in response.content


@pytest.mark.django_db
def test_dashboard_shows_only_own_org(client_for, other_org):
    response = client_for("outsider").get("/")
    assert b"Welcome to Other Co" in response.content
    assert b"Acme Test" not in response.content


@pytest.mark.django_db
def test_dashboard_in_chinese(client_for):
    client = client_for("admin")
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/")
    assert "欢迎来到 Acme Test".encode() in response.content
