"""Hosted surveys: surveys, waves and their own questions, anonymous answers, results.

Answers land in ingest's `survey_responses` through the ingest writer (so the KPI engine and
its cache count them like imported ones) with a random id, the day only, channel `hosted`
and no run. Answers to a wave's own questions are `SurveyAnswer` rows keyed by that random
id. A `SurveyReceipt` (the hash of a token the browser keeps) stops a second answer from the
same browser; it is never linked to the answer.

Anonymity: no figure computed from fewer than `MIN_SURVEY_RESPONDENTS` answers (the metrics
service's threshold) is shown: a smaller wave shows no numbers, a team needs five answers to
be listed (`hidden_teams` counts the rest), and a question's results need five answers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pavedroad.catalog.service import team_slugs
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError
from pavedroad.ingest import service as ingest_service
from pavedroad.ingest.kinds import KINDS
from pavedroad.ingest.rows import convert_row
from pavedroad.ingest.writer import UpsertCounts, upsert_rows
from pavedroad.metrics.service import HIDDEN_REASON, MIN_SURVEY_RESPONDENTS
from pavedroad.research import nps as nps_maths
from pavedroad.research.models import (
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyReceipt,
    SurveyWave,
)
from pavedroad.research.rules import categoriser
from pavedroad.research.schemas import Contact
from pavedroad.research.survey_schemas import (
    MAX_QUESTIONS,
    MAX_TEXT_ANSWER,
    AnswerIn,
    QuestionIn,
    QuestionOut,
    QuestionResult,
    QuestionUpdate,
    SurveyIn,
    SurveyOut,
    SurveyResults,
    TeamResult,
    Theme,
    TrendPoint,
    WaveIn,
    WaveOut,
    WaveResults,
)

SURVEY_KIND = KINDS["survey-responses"]
HOSTED_CHANNEL = "hosted"
AGREEMENT_SCALE = range(1, 6)


def today_utc() -> date:
    """The day answers are stamped with (UTC): never a finer time."""
    return datetime.now(UTC).date()


def receipt_hash(receipt: str) -> str:
    """What is stored of a browser's receipt token: its SHA-256, never the token."""
    return hashlib.sha256(receipt.encode()).hexdigest()


# ---- surveys and waves -----------------------------------------------------------------------


def create_survey(session: Session, *, data: SurveyIn) -> Survey:
    """A new survey; refuses a name already taken."""
    if session.scalar(select(Survey.id).where(Survey.name == data.name)) is not None:
        raise ConflictError(f"a survey named {data.name!r} exists already")
    survey = Survey(name=data.name, title=data.title or data.name)
    session.add(survey)
    session.flush()
    return survey


def get_survey_or_raise(session: Session, *, name: str) -> Survey:
    """The survey named `name`, or NotFoundError saying how to create it."""
    survey = session.scalar(select(Survey).where(Survey.name == name))
    if survey is None:
        raise NotFoundError(
            f"no survey named {name!r}; create it with `pavedroad survey create {name}`"
        )
    return survey


def list_surveys(session: Session) -> list[SurveyOut]:
    """Every survey with its waves, by name."""
    return [survey_out(session, s) for s in session.scalars(select(Survey).order_by(Survey.name))]


def survey_out(session: Session, survey: Survey) -> SurveyOut:
    """A survey as the interfaces show it."""
    counts = ingest_service.survey_waves_answered(session=session, survey=survey.name)
    return SurveyOut(
        name=survey.name,
        title=survey.title,
        waves=[_wave_out(w, counts.get(w.name, 0)) for w in survey.waves],
    )


def _wave_out(wave: SurveyWave, responses: int) -> WaveOut:
    return WaveOut(
        name=wave.name,
        status=wave.status,
        opened_on=wave.opened_on,
        closed_on=wave.closed_on,
        link=f"/s/{wave.token}" if wave.status == "open" and wave.token else None,
        responses=responses,
        questions=[question_out(q) for q in wave.questions],
    )


def wave_out(session: Session, wave: SurveyWave) -> WaveOut:
    """One wave as the interfaces show it, with its response count."""
    counts = ingest_service.survey_waves_answered(session=session, survey=wave.survey.name)
    return _wave_out(wave, counts.get(wave.name, 0))


