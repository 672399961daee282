"""The one rate limiter: fixed windows counted in the database, no subject stored in clear."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction
from django.utils import timezone

from vssid.models import RateCounter
from vssid.ratelimit import Rate, RateLimited, _key, check, hit, hit_to_lock, purge_expired_counters, reset, take, take_each

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


TEN_A_DAY = Rate("test_ten_a_day", 10, dt.timedelta(days=1))


def test_take_each_counts_every_budget_or_none() -> None:
    now = timezone.now()
    budgets = [(TEN_A_DAY, "login"), (THREE_AN_HOUR, "card")]
    assert take_each(budgets, now=now) == [1, 1]
    assert take_each(budgets, now=now) == [2, 2]
    assert take_each([(TEN_A_DAY, "login"), (THREE_AN_HOUR, "other card")], now=now) == [3, 1]
    assert take_each(budgets, now=now) == [4, 3]
    # The card's budget is spent: the login's is not counted either, and the refusal names the card's.
    with pytest.raises(RateLimited) as info:
        take_each(budgets, now=now + dt.timedelta(minutes=15))
    assert info.value.rate == THREE_AN_HOUR and info.value.retry_minutes == 45
    counts = {take(TEN_A_DAY, "login", now=now) for _ in range(1)}
    assert counts == {5}
    # Once the card's window is over, both count again.
    assert take_each(budgets, now=now + dt.timedelta(hours=1)) == [6, 1]


def test_take_each_as_a_budget_of_take() -> None:
    # The same counters as take's: one spends what the other counted.
    now = timezone.now()
    for _ in range(3):
        take(THREE_AN_HOUR, "shared", now=now)
    with pytest.raises(RateLimited):
        take_each([(THREE_AN_HOUR, "shared")], now=now)
    with pytest.raises(RateLimited):
        take_each([(Rate("test_none", 0, dt.timedelta(hours=1)), "x")], now=now)


def test_concurrent_take_each_stops_exactly_at_the_limit_and_counts_nothing_for_a_refusal() -> None:
    # Twelve checks race: each takes the shared daily budget and a budget of three on one card.
    # Exactly three are counted, and the daily budget counts those three only.
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("threads share one SQLite writer; the race is PostgreSQL's")
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            start.wait()
            take_each([(TEN_A_DAY, "racing login"), (THREE_AN_HOUR, "racing card")])
            outcomes.append("counted")
        except RateLimited:
            outcomes.append("refused")
        finally:
            connection.close()

    def committed(action: Callable[[], object]) -> None:
        """Run on a connection of its own, which commits, as the racing checks do."""

        def run() -> None:
            try:
                action()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join()

    # The login's counter exists (committed by another connection), the card's does not yet.
    committed(lambda: take(TEN_A_DAY, "racing login"))
    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] * 3 + ["refused"] * 9
    keys = [_key(TEN_A_DAY, "racing login"), _key(THREE_AN_HOUR, "racing card")]
    assert sorted(RateCounter.objects.filter(key__in=keys).values_list("count", flat=True)) == [3, 4]
    # The threads committed: delete their counters the same way, so no other test meets them.
    committed(lambda: RateCounter.objects.filter(key__in=keys).delete())
