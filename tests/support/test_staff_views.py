"""Platform support staff: access only through an active grant, and every page audited."""

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from agents.models import Reproduction, SupportAccessGrant
from agents.support_access import PLATFORM_SUPPORT_GROUP
from orgs.models import AuditEvent

from .conftest import HOSTED_CANARY


def staff_urls(org, trace):
    ids = {"org_id": org.public_id}
    return {
        "list": reverse("traces:staff_list", kwargs=ids),
        "detail": reverse("traces:staff_detail", kwargs={**ids, "trace_id": trace.public_id}),
        "export": reverse("traces:staff_export", kwargs={**ids, "trace_id": trace.public_id}),
    }


def support_views(org):
    return AuditEvent.objects.filter(organization=org, action="support.view")


@pytest.mark.django_db
def test_staff_index_lists_granting_orgs(staff_client, org, other_org, grant):
    page = staff_client.get(reverse("traces:staff_index")).content.decode()
    assert org.name in page
    assert reverse("traces:staff_list", kwargs={"org_id": org.public_id}) in page
    assert other_org.name not in page


@pytest.mark.django_db
def test_staff_index_for_non_support_user_403(client_for, client, django_user_model):
    assert client_for("admin").get(reverse("traces:staff_index")).status_code == 403
    staff_without_group = django_user_model.objects.create_user(username="ops", email="ops@x.example", is_staff=True)
    client.force_login(staff_without_group)
    assert client.get(reverse("traces:staff_index")).status_code == 403


@pytest.mark.django_db
def test_staff_index_wrong_method_405(staff_client):
    assert staff_client.post(reverse("traces:staff_index")).status_code == 405


@pytest.mark.django_db
def test_staff_pages_work_with_grant(staff_client, org, grant, hosted_trace):
    urls = staff_urls(org, hosted_trace)
    for name, url in urls.items():
        response = staff_client.get(url)
        assert response.status_code == 200, name
    page = staff_client.get(urls["list"]).content.decode()
    assert urls["detail"] in page
    assert "as platform support until" in page


@pytest.mark.django_db
def test_staff_every_page_is_audited(staff_client, staff_user, org, grant, hosted_trace):
    urls = staff_urls(org, hosted_trace)
    for url in urls.values():
        staff_client.get(url)
    events = list(support_views(org).order_by("id"))
    assert [event.details["path"] for event in events] == list(urls.values())
    assert {event.actor_id for event in events} == {staff_user.pk}
    assert {event.target_id for event in events} == {str(grant.public_id)}


@pytest.mark.django_db
def test_staff_without_grant_404(staff_client, org, hosted_trace):
    for name, url in staff_urls(org, hosted_trace).items():
        assert staff_client.get(url).status_code == 404, name
    assert not support_views(org).exists()


@pytest.mark.django_db
def test_staff_expired_grant_404(staff_client, org, grant, hosted_trace):
    past = timezone.now() - timedelta(days=1)
    SupportAccessGrant.objects.filter(pk=grant.pk).update(starts_at=past - timedelta(days=3), ends_at=past)
    for name, url in staff_urls(org, hosted_trace).items():
        assert staff_client.get(url).status_code == 404, name


@pytest.mark.django_db
def test_staff_revoked_grant_404(client_for, staff_client, org, grant, hosted_trace, staff_user):
    urls = staff_urls(org, hosted_trace)
    assert staff_client.get(urls["detail"]).status_code == 200
    admin = client_for("admin")
    admin.post(reverse("traces:support_access_revoke", kwargs={"grant_id": grant.public_id}))
    staff_client.force_login(staff_user)
    for name, url in urls.items():
        assert staff_client.get(url).status_code == 404, name


@pytest.mark.django_db
def test_staff_grant_of_other_org_404(staff_client, org, other_org, members, hosted_trace):
    now = timezone.now()
    SupportAccessGrant.objects.create(organization=other_org, starts_at=now, ends_at=now + timedelta(days=2))
    # A trace of org is not reachable through the other organization's grant.
    url = reverse("traces:staff_detail", kwargs={"org_id": other_org.public_id, "trace_id": hosted_trace.public_id})
    assert staff_client.get(url).status_code == 404
    for name, url in staff_urls(org, hosted_trace).items():
        assert staff_client.get(url).status_code == 404, name