def question_out(question: SurveyQuestion) -> QuestionOut:
    return QuestionOut(
        key=question.key,
        kind=question.kind,
        text=question.text,
        options=list(question.options),
    )


def get_wave_or_raise(session: Session, *, survey: Survey, name: str) -> SurveyWave:
    """The wave `name` of `survey`, or NotFoundError naming the waves it has."""
    wave = next((w for w in survey.waves if w.name == name), None)
    if wave is None:
        known = ", ".join(w.name for w in survey.waves) or "none yet"
        raise NotFoundError(f"survey {survey.name!r} has no wave {name!r} (waves: {known})")
    return wave


def add_wave(
    session: Session, *, survey: Survey, data: WaveIn, status: str = "draft"
) -> SurveyWave:
    """A new wave; without questions of its own it copies those of the latest wave."""
    if any(w.name == data.name for w in survey.waves):
        raise ConflictError(f"survey {survey.name!r} has a wave {data.name!r} already")
    if data.questions is not None:
        questions = data.questions
    elif survey.waves:
        questions = [
            QuestionIn(key=q.key, kind=q.kind, text=q.text, options=list(q.options))
            for q in survey.waves[-1].questions
        ]
    else:
        questions = []
    _refuse_repeated_keys(questions)
    wave = SurveyWave(name=data.name, status=status)
    survey.waves.append(wave)
    for position, question in enumerate(questions, start=1):
        wave.questions.append(_question_row(question, position))
    session.flush()
    return wave


def ensure_wave(session: Session, *, survey: Survey, name: str) -> SurveyWave:
    """The wave `name`, created closed (answered elsewhere, imported here) when missing."""
    found = next((w for w in survey.waves if w.name == name), None)
    if found is not None:
        return found
    return add_wave(session, survey=survey, data=WaveIn(name=name, questions=[]), status="closed")


def _refuse_repeated_keys(questions: Sequence[QuestionIn]) -> None:
    keys = Counter(q.key for q in questions)
    repeated = sorted(k for k, n in keys.items() if n > 1)
    if repeated:
        raise InvalidInputError(
            [
                InputProblem(reason="each question needs its own key", field="key", value=k)
                for k in repeated
            ]
        )


def _question_row(question: QuestionIn, position: int) -> SurveyQuestion:
    return SurveyQuestion(
        key=question.key,
        position=position,
        kind=question.kind,
        text=question.text,
        options=list(question.options),
    )


def wave_has_answers(session: Session, *, wave: SurveyWave) -> bool:
    """Whether anyone answered the wave (hosted or imported)."""
    counts = ingest_service.survey_waves_answered(session=session, survey=wave.survey.name)
    return counts.get(wave.name, 0) > 0


def _refuse_if_answered(session: Session, wave: SurveyWave) -> None:
    if wave_has_answers(session, wave=wave):
        raise ConflictError(
            f"wave {wave.name!r} has answers: its questions cannot change any more "
            "(add a new wave to ask something else)"
        )


def add_question(session: Session, *, wave: SurveyWave, data: QuestionIn) -> SurveyQuestion:
    """A new question at the end of the wave; refused once the wave has answers."""
    _refuse_if_answered(session, wave)
    if any(q.key == data.key for q in wave.questions):
        raise ConflictError(f"wave {wave.name!r} has a question {data.key!r} already")
    if len(wave.questions) >= MAX_QUESTIONS:
        raise InvalidInputError.because(f"a wave holds at most {MAX_QUESTIONS} questions")
    position = max((q.position for q in wave.questions), default=0) + 1
    question = _question_row(data, position)
    wave.questions.append(question)
    session.flush()
    return question


def _question_or_raise(wave: SurveyWave, key: str) -> SurveyQuestion:
    question = next((q for q in wave.questions if q.key == key), None)
    if question is None:
        raise NotFoundError(f"wave {wave.name!r} has no question {key!r}")
    return question


