"""Research API: insights, evidence and coverage."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.research import insights as service
from pavedroad.research.schemas import (
    Framing,
    InsightIn,
    InsightOut,
    InsightProblem,
    InsightSource,
    InsightUpdate,
    ProblemEvidence,
)
from pavedroad.web.deps import DbSession, ReadGrant, RowId, WriteGrant

router = APIRouter(prefix="/api/v1/research", tags=["research"])

Quarter = Annotated[
    str | None,
    Query(
        pattern=r"^[0-9]{4}-[Qq][1-4]$",
        max_length=7,
        description="A quarter such as 2026-Q3 (default: today's).",
    ),
]
Short = Annotated[str, Field(min_length=1, max_length=300)]


class PromoteIn(BaseModel):
    """Which finding to promote. `kind` says which fields are needed:

    `ticket-category`: `category` (and `window`); `survey-theme`: `survey`, `theme` (and
    `wave`); `usage`: `capability` (and `window`); `shadowing`: `session_id`, `number` (and
    `wish` for a wish instead of a friction point); `interview`: `interview_id`, `number`.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["ticket-category", "survey-theme", "usage", "shadowing", "interview"]
    category: Short | None = None
    survey: Short | None = None
    wave: Short | None = None
    theme: Short | None = None
    capability: Short | None = None
    window: Annotated[str, Field(max_length=60)] | None = None
    session_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    interview_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    number: Annotated[int, Field(ge=1, le=10_000)] | None = None
    wish: bool = False
    framing: Framing | None = None
    problems: Annotated[list[Short], Field(max_length=50)] = []


class CoverageWarning(BaseModel):
    """A bias warning: `selection_bias`, `silent_majority`, `solution_framing` or
    `power_users_only`; the message names its rule and numbers."""

    id: str
    message: str
    evidence: dict[str, Any]


class TeamsReached(BaseModel):
    """Eligible teams reached in the quarter by each method."""

    shadowing: int
    interviews: int
    survey: int


class CoverageOut(BaseModel):
    """Research coverage and bias for one quarter (the CLI's `--json` contract)."""

    quarter: str
    teams_total: int
    teams_reached: TeamsReached
    never_researched: list[str]
    cadence: dict[str, Any] = Field(
        description="shadowing {teams, aim, met}, interviews {per_month, aim, months_met}, "
        "survey {waves, aim, met}"
    )
    warnings: list[CoverageWarning]


def _needed(data: PromoteIn, *names: str) -> list[Any]:
    missing = [n for n in names if getattr(data, n) is None]
    if missing:
        raise InvalidInputError(
            [
                InputProblem(source="body", field=n, reason=f"promoting a {data.kind} needs it")
                for n in missing
            ]
        )
    return [getattr(data, n) for n in names]


@router.get("/insights", response_model=list[InsightOut])
def list_insights(
    session: DbSession,
    _grant: ReadGrant,
    team: Annotated[str | None, Query(max_length=100)] = None,
    source_kind: InsightSource | None = None,
    problem: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    quarter: Quarter = None,
) -> list[InsightOut]:
    """Insights newest first, optionally of a team, a source kind, a problem (id) or a quarter."""
    return service.list_insights(
        session=session, team=team, source_kind=source_kind, problem=problem, quarter=quarter
    )


@router.post("/insights", status_code=201, response_model=InsightOut)
def create_insight(data: InsightIn, session: DbSession, _grant: WriteGrant) -> InsightOut:
    """Add an insight; its framing is suggested from the text when not given."""
    return service.insight_out(session, service.add_insight(session=session, data=data))


@router.post("/insights/promote", status_code=201, response_model=InsightOut)
def promote(data: PromoteIn, session: DbSession, _grant: WriteGrant) -> InsightOut:
    """Promote a ticket category, survey theme, usage finding, shadowing friction point or
    wish, or interview pain point to an insight with its figure or quote filled."""
    common: dict[str, Any] = {"framing": data.framing, "problems": data.problems}
    if data.kind == "ticket-category":
        (category,) = _needed(data, "category")
        insight = service.promote_ticket_category(
            session=session, category=category, window=data.window, **common
        )
    elif data.kind == "survey-theme":
        survey, theme = _needed(data, "survey", "theme")
        insight = service.promote_survey_theme(
            session=session, survey=survey, theme=theme, wave=data.wave, **common
        )
    elif data.kind == "usage":
        (capability,) = _needed(data, "capability")
        insight = service.promote_usage(
            session=session, capability=capability, window=data.window, **common
        )
    elif data.kind == "shadowing":
        session_id, number = _needed(data, "session_id", "number")
        insight = service.promote_shadowing(
            session=session,
            session_id=session_id,
            kind="wish" if data.wish else "friction",
            number=number,
            **common,
        )
    else:
        interview_id, number = _needed(data, "interview_id", "number")
        insight = service.promote_interview(
            session=session, interview_id=interview_id, number=number, **common
        )
    return service.insight_out(session, insight)


@router.get("/insights/{insight_id}", response_model=InsightOut)
def get_insight(insight_id: RowId, session: DbSession, _grant: ReadGrant) -> InsightOut:
    """One insight with its source and the problems it supports."""
    return service.insight_out(
        session, service.get_insight_or_raise(session=session, insight_id=insight_id)
    )


@router.patch("/insights/{insight_id}", response_model=InsightOut)
def update_insight(
    insight_id: RowId, data: InsightUpdate, session: DbSession, _grant: WriteGrant
) -> InsightOut:
    """Change the fields given; null clears a quote, figure, team, persona or person."""
    found = service.get_insight_or_raise(session=session, insight_id=insight_id)
    service.update_insight(session=session, insight=found, data=data)
    return service.insight_out(session, found)


@router.delete("/insights/{insight_id}", status_code=204)
def delete_insight(insight_id: RowId, session: DbSession, _grant: WriteGrant) -> Response:
    """Delete an insight; the problems it supported stay."""
    found = service.get_insight_or_raise(session=session, insight_id=insight_id)
    service.delete_insight(session=session, insight=found)
    return Response(status_code=204)


@router.put("/insights/{insight_id}/problems/{problem_id}", response_model=InsightProblem)
def link_problem(
    insight_id: RowId, problem_id: RowId, session: DbSession, _grant: WriteGrant
) -> InsightProblem:
    """Make the insight support the problem; linking twice changes nothing."""
    found = service.get_insight_or_raise(session=session, insight_id=insight_id)
    return service.link_problem(session=session, insight=found, problem=problem_id)


@router.delete("/insights/{insight_id}/problems/{problem_id}", status_code=204)
def unlink_problem(
    insight_id: RowId, problem_id: RowId, session: DbSession, _grant: WriteGrant
) -> Response:
    """Stop the insight supporting the problem."""
    found = service.get_insight_or_raise(session=session, insight_id=insight_id)
    service.unlink_problem(session=session, insight=found, problem=problem_id)
    return Response(status_code=204)


@router.get("/coverage", response_model=CoverageOut)
def coverage(session: DbSession, _grant: ReadGrant, quarter: Quarter = None) -> dict[str, Any]:
    """Teams reached per method, the eligible teams never researched, cadence progress and
    bias warnings for a quarter."""
    return service.coverage(session=session, quarter=quarter)


@router.get("/problems/{problem_id}/evidence", response_model=ProblemEvidence)
def problem_evidence(problem_id: RowId, session: DbSession, _grant: ReadGrant) -> ProblemEvidence:
    """A problem's evidence: insights, distinct teams and people, methods, and the warning
    `solution_requests_only` when every insight asks for a solution."""
    return service.evidence_for_problem(session=session, problem_id=problem_id)