@pytest.mark.django_db
def test_staff_without_group_404(client, django_user_model, org, grant, hosted_trace):
    user = django_user_model.objects.create_user(username="ops", email="ops@x.example", is_staff=True)
    client.force_login(user)
    for name, url in staff_urls(org, hosted_trace).items():
        assert client.get(url).status_code == 404, name


@pytest.mark.django_db
def test_group_member_not_staff_404(client, django_user_model, org, grant, hosted_trace):
    user = django_user_model.objects.create_user(username="ex", email="ex@x.example", is_staff=False)
    user.groups.add(Group.objects.get(name=PLATFORM_SUPPORT_GROUP))
    client.force_login(user)
    for name, url in staff_urls(org, hosted_trace).items():
        assert client.get(url).status_code == 404, name


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "support", "outsider"])
def test_staff_urls_closed_to_members(client_for, org, grant, hosted_trace, who):
    client = client_for(who)
    for name, url in staff_urls(org, hosted_trace).items():
        assert client.get(url).status_code == 404, (who, name)


@pytest.mark.django_db
def test_staff_bad_ids_404(staff_client, org, grant):
    bad_trace = reverse("traces:staff_detail", kwargs={"org_id": org.public_id, "trace_id": uuid.uuid4()})
    bad_org = reverse("traces:staff_list", kwargs={"org_id": uuid.uuid4()})
    assert staff_client.get(bad_trace).status_code == 404
    assert staff_client.get(bad_org).status_code == 404


@pytest.mark.django_db
def test_staff_wrong_method_405(staff_client, org, grant, hosted_trace):
    urls = staff_urls(org, hosted_trace)
    assert staff_client.post(urls["detail"]).status_code == 405
    reproduce = reverse("traces:staff_reproduce", kwargs={"org_id": org.public_id, "trace_id": hosted_trace.public_id})
    assert staff_client.get(reproduce).status_code == 405


@pytest.mark.django_db
def test_staff_reproduce_hosted(staff_client, org, grant, hosted_trace, hosted_openai):
    url = reverse("traces:staff_reproduce", kwargs={"org_id": org.public_id, "trace_id": hosted_trace.public_id})
    response = staff_client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(staff_urls(org, hosted_trace)["detail"])
    assert Reproduction.objects.filter(trace=hosted_trace).count() == 1
    assert support_views(org).filter(details__method="POST").count() == 1


@pytest.mark.django_db
def test_staff_reproduce_byok_403(staff_client, org, grant, byok_trace, hosted_openai):
    hosted_openai.reset()
    url = reverse("traces:staff_reproduce", kwargs={"org_id": org.public_id, "trace_id": byok_trace.public_id})
    assert staff_client.post(url).status_code == 403
    assert hosted_openai.requests == []
    page = staff_client.get(staff_urls(org, byok_trace)["detail"]).content.decode()
    assert "Support cannot spend the customer's key" in page


@pytest.mark.django_db
def test_staff_sees_no_secret_or_member_email(staff_client, org, grant, members, failed_trace, byok_trace, org_key_secret):
    for trace in (failed_trace, byok_trace):
        for name, url in staff_urls(org, trace).items():
            text = staff_client.get(url).content.decode()
            assert HOSTED_CANARY not in text, name
            assert org_key_secret not in text, name
            for member in members.values():
                assert member.email not in text, (name, member.email)


@pytest.mark.django_db
def test_staff_export_is_redacted_json(staff_client, org, grant, hosted_trace):
    response = staff_client.get(staff_urls(org, hosted_trace)["export"])
    bundle = json.loads(response.content)
    assert bundle["selected_trace_id"] == str(hosted_trace.public_id)
    assert AuditEvent.objects.filter(organization=org, action="trace.exported", details__platform_support=True).exists()


def test_staff_dashboard_links_to_staff_traces(staff_client):
    response = staff_client.get("/")

    assert response.status_code == 200
    assert 'href="/traces/staff/"' in response.content.decode()