def update_question(
    session: Session, *, wave: SurveyWave, key: str, data: QuestionUpdate
) -> SurveyQuestion:
    """Change a question's text or options; refused once the wave has answers."""
    _refuse_if_answered(session, wave)
    question = _question_or_raise(wave, key)
    merged = QuestionIn(
        key=question.key,
        kind=question.kind,
        text=data.text if data.text is not None else question.text,
        options=data.options if data.options is not None else list(question.options),
    )
    question.text, question.options = merged.text, list(merged.options)
    session.flush()
    return question


def remove_question(session: Session, *, wave: SurveyWave, key: str) -> None:
    """Remove a question; refused once the wave has answers."""
    _refuse_if_answered(session, wave)
    wave.questions.remove(_question_or_raise(wave, key))
    session.flush()


def open_wave(session: Session, *, wave: SurveyWave, today: date | None = None) -> SurveyWave:
    """Open a wave for answers at `/s/<token>`, a new random token (a closed wave stays closed)."""
    if wave.status == "open":
        return wave
    if wave.status == "closed":
        raise ConflictError(f"wave {wave.name!r} is closed; add a new wave to ask again")
    wave.token = secrets.token_urlsafe(24)
    wave.status = "open"
    wave.opened_on = today or today_utc()
    session.flush()
    return wave


def close_wave(session: Session, *, wave: SurveyWave, today: date | None = None) -> SurveyWave:
    """Close a wave: its link refuses answers from now on."""
    if wave.status != "closed":
        wave.status = "closed"
        wave.closed_on = today or today_utc()
        session.flush()
    return wave


def wave_by_token(session: Session, *, token: str) -> SurveyWave:
    """The wave an anonymous link names; NotFoundError for a token that names none."""
    wave = session.scalar(select(SurveyWave).where(SurveyWave.token == token)) if token else None
    if wave is None:
        raise NotFoundError("this survey link names no survey; ask for a new link")
    return wave


# ---- answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    """What a browser keeps after answering: a new receipt token (only its hash is stored)."""

    receipt: str


def submit_answer(
    session: Session,
    *,
    token: str,
    nps: int | None,
    satisfaction: int | None,
    team: str | None,
    comments: str,
    answers: dict[str, Any],
    receipt: str | None,
) -> Submitted:
    """Record one anonymous answer to the open wave at `token`.

    `receipt` is the token the browser kept from an earlier answer to this wave, if any: a
    known one is refused. The answer gets a random id and today's date (the day only).
    """
    wave = wave_by_token(session, token=token)
    if wave.status != "open":
        raise ConflictError("this survey is closed: it takes no more answers. Thank you!")
    if receipt and has_receipt(session, wave=wave, receipt=receipt):
        raise ConflictError("this browser has answered this survey already. Thank you!")
    data = AnswerIn.model_validate(
        {
            "nps": nps,
            "satisfaction": satisfaction,
            "team": (team or "").strip() or None,
            "comments": comments or "",
            "answers": answers,
        }
    )
    record_answer(
        session,
        wave=wave,
        response_id="hosted-" + secrets.token_hex(16),
        submitted_on=today_utc(),
        data=data,
    )
    new_receipt = secrets.token_urlsafe(32)
    session.add(SurveyReceipt(wave_id=wave.id, receipt_hash=receipt_hash(new_receipt)))
    session.flush()
    return Submitted(receipt=new_receipt)


def has_receipt(session: Session, *, wave: SurveyWave, receipt: str) -> bool:
    """Whether a browser holding `receipt` answered `wave` already."""
    found = session.scalar(
        select(SurveyReceipt.id).where(
            SurveyReceipt.wave_id == wave.id, SurveyReceipt.receipt_hash == receipt_hash(receipt)
        )
    )
    return found is not None


