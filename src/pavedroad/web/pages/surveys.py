"""Survey pages: surveys and results for the team, and the anonymous answer form at /s/<token>.

The public form needs no account and keeps nothing about who answered: no session, no IP, no
user agent. Its one cookie, scoped to the wave's own path, holds a random receipt whose hash
stops a second answer from the same browser. A signed per-form nonce stands in for the CSRF
token (there is no session to bind one to); bodies are bounded, and answers per wave are
rate-limited in memory (429).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pavedroad.catalog.service import list_teams
from pavedroad.errors import ConflictError, InputProblem, InvalidInputError, NotFoundError
from pavedroad.metrics.service import MIN_SURVEY_RESPONDENTS
from pavedroad.research import surveys
from pavedroad.research.survey_schemas import (
    MAX_COMMENT,
    MAX_TEXT_ANSWER,
    QuestionIn,
    SurveyIn,
    SurveyResults,
    WaveIn,
)
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

if TYPE_CHECKING:
    from pavedroad.research.models import Survey, SurveyWave

router = APIRouter(include_in_schema=False)

SurveyName = Annotated[str, Path(min_length=1, max_length=200)]
WaveName = Annotated[str, Path(min_length=1, max_length=100)]
Token = Annotated[str, Path(min_length=1, max_length=64)]

RECEIPT_COOKIE = "pavedroad_receipt"
RECEIPT_DAYS = 400
MAX_FORM_BYTES = 32 * 1024
ANSWERS_PER_MINUTE = 30
NONCE_SECONDS = 24 * 3600
# Signs form nonces; kept in memory, so a form served before a restart asks for a reload.
_NONCE_KEY = secrets.token_bytes(32)
PUBLIC_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


# ---- spam bounds -----------------------------------------------------------------------------


@dataclass
class AnswerRateLimit:
    """At most `per_minute` answer attempts per wave in any 60 seconds (in this process)."""

    per_minute: int = ANSWERS_PER_MINUTE
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, wave: str) -> bool:
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(wave, deque())
            while seen and seen[0] <= now - 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True


def _rate_limit(request: Request) -> AnswerRateLimit:
    state = request.app.state
    if not hasattr(state, "survey_rate_limit"):
        state.survey_rate_limit = AnswerRateLimit()
    limit: AnswerRateLimit = state.survey_rate_limit
    return limit


def form_nonce(token: str, *, now: float | None = None) -> str:
    """A nonce for one served form of the wave at `token`: issued time, random, signature."""
    issued = str(int(now if now is not None else time.time()))
    salt = secrets.token_urlsafe(12)
    return f"{issued}.{salt}.{_sign(token, issued, salt)}"


def nonce_is_valid(token: str, nonce: str, *, now: float | None = None) -> bool:
    """Whether `nonce` was served by this process for this wave within a day."""
    issued, _, rest = nonce.partition(".")
    salt, _, signature = rest.partition(".")
    if not issued.isdigit() or not salt or not signature:
        return False
    age = (now if now is not None else time.time()) - int(issued)
    return 0 <= age <= NONCE_SECONDS and hmac.compare_digest(signature, _sign(token, issued, salt))


def _sign(token: str, issued: str, salt: str) -> str:
    message = f"{token}\x1f{issued}\x1f{salt}".encode()
    return hmac.new(_NONCE_KEY, message, hashlib.sha256).hexdigest()[:32]


async def _bounded_form(request: Request) -> dict[str, list[str]] | None:
    """The posted form fields, or None when the body is larger than MAX_FORM_BYTES."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return parse_qs(text, keep_blank_values=True, max_num_fields=200)


# ---- the public form -------------------------------------------------------------------------


