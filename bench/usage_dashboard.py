"""Benchmark the usage dashboard on PostgreSQL with millions of usage events.

Seeds one organization with --events usage events spread over --days days (generate_series in
SQL, in daily batches), builds the hourly rollups from them with one INSERT ... SELECT, then
times GET /usage/ through the Django test client (server-side time, no network) and prints
p50/p95 per date range, with the machine it ran on.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/flexy_usage_bench \\
        .venv/bin/python bench/usage_dashboard.py --events 5000000

The database must be a dedicated one: the script migrates it and, with --reseed, deletes the
benchmark organization's usage before seeding again.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from orgs.models import Membership, Organization, Plan  # noqa: E402

BENCH_SLUG = "usage-bench"
BENCH_EMAIL = "finance@usage-bench.test"

# agent name, department, provider, model, billing source, key id, input and output price per million
AGENTS = [
    ("Helpdesk EN", "Support", "openai", "gpt-5.4-mini", "hosted", "", "0.40", "1.60"),
    ("Helpdesk DE", "Support", "openai", "gpt-5.4-mini", "hosted", "", "0.40", "1.60"),
    ("Helpdesk ZH", "Support", "anthropic", "claude-haiku-4-5", "hosted", "", "1.00", "5.00"),
    ("Returns", "Support", "openai", "gpt-5.4-mini", "byok", "bench-openai-key", "0.40", "1.60"),
    ("Lead Qualifier", "Sales", "openai", "gpt-5.5", "byok", "bench-openai-key", "2.50", "10.00"),
    ("Quote Builder", "Sales", "anthropic", "claude-sonnet-5", "byok", "bench-anthropic-key", "3.00", "15.00"),
    ("Renewals", "Sales", "openai", "gpt-5.4-mini", "byok", "bench-openai-key", "0.40", "1.60"),
    ("Contract Review", "Legal", "anthropic", "claude-sonnet-5", "byok", "bench-anthropic-key", "3.00", "15.00"),
    ("Policy QA", "Legal", "gemini", "gemini-2.5-pro", "byok", "bench-google-key", "1.25", "10.00"),
    ("HR Assistant", "People", "gemini", "gemini-2.5-flash", "hosted", "", "0.30", "2.50"),
    ("IT Helper", "IT", "openai", "gpt-5.4-mini", "hosted", "", "0.40", "1.60"),
    ("Image describer", "Knowledge", "gemini", "gemini-2.5-flash", "org_google", "bench-google-key", "0.30", "2.50"),
]
CHANNELS = ["web_widget", "api", "playground"]


def sql_array(values):
    return "ARRAY[" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + "]"


def setup_organization():
    plan, _ = Plan.objects.get_or_create(
        slug="usage-bench",
        defaults={"name": "Bench", "monthly_hosted_tokens": 50_000_000_000, "monthly_image_units": 100_000,
                  "monthly_media_minutes": 10_000, "overage_allowed": True},
    )
    organization, _ = Organization.objects.get_or_create(slug=BENCH_SLUG, defaults={"name": "Bench Co", "plan": plan})
    user, _ = get_user_model().objects.get_or_create(username=BENCH_EMAIL, defaults={"email": BENCH_EMAIL})
    Membership.objects.get_or_create(user=user, organization=organization, defaults={"roles": ["finance"]})
    return organization, user


def seed_events(organization, total, days):
    """Insert `total` events spread evenly over the last `days` days, one batch per day."""
    per_day = total // days
    columns = list(zip(*AGENTS))
    arrays = {name: sql_array(values) for name, values in zip(
        ["names", "departments", "providers", "models", "sources", "keys", "prices_in", "prices_out"], columns)}
    count = len(AGENTS)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for day in range(days):
            cursor.execute(
                f"""
                INSERT INTO usage_usageevent (organization_id, at, purpose, provider, model, billing_source,
                    key_id, agent_id, agent_name, channel_id, channel_kind, department, input_tokens,
                    output_tokens, units, media_seconds, cost, status, latency_ms, error_code,
                    counts_against_quota, demo)
                SELECT %(org)s, ts, purpose, ({arrays['providers']})[a], ({arrays['models']})[a],
                    ({arrays['sources']})[a], ({arrays['keys']})[a], 'bench-agent-' || a,
                    ({arrays['names']})[a], '', ({sql_array(CHANNELS)})[(1 + g %% 3)::int],
                    ({arrays['departments']})[a], tokens_in, tokens_out,
                    CASE WHEN purpose = 'image' THEN 1 ELSE 0 END, 0,
                    round((tokens_in * ({arrays['prices_in']})[a]::numeric
                           + tokens_out * ({arrays['prices_out']})[a]::numeric) / 1000000, 8),
                    CASE WHEN g %% 97 = 0 THEN 'failed' ELSE 'ok' END, (800 + g %% 3000)::int, '',
                    ({arrays['sources']})[a] = 'hosted', false
                FROM (
                    SELECT g, (1 + (g * 7 + g / 13) %% {count})::int AS a,
                        now() - make_interval(days => %(day)s + 1) + (g %% %(per_day)s) * interval '86400 seconds' / %(per_day)s AS ts,
                        CASE WHEN (g * 7 + g / 13) %% {count} = {count - 1} THEN 'image' ELSE 'chat' END AS purpose,
                        600 + (g * 7919) %% 3400 AS tokens_in, 80 + (g * 104729) %% 700 AS tokens_out
                    FROM generate_series(1::bigint, %(per_day)s) AS g
                ) AS generated
                """,
                {"org": organization.pk, "day": day, "per_day": per_day},
            )
            if day % 10 == 9:
                print(f"  seeded {per_day * (day + 1):,} events in {time.perf_counter() - started:.0f} s", flush=True)
    return per_day * days


ROLLUP_SELECT = """
    SELECT organization_id, {bucket}, billing_source, agent_id, max(agent_name), model, channel_kind,
        department, purpose, provider, key_id, count(*), count(*) FILTER (WHERE status = 'failed'),
        sum(input_tokens), sum(output_tokens),
        coalesce(sum(input_tokens + output_tokens) FILTER (WHERE counts_against_quota AND billing_source = 'hosted'), 0),
        sum(units), sum(media_seconds), sum(cost)
    FROM usage_usageevent WHERE organization_id = %s
    GROUP BY organization_id, {bucket}, billing_source, agent_id, model, channel_kind, department, purpose,
        provider, key_id
