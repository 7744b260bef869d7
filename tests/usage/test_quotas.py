"""usage.quotas: atomic reservations under concurrency, settle/release, period reset, warnings."""

import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection, connections

from usage import quotas
from usage.models import QuotaPeriod, QuotaWarning
from usage.quotas import QuotaExhausted, QuotaKind

THREADS = 50


class NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def writer_lock():
    """Return the lock that threads take around a reservation.

    SQLite runs one writer at a time and a file database queues writers on its busy timeout.
    The in-memory test database shares one cache between threads and fails with "table is
    locked" instead of waiting, so there the test queues the writers itself.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return threading.Lock()
    return NoLock()


def run_concurrently(org, kind, amount):
    """Reserve `amount` from THREADS threads at once; return counts of outcomes and errors."""
    barrier = threading.Barrier(THREADS)
    results = {"ok": 0, "exhausted": 0, "errors": []}
    lock = threading.Lock()
    database_lock = writer_lock()

    def worker():
        try:
            barrier.wait()
            with database_lock:
                quotas.reserve(org, kind, amount)
            outcome = "ok"
        except QuotaExhausted:
            outcome = "exhausted"
        except Exception as exc:  # reported below, so a failure shows its cause
            with lock:
                results["errors"].append(repr(exc))
            return
        finally:
            connections.close_all()
        with lock:
            results[outcome] += 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def concurrent_case(org, kind, limit_field, amount):
    setattr(org.plan, limit_field, amount * 10)
    org.plan.save()
    quotas.current_period(org, kind)
    results = run_concurrently(org, kind, amount)
    period = QuotaPeriod.objects.get(organization=org, kind=kind)
    assert results["errors"] == []
    assert results["ok"] == 10
    assert results["exhausted"] == THREADS - 10
    assert period.used + period.reserved <= period.limit
    assert period.reserved == amount * 10


def require_postgresql():
    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("PostgreSQL is needed: set DATABASE_URL=postgres://...")


@pytest.mark.django_db(transaction=True)
def test_concurrent_tokens_postgresql(org):
    require_postgresql()
    concurrent_case(org, QuotaKind.HOSTED_TOKENS, "monthly_hosted_tokens", 1_000)


@pytest.mark.django_db(transaction=True)
def test_concurrent_images_postgresql(org):
    require_postgresql()
    concurrent_case(org, QuotaKind.IMAGE_UNITS, "monthly_image_units", 1)


def reserve_fast_path(org, amount):
    """Reserve on the cached period id (the second reservation of a period); return its SQL."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        reservation = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, amount)
    assert len(captured.captured_queries) == 1
    return reservation, captured.captured_queries[0]["sql"]


@pytest.mark.django_db(transaction=True)
def test_reservation_alone_skips_flush_postgresql(org):
    require_postgresql()
    quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 10)

    reservation, sql = reserve_fast_path(org, 15)

    assert "set_config('synchronous_commit', 'off', true)" in sql
    assert QuotaPeriod.objects.get(pk=reservation.period_id).reserved == 25
    # The setting applied to the reservation's own transaction only.
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_reservation_in_transaction_keeps_flush(org):
    quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 10)

    reservation, sql = reserve_fast_path(org, 15)

    # The caller's transaction (here the test's) commits later and must wait for its flush.
    assert "synchronous_commit" not in sql
    assert QuotaPeriod.objects.get(pk=reservation.period_id).reserved == 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_tokens_any_database(org):
    concurrent_case(org, QuotaKind.HOSTED_TOKENS, "monthly_hosted_tokens", 500)


@pytest.mark.django_db(transaction=True)
def test_concurrent_images_any_database(org):
    concurrent_case(org, QuotaKind.IMAGE_UNITS, "monthly_image_units", 1)


def test_exhausted_message_names_quota_and_fix(org):
    org.plan.monthly_hosted_tokens = 1_000
    org.plan.save()
    quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 900)
    with pytest.raises(QuotaExhausted) as caught:
        quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 200)
    message = str(caught.value)
    assert "hosted token quota" in message
    assert "BYOK" in message
    assert "Upgrade the plan" in message
    assert caught.value.requested == 200
    assert caught.value.limit == 1_000


def test_image_message_points_to_gemini_key(org):
    org.plan.monthly_image_units = 0
    org.plan.save()
    with pytest.raises(QuotaExhausted) as caught:
        quotas.reserve(org, QuotaKind.IMAGE_UNITS, 1)
    assert "Gemini key" in str(caught.value)


def test_settle_uses_actual_amount(org):
    reservation = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 5_000)
    quotas.settle(reservation, 1_234)
    period = QuotaPeriod.objects.get(pk=reservation.period_id)
    assert period.used == 1_234
    assert period.reserved == 0
    assert quotas.remaining(org, QuotaKind.HOSTED_TOKENS) == 100_000 - 1_234


