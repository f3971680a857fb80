"""The home page: are we winning (the north-star KPIs since the baseline), what needs the PM,
and the roadmap in one line; and the form that sets the baseline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from pavedroad.catalog.service import catalog_totals
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.home import home_view
from pavedroad.metrics import service as metrics
from pavedroad.metrics.baseline import BaselineIn, clear_baseline, set_baseline
from pavedroad.metrics.windows import today_utc
from pavedroad.web.charts import sparkline_svg
from pavedroad.web.deps import Browser, DbSession
from pavedroad.web.pages.forms import WriteForm, submit
from pavedroad.web.pages.render import render

router = APIRouter(include_in_schema=False)


def _home(
    request: Request,
    session: DbSession,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    totals = catalog_totals(session=session)
    context: dict[str, Any] = {"totals": totals, "typed": typed or {}, "errors": errors or {}}
    if totals["teams"]:
        view = home_view(session=session, today=today_utc())
        star = view.north_star
        context.update(
            star=star,
            sparks={k.definition.id: sparkline_svg(k.weekly) for k in star.kpis},
            needs=view.needs_you,
            lanes=view.lanes,
            has_events=metrics.has_events(session=session),
        )
    return render(request, "home.html", context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, _browser: Browser) -> HTMLResponse:
    """The north-star KPIs since the baseline, what needs you, and the roadmap in one line."""
    return _home(request, session)


def _baseline_in(day: str, label: str) -> BaselineIn:
    """The typed day and label, with the problems in plain words beside their fields."""
    try:
        parsed = date.fromisoformat(day.strip())
    except ValueError:
        raise InvalidInputError(
            [InputProblem(field="day", reason="write the day as YYYY-MM-DD", value=day[:40])]
        ) from None
    try:
        return BaselineIn(day=parsed, label=label)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            field = str(e["loc"][0]) if e["loc"] else "label"
            reason = (
                "the label can be at most 200 characters"
                if field == "label" and e["type"] == "string_too_long"
                else str(e["msg"]).removeprefix("Value error, ")
            )
            problems.append(InputProblem(field=field, reason=reason))
        raise InvalidInputError(problems) from None


@router.post("/baseline", response_model=None)
def save_baseline(
    request: Request,
    session: DbSession,
    posted: WriteForm,
    day: Annotated[str, Form(max_length=100)] = "",
    label: Annotated[str, Form(max_length=10_000)] = "",
    clear: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Set (or clear) the day the north-star KPIs are compared with."""

    def change() -> Response:
        if clear:
            clear_baseline(session=session)
        else:
            set_baseline(
                session=session, data=_baseline_in(day, label), set_by=posted.browser.grant.email
            )
        return RedirectResponse("/#baseline", status_code=303)

    def refused(messages: list[str]) -> Response:
        by_field: dict[str, str] = {}
        for message in messages:
            field, _, reason = message.partition(": ")
            key = field if field in ("day", "label") else "day"
            by_field.setdefault(key, reason or message)
        return _home(
            request, session, typed={"day": day, "label": label}, errors=by_field, status=422
        )

    return submit(session, change, refused)
