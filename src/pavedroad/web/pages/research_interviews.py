"""Research pages: interview scripts, interviews and their synthesis."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pavedroad.catalog.service import list_teams
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.metrics.windows import today_utc
from pavedroad.research import interview_notes as notes_reader
from pavedroad.research import interviews as service
from pavedroad.research.interview_notes import SECTIONS
from pavedroad.research.interview_schemas import (
    INTERVIEWS_PER_MONTH,
    InterviewOut,
    InterviewUpdate,
    ScriptIn,
)
from pavedroad.research.talk_ratio import TALK_RATIO_LIMIT, WARNING_MESSAGES
from pavedroad.web.deps import Browser, DbSession, RowId
from pavedroad.web.pages.forms import PostedForm, WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)
MAX_FORM_ANSWERS = 200


def _base(session: Session) -> dict[str, Any]:
    return {
        "team_slugs": [t.slug for t in list_teams(session=session)],
        "limit": TALK_RATIO_LIMIT,
        "warning_messages": WARNING_MESSAGES,
    }


# ---- the list --------------------------------------------------------------------------------


@router.get("/research/interviews", response_class=HTMLResponse)
def interviews(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every interview, this month's progress toward 5 developers, talk-ratio warnings."""
    found = service.list_interviews(session=session)
    return render(
        request,
        "research/interviews.html",
        {
            **_base(session),
            "found": found,
            "aim": INTERVIEWS_PER_MONTH,
            "warned": [i for i in found.interviews if i.warnings],
        },
    )


# ---- the script ------------------------------------------------------------------------------


def _script_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    script = service.script_out(service.current_script(session=session))
    return render(
        request,
        "research/interview_script.html",
        {
            "script": script,
            "form": form or {s.section: "\n".join(s.questions) for s in script.sections},
            "errors": errors or [],
        },
        status_code=status,
    )