def record_answer(
    session: Session, *, wave: SurveyWave, response_id: str, submitted_on: date, data: AnswerIn
) -> UpsertCounts:
    """Write one answer set through the ingest writer, and its answers to the wave's questions.

    The caller chooses the id: random for the public form, stable for the demo.
    """
    problems: list[InputProblem] = []
    if data.team is not None and data.team not in team_slugs(session=session):
        problems.append(
            InputProblem(reason="is not a team of the catalog", field="team", value=data.team)
        )
    own = _own_answers(wave, data.answers, problems)
    if (
        data.nps is None
        and data.satisfaction is None
        and not data.comments.strip()
        and not own
        and not problems
    ):
        problems.append(InputProblem(reason="the answer is empty: give a score or a comment"))
    if problems:
        raise InvalidInputError(problems)
    row, row_problems = convert_row(
        SURVEY_KIND,
        {
            "id": response_id,
            "survey": wave.survey.name,
            "wave": wave.name,
            "submitted_at": submitted_on.isoformat(),
            "team": data.team,
            "nps": data.nps,
            "satisfaction": data.satisfaction,
            "comments": data.comments,
        },
        tz=UTC,
    )
    if row is None:
        raise InvalidInputError(row_problems)
    counts = upsert_rows(
        session.connection(), SURVEY_KIND, [row], channel=HOSTED_CHANNEL, run_id=None
    )
    for question, value in own:
        exists = session.scalar(
            select(SurveyAnswer.id).where(
                SurveyAnswer.response_id == response_id, SurveyAnswer.question_id == question.id
            )
        )
        if exists is None:
            session.add(
                SurveyAnswer(
                    response_id=response_id, question_id=question.id, value=json.dumps(value)
                )
            )
    session.flush()
    return counts


def _own_answers(
    wave: SurveyWave, given: dict[str, Any], problems: list[InputProblem]
) -> list[tuple[SurveyQuestion, Any]]:
    """The answers to the wave's own questions, checked against each question's kind."""
    by_key = {q.key: q for q in wave.questions}
    out: list[tuple[SurveyQuestion, Any]] = []
    for key, value in given.items():
        question = by_key.get(key)
        if question is None:
            problems.append(
                InputProblem(reason="is not a question of this wave", field=str(key)[:100])
            )
            continue
        checked = _checked_value(question, value)
        if isinstance(checked, InputProblem):
            problems.append(checked)
        elif checked is not None:
            out.append((question, checked))
    return out


def _checked_value(question: SurveyQuestion, value: Any) -> Any:
    """The answer as stored, None for no answer, or the problem with it."""
    field = question.key
    if value is None or value == "" or value == []:
        return None
    if question.kind == "agreement":
        try:
            number = int(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number not in AGREEMENT_SCALE:
            return InputProblem(reason="expected 1 to 5", field=field, value=str(value)[:60])
        return number
    if question.kind == "single":
        if not isinstance(value, str) or value not in question.options:
            return InputProblem(
                reason="is not one of the options", field=field, value=str(value)[:60]
            )
        return value
    if question.kind == "multiple":
        chosen = [value] if isinstance(value, str) else value
        if not isinstance(chosen, list) or any(
            not isinstance(c, str) or c not in question.options for c in chosen
        ):
            return InputProblem(reason="holds a choice that is not an option", field=field)
        return sorted(set(chosen), key=question.options.index)
    if not isinstance(value, str):
        return InputProblem(reason="expected text", field=field)
    if len(value) > MAX_TEXT_ANSWER:
        return InputProblem(reason=f"is longer than {MAX_TEXT_ANSWER} characters", field=field)
    return value.strip() or None


# ---- results ---------------------------------------------------------------------------------


def survey_results(session: Session, *, survey: str, wave: str | None = None) -> SurveyResults:
    """Every wave's results (or one wave's), with the trend across all waves."""
    found = get_survey_or_raise(session, name=survey)
    if wave is not None:
        get_wave_or_raise(session, survey=found, name=wave)
    responses = ingest_service.survey_responses(session=session, survey=found.name)
    by_wave: dict[str, list[ingest_service.SurveyAnswerSet]] = {}
    for response in responses:
        by_wave.setdefault(response.wave, []).append(response)
    themes = categoriser(session, ruleset="comments")
    waves = [
        _wave_results(session, w, by_wave.get(w.name, []), themes.category_of) for w in found.waves
    ]
    trend = [
        TrendPoint(wave=w.wave, responses=w.responses, nps=w.nps, satisfaction=w.satisfaction)
        for w in waves
    ]
    return SurveyResults(
        survey=found.name,
        title=found.title,
        min_answers=MIN_SURVEY_RESPONDENTS,
        waves=[w for w in waves if wave is None or w.wave == wave],
        trend=trend,
    )


def results(session: Session, *, survey: str, wave: str | None = None) -> dict[str, Any]:
    """`survey_results` as plain JSON values (the `survey results --json` contract)."""
    return survey_results(session, survey=survey, wave=wave).model_dump(mode="json")


def _theme_list(texts: Sequence[str], category_of: Any) -> tuple[list[Theme], int]:
    counts: Counter[str] = Counter()
    uncategorised = 0
    for text in texts:
        category = category_of(text)
        if category is None:
            uncategorised += 1
        else:
            counts[category] += 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Theme(theme=t, count=n) for t, n in ordered], uncategorised


