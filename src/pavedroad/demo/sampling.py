"""Seeded draws the demo generators share, and the row type they produce.

Each table draws from its own `random.Random`, derived from the company's seed and the
table's name, so a change to one table does not reshuffle the others.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from pavedroad.demo.company import DemoCompany

Event = dict[str, Any]


def table_rng(company: DemoCompany, table: str) -> random.Random:
    return random.Random(f"pavedroad-demo-{company.seed}-{table}")


def poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def as_minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def work_time(rng: random.Random, day: datetime) -> datetime:
    """A moment of the working day (08:00-18:00 UTC) of `day`."""
    return day + timedelta(hours=8, seconds=rng.randrange(10 * 3600))


def days_between(start: datetime, end: datetime) -> list[datetime]:
    """Midnight of every day from the day of `start` up to `end` (exclusive)."""
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    out: list[datetime] = []
    while day < end:
        out.append(day)
        day += timedelta(days=1)
    return out


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def day_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return (start + timedelta(days=rng.randrange(max((end - start).days, 1)))).replace(
        hour=10, minute=0, second=0, microsecond=0
    )


def weighted_int(rng: random.Random, weights: dict[int, float]) -> int:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