def test_settle_without_overage_stops_at_limit(org):
    org.plan.monthly_hosted_tokens = 10_000
    org.plan.overage_allowed = False
    org.plan.save()
    reservation = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 9_000)
    quotas.settle(reservation, 12_000)
    period = QuotaPeriod.objects.get(pk=reservation.period_id)
    assert period.used == 10_000
    assert period.reserved == 0


def test_settle_with_overage_counts_everything(org):
    org.plan.monthly_hosted_tokens = 10_000
    org.plan.overage_allowed = True
    org.plan.save()
    reservation = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 9_000)
    quotas.settle(reservation, 12_000)
    period = QuotaPeriod.objects.get(pk=reservation.period_id)
    assert period.used == 12_000


def test_release_returns_reservation(org):
    reservation = quotas.reserve(org, QuotaKind.MEDIA_MINUTES, 4)
    quotas.release(reservation)
    quotas.release(reservation)  # a second release changes nothing
    period = QuotaPeriod.objects.get(pk=reservation.period_id)
    assert period.reserved == 0
    assert period.used == 0


def test_negative_amount_rejected(org):
    with pytest.raises(ValueError, match="-5"):
        quotas.reserve(org, QuotaKind.HOSTED_TOKENS, -5)


@pytest.mark.parametrize(
    ("billing_day", "today", "start", "end"),
    [
        (1, date(2026, 12, 4), date(2026, 12, 1), date(2027, 1, 1)),
        (15, date(2026, 12, 4), date(2026, 11, 15), date(2026, 12, 15)),
        (15, date(2026, 12, 15), date(2026, 12, 15), date(2027, 1, 15)),
        (28, date(2027, 1, 3), date(2026, 12, 28), date(2027, 1, 28)),
        (28, date(2027, 2, 28), date(2027, 2, 28), date(2027, 3, 28)),
    ],
)
def test_billing_period_bounds(billing_day, today, start, end):
    assert quotas.billing_period(billing_day, today) == (start, end)


def test_period_resets_on_billing_day(org):
    org.plan.billing_day = 10
    org.plan.save()
    before = quotas.current_period(org, QuotaKind.HOSTED_TOKENS, today=date(2026, 12, 9))
    QuotaPeriod.objects.filter(pk=before.pk).update(used=90_000)
    after = quotas.current_period(org, QuotaKind.HOSTED_TOKENS, today=date(2026, 12, 10))
    assert after.pk != before.pk
    assert after.used == 0
    assert after.period_start == date(2026, 12, 10)
    assert before.period_end == date(2026, 12, 10)


def test_plan_change_updates_running_limit(org):
    period = quotas.current_period(org, QuotaKind.HOSTED_TOKENS)
    org.plan.monthly_hosted_tokens = 5
    org.plan.save()
    org.refresh_from_db()
    assert quotas.current_period(org, QuotaKind.HOSTED_TOKENS).pk == period.pk
    assert quotas.remaining(org, QuotaKind.HOSTED_TOKENS) == 5


def test_warnings_sent_once_per_threshold(org, members, django_capture_on_commit_callbacks, settings):
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        org.plan.monthly_hosted_tokens = 1_000
        org.plan.save()
        with django_capture_on_commit_callbacks(execute=True):
            quotas.settle(quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 850), 850)
            quotas.settle(quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 10), 10)
        assert list(QuotaWarning.objects.values_list("threshold", flat=True)) == [80]
        with django_capture_on_commit_callbacks(execute=True):
            quotas.settle(quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 140), 140)
    finally:
        app.conf.task_always_eager = False
    assert sorted(QuotaWarning.objects.values_list("threshold", flat=True)) == [80, 100]
    assert len(mail.outbox) == 2
    recipients = set(mail.outbox[0].to)
    assert recipients == {members["admin"].email, members["finance"].email}
    assert "80%" in mail.outbox[0].subject


def test_reserve_applies_plan_limit_change(org):
    quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 100)
    org.plan.monthly_hosted_tokens = 150
    org.plan.save()

    with pytest.raises(QuotaExhausted):
        quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 100)

    period = QuotaPeriod.objects.get(organization=org, kind=QuotaKind.HOSTED_TOKENS)
    assert period.limit == 150
    assert period.reserved == 100


def test_reserve_with_stale_period_id(org):
    first = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 10)
    QuotaPeriod.objects.filter(pk=first.period_id).delete()

    second = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 20)

    assert second.period_id != first.period_id
    assert QuotaPeriod.objects.get(pk=second.period_id).reserved == 20


def test_reserve_and_settle_query_count(org, django_assert_max_num_queries):
    quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 10)

    with django_assert_max_num_queries(1):
        reservation = quotas.reserve(org, QuotaKind.HOSTED_TOKENS, 10)
    # Below the first warning threshold, settling is one statement that also returns the totals.
    with django_assert_max_num_queries(1):
        quotas.settle(reservation, 5)

    period = QuotaPeriod.objects.get(pk=reservation.period_id)
    assert period.used == 5
    assert period.reserved == 10
