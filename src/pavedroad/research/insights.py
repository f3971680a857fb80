"""Insights: atomic findings with their source, the problems they support, the evidence of a
problem, one-step promotion of other methods' findings, and research coverage per quarter.

Keyword-only functions over a session; the caller owns the transaction. Problems are reached
through `backlog.problems`, teams and personas through `catalog.service`, the other methods
through their own service modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from pavedroad.backlog import problems as problem_service
from pavedroad.catalog import service as catalog
from pavedroad.errors import InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.service import MIN_SURVEY_RESPONDENTS
from pavedroad.metrics.windows import parse_window, quarter_of, today_utc
from pavedroad.research import coverage as coverage_maths
from pavedroad.research import promotions
from pavedroad.research.framing import suggest_framing
from pavedroad.research.models import (
    Insight,
    Interview,
    ShadowingSession,
    SurveyWave,
    insight_problems,
)
from pavedroad.research.schemas import (
    Contact,
    EvidenceWarning,
    Framing,
    InsightIn,
    InsightOut,
    InsightProblem,
    InsightSource,
    InsightUpdate,
    ProblemEvidence,
)

# How a source kind reads as a research method.
METHOD_OF: dict[str, str] = {
    "shadowing": "shadowing",
    "interview": "interview",
    "survey_wave": "survey",
    "survey_comment": "survey",
    "ticket_category": "tickets",
    "usage": "usage",
}
MAX_LISTED = 5000


# ---- reading and writing insights ----------------------------------------------------------


def _team_id(session: Session, slug: str | None) -> int | None:
    if not slug:
        return None
    return problem_service.teams_by_slug(session=session, slugs=[slug])[0].id


def _persona_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    return problem_service.personas_by_name(session=session, names=[name])[0].id


def _outs(session: Session, rows: Sequence[Insight]) -> list[InsightOut]:
    ids = [r.id for r in rows]
    links: dict[int, list[int]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for insight_id, problem_id in session.execute(
            select(insight_problems.c.insight_id, insight_problems.c.problem_id).where(
                insight_problems.c.insight_id.in_(chunk)
            )
        ):
            links[insight_id].append(problem_id)
    titles = problem_service.problem_titles(
        session=session, ids=[p for ps in links.values() for p in ps]
    )
    teams = catalog.team_slugs_by_id(session=session, ids=[r.team_id for r in rows if r.team_id])
    personas = catalog.persona_names_by_id(
        session=session, ids=[r.persona_id for r in rows if r.persona_id]
    )
    return [
        InsightOut(
            id=r.id,
            text=r.text,
            quote=r.quote,
            figure=r.figure,
            source_kind=r.source_kind,
            source_ref=r.source_ref,
            method=METHOD_OF.get(r.source_kind, r.source_kind),
            team=teams.get(r.team_id) if r.team_id else None,
            persona=personas.get(r.persona_id) if r.persona_id else None,
            person=r.person,
            framing=r.framing,
            suggested_framing=suggest_framing(r.text, r.quote),
            observed_on=r.observed_on,
            problems=sorted(
                (InsightProblem(id=p, title=titles[p]) for p in links[r.id] if p in titles),
                key=lambda p: p.title,
            ),
            created_at=r.created_at,
        )
        for r in rows
    ]


def insight_out(session: Session, insight: Insight) -> InsightOut:
    """One insight as the interfaces show it."""
    return _outs(session, [insight])[0]


def get_insight_or_raise(*, session: Session, insight_id: int) -> Insight:
    """The insight with this id, or NotFoundError naming it."""
    found = session.get(Insight, insight_id) if 0 < insight_id < 2**31 else None
    if found is None:
        raise NotFoundError(
            f"no insight {insight_id}; `pavedroad research insights list` lists them"
        )
    return found


def add_insight(*, session: Session, data: InsightIn) -> Insight:
    """Store an insight (its framing suggested when not given) and link its problems."""
    problems = [
        problem_service.get_problem_or_raise(session=session, ref=ref) for ref in data.problems
    ]
    insight = Insight(
        text=data.text,
        quote=data.quote or None,
        figure=data.figure or None,
        source_kind=data.source_kind,
        source_ref=data.source_ref,
        team_id=_team_id(session, data.team),
        persona_id=_persona_id(session, data.persona),
        person=data.person or None,
        framing=data.framing or suggest_framing(data.text, data.quote),
        observed_on=data.observed_on or today_utc(),
    )
    session.add(insight)
    session.flush()
    for problem in {p.id: p for p in problems}.values():
        session.execute(
            insert(insight_problems).values(insight_id=insight.id, problem_id=problem.id)
        )
    session.flush()
    return insight


def list_insights(
    *,
    session: Session,
    team: str | None = None,
    source_kind: InsightSource | None = None,
    problem: str | int | None = None,
    quarter: str | None = None,
    limit: int = MAX_LISTED,
) -> list[InsightOut]:
    """Insights, newest first, optionally of one team, source kind, problem or quarter."""
    query = select(Insight).order_by(Insight.observed_on.desc(), Insight.id.desc()).limit(limit)
    if team:
        found = catalog.find_teams(session=session, slugs=[team.lower()])
        if not found:
            return []
        query = query.where(Insight.team_id == found[team.lower()].id)
    if source_kind:
        query = query.where(Insight.source_kind == source_kind)
    if problem is not None:
        target = problem_service.get_problem_or_raise(session=session, ref=problem)
        query = query.where(
            Insight.id.in_(
                select(insight_problems.c.insight_id).where(
                    insight_problems.c.problem_id == target.id
                )
            )
        )
    if quarter:
        start, end = coverage_maths.quarter_bounds(quarter)
        query = query.where(Insight.observed_on >= start, Insight.observed_on < end)
    return _outs(session, list(session.scalars(query)))


def update_insight(*, session: Session, insight: Insight, data: InsightUpdate) -> Insight:
    """Change the fields given; a field given as null is cleared where that is allowed."""
    given = data.model_fields_set
    if "text" in given:
        if not data.text:
            raise InvalidInputError(
                [InputProblem(source="input", field="text", reason="an insight needs a text")]
            )
        insight.text = data.text
    if "source_kind" in given and data.source_kind:
        insight.source_kind = data.source_kind
    for name in ("quote", "figure", "person"):
        if name in given:
            setattr(insight, name, getattr(data, name) or None)
    if "source_ref" in given:
        insight.source_ref = data.source_ref or ""
    if "team" in given:
        insight.team_id = _team_id(session, data.team)
    if "persona" in given:
        insight.persona_id = _persona_id(session, data.persona)
    if "framing" in given:
        insight.framing = data.framing or suggest_framing(insight.text, insight.quote)
    if "observed_on" in given and data.observed_on:
        insight.observed_on = data.observed_on
    session.flush()
    return insight


def delete_insight(*, session: Session, insight: Insight) -> None:
    """Remove an insight and its links to problems (the problems stay)."""
    session.execute(delete(insight_problems).where(insight_problems.c.insight_id == insight.id))
    session.delete(insight)
    session.flush()


def link_problem(*, session: Session, insight: Insight, problem: str | int) -> InsightProblem:
    """Make the insight support a problem (title or id); linking twice changes nothing."""
    target = problem_service.get_problem_or_raise(session=session, ref=problem)
    linked = session.scalar(
        select(func.count())
        .select_from(insight_problems)
        .where(
            insight_problems.c.insight_id == insight.id,
            insight_problems.c.problem_id == target.id,
        )
    )
    if not linked:
        session.execute(
            insert(insight_problems).values(insight_id=insight.id, problem_id=target.id)
        )
        session.flush()
    return InsightProblem(id=target.id, title=target.title)


def unlink_problem(*, session: Session, insight: Insight, problem: str | int) -> InsightProblem:
    """Stop the insight supporting a problem; unlinking what is not linked changes nothing."""
    target = problem_service.get_problem_or_raise(session=session, ref=problem)
    session.execute(
        delete(insight_problems).where(
            insight_problems.c.insight_id == insight.id,
            insight_problems.c.problem_id == target.id,
        )
    )
    session.flush()
    return InsightProblem(id=target.id, title=target.title)


# ---- evidence ------------------------------------------------------------------------------


def _evidence(problem_id: int, title: str, insights: list[InsightOut]) -> ProblemEvidence:
    solutions = sum(1 for i in insights if i.framing == "solution")
    warnings = []
    if insights and solutions == len(insights):
        warnings.append(
            EvidenceWarning(
                id="solution_requests_only",
                message=(
                    f"all {len(insights)} insights ask for a solution; find the pain behind "
                    "them before choosing what to build"
                ),
            )
        )
    return ProblemEvidence(
        problem_id=problem_id,
        title=title,
        insights=insights,
        teams=sorted({i.team for i in insights if i.team}),
        people=sorted({i.person.strip() for i in insights if i.person and i.person.strip()}),
        methods=sorted({i.method for i in insights}),
        solution_requests=solutions,
        warnings=warnings,
    )


def evidence_for_problem(*, session: Session, problem_id: int | str) -> ProblemEvidence:
    """A problem's evidence: insights, distinct teams and people, methods, and warnings."""
    problem = problem_service.get_problem_or_raise(session=session, ref=problem_id)
    insights = list_insights(session=session, problem=problem.id)
    return _evidence(problem.id, problem.title, insights)


