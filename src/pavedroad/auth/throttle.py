"""Sign-in throttling: failed attempts per account and per address, and a bound on password
checks running at once.

A password check is argon2 (tens of milliseconds of CPU and 64 MB of memory each), so a burst
of wrong sign-ins could otherwise take every worker thread and every core. The throttle keeps
state in the server process (one process serves the pages): it is lost on a restart, which
only forgets recent failures.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Failures counted over this many seconds.
WINDOW_SECONDS = 15 * 60
# Failures allowed in the window before further attempts are refused until the oldest ages out.
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 30
# Password checks running at once (about one per core); the rest are told to retry.
CONCURRENT_CHECKS = 2
BUSY_RETRY_SECONDS = 1


class Throttled(Exception):
    """Too many attempts: retry after `retry_after` seconds."""

    def __init__(self, retry_after: int, reason: str) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.reason = reason


@dataclass
class SignInThrottle:
    """Counts failed sign-ins per account and per address over a sliding window."""

    window: float = WINDOW_SECONDS
    per_account: int = ACCOUNT_FAILURES
    per_address: int = ADDRESS_FAILURES
    concurrent: int = CONCURRENT_CHECKS
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _checks: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._checks = threading.BoundedSemaphore(self.concurrent)

    def check(self, *, account: str, address: str) -> None:
        """Raise Throttled when this account or address has failed too often lately."""
        now = self.clock()
        with self._lock:
            for key, limit, what in (
                (f"account:{account.strip().lower()}", self.per_account, "this account"),
                (f"address:{address}", self.per_address, "this address"),
            ):
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    wait = recent[len(recent) - limit] + self.window - now
                    raise Throttled(
                        max(1, math.ceil(wait)),
                        f"too many failed sign-ins for {what}; try again later",
                    )

    def failed(self, *, account: str, address: str) -> None:
        """Count a failed sign-in against the account and the address."""
        now = self.clock()
        with self._lock:
            for key in (f"account:{account.strip().lower()}", f"address:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, *, account: str) -> None:
        """A correct password clears the account's failures (not the address's)."""
        with self._lock:
            self._failures.pop(f"account:{account.strip().lower()}", None)

    def password_check(self) -> _Slot:
        """A slot to run one password check in, or Throttled when every slot is busy."""
        if not self._checks.acquire(blocking=False):
            raise Throttled(BUSY_RETRY_SECONDS, "too many sign-ins at once; try again shortly")
        return _Slot(self._checks)

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if not recent and len(self._failures) > 100_000:
            # Bounded memory under a flood of made-up accounts: forget the idle ones.
            cutoff = now - self.window
            for idle in [k for k, v in self._failures.items() if not v or v[-1] <= cutoff]:
                del self._failures[idle]
            recent = self._failures.setdefault(key, deque())
        return recent


@dataclass
class _Slot:
    semaphore: threading.BoundedSemaphore

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.semaphore.release()