"""
ROLLUP_COLUMNS = """billing_source, agent_id, agent_name, model, channel_kind, department, purpose, provider,
    key_id, events, failed_events, input_tokens, output_tokens, quota_tokens, units, media_seconds, cost"""


def build_rollups(organization):
    """Build the hourly and daily rollups from the seeded events, as the write path would have."""
    day = f"(at AT TIME ZONE '{settings.TIME_ZONE}')::date"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM usage_hourlyrollup WHERE organization_id = %s", [organization.pk])
        cursor.execute("DELETE FROM usage_dailyrollup WHERE organization_id = %s", [organization.pk])
        cursor.execute(
            f"INSERT INTO usage_hourlyrollup (organization_id, hour, {ROLLUP_COLUMNS}) "
            + ROLLUP_SELECT.format(bucket="date_trunc('hour', at)"),
            [organization.pk],
        )
        cursor.execute(
            f"INSERT INTO usage_dailyrollup (organization_id, day, {ROLLUP_COLUMNS}) " + ROLLUP_SELECT.format(bucket=day),
            [organization.pk],
        )
        for table in ("usage_usageevent", "usage_hourlyrollup", "usage_dailyrollup"):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT count(*) FROM usage_hourlyrollup WHERE organization_id = %s", [organization.pk])
        return cursor.fetchone()[0]


def percentile(samples, fraction):
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def time_page(client, params, requests):
    """Return (wall ms, Python CPU ms) per request; CPU time excludes time spent in PostgreSQL."""
    client.get("/usage/", params)  # warm caches and connections; not counted
    wall, cpu = [], []
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get("/usage/", params)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET /usage/ {params} failed with HTTP {response.status_code}")
    return wall, cpu


def machine():
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{memory_kb / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, "
        f"PostgreSQL {server_version}, Django {django.get_version()}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000, help="usage events to seed (default 5,000,000)")
    parser.add_argument("--days", type=int, default=90, help="days of history to spread them over (default 90)")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per date range (default 30)")
    parser.add_argument("--reseed", action="store_true", help="delete and seed again even if events exist")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://... to a dedicated database.")

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    organization, user = setup_organization()
    existing = organization.usage_events.count()
    if args.reseed or existing == 0:
        organization.usage_events.all().delete()
        print(f"Seeding {args.events:,} events over {args.days} days ...", flush=True)
        started = time.perf_counter()
        seeded = seed_events(organization, args.events, args.days)
        seed_seconds = time.perf_counter() - started
        started = time.perf_counter()
        rollup_rows = build_rollups(organization)
        print(f"Seeded {seeded:,} events in {seed_seconds:.0f} s; {rollup_rows:,} rollup rows in "
              f"{time.perf_counter() - started:.0f} s")
    else:
        print(f"Reusing {existing:,} events already seeded (pass --reseed to seed again)")

    client = Client()
    client.force_login(user)
    print(f"Machine: {machine()}")
    print(f"Events: {organization.usage_events.count():,}; rollup rows: {organization.usage_rollups.count():,} "
          f"hourly, {organization.usage_daily_rollups.count():,} daily")
    print(f"Load average before timing: {os.getloadavg()[0]:.1f}")
    print(f"{'range':<22} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU p50':>8} {'CPU p95':>8}")
    for label, params in [
        ("this month (default)", {}),
        ("last 7 days (hourly)", {"preset": "7d"}),
        ("last 30 days", {"preset": "30d"}),
        ("last 90 days", {"preset": "90d"}),
        ("30 days, one agent", {"preset": "30d", "agent": "bench-agent-5"}),
    ]:
        wall, cpu = time_page(client, params, args.requests)
        print(f"{label:<22} {len(wall):>8} {statistics.median(wall):>8.0f} {percentile(wall, 0.95):>8.0f} "
              f"{max(wall):>8.0f} {statistics.median(cpu):>8.0f} {percentile(cpu, 0.95):>8.0f}", flush=True)
    print(f"Load average after timing: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
