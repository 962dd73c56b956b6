"""Outgoing delivery: each activity we send becomes one ``Delivery`` row per
recipient inbox, and the worker (`taawun worker`) POSTs them, signed, with
retries and exponential back-off over about two days.

Three promises, and how they are kept:

- **In order per recipient.** Only the oldest pending delivery to an inbox
  is ever picked; a later activity to that inbox waits until the earlier
  one is delivered or given up. A peer that was down therefore receives
  everything, in the order it was sent, once it is back.
- **Never sent twice at once.** Rows are claimed in a transaction that
  moves their ``next_attempt_at`` forward by a lease, so another worker
  does not see them as due; on PostgreSQL the claim also locks with
  ``SKIP LOCKED``, so two workers claiming at the same moment pass each
  other by, and on SQLite the IMMEDIATE transaction serialises claims. A
  worker that dies mid-send leaves its rows to be claimed again when the
  lease ends (receivers process each activity id once).
- **A dead peer does not slow the others.** Sends run in parallel threads,
  each bounded by its own timeout (``safe_http.request`` holds the whole
  exchange to it), so a peer that hangs costs one thread for ``timeout``
  seconds and nothing else. The threads only speak HTTP; every write to
  the database is made by the thread that claimed the rows.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from concurrent import futures
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, TypeVar

from django.db import OperationalError, connections, transaction
from django.db.models import F, Min
from django.utils import timezone

from taawun.federation import identity, policy, safe_http
from taawun.federation.models import URI_LENGTH, Activity, Actor, Delivery, Follow

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The back-off schedule (see ``backoff``).
FIRST_RETRY = timedelta(minutes=1)
GROWTH = 1.8
GIVE_UP_AFTER = timedelta(days=2)
JITTER = 0.1  # a retry waits up to this share of its wait longer
# Beyond the time the sends themselves may take: how long claimed rows stay
# invisible to other workers before they count as abandoned by a dead worker.
LEASE_MARGIN = timedelta(minutes=2)
RESPONSE_MAX_BYTES = 256 * 1024  # an inbox's answer is read only for its status
ERROR_LENGTH = 200

# Answers after which sending the same activity again cannot help: the
# actor or inbox is gone (404, 410), or the receiver refuses this request
# for good (400, 401, 403, 422 and the other client errors). Time-outs
# (408), "too early" (425) and rate limits (429) are passing, like any 5xx.
RETRY_STATUSES = frozenset({408, 425, 429})

Outcome = Literal["delivered", "retry", "abandon"]


def backoff(attempts: int, *, jitter_key: int | None = None) -> timedelta:
    """How long to wait after ``attempts`` failed attempts before the next one.

    One minute after the first failure, then each wait 1.8 times the one
    before (rounded to the second)::

        after attempt   1     2     3     4      5      6      7
        wait            1 m   1.8 m 3.2 m 5.8 m  10.5 m 18.9 m 34 m
        after attempt   8     9     10    11     12     13
        wait            1 h   1.8 h 3.3 h 6 h    10.7 h 19.3 h

    The thirteen waits add up to 43.4 hours: the fourteenth attempt comes
    a little under two days after the first, and the next wait (34.7 h)
    would fall past ``GIVE_UP_AFTER`` (two days from the enqueueing), so
    that is when a delivery is given up.

    With ``jitter_key`` (a delivery's id) the wait grows by up to ``JITTER``
    of itself, by an amount derived from the key: deliveries that failed
    together (one peer's many inboxes) do not all come back in the same
    second, and the same delivery always waits the same.
    """
    if attempts < 1:
        raise ValueError("backoff is for after a failed attempt")
    seconds = round(FIRST_RETRY.total_seconds() * GROWTH ** (attempts - 1))
    if jitter_key is not None:
        # Knuth's multiplicative hash spreads consecutive ids over [0, 1).
        spread = ((jitter_key * 2654435761) % 2**32) / 2**32
        seconds += round(seconds * JITTER * spread)
    return timedelta(seconds=seconds)


def next_attempt(
    attempts: int, *, created_at: datetime, now: datetime, jitter_key: int | None = None
) -> datetime | None:
    """When to try again after ``attempts`` failures, or None to give up:
    when the next attempt would fall more than ``GIVE_UP_AFTER`` after the
    delivery was queued."""
    when = now + backoff(attempts, jitter_key=jitter_key)
    return when if when <= created_at + GIVE_UP_AFTER else None


def outcome_of(status: int) -> Outcome:
    """What an inbox's HTTP status means for the delivery."""
    if 200 <= status < 300:
        return "delivered"
    if status in RETRY_STATUSES or status >= 500:
        return "retry"
    if 400 <= status < 500:
        return "abandon"
    # 1xx and 3xx are not answers an inbox gives (a redirected POST is not
    # followed): most likely a proxy in a bad state, which may pass.
    return "retry"


# --- queueing ------------------------------------------------------------------------


def enqueue(activity: Activity, inboxes: Iterable[str], signer: Actor) -> list[Delivery]:
    """Queue ``activity`` for each distinct inbox, to be sent signed as ``signer``.

    Inboxes on our own domain are left out (the caller hands local
    recipients the activity in-process), and so are those of domains the
    instance blocks (or, allowlist-only, does not allow). Call it inside the
    transaction that records the activity: the rows exist if and only if
    the activity does.
    """
    own = identity.local_domain()
    allowed: dict[str, bool] = {}
    wanted: list[str] = []
    for inbox in dict.fromkeys(i.strip() for i in inboxes if i and i.strip()):
        domain = identity.domain_of(inbox)
        if not domain or domain == own or len(inbox) > URI_LENGTH:
            continue
        if domain not in allowed:
            allowed[domain] = policy.domain_allowed(domain)
        if allowed[domain]:
            wanted.append(inbox)
    now = timezone.now()
    rows = [
        Delivery(activity=activity, inbox=inbox, signer=signer, next_attempt_at=now, created_at=now)
        for inbox in wanted
    ]
    return Delivery.objects.bulk_create(rows)


def delivery_inboxes(actors: Iterable[Actor]) -> list[str]:
    """Where to deliver to reach ``actors``: each one's shared inbox if it has
    one (one POST per server, not per actor), else its own; ours left out."""
    found: dict[str, None] = {}
    for actor in actors:
        inbox = actor.delivery_inbox
        if inbox and not actor.local:
            found[inbox] = None
    return list(found)


def follower_inboxes(actor: Actor) -> list[str]:
    """The inboxes that reach the accepted followers of ``actor`` on other servers."""
    followers = Actor.objects.filter(
        follows_out__followed=actor, follows_out__state=Follow.State.ACCEPTED, local=False
    ).order_by("id")
    return delivery_inboxes(followers)


# --- one round -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRound:
    """What one round did with the deliveries it claimed."""

    delivered: int = 0
    retrying: int = 0
    abandoned: int = 0

    @property
    def claimed(self) -> int:
        return self.delivered + self.retrying + self.abandoned


@dataclass(frozen=True)
class _Job:
    """A claimed delivery, with all the sending thread needs: it reads
    nothing from the database but the block list (in ``safe_http``)."""

    delivery: Delivery
    body: bytes
    key: Any  # SigningKey, or None when the signer cannot sign
    refusal: str  # why it is not sent at all, if it is not


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    error: str = ""


def _retrying_locks(work: Callable[[], T]) -> T:
    """Run a database write, trying again while SQLite reports a lock.

    A file database waits out its busy timeout first; a shared-cache one
    (the test database) refuses at once. Either way, giving up would lose
    a claim or, worse, the record of a send that happened, and the row
    would be sent again when its lease ends.
    """
    deadline = time.monotonic() + 60
    pause = 0.005
    while True:
        try:
            return work()
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _claim(now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
    """Take up to ``limit`` due deliveries, each the oldest pending one to its
    inbox, and hide them from other workers for ``lease``."""

    def claim() -> list[Delivery]:
        with transaction.atomic():
            heads = (
                Delivery.objects.filter(state=Delivery.State.PENDING)
                .values("inbox")
                .annotate(head=Min("id"))
                .values("head")
            )
            rows = list(
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("activity", "signer")
                .filter(id__in=heads, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")[:limit]
            )
            if rows:
                Delivery.objects.filter(id__in=[row.id for row in rows]).update(
                    attempts=F("attempts") + 1, next_attempt_at=now + lease
                )
            for row in rows:
                row.attempts += 1
            return rows

    return _retrying_locks(claim)


def _prepare(rows: list[Delivery]) -> list[_Job]:
    """The bodies (one per activity), keys (one per signer) and send-time
    blocks of the claimed rows."""
    bodies: dict[int, bytes] = {}
    keys: dict[int, Any] = {}
    allowed: dict[str, bool] = {}
    jobs = []
    for row in rows:
        if row.activity_id not in bodies:
            bodies[row.activity_id] = json.dumps(row.activity.data).encode()
        if row.signer_id not in keys:
            try:
                keys[row.signer_id] = identity.signing_key(row.signer)
            except ValueError:
                keys[row.signer_id] = None
        domain = identity.domain_of(row.inbox)
        if domain not in allowed:
            allowed[domain] = policy.domain_allowed(domain)
        refusal = ""
        if not allowed[domain]:
            refusal = f"{domain} is blocked"
        elif keys[row.signer_id] is None:
            refusal = "the signer has no key of ours"
        jobs.append(_Job(row, bodies[row.activity_id], keys[row.signer_id], refusal))
    return jobs


def _send(job: _Job, timeout: float) -> _Result:
    """POST one delivery (in a sending thread)."""
    if job.refusal:
        return _Result("abandon", job.refusal)
    try:
        response = safe_http.request(
            "POST",
            job.delivery.inbox,
            headers={"Content-Type": identity.ACTIVITY_JSON},
            body=job.body,
            sign_as=job.key,
            accept=safe_http.ACTIVITY_JSON_ACCEPT,
            max_bytes=RESPONSE_MAX_BYTES,
            timeout=timeout,
            max_redirects=0,
        )
    except safe_http.FetchRefused as error:
        return _Result("retry", error.reason)
    except Exception as error:  # a worker must outlive any one send
        logger.exception("delivery %s to %s failed", job.delivery.id, job.delivery.inbox)
        return _Result("retry", f"{type(error).__name__}: {error}")
    finally:
        # safe_http reads the block list: that opened a connection in this thread.
        connections.close_all()
    outcome = outcome_of(response.status)
    return _Result(outcome, "" if outcome == "delivered" else f"HTTP {response.status}")


def _record(delivery: Delivery, result: _Result, now: datetime) -> Outcome:
    """Write down what came of one attempt; returns what the row became.

    Only a row still pending is changed, so a slow worker whose lease ran
    out never undoes what another worker recorded since.
    """
    pending = Delivery.objects.filter(id=delivery.id, state=Delivery.State.PENDING)
    error = result.error[:ERROR_LENGTH]
    if result.outcome == "delivered":
        pending.update(
            state=Delivery.State.DELIVERED, delivered_at=now, last_error="", next_attempt_at=now
        )
        return "delivered"
    when = None
    if result.outcome == "retry":
        when = next_attempt(
            delivery.attempts, created_at=delivery.created_at, now=now, jitter_key=delivery.id
        )
        if when is None:
            error = f"gave up after {delivery.attempts} attempts: {result.error}"[:ERROR_LENGTH]
    if when is None:
        pending.update(state=Delivery.State.ABANDONED, last_error=error)
        return "abandon"
    pending.update(next_attempt_at=when, last_error=error)
    return "retry"


def _record_round(results: list[tuple[Delivery, _Result]], now: datetime) -> list[Outcome]:
    """A round's results in one transaction (one commit, not one per
    delivery), the delivered ones in one statement."""
    with transaction.atomic():
        delivered = [delivery.id for delivery, result in results if result.outcome == "delivered"]
        Delivery.objects.filter(id__in=delivered, state=Delivery.State.PENDING).update(
            state=Delivery.State.DELIVERED, delivered_at=now, last_error="", next_attempt_at=now
        )
        others: list[Outcome] = [
            _record(delivery, result, now)
            for delivery, result in results
            if result.outcome != "delivered"
        ]
    done: list[Outcome] = ["delivered"] * len(delivered)
    return done + others


def _tally(outcomes: Iterable[Outcome]) -> DeliveryRound:
    listed = list(outcomes)
    return DeliveryRound(
        delivered=listed.count("delivered"),
        retrying=listed.count("retry"),
        abandoned=listed.count("abandon"),
    )


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = 200,
    concurrency: int = 8,
    timeout: float = 10.0,
) -> DeliveryRound:
    """One round: claim up to ``limit`` due deliveries (the oldest pending
    one per inbox), send them on ``concurrency`` threads, each send bounded
    by ``timeout`` seconds, and record the results together.

    ``now`` is the round's clock (what is due, and when retries fall); it
    defaults to the present.
    """
    now = now or timezone.now()
    # A row may wait in the queue for the sends before it, then take its own.
    waves = math.ceil(limit / max(1, concurrency))
    lease = timedelta(seconds=timeout * waves) + LEASE_MARGIN
    rows = _claim(now, limit, lease)
    if not rows:
        return DeliveryRound()
    jobs = _prepare(rows)
    with futures.ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="delivery") as pool:
        sending = [(job.delivery, pool.submit(_send, job, timeout)) for job in jobs]
        results = [(delivery, sent.result()) for delivery, sent in sending]
    return _tally(_retrying_locks(lambda: _record_round(results, now)))


# --- the worker's loop ----------------------------------------------------------------


def run_forever(
    stop: threading.Event,
    *,
    idle_sleep: float = 1.0,
    concurrency: int = 8,
    timeout: float = 10.0,
) -> None:
    """Deliver until ``stop`` is set: what `taawun worker` runs in a thread.

    Unlike a series of rounds, this keeps ``concurrency`` sends in flight:
    whenever one ends, the next due delivery is claimed, so a peer that
    hangs holds one thread for its timeout while the others go on. When
    nothing is due it waits ``idle_sleep`` seconds (or less, if a send
    ends or ``stop`` is set).
    """
    now = timezone.now
    lease = timedelta(seconds=timeout) + LEASE_MARGIN
    in_flight: dict[futures.Future[_Result], _Job] = {}
    with futures.ThreadPoolExecutor(concurrency, thread_name_prefix="delivery") as pool:
        try:
            while not stop.is_set():
                for done in [f for f in in_flight if f.done()]:
                    job = in_flight.pop(done)
                    _safely(_retrying_locks, partial(_record, job.delivery, done.result(), now()))
                free = concurrency - len(in_flight)
                claimed = _safely(_claim, now(), free, lease) if free else None
                jobs = (_safely(_prepare, claimed) or []) if claimed else []
                for job in jobs:
                    in_flight[pool.submit(_send, job, timeout)] = job
                if claimed:
                    continue
                if in_flight:
                    futures.wait(in_flight, timeout=idle_sleep, return_when=futures.FIRST_COMPLETED)
                else:
                    stop.wait(idle_sleep)
            # Stopping: the sends under way end within their timeout; record them.
            for done in futures.as_completed(in_flight):
                job = in_flight[done]
                _safely(_retrying_locks, partial(_record, job.delivery, done.result(), now()))
        finally:
            connections.close_all()


def _safely(work: Callable[..., T], *args: Any) -> T | None:
    """One step of the loop; a failure (the database away for a moment) is
    logged and the loop goes on: rows not recorded are claimed again when
    their lease ends."""
    try:
        return work(*args)
    except Exception:
        logger.exception("delivery loop step failed")
        connections.close_all()
        time.sleep(1)
        return None