@router.get("/research/interviews/script", response_class=HTMLResponse)
def script(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The interview script, editable by section."""
    return _script_page(request, session)


@router.post("/research/interviews/script", response_model=None)
def save_script(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Replace the script: one question a line under each section."""
    form: dict[str, str] = {s: posted.text(s) for s in SECTIONS}

    def change() -> Response:
        data = ScriptIn.model_validate(
            {
                "sections": [
                    {
                        "section": s,
                        "questions": [
                            notes_reader.strip_bullet(line) or line.strip()
                            for line in form[s].splitlines()
                            if line.strip()
                        ],
                    }
                    for s in SECTIONS
                ]
            }
        )
        service.set_script(session=session, data=data)
        return RedirectResponse("/research/interviews/script?saved=1", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _script_page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)


# ---- the form (new and edit) -----------------------------------------------------------------


def _answers_form(session: Session, out: InterviewOut | None) -> list[dict[str, str]]:
    """A notes field per script question, then answers stored under other questions."""
    script = service.script_out(service.current_script(session=session))
    stored = {(a.section, a.question): a.notes for a in (out.answers if out else [])}
    rows = [
        {"section": s.section, "question": q, "notes": stored.pop((s.section, q), "")}
        for s in script.sections
        for q in s.questions
    ]
    rows += [{"section": s, "question": q, "notes": n} for (s, q), n in stored.items()]
    return rows


def _form_of(session: Session, out: InterviewOut | None) -> dict[str, Any]:
    if out is None:
        return {
            "developer": "",
            "team": "",
            "date": today_utc().isoformat(),
            "interviewer": "",
            "answers": _answers_form(session, None),
            "pain_points": "",
            "surprises": "",
            "assumptions": "",
            "actions": "",
            "quotes": "",
            "notes": "",
        }
    return {
        "developer": out.developer or "",
        "team": out.team or "",
        "date": out.date.isoformat(),
        "interviewer": out.interviewer or "",
        "answers": _answers_form(session, out),
        "pain_points": "\n".join(
            f'"{p.quote}"' + (f" — {p.context}" if p.context else "") for p in out.pain_points
        ),
        "surprises": "\n".join(out.surprises),
        "assumptions": "\n".join(
            f"[{'+' if a.validated else '-'}] {a.assumption}"
            + (
                f" — {'confirmed' if a.validated else 'contradicted'} by {a.evidence}"
                if a.evidence
                else ""
            )
            for a in out.assumptions
        ),
        "actions": "\n".join(out.actions),
        "quotes": "\n".join(out.quotes),
        "notes": out.notes,
    }


def _posted(posted: PostedForm) -> dict[str, Any]:
    """The form as typed, to show it again on an error."""
    answers = []
    for i in range(MAX_FORM_ANSWERS):
        section = posted.text(f"answer_section_{i}", "\x00")
        if section == "\x00":
            break
        answers.append(
            {
                "section": section,
                "question": posted.text(f"answer_question_{i}"),
                "notes": posted.text(f"answer_notes_{i}"),
            }
        )
    fields = (
        *("developer", "team", "date", "interviewer", "pain_points", "surprises"),
        *("assumptions", "actions", "quotes", "notes"),
    )
    return {"answers": answers, **{name: posted.text(name) for name in fields}}


def _lines(text: str) -> list[str]:
    return [notes_reader.strip_bullet(line) for line in text.splitlines() if line.strip()]


def _update_of(form: dict[str, Any]) -> InterviewUpdate:
    """The form as an update; assumption lines without [+] or [-] are refused by line."""
    problems: list[InputProblem] = []
    assumptions = []
    for number, line in enumerate(_lines(form["assumptions"]), start=1):
        found = notes_reader.assumption_of(line)
        if found is None or not found.assumption:
            problems.append(
                InputProblem(
                    reason=f"line {number} starts with [+] (confirmed) or [-] (contradicted)",
                    field="assumptions",
                    value=line[:80],
                )
            )
        else:
            assumptions.append(found.__dict__)
    day: date | None = None
    if form["date"].strip():
        try:
            day = date.fromisoformat(form["date"].strip())
        except ValueError:
            problems.append(InputProblem(reason="expected a day such as 2026-06-03", field="date"))
    if problems:
        raise InvalidInputError(problems)
    return InterviewUpdate.model_validate(
        {
            "developer": form["developer"].strip() or None,
            "team": form["team"].strip().lower() or None,
            "interviewer": form["interviewer"].strip() or None,
            "date": day,
            "answers": [a for a in form["answers"] if a["notes"].strip()],
            "pain_points": [
                notes_reader.pain_point_of(line).__dict__ for line in _lines(form["pain_points"])
            ],
            "surprises": _lines(form["surprises"]),
            "assumptions": assumptions,
            "actions": _lines(form["actions"]),
            "quotes": [q.strip('"“” ') for q in _lines(form["quotes"])],
            "notes": form["notes"],
        }
    )


def _form_page(
    request: Request,
    session: Session,
    *,
    form: dict[str, Any],
    interview: InterviewOut | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "research/interview_form.html",
        {
            **_base(session),
            "form": form,
            "interview": interview,
            "errors": errors or [],
            "sections": SECTIONS,
        },
        status_code=status,
    )


@router.get("/research/interviews/new", response_class=HTMLResponse)
def new_interview(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The form for an interview: who, when, notes per script question and the synthesis."""
    return _form_page(request, session, form=_form_of(session, None))


@router.post("/research/interviews/new", response_model=None)
def create_interview(request: Request, session: DbSession, posted: WriteForm) -> Response:
    """Save a new interview; on an error the form comes back with what was typed."""
    form = _posted(posted)

    def change() -> Response:
        created = service.create_interview(session=session, data=_update_of(form))
        return RedirectResponse(f"/research/interviews/{created.id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _form_page(request, session, form=form, errors=errors, status=422)

    return submit(session, change, refused)


@router.get("/research/interviews/{interview_id}", response_class=HTMLResponse)
def interview(
    request: Request, interview_id: RowId, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """One interview's synthesis: pain points with quotes, [+]/[-] assumptions, talk ratio."""
    found = service.get_interview_or_raise(session=session, interview_id=interview_id)
    out = service.to_out(session, found)
    return render(request, "research/interview.html", {**_base(session), "interview": out})


@router.get("/research/interviews/{interview_id}/edit", response_class=HTMLResponse)
def edit_interview(
    request: Request, interview_id: RowId, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """The interview in the form, to correct or complete it."""
    found = service.get_interview_or_raise(session=session, interview_id=interview_id)
    out = service.to_out(session, found)
    return _form_page(request, session, form=_form_of(session, out), interview=out)


@router.post("/research/interviews/{interview_id}/edit", response_model=None)
def save_interview(
    request: Request, interview_id: RowId, session: DbSession, posted: WriteForm
) -> Response:
    """Save the edit form; on an error it comes back with what was typed."""
    found = service.get_interview_or_raise(session=session, interview_id=interview_id)
    form = _posted(posted)

    def change() -> Response:
        service.update_interview(session=session, interview=found, data=_update_of(form))
        return RedirectResponse(f"/research/interviews/{interview_id}", status_code=303)

    def refused(errors: list[str]) -> Response:
        again = service.get_interview_or_raise(session=session, interview_id=interview_id)
        out = service.to_out(session, again)
        return _form_page(request, session, form=form, interview=out, errors=errors, status=422)

    return submit(session, change, refused)
