"""The translation table: platform pain -> consequence -> business outcome, in order.

Seeded with the practice's four rows (docs/comms-pitches-roi.md); every row may be bound to the
KPI that measures its pain, so a pitch finds its row from the initiative's success criterion.
Positions run 1..n without gaps. Keyword-only functions over a session; the caller commits.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pavedroad.comms.models import TranslationRow
from pavedroad.comms.schemas.pitches import (
    TranslationRowIn,
    TranslationRowOut,
    TranslationRowUpdate,
)
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.definitions import KPI_IDS

# The practice's table (000 "Turn platform pain into a product problem"), each row bound to the
# KPI that measures its pain where one fits; permissions and audit have no KPI in pavedroad.
PRACTICE_ROWS: tuple[tuple[str, str, str, str | None], ...] = (
    (
        "Fragile releases",
        "slower feature velocity",
        "missed revenue milestones",
        "change_failure_rate",
    ),
    (
        "Data mismatches",
        "loss of trust",
        "churn risk and discounting",
        "tickets_per_1k_customers",
    ),
    ("Manual ops", "headcount growth", "margin compression", "cost_to_serve_per_customer"),
    (
        "Inconsistent permissions/audit",
        "enterprise blockers",
        "slower upmarket expansion",
        None,
    ),
)


def row_out(row: TranslationRow) -> TranslationRowOut:
    """A row as the interfaces show it."""
    return TranslationRowOut(
        id=row.id,
        position=row.position,
        pain=row.pain,
        consequence=row.consequence,
        business_outcome=row.business_outcome,
        kpi=row.kpi_id,
    )


def _ordered(session: Session) -> list[TranslationRow]:
    return list(
        session.scalars(select(TranslationRow).order_by(TranslationRow.position, TranslationRow.id))
    )


def list_rows(*, session: Session) -> list[TranslationRowOut]:
    """Every row in its position."""
    return [row_out(r) for r in _ordered(session)]


def get_row_or_raise(*, session: Session, row_id: int) -> TranslationRow:
    """The row with this id, or NotFoundError."""
    row = session.get(TranslationRow, row_id) if 0 < row_id < 2**31 else None
    if row is None:
        raise NotFoundError(f"no translation row with id {row_id}; `pavedroad translation list`")
    return row


def row_by_id(*, session: Session, row_id: int) -> TranslationRowOut | None:
    """The row with this id as shown, or None."""
    row = session.get(TranslationRow, row_id) if 0 < row_id < 2**31 else None
    return row_out(row) if row else None


def row_for_kpi(*, session: Session, kpi_id: str) -> TranslationRowOut | None:
    """The first row (by position) bound to this KPI, or None."""
    row = session.scalars(
        select(TranslationRow)
        .where(TranslationRow.kpi_id == kpi_id)
        .order_by(TranslationRow.position, TranslationRow.id)
        .limit(1)
    ).first()
    return row_out(row) if row else None


def _check_kpi(kpi: str | None) -> str | None:
    if kpi is None or not kpi.strip():
        return None
    wanted = kpi.strip()
    if wanted not in KPI_IDS:
        raise InvalidInputError(
            [
                InputProblem(
                    source="translation",
                    field="kpi",
                    reason=f"unknown KPI; use one of {', '.join(KPI_IDS)} or leave it empty",
                    value=kpi,
                )
            ]
        )
    return wanted


def _clean(text: str, field: str, *, required: bool = False) -> str:
    cleaned = " ".join(text.split())
    if required and not cleaned:
        raise InvalidInputError(
            [InputProblem(source="translation", field=field, reason="must not be empty")]
        )
    return cleaned


def _refuse_clash(session: Session, pain: str, row_id: int | None = None) -> None:
    for other in _ordered(session):
        if other.id != row_id and other.pain.casefold() == pain.casefold():
            raise ConflictError(f"a translation row for {pain!r} exists already (id {other.id})")


def _renumber(rows: list[TranslationRow]) -> None:
    for index, row in enumerate(rows, start=1):
        row.position = index


def add_row(*, session: Session, data: TranslationRowIn) -> TranslationRow:
    """A new row at `position` (default: last); the rows after it move down one."""
    pain = _clean(data.pain, "pain", required=True)
    _refuse_clash(session, pain)
    row = TranslationRow(
        pain=pain,
        consequence=_clean(data.consequence, "consequence"),
        business_outcome=_clean(data.business_outcome, "business_outcome"),
        kpi_id=_check_kpi(data.kpi),
    )
    rows = _ordered(session)
    at = len(rows) if data.position is None else min(data.position - 1, len(rows))
    rows.insert(at, row)
    session.add(row)
    _renumber(rows)
    session.flush()
    return row


def update_row(
    *, session: Session, row: TranslationRow, data: TranslationRowUpdate
) -> TranslationRow:
    """Change the fields given; `position` moves the row (the others close up around it)."""
    given = data.model_fields_set
    if "pain" in given and data.pain is not None:
        pain = _clean(data.pain, "pain", required=True)
        _refuse_clash(session, pain, row.id)
        row.pain = pain
    if "consequence" in given and data.consequence is not None:
        row.consequence = _clean(data.consequence, "consequence")
    if "business_outcome" in given and data.business_outcome is not None:
        row.business_outcome = _clean(data.business_outcome, "business_outcome")
    if "kpi" in given:
        row.kpi_id = _check_kpi(data.kpi)
    if "position" in given and data.position is not None:
        move_row(session=session, row=row, position=data.position)
    session.flush()
    return row


def move_row(*, session: Session, row: TranslationRow, position: int) -> None:
    """Put the row at `position` (1 is first; past the end is last)."""
    rows = [r for r in _ordered(session) if r.id != row.id]
    rows.insert(max(0, min(position - 1, len(rows))), row)
    _renumber(rows)
    session.flush()


def remove_row(*, session: Session, row: TranslationRow) -> None:
    """Delete the row; pitches that chose it fall back to the row their KPI picks."""
    session.delete(row)
    session.flush()
    _renumber(_ordered(session))
    session.flush()


def count_rows(*, session: Session) -> int:
    """How many rows the table holds."""
    return session.scalar(select(func.count()).select_from(TranslationRow)) or 0


def seed_practice_rows(*, session: Session) -> bool:
    """Write the practice's four rows into an empty table; True when it wrote them."""
    if count_rows(session=session):
        return False
    for position, (pain, consequence, outcome, kpi) in enumerate(PRACTICE_ROWS, start=1):
        session.add(
            TranslationRow(
                position=position,
                pain=pain,
                consequence=consequence,
                business_outcome=outcome,
                kpi_id=kpi,
            )
        )
    session.flush()
    return True


def reset_rows(*, session: Session) -> list[TranslationRowOut]:
    """Replace the whole table with the practice's four rows (chosen rows are forgotten)."""
    session.execute(delete(TranslationRow))
    session.flush()
    seed_practice_rows(session=session)
    return list_rows(session=session)
