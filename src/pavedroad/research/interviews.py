"""Interviews: the editable script, notes and synthesis, transcripts and the talk ratio.

An import is idempotent on (date, developer or team, source): importing the same notes file
again updates the interview it made. What an import does not carry (a transcript, say) keeps
what is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from pavedroad.catalog import service as catalog
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.windows import parse_window, today_utc
from pavedroad.research import interview_notes as notes_reader
from pavedroad.research import talk_ratio as transcripts
from pavedroad.research.interview_notes import (
    PRACTICE_SCRIPT,
    SECTION_MINUTES,
    SECTIONS,
    Answer,
    Assumption,
    InterviewNotes,
    PainPoint,
)
from pavedroad.research.interview_schemas import (
    AnswerOut,
    AssumptionOut,
    ImportedInterview,
    InterviewList,
    InterviewOut,
    InterviewPainPoint,
    InterviewUpdate,
    PainPointOut,
    ProblemOut,
    Progress,
    ScriptIn,
    ScriptOut,
    ScriptSectionOut,
)
from pavedroad.research.models import Interview, InterviewQuestion, InterviewScript
from pavedroad.research.schemas import Contact
from pavedroad.yamlfile import load_document

DEFAULT_SCRIPT = "default"


# ---- the script ------------------------------------------------------------------------------


def seed_default_script(*, session: Session) -> InterviewScript:
    """The practice's script as the default one, created when no script exists yet."""
    found = session.scalar(select(InterviewScript).where(InterviewScript.name == DEFAULT_SCRIPT))
    if found is not None:
        return found
    script = InterviewScript(name=DEFAULT_SCRIPT)
    position = 0
    for section, questions in PRACTICE_SCRIPT:
        for text in questions:
            position += 1
            script.questions.append(
                InterviewQuestion(section=section, position=position, text=text)
            )
    session.add(script)
    session.flush()
    return script


def current_script(*, session: Session) -> InterviewScript:
    """The script interviews follow (the practice's, seeded on first use)."""
    return seed_default_script(session=session)


def script_out(script: InterviewScript) -> ScriptOut:
    """The script by section, in the practice's order."""
    by_section: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for question in script.questions:
        by_section.setdefault(question.section, []).append(question.text)
    return ScriptOut(
        name=script.name,
        sections=[
            ScriptSectionOut(section=s, minutes=SECTION_MINUTES[s], questions=by_section[s])
            for s in SECTIONS
        ],
    )


def script_questions(script: InterviewScript) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The script as the notes reader takes it: (section, questions) pairs."""
    out = script_out(script)
    return tuple((s.section, tuple(s.questions)) for s in out.sections)


def set_script(*, session: Session, data: ScriptIn) -> ScriptOut:
    """Replace the script's questions; sections left out of `data` end up with none."""
    script = current_script(session=session)
    script.questions.clear()
    session.flush()
    given = {s.section: s.questions for s in data.sections}
    position = 0
    for section in SECTIONS:
        for text in given.get(section, []):
            if text.strip():
                position += 1
                script.questions.append(
                    InterviewQuestion(section=section, position=position, text=text.strip())
                )
    session.flush()
    return script_out(script)


def read_script_file(text: str, *, source: str) -> ScriptIn:
    """A script from YAML (`{opening: [...], ...}` or `sections: [...]`) or Markdown headings."""
    if source.lower().endswith((".md", ".markdown", ".txt")):
        return _script_from_markdown(text, source=source)
    document = load_document(text, source=source)
    value = document.value
    if isinstance(value, dict) and "sections" in value:
        value = value["sections"]
    if isinstance(value, dict):
        value = [{"section": k, "questions": v} for k, v in value.items()]
    if not isinstance(value, list):
        raise InvalidInputError.because(
            "a script file maps each section (opening, exploration, validation, closing) "
            "to its list of questions",
            source=source,
            line=document.line,
            unusable=True,
        )
    try:
        return ScriptIn.model_validate({"sections": value})
    except ValueError as exc:
        raise InvalidInputError.because(str(exc).splitlines()[0], source=source) from None


