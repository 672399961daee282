"""The one rate limiter: fixed windows counted in the database, no subject stored in clear."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from vssid.models import RateCounter
from vssid.ratelimit import Rate, RateLimited, check, hit, hit_to_lock, purge_expired_counters, reset, take

pytestmark = pytest.mark.django_db

THREE_AN_HOUR = Rate("test_three_an_hour", 3, dt.timedelta(hours=1))


def test_take_counts_up_to_the_limit_then_refuses_without_counting() -> None:
    now = timezone.now()
    assert [take(THREE_AN_HOUR, "+84912345678", now=now) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimited) as info:
        take(THREE_AN_HOUR, "+84912345678", now=now + dt.timedelta(minutes=20))
    assert info.value.retry_minutes == 40
    assert RateCounter.objects.get().count == 3
    take(THREE_AN_HOUR, "+84987654321", now=now)  # another subject has its own budget


def test_the_window_restarts_once_over() -> None:
    now = timezone.now()
    for _ in range(3):
        take(THREE_AN_HOUR, "a", now=now)
    assert take(THREE_AN_HOUR, "a", now=now + dt.timedelta(hours=1)) == 1


def test_check_and_hit_count_failures_apart_from_the_refusal() -> None:
    now = timezone.now()
    check(THREE_AN_HOUR, "b", now=now)
    assert [hit(THREE_AN_HOUR, "b", now=now) for _ in range(4)] == [1, 2, 3, 4]  # hit never refuses
    with pytest.raises(RateLimited):
        check(THREE_AN_HOUR, "b", now=now)
    reset(THREE_AN_HOUR, "b")
    check(THREE_AN_HOUR, "b", now=now)


def test_a_count_inside_a_rolled_back_transaction_is_undone() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        take(THREE_AN_HOUR, "c")
        raise RuntimeError
    assert not RateCounter.objects.exists()


def test_subjects_are_not_stored_in_clear() -> None:
    take(THREE_AN_HOUR, "+84912345678")
    key = RateCounter.objects.get().key
    assert key.startswith("test_three_an_hour:") and "912345678" not in key


def test_purge_deletes_only_windows_that_are_over() -> None:
    now = timezone.now()
    take(THREE_AN_HOUR, "old", now=now - dt.timedelta(hours=2))
    take(THREE_AN_HOUR, "new", now=now)
    assert purge_expired_counters(now=now) == 1
    assert RateCounter.objects.count() == 1


def test_hit_to_lock_refuses_a_full_window_from_the_failure_that_spends_the_budget() -> None:
    start = timezone.now()
    hit_to_lock(THREE_AN_HOUR, "d", now=start)
    hit_to_lock(THREE_AN_HOUR, "d", now=start + dt.timedelta(minutes=30))
    assert hit_to_lock(THREE_AN_HOUR, "d", now=start + dt.timedelta(minutes=50)) == 3
    # Plain hit would have let it go at start + 60 minutes; the lock lasts until 50 + 60.
    with pytest.raises(RateLimited) as info:
        check(THREE_AN_HOUR, "d", now=start + dt.timedelta(minutes=100))
    assert info.value.retry_minutes == 10
    check(THREE_AN_HOUR, "d", now=start + dt.timedelta(minutes=110))
    assert hit_to_lock(THREE_AN_HOUR, "d", now=start + dt.timedelta(minutes=110)) == 1  # a new window
    reset(THREE_AN_HOUR, "d")  # a success forgets the failures
    assert not RateCounter.objects.exists()


# available_apps: the flush after the test empties the counters, not the session's seeded register.
@pytest.mark.django_db(transaction=True, available_apps=["vssid"])
def test_concurrent_takes_on_a_new_subject_stop_exactly_at_the_limit() -> None:
    # Twelve requests race for a budget of three on a subject with no row yet: the first inserts
    # the row, the others meet it at the conflict and wait for its lock; exactly three succeed.
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("threads share one SQLite writer; the race is PostgreSQL's")
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            start.wait()
            take(THREE_AN_HOUR, "racing subject")
            outcomes.append("counted")
        except RateLimited:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] * 3 + ["refused"] * 9
    assert RateCounter.objects.get().count == 3
