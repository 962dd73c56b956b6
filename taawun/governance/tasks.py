"""Background work of governance: closing polls at their deadline and the
reminder 24 hours before. Both are scheduled when a poll opens (on backends
that can defer a task); `close_due_polls` and `send_reminders` also catch up
on anything missed, so a worker that was down loses nothing."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import default_task_backend, task

from taawun.governance.models import Poll


@task()
def close_due_polls() -> int:
    from taawun.governance import actions

    return actions.close_due_polls()


@task()
def send_reminders() -> int:
    from taawun.governance import actions

    return actions.send_reminders()


def schedule(poll: Poll) -> None:
    if not default_task_backend.supports_defer:
        return
    close_due_polls.using(run_after=poll.closes_at).enqueue()
    remind_at = poll.closes_at - timedelta(hours=24)
    if poll.opened_at and remind_at > poll.opened_at:
        send_reminders.using(run_after=remind_at).enqueue()