def _wave_results(
    session: Session,
    wave: SurveyWave,
    answers: list[ingest_service.SurveyAnswerSet],
    category_of: Any,
) -> WaveResults:
    total = len(answers)
    hidden = not nps_maths.shown(total)
    scores = [a.nps for a in answers if a.nps is not None]
    ratings = [a.satisfaction for a in answers if a.satisfaction is not None]
    split = nps_maths.nps_split(scores)
    nps_ok = not hidden and nps_maths.shown(split.scored)
    sat_ok = not hidden and nps_maths.shown(len(ratings))
    per_team = Counter(a.team for a in answers)
    visible = nps_maths.teams_shown(per_team) if not hidden else set()
    by_team = []
    for team in sorted(visible):
        mine = [a for a in answers if a.team == team]
        team_split = nps_maths.nps_split(a.nps for a in mine)
        team_ratings = [a.satisfaction for a in mine if a.satisfaction is not None]
        by_team.append(
            TeamResult(
                team=team,
                responses=len(mine),
                nps=team_split.score if nps_maths.shown(team_split.scored) else None,
                satisfaction=nps_maths.mean_of(team_ratings)
                if nps_maths.shown(len(team_ratings))
                else None,
            )
        )
    named_teams = {t for t in per_team if t is not None}
    comments = [a.comments for a in answers if a.comments.strip()]
    themes, uncategorised = _theme_list(comments, category_of) if not hidden else ([], 0)
    return WaveResults(
        wave=wave.name,
        status=wave.status,
        opened_on=wave.opened_on,
        closed_on=wave.closed_on,
        responses=total,
        hidden=hidden,
        hidden_reason=HIDDEN_REASON if hidden else None,
        nps=split.score if nps_ok else None,
        satisfaction=nps_maths.mean_of(ratings) if sat_ok else None,
        promoters=split.promoters if nps_ok else None,
        passives=split.passives if nps_ok else None,
        detractors=split.detractors if nps_ok else None,
        satisfaction_distribution=nps_maths.distribution(ratings, nps_maths.SATISFACTION_SCALE)
        if sat_ok
        else None,
        by_team=by_team,
        hidden_teams=len(named_teams - visible),
        themes=themes,
        uncategorised_comments=None if hidden else uncategorised,
        questions=_question_results(session, wave, {a.id for a in answers}, hidden, category_of),
    )


def _question_results(
    session: Session, wave: SurveyWave, response_ids: set[str], hidden: bool, category_of: Any
) -> list[QuestionResult]:
    if not wave.questions:
        return []
    ids = [q.id for q in wave.questions]
    values: dict[int, list[Any]] = {i: [] for i in ids}
    for question_id, response_id, value in session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.response_id, SurveyAnswer.value).where(
            SurveyAnswer.question_id.in_(ids)
        )
    ):
        if response_id in response_ids:
            values[question_id].append(json.loads(value))
    out = []
    for question in wave.questions:
        given = values[question.id]
        ok = not hidden and nps_maths.shown(len(given))
        result = QuestionResult(
            key=question.key,
            kind=question.kind,
            text=question.text,
            answered=len(given),
            hidden=not ok,
        )
        if ok and question.kind == "agreement":
            result.mean = nps_maths.mean_of(given)
            result.counts = nps_maths.distribution(given, AGREEMENT_SCALE)
        elif ok and question.kind in ("single", "multiple"):
            chosen = Counter(c for v in given for c in (v if isinstance(v, list) else [v]))
            result.counts = {option: chosen.get(option, 0) for option in question.options}
        elif ok:
            result.themes, _ = _theme_list([str(v) for v in given], category_of)
        out.append(result)
    return out


