"""The demo's pitch step (SQLite): the translation table seeded, and the faster-CI pitch with
its hand-chosen row and note, written once however often the demo loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pavedroad.comms import pitches, translation
from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.comms_pitches import CI_INITIATIVE, CI_NOTE, CI_ROW
from pavedroad.demo.loader import load_demo
from pavedroad.schema import upgrade

STEPS = ("catalog", "demo user", "backlog", "pitches")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("pitch-demo") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    for _ in range(2):
        with unit_of_work(engine) as session:
            load_demo(session, only=STEPS)
    return engine


def test_demo_seeds_the_practice_rows_once(demo):
    with unit_of_work(demo) as s:
        rows = translation.list_rows(session=s)
    assert [r.pain for r in rows] == [p for p, *_ in translation.PRACTICE_ROWS]


def test_demo_ci_pitch_reads_through_the_hand_chosen_row_with_the_note(demo):
    with unit_of_work(demo) as s:
        initiative_id = pitches.initiative_or_raise(session=s, ref=CI_INITIATIVE)
        found = pitches.build_pitch(session=s, initiative_id=initiative_id)
    assert found.translation_chosen and found.translation
    assert found.translation.pain == CI_ROW
    assert found.constraint.note == CI_NOTE
    assert found.outcome.kpi == "ci_duration_p50"
    assert found.bet.rank == 1
