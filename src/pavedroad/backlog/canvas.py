"""The platform product canvas: users, problems, alternatives, key metrics, unfair advantage,
channels and cost structure, with a validation log (shared with whom, what they said).

Key metrics are KPI ids; problems are the backlog's problems. One canvas per organisation,
created the first time something is written to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.backlog.models import Canvas, CanvasValidation
from pavedroad.backlog.problems import problems_by_title
from pavedroad.backlog.schemas import (
    CANVAS_FIELDS,
    CANVAS_TEXT_FIELDS,
    CanvasOut,
    CanvasUpdate,
    KpiRef,
    ProblemRef,
    ValidationIn,
    ValidationOut,
)
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.definitions import get_definition

CANVAS_NAME = "Platform"


def _canvas(session: Session) -> Canvas | None:
    return session.scalar(
        select(Canvas)
        .options(selectinload(Canvas.problems), selectinload(Canvas.validations))
        .where(Canvas.name == CANVAS_NAME)
    )


def _stored_canvas(session: Session) -> Canvas:
    canvas = _canvas(session)
    if canvas is None:
        canvas = Canvas(name=CANVAS_NAME, problems=[], validations=[])
        session.add(canvas)
        session.flush()
    return canvas


def key_metric_ids(canvas: Canvas) -> list[str]:
    """The canvas's KPI ids in the team's order."""
    return [k for k in (part.strip() for part in canvas.key_metrics.split(",")) if k]


def get_canvas(*, session: Session) -> CanvasOut:
    """The canvas, empty when nothing was written yet (reading never creates it)."""
    canvas = _canvas(session)
    if canvas is None:
        return CanvasOut(
            name=CANVAS_NAME,
            users="",
            problems=[],
            alternatives="",
            key_metrics=[],
            unfair_advantage="",
            channels="",
            cost_structure="",
            updated_at=None,
            validations=[],
        )
    return CanvasOut(
        name=canvas.name,
        users=canvas.users,
        problems=[ProblemRef(id=p.id, title=p.title) for p in canvas.problems],
        alternatives=canvas.alternatives,
        key_metrics=[KpiRef(id=k, name=get_definition(k).name) for k in key_metric_ids(canvas)],
        unfair_advantage=canvas.unfair_advantage,
        channels=canvas.channels,
        cost_structure=canvas.cost_structure,
        updated_at=canvas.updated_at,
        validations=[
            ValidationOut(id=v.id, on=v.on, shared_with=v.shared_with, said=v.said)
            for v in sorted(canvas.validations, key=lambda v: (v.on, v.id), reverse=True)
        ],
    )


def update_canvas(*, session: Session, data: CanvasUpdate, at: datetime | None = None) -> CanvasOut:
    """Change the blocks given; problems must exist, key metrics are KPI ids (`at` records a
    past update)."""
    canvas = _stored_canvas(session)
    given = data.model_fields_set
    for name in CANVAS_TEXT_FIELDS:
        value = getattr(data, name)
        if name in given and value is not None:
            setattr(canvas, name, value)
    if "key_metrics" in given and data.key_metrics is not None:
        canvas.key_metrics = ",".join(dict.fromkeys(data.key_metrics))
    if "problems" in given and data.problems is not None:
        canvas.problems = problems_by_title(session=session, titles=data.problems)
    canvas.updated_at = at or datetime.now(UTC)
    session.flush()
    versions.bump(session, "backlog")
    return get_canvas(session=session)


def set_canvas_field(*, session: Session, field: str, value: str) -> CanvasOut:
    """Set one block from text: key metrics as KPI ids and problems as titles, `;`-separated."""
    name = field.strip().lower().replace("-", "_")
    if name not in CANVAS_FIELDS:
        raise InvalidInputError(
            [
                InputProblem(
                    source="canvas",
                    field="field",
                    reason=f"unknown canvas block; blocks: {', '.join(CANVAS_FIELDS)}",
                    value=field,
                )
            ]
        )
    if name == "key_metrics":
        parts: object = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
    elif name == "problems":
        parts = [p.strip() for p in value.split(";") if p.strip()]
    else:
        parts = value
    return update_canvas(session=session, data=CanvasUpdate.model_validate({name: parts}))


def add_validation(*, session: Session, data: ValidationIn) -> ValidationOut:
    """Log who the canvas was shared with and what they said (today unless dated)."""
    canvas = _stored_canvas(session)
    entry = CanvasValidation(
        on=data.on or date.today(), shared_with=data.shared_with, said=data.said
    )
    canvas.validations.append(entry)
    session.flush()
    versions.bump(session, "backlog")
    return ValidationOut(id=entry.id, on=entry.on, shared_with=entry.shared_with, said=entry.said)