def _script_from_markdown(text: str, *, source: str) -> ScriptIn:
    sections: dict[str, list[str]] = {}
    current: str | None = None
    problems: list[InputProblem] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or notes_reader.is_rule(line):
            continue
        bare = line.lstrip("#").strip().strip("*").rstrip(":").strip()
        first = notes_reader.normal_text(bare).split(" ", 1)[0] if bare else ""
        if (line.startswith("#") or not notes_reader.is_bullet(raw)) and first in SECTIONS:
            current = first
            sections.setdefault(current, [])
            continue
        question = notes_reader.strip_bullet(raw).strip().strip('"“”').strip()
        if current is None:
            if line.startswith("#"):
                continue
            problems.append(
                InputProblem(
                    reason="a question comes under a section heading: "
                    "Opening, Exploration, Validation or Closing",
                    source=source,
                    line=number,
                    value=line[:80],
                )
            )
            continue
        sections[current].append(question[:1000])
    if problems:
        raise InvalidInputError(problems)
    try:
        return ScriptIn.model_validate(
            {"sections": [{"section": k, "questions": v} for k, v in sections.items()]}
        )
    except ValueError as exc:
        raise InvalidInputError.because(str(exc).splitlines()[0], source=source) from None


# ---- interviews ------------------------------------------------------------------------------


def natural_key(*, held_on: date, developer: str | None, team: str | None, source: str) -> str:
    """The identity of an interview: its date, who (developer, else team) and its source."""
    who = (developer or "").strip().lower() or f"team:{(team or '').strip().lower()}"
    return hashlib.sha256(f"{held_on.isoformat()}|{who}|{source}".encode()).hexdigest()


def _team_ids(session: Session, slug: str | None) -> int | None:
    if slug is None:
        return None
    found = catalog.find_teams(session=session, slugs=[slug.lower()])
    if slug.lower() not in found:
        raise InvalidInputError(
            [
                InputProblem(
                    reason="no team with this slug; `pavedroad catalog list teams` lists them",
                    field="team",
                    value=slug,
                )
            ]
        )
    return found[slug.lower()].id


def interview_out(
    interview: Interview, *, teams: dict[int, str], scripts: dict[int, str] | None = None
) -> InterviewOut:
    """The interview as the interfaces show it, with its warnings."""
    return InterviewOut(
        id=interview.id,
        date=interview.held_on,
        developer=interview.developer,
        team=teams.get(interview.team_id) if interview.team_id is not None else None,
        interviewer=interview.interviewer,
        script=(scripts or {}).get(interview.script_id or 0, DEFAULT_SCRIPT)
        if interview.script_id is not None
        else None,
        talk_ratio=interview.talk_ratio,
        transcript_seconds=interview.transcript_seconds,
        warnings=transcripts.warnings_for(interview.talk_ratio),
        answers=[AnswerOut.model_validate(a) for a in interview.answers or []],
        quotes=list(interview.quotes or []),
        pain_points=[PainPointOut.model_validate(p) for p in interview.pain_points or []],
        surprises=list(interview.surprises or []),
        assumptions=[AssumptionOut.model_validate(a) for a in interview.assumptions or []],
        actions=list(interview.actions or []),
        notes=interview.notes or "",
        source=interview.source,
    )


def _outs(session: Session, interviews: list[Interview]) -> list[InterviewOut]:
    teams = catalog.team_slugs_by_id(
        session=session, ids=[i.team_id for i in interviews if i.team_id is not None]
    )
    names = {
        row.id: row.name
        for row in session.execute(select(InterviewScript.id, InterviewScript.name))
    }
    return [interview_out(i, teams=teams, scripts=names) for i in interviews]


def to_out(session: Session, interview: Interview) -> InterviewOut:
    """One interview as the interfaces show it."""
    return _outs(session, [interview])[0]


def _problem_out(problem: InputProblem) -> ProblemOut:
    reason = problem.reason + (f" (got {problem.value!r})" if problem.value else "")
    return ProblemOut(file=problem.source, line=problem.line, reason=reason)