def _public(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HTMLResponse:
    response = render(request, template, context, status_code=status)
    response.headers.update(PUBLIC_HEADERS)
    return response


def _form_page(
    request: Request,
    session: DbSession,
    wave: SurveyWave,
    token: str,
    *,
    form: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return _public(
        request,
        "surveys/answer.html",
        {
            "survey": wave.survey,
            "wave": wave,
            "token": token,
            "nonce": form_nonce(token),
            "teams": list_teams(session=session),
            "form": form or {"answers": {}},
            "errors": errors or [],
            "max_comment": MAX_COMMENT,
            "max_text": MAX_TEXT_ANSWER,
            "min_answers": MIN_SURVEY_RESPONDENTS,
        },
        status=status,
    )


def _message(request: Request, title: str, message: str, status: int) -> HTMLResponse:
    return _public(
        request, "surveys/message.html", {"title": title, "message": message}, status=status
    )


def _already_answered(session: DbSession, wave: SurveyWave, request: Request) -> bool:
    receipt = request.cookies.get(RECEIPT_COOKIE)
    return bool(receipt) and surveys.has_receipt(session, wave=wave, receipt=receipt or "")


@router.get("/s/{token}", response_class=HTMLResponse)
def answer_form(request: Request, token: Token, session: DbSession) -> HTMLResponse:
    """The anonymous answer form of an open wave (no account needed)."""
    try:
        wave = surveys.wave_by_token(session, token=token)
    except NotFoundError as exc:
        return _message(request, "No such survey", str(exc), 404)
    if wave.status != "open":
        return _message(
            request, "This survey is closed", "It takes no more answers. Thank you!", 410
        )
    if _already_answered(session, wave, request):
        return _message(request, "Thank you", "This browser has answered this survey already.", 200)
    return _form_page(request, session, wave, token)


def _int_or_none(text: str, field: str, problems: list[InputProblem]) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 3:
        problems.append(
            InputProblem(reason="pick one of the numbers", field=field, value=text[:20])
        )
        return None
    return int(text)


@router.post("/s/{token}", response_model=None)
async def answer(request: Request, token: Token, session: DbSession) -> Response:
    """Record one anonymous answer; a second one from the same browser is refused."""
    if not _rate_limit(request).allow(token):
        response = _message(
            request,
            "Too many answers",
            "This survey takes many answers at once; try again in a minute.",
            429,
        )
        response.headers["Retry-After"] = "60"
        return response
    fields = await _bounded_form(request)
    if fields is None:
        return _message(
            request, "Too long", f"An answer is at most {MAX_FORM_BYTES // 1024} KB.", 413
        )
    try:
        wave = surveys.wave_by_token(session, token=token)
    except NotFoundError as exc:
        return _message(request, "No such survey", str(exc), 404)

    if wave.status != "open":
        return _message(
            request, "This survey is closed", "It takes no more answers. Thank you!", 410
        )

    def one(name: str) -> str:
        values = fields.get(name) or [""]
        return values[0]

    if not nonce_is_valid(token, one("nonce")):
        return _message(
            request, "Please reload", "This form is stale: reload the page and answer again.", 403
        )
    problems: list[InputProblem] = []
    nps = _int_or_none(one("nps"), "nps", problems)
    satisfaction = _int_or_none(one("satisfaction"), "satisfaction", problems)
    own: dict[str, Any] = {}
    for question in wave.questions:
        name = f"q_{question.key}"
        if question.kind == "multiple":
            own[question.key] = [v for v in fields.get(name, []) if v]
        else:
            own[question.key] = one(name)
    form = {
        "nps": one("nps"),
        "satisfaction": one("satisfaction"),
        "team": one("team"),
        "comments": one("comments"),
        "answers": own,
    }
    try:
        if problems:
            raise InvalidInputError(problems)
        submitted = surveys.submit_answer(
            session,
            token=token,
            nps=nps,
            satisfaction=satisfaction,
            team=one("team") or None,
            comments=one("comments"),
            answers=own,
            receipt=request.cookies.get(RECEIPT_COOKIE),
        )
    except ConflictError as exc:
        session.rollback()
        return _message(request, "Thank you", str(exc), 409)
    except (InvalidInputError, ValueError) as exc:
        session.rollback()
        errors = (
            [_readable(p) for p in exc.problems]
            if isinstance(exc, InvalidInputError)
            else [_first_error(exc)]
        )
        return _form_page(request, session, wave, token, form=form, errors=errors, status=422)
    response = _message(
        request,
        "Thank you",
        "Your answer was recorded. It is anonymous: nothing links it to you.",
        200,
    )
    response.set_cookie(
        RECEIPT_COOKIE,
        submitted.receipt,
        max_age=RECEIPT_DAYS * 86400,
        path=f"/s/{token}",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.secure_cookies),
    )
    return response


_FIELD_LABELS = {
    "nps": "How likely",
    "satisfaction": "Satisfaction",
    "team": "Team",
    "comments": "Comments",
}


def _readable(problem: InputProblem) -> str:
    label = _FIELD_LABELS.get(problem.field or "", problem.field or "")
    return f"{label}: {problem.reason}" if label else problem.reason


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            where = ".".join(str(part) for part in found[0].get("loc", ()))
            return f"{_FIELD_LABELS.get(where, where)}: {found[0].get('msg', 'not valid')}"
    return str(exc)


# ---- the team's pages ------------------------------------------------------------------------


def _link(request: Request, path: str | None) -> str | None:
    return str(request.base_url).rstrip("/") + path if path else None


def _list_page(
    request: Request,
    session: DbSession,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    found = surveys.list_surveys(session)
    links = {(s.name, w.name): _link(request, w.link) for s in found for w in s.waves}
    return render(
        request,
        "surveys/surveys.html",
        {"surveys": found, "links": links, "form": form or {}, "errors": errors or []},
        status_code=status,
    )


@router.get("/surveys", response_class=HTMLResponse)
def survey_list(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """Every survey, its waves, and the links of the open ones to copy."""
    return _list_page(request, session)


@router.post("/surveys", response_model=None)
def create_survey(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    name: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Create a survey; on an error the form comes back with what was typed."""

    def change() -> Response:
        created = surveys.create_survey(session, data=SurveyIn(name=name, title=title))
        return RedirectResponse(f"/surveys/{created.name}", status_code=303)

    def refused(errors: list[str]) -> Response:
        return _list_page(
            request, session, form={"name": name, "title": title}, errors=errors, status=422
        )

    return submit(session, change, refused)


def _safe_json(value: Any) -> str:
    """JSON for a <script type="application/json"> block: no `<` can close the element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _charts(report: SurveyResults) -> dict[str, str]:
    split_rows = [
        {"wave": w.wave, "group": group, "answers": count}
        for w in report.waves
        for group, count in (
            ("promoters", w.promoters),
            ("passives", w.passives),
            ("detractors", w.detractors),
        )
        if count is not None
    ]
    colours = {
        "domain": ["promoters", "passives", "detractors"],
        "range": ["#16a34a", "#a3a3a3", "#dc2626"],
    }
    split = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": split_rows},
        "mark": "bar",
        "width": "container",
        "height": 200,
        "encoding": {
            "x": {"field": "wave", "type": "nominal", "title": None, "sort": None},
            "y": {
                "field": "answers",
                "type": "quantitative",
                "stack": "normalize",
                "title": "share of answers",
            },
            "color": {"field": "group", "type": "nominal", "scale": colours, "title": None},
            "tooltip": [{"field": "wave"}, {"field": "group"}, {"field": "answers"}],
        },
    }
    trend_rows = [{"wave": p.wave, "nps": p.nps} for p in report.trend if p.nps is not None]
    trend = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": trend_rows},
        "mark": {"type": "line", "point": True, "color": "#2563eb"},
        "width": "container",
        "height": 200,
        "encoding": {
            "x": {"field": "wave", "type": "ordinal", "title": None, "sort": None},
            "y": {
                "field": "nps",
                "type": "quantitative",
                "title": "NPS",
                "scale": {"domain": [-100, 100]},
            },
            "tooltip": [{"field": "wave"}, {"field": "nps"}],
        },
    }
    latest = next((w for w in reversed(report.waves) if w.satisfaction_distribution), None)
    dist_rows = (
        [{"score": k, "answers": v} for k, v in latest.satisfaction_distribution.items()]
        if latest and latest.satisfaction_distribution
        else []
    )
    distribution = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": dist_rows},
        "mark": {"type": "bar", "color": "#2563eb"},
        "width": "container",
        "height": 180,
        "encoding": {
            "x": {"field": "score", "type": "ordinal", "title": "satisfaction (1-5)"},
            "y": {"field": "answers", "type": "quantitative", "title": "answers"},
            "tooltip": [{"field": "score"}, {"field": "answers"}],
        },
    }
    return {
        "split_json": _safe_json(split) if split_rows else "",
        "trend_json": _safe_json(trend) if len(trend_rows) > 1 else "",
        "distribution_json": _safe_json(distribution) if dist_rows else "",
        "distribution_wave": latest.wave if latest else "",
    }


def _survey_page(
    request: Request,
    session: DbSession,
    survey: Survey,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    report = surveys.survey_results(session, survey=survey.name)
    out = surveys.survey_out(session, survey)
    return render(
        request,
        "surveys/survey.html",
        {
            "survey": out,
            "report": report,
            "waves": {w.wave: w for w in report.waves},
            "links": {w.name: _link(request, w.link) for w in out.waves},
            "min_answers": MIN_SURVEY_RESPONDENTS,
            "form": form or {},
            "errors": errors or [],
            **_charts(report),
        },
        status_code=status,
    )


@router.get("/surveys/{name}", response_class=HTMLResponse)
def survey_page(
    request: Request, name: SurveyName, session: DbSession, _browser: Browser
) -> HTMLResponse:
    """A survey's results per wave, the trend, and its wave management forms."""
    return _survey_page(request, session, surveys.get_survey_or_raise(session, name=name))


def parse_question_lines(text: str) -> list[QuestionIn]:
    """One question a line, `KEY:KIND:TEXT[:opt|opt]` (as `survey wave add --question`)."""
    questions = []
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(":", 3)
        if len(parts) < 3:
            problems.append(
                InputProblem(
                    reason="write KEY:KIND:TEXT[:option|option]", line=number, value=line[:60]
                )
            )
            continue
        options = [o.strip() for o in parts[3].split("|") if o.strip()] if len(parts) > 3 else []
        questions.append(
            QuestionIn.model_validate(
                {
                    "key": parts[0].strip(),
                    "kind": parts[1].strip(),
                    "text": parts[2].strip(),
                    "options": options,
                }
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return questions


@router.post("/surveys/{name}/waves", response_model=None)
def add_wave(
    request: Request,
    name: SurveyName,
    session: DbSession,
    posted: WriteForm,
    wave: Annotated[str, Form(max_length=100)] = "",
    questions: Annotated[str, Form(max_length=20_000)] = "",
    copy_questions: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Add a draft wave; without questions typed it copies the latest wave's when asked to."""
    found = surveys.get_survey_or_raise(session, name=name)

    def change() -> Response:
        typed = parse_question_lines(questions)
        data = WaveIn(name=wave, questions=typed if typed or not copy_questions else None)
        surveys.add_wave(session, survey=found, data=data)
        return RedirectResponse(f"/surveys/{name}#waves", status_code=303)

    def refused(errors: list[str]) -> Response:
        again = surveys.get_survey_or_raise(session, name=name)
        return _survey_page(
            request,
            session,
            again,
            form={"wave": wave, "questions": questions},
            errors=errors,
            status=422,
        )

    return submit(session, change, refused)


def _wave_action(
    request: Request,
    session: DbSession,
    name: str,
    wave: str,
    action: Callable[[SurveyWave], object],
) -> Response:
    found = surveys.get_survey_or_raise(session, name=name)
    target = surveys.get_wave_or_raise(session, survey=found, name=wave)

    def change() -> Response:
        action(target)
        return RedirectResponse(f"/surveys/{name}#waves", status_code=303)

    def refused(errors: list[str]) -> Response:
        again = surveys.get_survey_or_raise(session, name=name)
        return _survey_page(request, session, again, errors=errors, status=422)

    return submit(session, change, refused)


@router.post("/surveys/{name}/waves/{wave}/open", response_model=None)
def open_wave(
    request: Request, name: SurveyName, wave: WaveName, session: DbSession, posted: WriteForm
) -> Response:
    """Open a wave: it answers at its anonymous link."""
    return _wave_action(request, session, name, wave, lambda w: surveys.open_wave(session, wave=w))


@router.post("/surveys/{name}/waves/{wave}/close", response_model=None)
def close_wave(
    request: Request, name: SurveyName, wave: WaveName, session: DbSession, posted: WriteForm
) -> Response:
    """Close a wave: its link refuses answers."""
    return _wave_action(request, session, name, wave, lambda w: surveys.close_wave(session, wave=w))


@router.post("/surveys/{name}/waves/{wave}/questions", response_model=None)
def add_question(
    request: Request,
    name: SurveyName,
    wave: WaveName,
    session: DbSession,
    posted: WriteForm,
    question: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Add one question (`KEY:KIND:TEXT[:opt|opt]`) while the wave has no answers."""

    def add(target: SurveyWave) -> None:
        for data in parse_question_lines(question):
            surveys.add_question(session, wave=target, data=data)

    return _wave_action(request, session, name, wave, add)


@router.post("/surveys/{name}/waves/{wave}/questions/{key}/delete", response_model=None)
def remove_question(
    request: Request,
    name: SurveyName,
    wave: WaveName,
    key: Annotated[str, Path(min_length=1, max_length=100)],
    session: DbSession,
    posted: WriteForm,
) -> Response:
    """Remove a question while the wave has no answers."""
    return _wave_action(
        request, session, name, wave, lambda w: surveys.remove_question(session, wave=w, key=key)
    )


@router.get("/surveys/{name}/waves/{wave}/report.md")
def wave_report(
    name: SurveyName, wave: WaveName, session: DbSession, _browser: Browser
) -> Response:
    """The wave report in Markdown (anonymity applied), as a download."""
    text = surveys.export_markdown(session, survey=name, wave=wave)
    filename = f"{name}-{wave}.md".replace('"', "")
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
