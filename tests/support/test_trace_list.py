"""The trace list: permissions, filters, bad filter values and the htmx table swap."""

import pytest
from django.urls import reverse

from agents.models import Trace

from .conftest import make_agent, make_channel, run_turn

URL = reverse("traces:list")


@pytest.mark.django_db
def test_list_shows_turns_to_trace_readers(client_for, hosted_trace):
    for role in ("support", "builder", "admin"):
        response = client_for(role).get(URL)
        assert response.status_code == 200, role
        assert str(hosted_trace.public_id) in response.content.decode(), role


@pytest.mark.django_db
def test_list_wrong_method_405(client_for):
    assert client_for("support").post(URL).status_code == 405


@pytest.mark.django_db
def test_list_outsider_sees_no_org_traces(client_for, hosted_trace):
    response = client_for("outsider").get(URL)
    assert response.status_code == 200
    assert str(hosted_trace.public_id) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "finance"])
def test_list_without_permission_403(client_for, role):
    assert client_for(role).get(URL).status_code == 403


@pytest.mark.django_db
def test_list_filters_by_status_and_error_code(client_for, hosted_openai, hosted_agent):
    ok = run_turn(hosted_agent).trace
    hosted_openai.fail(500)
    failed = run_turn(hosted_agent).trace
    assert failed.status == "failed"
    client = client_for("support")

    page = client.get(URL, {"status": "failed"}).content.decode()
    assert str(failed.public_id) in page
    assert str(ok.public_id) not in page

    page = client.get(URL, {"error_code": failed.error_code}).content.decode()
    assert str(failed.public_id) in page
    assert str(ok.public_id) not in page


@pytest.mark.django_db
def test_list_filters_by_agent_channel_and_day(client_for, org, hosted_openai):
    first_agent = make_agent(org, name="First")
    second_agent = make_agent(org, name="Second")
    channel = make_channel(first_agent)
    first = run_turn(first_agent, channel=channel).trace
    second = run_turn(second_agent).trace
    client = client_for("builder")

    page = client.get(URL, {"agent": str(first_agent.public_id)}).content.decode()
    assert str(first.public_id) in page
    assert str(second.public_id) not in page

    page = client.get(URL, {"channel": str(channel.public_id)}).content.decode()
    assert str(first.public_id) in page
    assert str(second.public_id) not in page

    Trace.objects.filter(pk=second.pk).update(created_at="2020-01-15T12:00:00Z")
    page = client.get(URL, {"since": "2020-01-15", "until": "2020-01-15"}).content.decode()
    assert str(second.public_id) in page
    assert str(first.public_id) not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"since": "yesterday"}, "Enter a valid date"),
        ({"status": "exploded"}, "exploded"),
        ({"agent": "not-a-uuid"}, "is not a valid UUID"),
        ({"error_code": "DROP TABLE"}, "“DROP TABLE” is not an error code"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "is before the start date"),
        ({"since": "9999-12-31", "until": "9999-12-31"}, "9999-12-31 is outside the supported range"),
    ],
)
def test_list_bad_filter_is_200_with_message(client_for, hosted_trace, params, fragment):
    response = client_for("support").get(URL, params)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some filters were ignored" in page
    assert fragment in page
    # The invalid filter is ignored, so the turn is still listed.
    assert str(hosted_trace.public_id) in page


@pytest.mark.django_db
def test_list_htmx_returns_only_results(client_for, hosted_trace):
    response = client_for("support").get(URL, {"status": "ok"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="trace-results">')
    assert "<html" not in page
    assert str(hosted_trace.public_id) in page


@pytest.mark.django_db
def test_list_contains_no_secret(client_for, failed_trace, settings):
    page = client_for("admin").get(URL).content.decode()
    assert settings.HOSTED_OPENAI_API_KEY not in page