def import_interview(
    session: Session,
    *,
    notes: str | None = None,
    transcript: Iterable[str] | None = None,
    interviewer: str | None = None,
    developer: str | None = None,
    team: str | None = None,
    held_on: date | None = None,
    source: str = "import",
    notes_source: str = "notes",
    transcript_source: str = "transcript",
) -> ImportedInterview:
    """Store an interview from notes in the synthesis template and/or a WebVTT transcript.

    Arguments win over what the notes say. A transcript needs the interviewer's name as the
    transcript spells it; its talk ratio above 0.20 carries `interviewer_talks_too_much`.
    """
    if notes is None and transcript is None:
        raise InvalidInputError.because("give the interview's notes, its transcript or both")
    script = current_script(session=session)
    parsed = (
        notes_reader.parse_notes(notes, source=notes_source, script=script_questions(script))
        if notes is not None
        else InterviewNotes()
    )
    problems = list(parsed.problems)
    interviewer = interviewer or parsed.interviewer
    ratio: float | None = None
    seconds: float | None = None
    if transcript is not None:
        if not interviewer:
            raise InvalidInputError.because(
                "a transcript needs the interviewer's name as the transcript spells it "
                "(--interviewer NAME)",
                field="interviewer",
            )
        summary = transcripts.summarise(transcript, source=transcript_source)
        problems += summary.problems
        ratio = summary.talk_ratio(interviewer, source=transcript_source)
        seconds = summary.total_seconds
        interviewer = summary.speaker(interviewer) or interviewer
    developer = (developer or parsed.developer or "").strip().lower() or None
    team_slug = (team or parsed.team or "").strip().lower() or None
    if team_slug is None and developer is not None:
        team_slug = catalog.developer_teams(session=session, identities=[developer]).get(developer)
    team_id = _team_ids(session, team_slug)
    day = held_on or parsed.held_on or today_utc()
    if developer is not None and len(developer) > 320:
        raise InvalidInputError.because("at most 320 characters", field="developer")
    key = natural_key(held_on=day, developer=developer, team=team_slug, source=source)
    interview = session.scalar(select(Interview).where(Interview.natural_key == key))
    if interview is None:
        interview = Interview(natural_key=key, held_on=day, source=source[:500])
        session.add(interview)
    interview.developer = developer
    interview.team_id = team_id
    interview.script_id = script.id
    if interviewer:
        interview.interviewer = interviewer[:320]
    if transcript is not None:
        interview.talk_ratio = round(ratio, 4) if ratio is not None else None
        interview.transcript_seconds = seconds
    if notes is not None:
        _apply_notes(interview, parsed)
    session.flush()
    out = to_out(session, interview)
    return ImportedInterview(**out.model_dump(), problems=[_problem_out(p) for p in problems])


def _apply_notes(interview: Interview, parsed: InterviewNotes) -> None:
    interview.answers = [asdict(a) for a in parsed.answers]
    interview.quotes = list(parsed.quotes)
    interview.pain_points = [asdict(p) for p in parsed.pain_points]
    interview.surprises = list(parsed.surprises)
    interview.assumptions = [asdict(a) for a in parsed.assumptions]
    interview.actions = list(parsed.actions)
    interview.notes = parsed.notes


def _span(month: str | None, quarter: str | None) -> tuple[date, date] | None:
    if month and quarter:
        raise InvalidInputError.because("give a month or a quarter, not both", field="month")
    text = month or quarter
    if text is None:
        return None
    problem_field = "month" if month else "quarter"
    pattern_ok = (
        len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()
        if month
        else len(text) == 7 and text[4:6].upper() == "-Q" and text[:4].isdigit()
    )
    if not pattern_ok:
        example = "2026-09" if month else "2026-Q3"
        raise InvalidInputError.because(
            f"expected a {problem_field} such as {example}", field=problem_field, value=text
        )
    try:
        window = parse_window(text)
    except Exception:
        raise InvalidInputError.because(
            f"not a {problem_field} pavedroad knows", field=problem_field, value=text
        ) from None
    return window.start.date(), window.end.date()


def list_interviews(
    *, session: Session, month: str | None = None, quarter: str | None = None
) -> InterviewList:
    """Interviews newest first, of a month (`2026-09`) or quarter (`2026-Q3`) when given.

    `progress` counts the given month (else this month) against 5 developers a month.
    """
    span = _span(month, quarter)
    query = select(Interview).order_by(Interview.held_on.desc(), Interview.id.desc())
    if span is not None:
        query = query.where(Interview.held_on >= span[0], Interview.held_on < span[1])
    found = list(session.scalars(query))
    progress_month = month or today_utc().strftime("%Y-%m")
    return InterviewList(
        month=month,
        quarter=quarter.upper() if quarter else None,
        progress=monthly_progress(session=session, month=progress_month),
        interviews=_outs(session, found),
    )


def monthly_progress(*, session: Session, month: str) -> Progress:
    """A month's interviews and distinct developers against the cadence of 5 a month."""
    span = _span(month, None)
    assert span is not None
    rows = list(
        session.execute(
            select(Interview.developer, Interview.team_id).where(
                Interview.held_on >= span[0], Interview.held_on < span[1]
            )
        )
    )
    people = {r.developer or f"team:{r.team_id}" for r in rows}
    return Progress(month=month, interviews=len(rows), developers=len(people))


