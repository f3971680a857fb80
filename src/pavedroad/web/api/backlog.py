"""Backlog API: problems, initiatives ranked by RICE, the backlog views, success and kill
criteria with decisions, and the platform product canvas."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, Field

from pavedroad.backlog import canvas as canvas_service
from pavedroad.backlog import criteria as criteria_service
from pavedroad.backlog import importer, service
from pavedroad.backlog import problems as problem_service
from pavedroad.backlog.importer import FileKind
from pavedroad.backlog.schemas import (
    CanvasOut,
    CanvasUpdate,
    CriterionIn,
    CriterionKind,
    DecisionIn,
    DecisionOut,
    DisagreementReport,
    ImportCounts,
    InitiativeCriteria,
    InitiativeDetail,
    InitiativeIn,
    InitiativeUpdate,
    PairSensitivity,
    ProblemIn,
    ProblemOut,
    ProblemUpdate,
    RankedInitiative,
    ValidationIn,
    ValidationOut,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1", tags=["backlog"])
# Ids are 32-bit integers on PostgreSQL; a larger number cannot name anything.
AsOf = Annotated[date | None, Query(description="Judge criteria as on this day instead of today.")]


class CompactCriterion(BaseModel):
    """A criterion in its compact form, e.g. `ci_duration_p50 < 5 by 2026-06-30`."""

    text: Annotated[str, Field(min_length=1, max_length=300)]
    kind: CriterionKind | None = None


def _ranked(session: DbSession, initiative_id: RowId) -> RankedInitiative:
    return next(
        r
        for r in service.list_initiatives(session=session, evaluate_criteria=False)
        if r.id == initiative_id
    )


# ---- problems --------------------------------------------------------------------------------


@router.get("/problems", response_model=list[ProblemOut])
def list_problems(session: DbSession, _grant: ReadGrant, q: str | None = None) -> list[ProblemOut]:
    """Problems by title, with the teams and personas they hurt and who addresses them."""
    refs = service.initiative_refs(session=session)
    return problem_service.list_problems(session=session, search=q, ranks=refs)


@router.post("/problems", status_code=201, response_model=ProblemOut)
def create_problem(data: ProblemIn, session: DbSession, _grant: WriteGrant) -> ProblemOut:
    """Add a problem; its teams (slugs) and personas (names) must exist."""
    problem = problem_service.create_problem(session=session, data=data)
    return problem_service.problem_out(problem)


@router.get("/problems/{problem_id}", response_model=ProblemOut)
def get_problem(problem_id: RowId, session: DbSession, _grant: ReadGrant) -> ProblemOut:
    """One problem with the initiatives addressing it, each with its RICE and rank."""
    problem = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    return problem_service.problem_out(problem, service.initiative_refs(session=session))


@router.patch("/problems/{problem_id}", response_model=ProblemOut)
def update_problem(
    problem_id: RowId, data: ProblemUpdate, session: DbSession, _grant: WriteGrant
) -> ProblemOut:
    """Change the fields given; lists given replace the stored ones."""
    problem = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    problem_service.update_problem(session=session, problem=problem, data=data)
    return problem_service.problem_out(problem, service.initiative_refs(session=session))


@router.delete("/problems/{problem_id}", status_code=204)
def delete_problem(problem_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Delete a problem; initiatives that addressed it stay."""
    problem = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    problem_service.delete_problem(session=session, problem=problem)
    return Response(status_code=204)


# ---- initiatives -----------------------------------------------------------------------------


@router.get("/initiatives", response_model=list[RankedInitiative])
def list_initiatives(
    session: DbSession, _grant: ReadGrant, as_of: AsOf = None
) -> list[RankedInitiative]:
    """The backlog by RICE: rank 1 is the highest score among active initiatives.

    Done and killed initiatives follow, with `rank` null. `flags` may hold `no_goal`,
    `no_problem`, `no_success_criteria` and `kill_proposed`.
    """
    return service.list_initiatives(session=session, today=as_of)


@router.post("/initiatives", status_code=201, response_model=RankedInitiative)
def create_initiative(
    data: InitiativeIn, session: DbSession, _grant: WriteGrant
) -> RankedInitiative:
    """Add an initiative; off-scale RICE inputs are refused with the allowed values."""
    initiative = service.create_initiative(session=session, data=data)
    return _ranked(session, initiative.id)


@router.post("/initiatives/import", response_model=ImportCounts)
def import_initiatives(
    body: Annotated[
        bytes, Body(media_type="text/csv", description="The initiatives file, CSV or YAML.")
    ],
    session: DbSession,
    _grant: WriteGrant,
    format: Annotated[
        FileKind, Query(description="How the body is written: csv or yaml (the file's fields).")
    ],
) -> ImportCounts:
    """Upsert initiatives by title from a CSV or YAML body; any problem writes nothing (422)."""
    read = importer.read_initiatives(body, source="request body", kind=format)
    return importer.write_initiatives(session=session, read=read)


@router.get("/initiatives/disagreements", response_model=DisagreementReport)
def disagreements(
    session: DbSession,
    _grant: ReadGrant,
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
) -> DisagreementReport:
    """The team's own priority order against RICE: the largest disagreements both ways."""
    return service.backlog_disagreements(session=session, limit=limit)


