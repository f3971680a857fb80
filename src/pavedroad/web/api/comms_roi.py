"""Comms API: ROI per quarter and its editable assumptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from pavedroad.comms import roi_assumptions as service
from pavedroad.comms.schemas.roi import AssumptionIn, RoiOut
from pavedroad.web.deps import DbSession, ReadGrant, WriteGrant

router = APIRouter(prefix="/api/v1/roi", tags=["comms"])
Key = Annotated[str, Path(max_length=60, description="An assumption's key, e.g. responders.")]


class AssumptionEdit(BaseModel):
    """An assumption as edited (`value: null` once reset)."""

    key: str
    value: float | None


@router.get("", response_model=RoiOut)
def get_roi(
    request: Request,
    session: DbSession,
    _grant: ReadGrant,
    quarter: Annotated[
        str | None, Query(max_length=10, description="2026-Q3; default: the current one.")
    ] = None,
    baseline: Annotated[
        str | None,
        Query(
            max_length=10,
            description="The quarter before the work (default: the earliest of the four "
            "quarters before with data).",
        ),
    ] = None,
) -> RoiOut:
    """The quarter's hours given back per term with their assumptions, their value at the
    hourly rate, the platform team's cost and `roi` = (value - cost) / cost."""
    currency = request.app.state.settings.currency
    return service.quarter_roi(
        session=session, quarter=quarter, baseline=baseline, currency=currency
    )


@router.put("/assumptions/{key}", response_model=AssumptionEdit)
def put_assumption(
    key: Key, data: AssumptionIn, session: DbSession, _grant: WriteGrant
) -> AssumptionEdit:
    """Edit an assumption; it holds for every quarter until deleted."""
    value = service.set_assumption(session=session, key=key, value=data.value)
    return AssumptionEdit(key=key.strip(), value=value)


@router.delete("/assumptions/{key}", response_model=AssumptionEdit)
def delete_assumption(key: Key, session: DbSession, _grant: WriteGrant) -> AssumptionEdit:
    """Forget an edit, so data (or the practice's default) gives the value again."""
    service.reset_assumption(session=session, key=key)
    return AssumptionEdit(key=key.strip(), value=None)