def get_interview_or_raise(*, session: Session, interview_id: int) -> Interview:
    """The interview with this id, or NotFoundError."""
    found = session.get(Interview, interview_id)
    if found is None:
        raise NotFoundError(
            f"no interview {interview_id}; `pavedroad research interview list` lists them"
        )
    return found


def update_interview(
    *, session: Session, interview: Interview, data: InterviewUpdate
) -> InterviewOut:
    """Change the fields given; a new date or person may not collide with another interview."""
    given = data.model_dump(exclude_unset=True)
    if "team" in given:
        interview.team_id = _team_ids(session, given["team"])
    if "developer" in given:
        interview.developer = (given["developer"] or "").lower() or None
    if "date" in given and given["date"] is not None:
        interview.held_on = given["date"]
    if "interviewer" in given:
        interview.interviewer = given["interviewer"]
    for name in ("answers", "pain_points", "assumptions"):
        if given.get(name) is not None:
            setattr(interview, name, list(given[name]))
    for name in ("quotes", "surprises", "actions"):
        if given.get(name) is not None:
            setattr(interview, name, [t for t in given[name] if t.strip()])
    if given.get("notes") is not None:
        interview.notes = given["notes"]
    teams = catalog.team_slugs_by_id(
        session=session, ids=[interview.team_id] if interview.team_id else []
    )
    key = natural_key(
        held_on=interview.held_on,
        developer=interview.developer,
        team=teams.get(interview.team_id or 0),
        source=interview.source,
    )
    if key != interview.natural_key:
        clash = session.scalar(
            select(Interview.id).where(Interview.natural_key == key, Interview.id != interview.id)
        )
        if clash is not None:
            raise ConflictError(f"interview {clash} is already this person's on that day")
        interview.natural_key = key
    session.flush()
    return to_out(session, interview)


def create_interview(
    *, session: Session, data: InterviewUpdate, source: str = "web"
) -> InterviewOut:
    """A new interview typed into the form (same date and person from the form: updated)."""
    day = data.date or today_utc()
    team_id = _team_ids(session, data.team)
    developer = (data.developer or "").lower() or None
    key = natural_key(held_on=day, developer=developer, team=data.team, source=source)
    interview = session.scalar(select(Interview).where(Interview.natural_key == key))
    if interview is None:
        interview = Interview(natural_key=key, held_on=day, source=source)
        session.add(interview)
    interview.developer, interview.team_id = developer, team_id
    interview.script_id = current_script(session=session).id
    session.flush()
    return update_interview(session=session, interview=interview, data=data)


def synthesis_markdown(out: InterviewOut) -> str:
    """The interview's synthesis in the practice's template, as Markdown."""
    return notes_reader.synthesis_markdown(
        held_on=out.date,
        developer=out.developer,
        team=out.team,
        interviewer=out.interviewer,
        talk_ratio=out.talk_ratio,
        answers=[Answer(**a.model_dump()) for a in out.answers],
        quotes=out.quotes,
        pain_points=[PainPoint(**p.model_dump()) for p in out.pain_points],
        surprises=out.surprises,
        assumptions=[Assumption(**a.model_dump()) for a in out.assumptions],
        actions=out.actions,
        notes=out.notes,
    )


# ---- what other research parts read ---------------------------------------------------------


def _between(session: Session, start: date, end: date) -> list[Interview]:
    query = (
        select(Interview)
        .where(Interview.held_on >= start, Interview.held_on < end)
        .order_by(Interview.held_on, Interview.id)
    )
    return list(session.scalars(query))


def contacts(*, session: Session, start: date, end: date) -> list[Contact]:
    """One contact per interview held in [start, end): method "interview"."""
    found = _between(session, start, end)
    teams = catalog.team_slugs_by_id(
        session=session, ids=[i.team_id for i in found if i.team_id is not None]
    )
    return [
        Contact(
            method="interview",
            team=teams.get(i.team_id) if i.team_id is not None else None,
            person=i.developer,
            on=i.held_on,
        )
        for i in found
    ]


def pain_points(*, session: Session, start: date, end: date) -> list[InterviewPainPoint]:
    """Every pain point of the interviews held in [start, end), with who said it."""
    found = _between(session, start, end)
    teams = catalog.team_slugs_by_id(
        session=session, ids=[i.team_id for i in found if i.team_id is not None]
    )
    return [
        InterviewPainPoint(
            interview_id=i.id,
            on=i.held_on,
            team=teams.get(i.team_id) if i.team_id is not None else None,
            developer=i.developer,
            quote=str(p.get("quote", "")),
            context=str(p.get("context", "")),
        )
        for i in found
        for p in i.pain_points or []
    ]
