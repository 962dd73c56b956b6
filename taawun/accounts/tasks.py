"""Email leaves through the task queue, so a slow mail server slows nobody."""

from __future__ import annotations

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(to: list[str], subject: str, body: str) -> int:
    return send_mail(subject, body, None, to)