@router.get("/initiatives/sensitivity", response_model=list[PairSensitivity])
def sensitivity(session: DbSession, _grant: ReadGrant) -> list[PairSensitivity]:
    """For each pair of neighbours by RICE, how far confidence or effort must move to swap."""
    return service.backlog_sensitivity(session=session)


@router.get("/initiatives/{initiative_id}", response_model=InitiativeDetail)
def get_initiative(
    initiative_id: RowId, session: DbSession, _grant: ReadGrant, as_of: AsOf = None
) -> InitiativeDetail:
    """One initiative with its rank, its criteria judged against the live KPIs and decisions."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    return service.get_initiative_detail(session=session, initiative=initiative, today=as_of)


@router.patch("/initiatives/{initiative_id}", response_model=RankedInitiative)
def update_initiative(
    initiative_id: RowId, data: InitiativeUpdate, session: DbSession, _grant: WriteGrant
) -> RankedInitiative:
    """Change the fields given. `reach: null` derives reach from the teams; a lane is locked."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    service.update_initiative(session=session, initiative=initiative, data=data)
    return _ranked(session, initiative.id)


@router.delete("/initiatives/{initiative_id}", status_code=204)
def delete_initiative(initiative_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Delete an initiative with its criteria and decisions."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    service.delete_initiative(session=session, initiative=initiative)
    return Response(status_code=204)


@router.get("/criteria", response_model=list[InitiativeCriteria])
def list_criteria(
    session: DbSession, _grant: ReadGrant, as_of: AsOf = None
) -> list[InitiativeCriteria]:
    """Every initiative's criteria judged: met, on_track, at_risk, missed, triggered, cleared."""
    return service.judged_criteria(session=session, today=as_of)


@router.get("/initiatives/{initiative_id}/criteria", response_model=InitiativeCriteria)
def initiative_criteria(
    initiative_id: RowId, session: DbSession, _grant: ReadGrant, as_of: AsOf = None
) -> InitiativeCriteria:
    """An initiative's criteria judged, and whether they propose killing it."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    found = service.judged_criteria(session=session, title=initiative.title, today=as_of)
    return (
        found[0]
        if found
        else InitiativeCriteria(
            id=initiative.id,
            title=initiative.title,
            status=initiative.status,
            kill_proposed=False,
            criteria=[],
        )
    )


@router.post(
    "/initiatives/{initiative_id}/criteria", status_code=201, response_model=InitiativeCriteria
)
def add_criterion(
    initiative_id: RowId,
    data: CriterionIn | CompactCriterion,
    session: DbSession,
    _grant: WriteGrant,
) -> InitiativeCriteria:
    """Add a success or kill criterion (fields, or `{"text": "ci_duration_p50 < 5 by ..."}`)."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    if isinstance(data, CompactCriterion):
        parsed = criteria_service.parse_criterion(data.text)
        data = parsed.model_copy(update={"kind": data.kind}) if data.kind else parsed
    criteria_service.add_criterion(session=session, initiative=initiative, data=data)
    return service.judged_criteria(session=session, title=initiative.title)[0]


@router.delete("/initiatives/{initiative_id}/criteria/{criterion_id}", status_code=204)
def remove_criterion(
    initiative_id: RowId, criterion_id: RowId, session: DbSession, _grant: WriteGrant
) -> Response:
    """Remove one criterion."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    criteria_service.remove_criterion(
        session=session, initiative=initiative, criterion_id=criterion_id
    )
    return Response(status_code=204)


@router.post("/initiatives/{initiative_id}/decisions", status_code=201, response_model=DecisionOut)
def decide(
    initiative_id: RowId, data: DecisionIn, session: DbSession, grant: WriteGrant
) -> DecisionOut:
    """Record kill or continue with its reason; kill sets the status to killed."""
    initiative = service.get_initiative_or_raise(session=session, initiative_id=initiative_id)
    if not data.decided_by:
        data = data.model_copy(update={"decided_by": grant.email})
    decision = criteria_service.record_decision(session=session, initiative=initiative, data=data)
    return criteria_service.decision_out(decision)


# ---- canvas ----------------------------------------------------------------------------------


@router.get("/canvas", response_model=CanvasOut)
def get_canvas(session: DbSession, _grant: ReadGrant) -> CanvasOut:
    """The platform product canvas with its validation log."""
    return canvas_service.get_canvas(session=session)


@router.patch("/canvas", response_model=CanvasOut)
def update_canvas(data: CanvasUpdate, session: DbSession, _grant: WriteGrant) -> CanvasOut:
    """Change the blocks given: key_metrics are KPI ids, problems are problem titles."""
    return canvas_service.update_canvas(session=session, data=data)


@router.post("/canvas/validations", status_code=201, response_model=ValidationOut)
def add_validation(data: ValidationIn, session: DbSession, _grant: WriteGrant) -> ValidationOut:
    """Log who the canvas was shared with and what they said."""
    return canvas_service.add_validation(session=session, data=data)
