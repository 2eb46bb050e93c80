"""The idle lock without Qt: when it is time to lock, and the password that unlocks (the
profile's Argon2 hash, wrong tries slowed down through the profile's attempt count)."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from gridworker.client.attempts import FREE_TRIES, Attempts
from gridworker.client.lock import (
    DEFAULT_IDLE_MINUTES,
    IDLE_MINUTES_CHOICES,
    IdlePolicy,
    TryLater,
    check_password,
)
from gridworker.session import Session, open_profile

PASSWORD = "correct horse 1"


class Clock:
    def __init__(self) -> None:
        self.now = 5_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def session(tmp_path: Path):
    opened = open_profile(tmp_path / "profile")
    with opened.store.write() as conn:
        opened.store.set_meta(conn, "password_hash", PasswordHasher().hash(PASSWORD))
    yield opened
    opened.close()


def test_locks_after_the_timeout_and_activity_starts_it_again():
    clock = Clock()
    policy = IdlePolicy.minutes(10, clock)
    assert policy.timeout == 600 and not policy.should_lock()
    clock.now += 599
    assert not policy.should_lock() and policy.remaining() == 1
    policy.touch()
    clock.now += 599
    assert not policy.should_lock()
    clock.now += 1
    assert policy.should_lock() and policy.remaining() == 0
    assert policy.idle_seconds() == 600
    # An explicit time (the Qt timer's) is used as given.
    assert not policy.should_lock(now=policy.last_activity + 10)


def test_a_timeout_of_zero_never_locks():
    clock = Clock()
    policy = IdlePolicy(0, clock)
    clock.now += 10**9
    assert not policy.should_lock() and policy.remaining() == float("inf")


def test_the_choices_hold_the_default():
    assert DEFAULT_IDLE_MINUTES == 10 and DEFAULT_IDLE_MINUTES in IDLE_MINUTES_CHOICES


def test_right_password_unlocks_and_clears_the_count(session: Session):
    clock = Clock()
    attempts = Attempts(session.profile, clock)
    assert not check_password(session, "wrong", attempts)
    assert attempts.failures == 1
    assert check_password(session, PASSWORD, attempts)
    assert attempts.failures == 0
    assert not check_password(session, "", attempts)


def test_wrong_passwords_slow_down_and_are_not_even_checked_meanwhile(session: Session):
    clock = Clock()
    attempts = Attempts(session.profile, clock)
    for _ in range(FREE_TRIES + 1):
        assert not check_password(session, "wrong", attempts)
    with pytest.raises(TryLater) as later:
        check_password(session, PASSWORD, attempts)  # even the right one must wait
    assert later.value.seconds > 0
    assert "密码错误次数过多" in later.value.message
    assert attempts.failures == FREE_TRIES + 1  # a refused try is not counted
    clock.now += later.value.seconds
    assert check_password(session, PASSWORD, attempts)
    # The count is the profile's file: the same one the unlock at start reads.
    assert not (session.profile / "unlock-attempts.json").exists()


def test_a_profile_without_a_hash_never_unlocks(tmp_path: Path):
    opened = open_profile(tmp_path / "fresh")
    try:
        assert not check_password(opened, PASSWORD, Attempts(opened.profile, Clock()))
    finally:
        opened.close()