# ---- research contacts and exports -----------------------------------------------------------


def contacts(session: Session, *, start: date, end: date) -> list[Contact]:
    """One survey contact per answer from `start` to before `end`: its team, never a person."""
    return [
        Contact(method="survey", team=team, person=None, on=day)
        for day, team in ingest_service.survey_answer_days(session=session, start=start, end=end)
    ]


def export_markdown(session: Session, *, survey: str, wave: str) -> str:
    """A wave report in Markdown, with the anonymity rule applied like every other view."""
    report = survey_results(session, survey=survey, wave=wave)
    w = report.waves[0]
    lines = [f"# {_md(report.title)}: wave {_md(w.wave)}", ""]
    lines.append(
        f"- Status: {w.status}"
        + (f", opened {w.opened_on}" if w.opened_on else "")
        + (f", closed {w.closed_on}" if w.closed_on else "")
    )
    lines.append(f"- Responses: {w.responses}")
    if w.hidden:
        lines += [
            "",
            f"No figures are shown: {w.hidden_reason}. Answers stay anonymous, so a wave "
            f"needs {report.min_answers} answers before any number is reported.",
        ]
        return "\n".join(lines) + "\n"
    lines.append(
        f"- NPS: {_number(w.nps)} ({w.promoters} promoters, {w.passives} passives, "
        f"{w.detractors} detractors)"
        if w.nps is not None
        else "- NPS: not shown (fewer than five scores)"
    )
    lines.append(
        f"- Satisfaction: {_number(w.satisfaction)} / 5"
        if w.satisfaction is not None
        else "- Satisfaction: not shown"
    )
    if w.satisfaction_distribution:
        lines += ["", "## Satisfaction", "", "| score | answers |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in w.satisfaction_distribution.items()]
    lines += ["", "## By team", ""]
    if w.by_team:
        lines += ["| team | responses | NPS | satisfaction |", "|---|---|---|---|"]
        lines += [
            f"| {_md(t.team)} | {t.responses} | {_number(t.nps)} | {_number(t.satisfaction)} |"
            for t in w.by_team
        ]
    if w.hidden_teams:
        lines += ["", f"{w.hidden_teams} teams held back (fewer than five answers)."]
    lines += ["", "## Themes of the comments", ""]
    if w.themes:
        lines += ["| theme | comments |", "|---|---|"]
        lines += [f"| {_md(t.theme)} | {t.count} |" for t in w.themes]
    else:
        lines.append("No comment matched a theme (import rules for the `comments` rule set).")
    if w.uncategorised_comments:
        lines.append(f"\n{w.uncategorised_comments} comments matched no theme.")
    for q in w.questions:
        lines += ["", f"## {_md(q.text)}", ""]
        if q.hidden:
            lines.append(f"Not shown: {q.answered} answers, fewer than {report.min_answers}.")
        elif q.counts is not None:
            if q.mean is not None:
                lines.append(f"Mean {_number(q.mean)} of 5 over {q.answered} answers.\n")
            lines += ["| answer | count |", "|---|---|"]
            lines += [f"| {_md(k)} | {v} |" for k, v in q.counts.items()]
        else:
            lines.append(
                f"{q.answered} answers; themes: "
                + (
                    ", ".join(f"{_md(t.theme)} ({t.count})" for t in q.themes or [])
                    or "none matched"
                )
            )
    trend = list(report.trend)
    if len(trend) > 1:
        lines += [
            "",
            "## Trend across waves",
            "",
            "| wave | responses | NPS | satisfaction |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {_md(p.wave)} | {p.responses} | {_number(p.nps)} | {_number(p.satisfaction)} |"
            for p in trend
        ]
    return "\n".join(lines) + "\n"


def _number(value: float | None) -> str:
    if value is None:
        return "hidden"
    return f"{value:g}"


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or heading: no pipes, no HTML, one line."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def receipts_of(session: Session, *, wave: SurveyWave) -> int:
    """How many browsers answered the wave through its link."""
    return session.scalar(select(func.count()).where(SurveyReceipt.wave_id == wave.id)) or 0