def evidence_for_problems(*, session: Session, problem_ids: Sequence[int]) -> list[ProblemEvidence]:
    """The evidence of each problem (an initiative's), in the order given."""
    titles = problem_service.problem_titles(session=session, ids=problem_ids)
    return [
        _evidence(pid, titles[pid], list_insights(session=session, problem=pid))
        for pid in dict.fromkeys(problem_ids)
        if pid in titles
    ]


# ---- promotion -----------------------------------------------------------------------------


def promote_ticket_category(
    *,
    session: Session,
    category: str,
    window: str | None = None,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
    on: date | None = None,
) -> Insight:
    """A ticket category of the tickets report, as an insight with its count and share."""
    from pavedroad.research import tickets

    report = tickets.report(session, window=window)
    draft = promotions.from_ticket_category(
        report, category=category, on=on or today_utc(), framing=framing, problems=problems
    )
    return add_insight(session=session, data=draft)


def promote_survey_theme(
    *,
    session: Session,
    survey: str,
    theme: str,
    wave: str | None = None,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
    on: date | None = None,
) -> Insight:
    """A comment theme of a survey wave (the latest when none is named), as an insight."""
    from pavedroad.research import surveys

    results = surveys.results(session, survey=survey, wave=wave)
    draft = promotions.from_survey_theme(
        results,
        theme=theme,
        wave=wave,
        on=on or today_utc(),
        framing=framing,
        problems=problems,
        min_answers=MIN_SURVEY_RESPONDENTS,
    )
    return add_insight(session=session, data=draft)


