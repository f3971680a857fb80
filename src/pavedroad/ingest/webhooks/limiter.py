"""A bounded count of deliveries in flight, so an overloaded receiver says "retry later"."""

from __future__ import annotations

import threading

RETRY_AFTER_SECONDS = 10


class InFlightLimiter:
    """Admits at most `limit` deliveries at once; the rest are refused, never queued."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the in-flight limit must be at least 1")
        self.limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        """Deliveries admitted and not yet released."""
        return self._in_flight

    def try_acquire(self) -> bool:
        """Admit one more delivery, or answer False when `limit` are already in flight."""
        with self._lock:
            if self._in_flight >= self.limit:
                return False
            self._in_flight += 1
            return True

    def release(self) -> None:
        """A delivery admitted by `try_acquire` is done."""
        with self._lock:
            if self._in_flight <= 0:
                raise RuntimeError("release() without a matching try_acquire()")
            self._in_flight -= 1
