"""Measure the latency that the API channel adds over a direct SDK call to the same provider.

Both paths call one zero-latency fake OpenAI server on 127.0.0.1 (tests/fakes): the direct
path with the official `openai` SDK, the other through `POST /api/v1/agents/{id}/chat` on the
real ASGI app under uvicorn (a subprocess), which checks the token, resolves the credential,
reserves and settles hosted quota, calls the same SDK, records usage and stores the trace.
The overhead is the difference of the two latency distributions at each percentile.

    .venv/bin/python bench/chat_overhead.py                 # SQLite, then PostgreSQL if reachable
    .venv/bin/python bench/chat_overhead.py --databases sqlite --requests 300

PostgreSQL is reached at BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432) in
a database named flexy_agents_bench that the script creates and drops. The app serves it with
the connection pool (DATABASE_POOL=true) unless --no-pool is given.
"""

import argparse
import asyncio
import http.server
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from openai import AsyncOpenAI

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

# The fake runs on http.server's ThreadingHTTPServer, whose listen backlog of 5 drops
# connections when 16 clients connect at once; a benchmark needs a deeper queue.
http.server.ThreadingHTTPServer.request_queue_size = 128

PYTHON = sys.executable
HOSTED_KEY = "sk-bench-hosted-key-0123456789"
PG_DATABASE = "flexy_agents_bench"

SETUP_CODE = """
import json
from orgs.models import Organization, Plan
from agents.models import Agent, Channel, ChannelToken
plan = Plan.objects.create(name="Bench", slug="bench", monthly_hosted_tokens=10**12)
org = Organization.objects.create(name="Bench", slug="bench", plan=plan)
agent = Agent.objects.create(organization=org, name="Bench agent", provider="openai", model_id=MODEL,
                             strategy="hosted", system_prompt="You are terse.", max_output_tokens=64)
channel = Channel.objects.create(organization=org, agent=agent, kind="api", name="Bench API")
_token, plaintext = ChannelToken.issue(channel, "bench")
print(json.dumps({"agent_id": str(agent.public_id), "token": plaintext}))
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies_ms, elapsed_s):
    return {
        "p50": percentile(latencies_ms, 0.50),
        "p95": percentile(latencies_ms, 0.95),
        "p99": percentile(latencies_ms, 0.99),
        "mean": statistics.fmean(latencies_ms),
        "rps": len(latencies_ms) / elapsed_s,
    }


async def run_load(call, requests, concurrency):
    """Run `requests` calls with at most `concurrency` in flight; return (latencies in ms, seconds)."""
    latencies = []
    queue = asyncio.Queue()
    for number in range(requests):
        queue.put_nowait(number)

    async def worker():
        while True:
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


async def measure(base_url, fake, agent_id, token, model, requests, concurrency):
    """Return (direct summary, API summary) at one concurrency, after a warm-up of each path."""
    sdk = AsyncOpenAI(api_key=HOSTED_KEY, base_url=fake.base_url, max_retries=0)
    api = httpx.AsyncClient(base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=64))
    headers = {"Authorization": f"Bearer {token}"}
    body = {"message": "How do refunds work?", "conversation_id": None}

    async def direct():
        await sdk.chat.completions.create(
            model=model,
            messages=[{"role": "system", "content": "You are terse."}, {"role": "user", "content": body["message"]}],
            max_completion_tokens=64,
        )

    async def through_api():
        response = await api.post(f"/api/v1/agents/{agent_id}/chat", json=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"API returned {response.status_code}: {response.text[:300]}")

    try:
        warmup = max(20, concurrency * 2)
        await run_load(direct, warmup, concurrency)
        await run_load(through_api, warmup, concurrency)
        direct_latencies, direct_elapsed = await run_load(direct, requests, concurrency)
        api_latencies, api_elapsed = await run_load(through_api, requests, concurrency)
    finally:
        await sdk.close()
        await api.aclose()
    return summary(direct_latencies, direct_elapsed), summary(api_latencies, api_elapsed)


def prepare_database(database, workdir):
    """Return the environment for one database, migrated and seeded with the bench agent."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "FLEXY_VAR_DIR": str(workdir),
            "DEBUG": "false",
            "DJANGO_ENV": "production",
            "SECRET_KEY": "bench-secret-key-" + "x" * 40,
            "CRYPTOGRAPHY_KEY": "YmVuY2gtY3J5cHRvZ3JhcGh5LWtleS0zMi1ieXRlcyE=",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "AXES_ENABLED": "false",
        }
    )
    if database == "postgresql":
        import psycopg

        server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
        with psycopg.connect(server + "/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = f"{server}/{PG_DATABASE}"
        # Under ASGI each request runs its synchronous code in a fresh thread, so a persistent
        # connection (CONN_MAX_AGE > 0) is opened per request and never reused or closed, and
        # PostgreSQL runs out of connection slots (seen here after about 100 requests).
        env["DATABASE_CONN_MAX_AGE"] = "0"
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "load_catalog"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def drop_database(database):
    if database != "postgresql":
        return
    import psycopg

    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(server + "/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def bench_database(database, args, fake, model):
    with tempfile.TemporaryDirectory(prefix="flexy-bench-", dir=args.sqlite_dir) as workdir:
        env = prepare_database(database, Path(workdir))
        env.update({"HOSTED_OPENAI_API_KEY": HOSTED_KEY, "OPENAI_BASE_URL": fake.base_url})
        if database == "postgresql" and not args.no_pool:
            env["DATABASE_POOL"] = "true"
        setup = subprocess.run(
            [PYTHON, "manage.py", "shell", "-c", f"MODEL = {model!r}\n" + SETUP_CODE],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        )
        created = json.loads(setup.stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen(
            [PYTHON, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=env,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(base_url + "/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            results = {}
            for concurrency in args.concurrency:
                results[concurrency] = asyncio.run(
                    measure(base_url, fake, created["agent_id"], created["token"], model, args.requests, concurrency)
                )
            return results
        finally:
            server.terminate()
            server.wait(timeout=10)
            drop_database(database)


def machine():
    cores = os.cpu_count()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {kilobytes / 1024 / 1024:.1f} GiB RAM"
    cpu = platform.processor() or platform.machine()
    model_line = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "")
    if model_line:
        cpu = model_line.split(":", 1)[1].strip()
    return f"{cpu}, {cores} cores{memory}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 16])
    parser.add_argument("--requests", type=int, default=400, help="measured requests per path and concurrency")
    parser.add_argument(
        "--sqlite-dir",
        default=None,
        help="folder for the SQLite file (default: the system temporary folder); /dev/shm takes the disk's fsync out",
    )
    parser.add_argument(
        "--no-pool",
        action="store_true",
        help="serve PostgreSQL without the connection pool (DATABASE_POOL), so each request opens a connection",
    )
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    print(f"Requests per path and concurrency: {args.requests} (after a warm-up)")
    with FakeOpenAI() as fake:
        model = fake.models[0]
        for database in args.databases:
            results = bench_database(database, args, fake, model)
            for concurrency, (direct, api) in results.items():
                print(f"\n{database}, concurrency {concurrency}")
                print(f"  {'':10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8}")
                for name, figures in (("direct", direct), ("API", api)):
                    print(f"  {name:10} {figures['p50']:8.2f} {figures['p95']:8.2f} {figures['p99']:8.2f} {figures['rps']:8.1f}")
                overhead = {key: api[key] - direct[key] for key in ("p50", "p95", "p99")}
                print(f"  {'overhead':10} {overhead['p50']:8.2f} {overhead['p95']:8.2f} {overhead['p99']:8.2f}")


if __name__ == "__main__":
    main()