def promote_usage(
    *,
    session: Session,
    capability: str,
    window: str | None = None,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
    on: date | None = None,
) -> Insight:
    """A capability of the usage report: the eligible teams that never used it."""
    from pavedroad.research import usage

    report = usage.report(session=session, window=parse_window(window) if window else None)
    draft = promotions.from_usage(
        report,
        capability=capability,
        eligible_teams=len(catalog.eligible_team_slugs(session=session)),
        on=on or today_utc(),
        framing=framing,
        problems=problems,
    )
    return add_insight(session=session, data=draft)


def promote_shadowing(
    *,
    session: Session,
    session_id: int,
    kind: str,
    number: int,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
) -> Insight:
    """Friction point or wish `number` (1-based) of a shadowing session, as an insight."""
    found = session.get(ShadowingSession, session_id) if 0 < session_id < 2**31 else None
    if found is None:
        raise NotFoundError(
            f"no shadowing session {session_id}; `pavedroad research shadowing list` lists them"
        )
    teams = catalog.team_slugs_by_id(session=session, ids=[found.team_id] if found.team_id else [])
    draft = promotions.from_shadowing(
        session_id=found.id,
        kind="wish" if kind.startswith("wish") else "friction",
        number=number,
        items=list(found.wishes if kind.startswith("wish") else found.friction_points),
        team=teams.get(found.team_id) if found.team_id else None,
        person=found.developer,
        on=found.observed_on,
        workflow=found.workflow,
        framing=framing,
        problems=problems,
    )
    return add_insight(session=session, data=draft)


def promote_interview(
    *,
    session: Session,
    interview_id: int,
    number: int,
    framing: Framing | None = None,
    problems: Sequence[str] = (),
) -> Insight:
    """Pain point `number` (1-based) of an interview's synthesis, as an insight."""
    found = session.get(Interview, interview_id) if 0 < interview_id < 2**31 else None
    if found is None:
        raise NotFoundError(
            f"no interview {interview_id}; `pavedroad research interview list` lists them"
        )
    teams = catalog.team_slugs_by_id(session=session, ids=[found.team_id] if found.team_id else [])
    draft = promotions.from_interview(
        interview_id=found.id,
        number=number,
        pain_points=list(found.pain_points or []),
        team=teams.get(found.team_id) if found.team_id else None,
        person=found.developer,
        on=found.held_on,
        framing=framing,
        problems=problems,
    )
    return add_insight(session=session, data=draft)


# ---- coverage ------------------------------------------------------------------------------


def default_quarter() -> str:
    """The quarter of today (UTC)."""
    return quarter_of(today_utc())


def _contacts(session: Session, start: date, end: date) -> list[Contact]:
    from pavedroad.research import interviews, shadowing, surveys

    found: list[Contact] = []
    for method in (shadowing, interviews, surveys):
        found.extend(method.contacts(session=session, start=start, end=end))
    return _as_identities(session, found)


