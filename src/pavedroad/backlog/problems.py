"""Problems: developer problems in the users' own words, with the teams and personas they hurt.

Research evidence attaches to problems in a later capability; initiatives address them.
Keyword-only functions over a session; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pavedroad import versions
from pavedroad.backlog.models import Problem
from pavedroad.backlog.schemas import InitiativeRef, ProblemIn, ProblemOut, ProblemUpdate
from pavedroad.catalog import service as catalog
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from pavedroad.catalog.models import Persona, Team


def _unknown(field: str, names: Sequence[str], hint: str) -> InvalidInputError:
    return InvalidInputError(
        [
            InputProblem(
                source="input", field=field, reason=f"unknown {field[:-1]}; {hint}", value=n
            )
            for n in names
        ]
    )


def teams_by_slug(*, session: Session, slugs: Sequence[str]) -> list[Team]:
    """The teams named by slug, in the order given; unknown slugs are refused together."""
    found = catalog.find_teams(session=session, slugs=slugs)
    missing = [s for s in dict.fromkeys(slugs) if s not in found]
    if missing:
        raise _unknown("teams", missing, "`pavedroad catalog list teams` lists them")
    return [found[s] for s in dict.fromkeys(slugs)]


def personas_by_name(*, session: Session, names: Sequence[str]) -> list[Persona]:
    """The personas named, in the order given; unknown names are refused together."""
    found = catalog.find_personas(session=session, names=names)
    missing = [n for n in dict.fromkeys(names) if n.lower() not in found]
    if missing:
        raise _unknown("personas", missing, "`pavedroad catalog list personas` lists them")
    return list({found[n.lower()].id: found[n.lower()] for n in names}.values())


def problems_by_title(*, session: Session, titles: Sequence[str]) -> list[Problem]:
    """The problems with these titles, in the order given; unknown titles are refused together."""
    found = {
        p.title: p for p in session.scalars(select(Problem).where(Problem.title.in_(set(titles))))
    }
    missing = [t for t in dict.fromkeys(titles) if t not in found]
    if missing:
        raise _unknown("problems", missing, "`pavedroad problems list` lists them")
    return [found[t] for t in dict.fromkeys(titles)]


def problem_titles(*, session: Session, ids: Iterable[int]) -> dict[int, str]:
    """The title of each stored problem among `ids`, by id (unknown ids are left out)."""
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(Problem.id, Problem.title).where(Problem.id.in_(wanted[start : start + 500]))
        )
        found.update({row.id: row.title for row in rows})
    return found


def get_problem_or_raise(*, session: Session, ref: str | int) -> Problem:
    """The problem with this title, else this id, or NotFoundError naming it."""
    query = select(Problem).options(
        selectinload(Problem.teams),
        selectinload(Problem.personas),
        selectinload(Problem.initiatives),
    )
    problem = None
    if isinstance(ref, str):
        problem = session.scalar(query.where(Problem.title == ref.strip()))
    digits = str(ref).strip()
    if problem is None and digits.isdigit() and 0 < int(digits) < 2**31:
        problem = session.scalar(query.where(Problem.id == int(digits)))
    if problem is None:
        raise NotFoundError(f"no problem {ref!r}; `pavedroad problems list` lists them")
    return problem


def problem_out(problem: Problem, ranks: dict[int, InitiativeRef] | None = None) -> ProblemOut:
    """A problem as listed; `ranks` gives each addressing initiative its RICE and rank."""
    refs = []
    for initiative in problem.initiatives:
        known = (ranks or {}).get(initiative.id)
        refs.append(
            known
            or InitiativeRef(
                id=initiative.id,
                title=initiative.title,
                status=initiative.status,
                rice=0,
                rank=None,
            )
        )
    refs.sort(key=lambda r: (r.rank is None, r.rank or 0, r.title))
    return ProblemOut(
        id=problem.id,
        title=problem.title,
        description=problem.description,
        teams=[t.slug for t in problem.teams],
        personas=[p.name for p in problem.personas],
        initiatives=refs,
        created_at=problem.created_at,
    )


def list_problems(
    *, session: Session, search: str | None = None, ranks: dict[int, InitiativeRef] | None = None
) -> list[ProblemOut]:
    """Every problem by title, optionally those whose title or description matches `search`."""
    query = (
        select(Problem)
        .options(
            selectinload(Problem.teams),
            selectinload(Problem.personas),
            selectinload(Problem.initiatives),
        )
        .order_by(Problem.title)
    )
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(Problem.title).like(pattern) | func.lower(Problem.description).like(pattern)
        )
    return [problem_out(p, ranks) for p in session.scalars(query)]


def _title_is_free(session: Session, title: str, problem_id: int | None = None) -> None:
    clash = session.scalar(select(Problem).where(Problem.title == title))
    if clash is not None and clash.id != problem_id:
        raise ConflictError(f"a problem titled {title!r} exists already (id {clash.id})")


def create_problem(
    *, session: Session, data: ProblemIn, created_at: datetime | None = None
) -> Problem:
    """Add a problem; its teams and personas must exist (`created_at` records a past one)."""
    _title_is_free(session, data.title)
    problem = Problem(
        title=data.title,
        description=data.description,
        teams=teams_by_slug(session=session, slugs=data.teams),
        personas=personas_by_name(session=session, names=data.personas),
    )
    if created_at is not None:
        problem.created_at = created_at
    session.add(problem)
    session.flush()
    versions.bump(session, "backlog")
    return problem


def update_problem(*, session: Session, problem: Problem, data: ProblemUpdate) -> Problem:
    """Change the fields given; lists given replace the stored ones."""
    given = data.model_fields_set
    if "title" in given and data.title is not None and data.title != problem.title:
        _title_is_free(session, data.title, problem.id)
        problem.title = data.title
    if "description" in given and data.description is not None:
        problem.description = data.description
    if "teams" in given and data.teams is not None:
        problem.teams = teams_by_slug(session=session, slugs=data.teams)
    if "personas" in given and data.personas is not None:
        problem.personas = personas_by_name(session=session, names=data.personas)
    session.flush()
    versions.bump(session, "backlog")
    return problem


def delete_problem(*, session: Session, problem: Problem) -> None:
    """Remove a problem; initiatives that addressed it stay, without the link."""
    session.delete(problem)
    session.flush()
    versions.bump(session, "backlog")
