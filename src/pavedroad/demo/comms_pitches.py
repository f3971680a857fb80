"""Demo comms: the translation table and the pitch the PM took to the CTO for faster CI.

The CI pitch reads through the practice's first row by hand (slow CI is why releases slip:
fragile releases -> slower feature velocity -> missed revenue milestones) with the PM's note
from her week-1 research (CI averaging 18 minutes). ROI needs no demo rows: its defaults come
from the telemetry (CI 18 -> 6 minutes) and the org facts' hourly rate.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pavedroad.comms import pitches, translation
from pavedroad.comms.schemas.pitches import PitchChoiceIn
from pavedroad.demo.company import DemoCompany

CI_INITIATIVE = "Faster CI pipelines"
CI_ROW = "Fragile releases"
CI_NOTE = (
    "In June CI averaged 18 minutes a run: developers batched their changes, lost the thread "
    "while they waited and re-ran flaky pipelines until they went green, so features reached "
    "customers later; under 5 minutes is the bet."
)


def load_pitches(session: Session, company: DemoCompany) -> None:
    """Seed the translation table (when empty) and choose the CI pitch's row and note."""
    pitches.seed_translation_table(session=session)
    row = next((r for r in translation.list_rows(session=session) if r.pain == CI_ROW), None)
    initiative_id = pitches.initiative_or_raise(session=session, ref=CI_INITIATIVE)
    pitches.save_choice(
        session=session,
        initiative_id=initiative_id,
        data=PitchChoiceIn(translation_id=row.id if row else None, constraint_note=CI_NOTE),
    )
