"""Several budgets of one request taken or checked in one statement (take_each, check_budgets)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vssid.models import RateCounter
from vssid.ratelimit import Rate, RateLimited, _key, check_budgets, take, take_each

pytestmark = pytest.mark.django_db

THREE = Rate("test_budgets_three", 3, dt.timedelta(hours=1))
FIVE = Rate("test_budgets_five", 5, dt.timedelta(days=1))


def counts() -> dict[str, int]:
    return dict(RateCounter.objects.values_list("key", "count"))


def test_take_each_counts_each_budget_in_one_statement() -> None:
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        take_each([(THREE, "+84912345678"), (FIVE, "+84912345678"), (THREE, 42)], now=now)
    assert len([q for q in queries if "ratecounter" in q["sql"]]) == 1
    take_each([(THREE, "+84912345678"), (FIVE, "+84912345678")], now=now)
    assert counts() == {
        _key(THREE, "+84912345678"): 2,
        _key(FIVE, "+84912345678"): 2,
        _key(THREE, 42): 1,
    }
    # The same rows as take keeps: the two functions count on one budget together.
    assert take(THREE, "+84912345678", now=now) == 3


def test_a_spent_budget_refuses_the_whole_take_and_counts_nothing() -> None:
    now = timezone.now()
    for _ in range(3):
        take(THREE, "spent", now=now)
    take(FIVE, "fresh", now=now)
    before = counts()
    # Inside the caller's transaction (as a service calls it): the refusal rolls it back whole.
    with pytest.raises(RateLimited) as info, transaction.atomic():
        take_each([(FIVE, "fresh"), (THREE, "spent"), (FIVE, "new")], now=now + dt.timedelta(minutes=20))
    assert info.value.rate == THREE
    assert info.value.retry_minutes == 40
    assert counts() == before


def test_the_refusal_names_the_first_spent_budget_in_the_given_order() -> None:
    now = timezone.now()
    for _ in range(3):
        take(THREE, "a", now=now)
    for _ in range(5):
        take(FIVE, "a", now=now)
    with pytest.raises(RateLimited) as info, transaction.atomic():
        take_each([(FIVE, "a"), (THREE, "a")], now=now)
    assert info.value.rate == FIVE
    with pytest.raises(RateLimited) as info, transaction.atomic():
        take_each([(THREE, "a"), (FIVE, "a")], now=now)
    assert info.value.rate == THREE


def test_a_window_that_is_over_restarts_at_one() -> None:
    now = timezone.now()
    for _ in range(3):
        take(THREE, "b", now=now)
    take_each([(THREE, "b"), (FIVE, "b")], now=now + dt.timedelta(hours=1))
    assert counts()[_key(THREE, "b")] == 1
    row = RateCounter.objects.get(key=_key(THREE, "b"))
    assert row.window_ends_at == now + dt.timedelta(hours=2)


def test_up_to_the_limit_then_refused() -> None:
    now = timezone.now()
    for _ in range(3):
        take_each([(THREE, "c"), (FIVE, "c")], now=now)
    with pytest.raises(RateLimited), transaction.atomic():
        take_each([(THREE, "c"), (FIVE, "c")], now=now)
    assert counts() == {_key(THREE, "c"): 3, _key(FIVE, "c"): 3}


def test_a_budget_twice_or_a_zero_limit_is_refused_before_any_query() -> None:
    with pytest.raises(ValueError, match="twice"):
        take_each([(THREE, "d"), (THREE, "d")])
    with pytest.raises(RateLimited):
        take_each([(THREE, "d"), (Rate("test_budgets_none", 0, dt.timedelta(hours=1)), "d")])
    assert not RateCounter.objects.exists()


def test_check_budgets_reads_them_all_at_once_and_counts_nothing() -> None:
    now = timezone.now()
    for _ in range(3):
        take(THREE, "e", now=now)
    take(FIVE, "e", now=now)
    with CaptureQueriesContext(connection) as queries:
        check_budgets([(FIVE, "e"), (FIVE, "other")], now=now)
    assert len(queries) == 1
    with pytest.raises(RateLimited) as info:
        check_budgets([(FIVE, "e"), (THREE, "e")], now=now + dt.timedelta(minutes=45))
    assert info.value.rate == THREE and info.value.retry_minutes == 15
    check_budgets([(THREE, "e")], now=now + dt.timedelta(hours=1))  # the window is over
    assert counts() == {_key(THREE, "e"): 3, _key(FIVE, "e"): 1}


# available_apps: the flush after the test empties the counters, not the session's seeded register.
@pytest.mark.django_db(transaction=True, available_apps=["vssid"])
def test_in_autocommit_a_refusal_counts_nothing_either() -> None:
    now = timezone.now()
    for _ in range(3):
        take(THREE, "f", now=now)
    with pytest.raises(RateLimited):
        take_each([(FIVE, "f"), (THREE, "f")], now=now)
    assert counts() == {_key(THREE, "f"): 3}
    take_each([(FIVE, "f")], now=now)  # the connection is usable again
    assert counts()[_key(FIVE, "f")] == 1


@pytest.mark.django_db(transaction=True, available_apps=["vssid"])
def test_concurrent_takes_of_overlapping_budgets_stop_exactly_at_the_limit() -> None:
    # Twelve requests race for two budgets, listed in either order: exactly three get both (the
    # smaller limit), the refused ones count nothing on the larger one, and no two deadlock.
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("threads share one SQLite writer; the race is PostgreSQL's")
    start = threading.Barrier(12)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        budgets = [(THREE, "racing"), (FIVE, "racing")]
        try:
            start.wait()
            take_each(budgets if i % 2 else budgets[::-1])
            outcomes.append("counted")
        except RateLimited:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["counted"] * 3 + ["refused"] * 9
    assert counts() == {_key(THREE, "racing"): 3, _key(FIVE, "racing"): 3}
