"""Benchmark knowledge ingestion throughput and search latency.

Ingestion: N mixed text documents (Markdown, plain text, HTML and CSV of 5-60 KB each) run
through the real pipeline: type detection, extraction, chunking, segmentation and indexing.
They run in this one process, one after the other, as one worker would run them without the
broker.
Search: M chunks of generated text are bulk-inserted into one knowledge base, then Q queries
of two to four words are timed through knowledge.search.search.

Usage:
    .venv/bin/python bench/ingest.py                       # SQLite file in a temporary folder
    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:5432/flexy_knowledge_bench
    .venv/bin/python bench/ingest.py --search-only         # time search only

The PostgreSQL database is created when missing and its tables are dropped and migrated
again on every run.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; SQLite in a temporary folder when empty")
    parser.add_argument("--documents", type=int, default=1000, help="documents to ingest (default 1000)")
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks in the search index (default 100000)")
    parser.add_argument("--queries", type=int, default=300, help="search queries to time (default 300)")
    parser.add_argument("--search-only", action="store_true", help="skip the ingestion part and time search only")
    return parser.parse_args()


def prepare_environment(args, workdir):
    os.environ["FLEXY_VAR_DIR"] = str(workdir / "var")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    if args.database_url:
        recreate_postgres_database(args.database_url)


def recreate_postgres_database(url):
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def vocabulary(rng, size=3000):
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


CHINESE = ["客户可以在三十天内申请退款。", "包裹每个工作日从仓库发出。", "员工每年有二十七天带薪假期。", "请在购买后提交报销单据。"]


def sentence(rng, words):
    # Zipf-like: low indexes are frequent words, as in real text.
    picked = [words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] for _ in range(rng.randint(6, 16))]
    return " ".join(picked).capitalize() + "."


def paragraph(rng, words):
    text = " ".join(sentence(rng, words) for _ in range(rng.randint(3, 7)))
    if rng.random() < 0.1:
        text += " " + rng.choice(CHINESE)
    return text


def make_document_bytes(rng, words, kind, target_bytes):
    blocks = []
    size = 0
    while size < target_bytes:
        heading = " ".join(rng.sample(words[:500], 2)).title()
        body = paragraph(rng, words)
        blocks.append((heading, body))
        size += len(heading) + len(body) + 4
    if kind == "md":
        return "\n\n".join(f"## {heading}\n\n{body}" for heading, body in blocks).encode()
    if kind == "txt":
        return "\n\n".join(body for _heading, body in blocks).encode()
    if kind == "html":
        inner = "".join(f"<h2>{heading}</h2><p>{body}</p>" for heading, body in blocks)
        return f"<!DOCTYPE html><html><head><title>Bench</title></head><body><article>{inner}</article></body></html>".encode()
    rows = ["topic,summary"] + [f'"{heading}","{body}"' for heading, body in blocks]
    return "\n".join(rows).encode()


def machine_description():
    from django.db import connection

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} logical CPUs, load average {load:.1f}, Python {platform.python_version()}, {database}"


def bench_ingestion(organization, count, rng, words):
    from django.core.files.base import ContentFile

    from knowledge.models import Document, KnowledgeBase
    from knowledge.pipeline import process_document

    base = KnowledgeBase.objects.create(organization=organization, name="Ingestion bench")
    kinds = ["md", "txt", "html", "csv"]
    documents = []
    total_bytes = 0
    for number in range(count):
        kind = kinds[number % len(kinds)]
        data = make_document_bytes(rng, words, kind, rng.randint(5_000, 60_000))
        total_bytes += len(data)
        document = Document(organization=organization, knowledge_base=base, title=f"doc-{number}.{kind}",
                            original_filename=f"doc-{number}.{kind}", size=len(data))
        document.file.save(document.original_filename, ContentFile(data), save=False)
        document.save()
        documents.append(document.pk)

    started = time.perf_counter()
    for pk in documents:
        process_document(pk)
    elapsed = time.perf_counter() - started

    ready = Document.objects.filter(knowledge_base=base, status="ready").count()
    chunks = base.chunk_set.count()
    megabytes = total_bytes / 1_000_000
    print(f"ingestion: {count} documents, {megabytes:.1f} MB, {chunks} chunks, {ready} ready, {elapsed:.1f} s")
    print(f"ingestion: {megabytes / elapsed * 60:.1f} MB/min, {count / elapsed * 60:.0f} documents/min")


def bench_search(organization, chunk_count, query_count, rng, words):
    from django.db import connection

    from knowledge.models import Chunk, Document, KnowledgeBase
    from knowledge.search import search
    from knowledge.segment import segment_for_index

    base = KnowledgeBase.objects.create(organization=organization, name="Search bench")
    per_document = 100
    started = time.perf_counter()
    batch = []
    for number in range(chunk_count):
        if number % per_document == 0:
            document = Document.objects.create(organization=organization, knowledge_base=base,
                                               title=f"search-{number // per_document}", status="ready")
        text = paragraph(rng, words)
        batch.append(Chunk(document=document, knowledge_base=base, position=number % per_document,
                           text=text, search_text=segment_for_index(text)))
        if len(batch) == 2000:
            Chunk.objects.bulk_create(batch)
            batch = []
    Chunk.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_chunk")
    print(f"search: indexed {chunk_count} chunks in {time.perf_counter() - started:.1f} s")

    # Queries take two to four words of a generated paragraph, skipping the 50 most frequent
    # words (about what a stopword list removes from real questions), and 5% add a Chinese word.
    content_words = set(words) - set(words[:50])
    queries = []
    for _ in range(query_count):
        candidates = [word.lower().strip(".") for word in paragraph(rng, words).split()]
        candidates = [word for word in candidates if word in content_words] or candidates
        terms = rng.sample(candidates, min(len(candidates), rng.randint(2, 4)))
        if rng.random() < 0.05:
            terms.append(rng.choice(["退款", "仓库", "假期"]))
        queries.append(" ".join(terms))
    for query in queries[:10]:  # warm caches
        search(organization, [base.pk], query)
    timings = []
    for query in queries:
        started = time.perf_counter()
        search(organization, [base.pk], query, k=5)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"search: {query_count} queries over {chunk_count} chunks, p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="flexy-bench-") as folder:
        prepare_environment(args, Path(folder))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from orgs.models import Organization, Plan

        plan = Plan.objects.create(name="Bench", slug="bench")
        organization = Organization.objects.create(name="Bench", slug="bench", plan=plan, enrichment_enabled=False)
        print(f"machine: {machine_description()}")
        rng = random.Random(20261204)
        words = vocabulary(rng)
        if not args.search_only:
            bench_ingestion(organization, args.documents, rng, words)
        bench_search(organization, args.chunks, args.queries, rng, words)


if __name__ == "__main__":
    main()
