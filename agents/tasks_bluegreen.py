"""Celery tasks for blue/green upgrades. Arguments are database ids only."""

from celery import shared_task

from .bluegreen.runs import execute_run


@shared_task
def run_regression(run_id: int):
    """Answer the golden questions of a queued regression run; return its pass count."""
    run = execute_run(run_id)
    return run.passed if run is not None else None