def _as_identities(session: Session, contacts: list[Contact]) -> list[Contact]:
    """Contacts whose person is a developer's name (shadowing notes name people) carry that
    developer's email instead, so they can be matched against usage events."""
    names = [c.person for c in contacts if c.person and "@" not in c.person]
    emails = catalog.developer_emails_by_name(
        session=session, names=[n.split("/", 1)[0] for n in names]
    )
    if not emails:
        return contacts
    return [
        c.model_copy(update={"person": emails[key]})
        if c.person and (key := c.person.split("/", 1)[0].strip().lower()) in emails
        else c
        for c in contacts
    ]


def _heaviest(session: Session, start: date, end: date) -> list[str]:
    from pavedroad.research import usage

    return list(
        usage.heaviest_users(
            session=session, start=start, end=end, share=coverage_maths.POWER_USER_SHARE
        )
    )


def _survey_waves(session: Session, start: date, end: date, contacts: Sequence[Contact]) -> int:
    """Waves opened in [start, end); an imported wave has no opening day, so answers in the
    quarter count as one wave when none was opened here."""
    opened = (
        session.scalar(
            select(func.count())
            .select_from(SurveyWave)
            .where(SurveyWave.opened_on >= start, SurveyWave.opened_on < end)
        )
        or 0
    )
    answered = any(c.method == "survey" and start <= c.on < end for c in contacts)
    return max(opened, 1 if answered else 0)


def _insight_facts(session: Session, start: date, end: date) -> list[coverage_maths.InsightFacts]:
    rows = session.execute(
        select(Insight.team_id, Insight.person, Insight.framing, Insight.observed_on).where(
            Insight.observed_on >= start, Insight.observed_on < end
        )
    ).all()
    teams = catalog.team_slugs_by_id(session=session, ids=[r.team_id for r in rows if r.team_id])
    names = [r.person for r in rows if r.person and "@" not in r.person]
    emails = catalog.developer_emails_by_name(session=session, names=names) if names else {}
    return [
        coverage_maths.InsightFacts(
            team=teams.get(r.team_id) if r.team_id else None,
            person=emails.get(r.person.strip().lower(), r.person) if r.person else None,
            framing="solution" if r.framing == "solution" else "pain",
            on=r.observed_on,
        )
        for r in rows
    ]


def coverage(*, session: Session, quarter: str | None = None) -> dict[str, Any]:
    """The contract of `pavedroad research coverage --json` for a quarter (default: today's)."""
    label = coverage_maths.quarter_label(quarter or default_quarter())
    start, end = coverage_maths.quarter_bounds(label)
    contacts = _contacts(session, start, end)
    return coverage_maths.coverage_report(
        quarter=label,
        eligible=catalog.eligible_team_slugs(session=session),
        contacts=contacts,
        insights=_insight_facts(session, start, end),
        heaviest=_heaviest(session, start, end),
        survey_waves=_survey_waves(session, start, end, contacts),
    )


def overview(*, session: Session, quarter: str | None = None) -> dict[str, Any]:
    """The research page: coverage, the team x method heat map, insight counts, quarters."""
    label = coverage_maths.quarter_label(quarter or default_quarter())
    start, end = coverage_maths.quarter_bounds(label)
    eligible = catalog.eligible_team_slugs(session=session)
    contacts = coverage_maths.in_quarter(_contacts(session, start, end), label)
    report = coverage_maths.coverage_report(
        quarter=label,
        eligible=eligible,
        contacts=contacts,
        insights=_insight_facts(session, start, end),
        heaviest=_heaviest(session, start, end),
        survey_waves=_survey_waves(session, start, end, contacts),
    )
    insights = session.scalar(
        select(func.count())
        .select_from(Insight)
        .where(Insight.observed_on >= start, Insight.observed_on < end)
    )
    return {
        "coverage": report,
        "heat_map": coverage_maths.heat_map(eligible, contacts, min_answers=MIN_SURVEY_RESPONDENTS),
        "insights": insights or 0,
        "quarters": research_quarters(session=session, also=label),
    }


def research_quarters(*, session: Session, also: str | None = None) -> list[str]:
    """Quarters that hold research or insights (and today's, and `also`), newest first."""
    labels = {default_quarter()}
    for column in (
        Insight.observed_on,
        ShadowingSession.observed_on,
        Interview.held_on,
        SurveyWave.opened_on,
    ):
        labels |= {quarter_of(d) for d in session.scalars(select(column).distinct()) if d}
    if also:
        labels.add(also)
    return sorted(labels, reverse=True)
