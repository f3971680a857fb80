"""Surveys API: surveys, waves, questions, imports and results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Body, Path, Query, Response
from fastapi.responses import PlainTextResponse

from pavedroad.research import survey_import, surveys
from pavedroad.research.survey_schemas import (
    QuestionIn,
    QuestionOut,
    QuestionUpdate,
    SurveyImportReport,
    SurveyIn,
    SurveyOut,
    SurveyResults,
    WaveIn,
    WaveOut,
)
from pavedroad.web.deps import DbSession, ReadGrant, WriteGrant

if TYPE_CHECKING:
    from pavedroad.research.models import SurveyWave

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])

SurveyName = Annotated[str, Path(min_length=1, max_length=200, description="The survey's name.")]
WaveName = Annotated[str, Path(min_length=1, max_length=100, description="The wave's name.")]
QuestionKey = Annotated[str, Path(min_length=1, max_length=100, description="The question's key.")]


@router.get("", response_model=list[SurveyOut])
def list_surveys(session: DbSession, _grant: ReadGrant) -> list[SurveyOut]:
    """Every survey with its waves, their status, answer counts and open links."""
    return surveys.list_surveys(session)


@router.post("", status_code=201, response_model=SurveyOut)
def create_survey(data: SurveyIn, session: DbSession, _grant: WriteGrant) -> SurveyOut:
    """Create a survey; its name is what its answers carry (409 when taken)."""
    return surveys.survey_out(session, surveys.create_survey(session, data=data))


@router.get("/{survey}", response_model=SurveyOut)
def get_survey(survey: SurveyName, session: DbSession, _grant: ReadGrant) -> SurveyOut:
    """One survey with its waves."""
    return surveys.survey_out(session, surveys.get_survey_or_raise(session, name=survey))


@router.post("/{survey}/waves", status_code=201, response_model=WaveOut)
def add_wave(survey: SurveyName, data: WaveIn, session: DbSession, _grant: WriteGrant) -> WaveOut:
    """Add a draft wave; without `questions` it copies the latest wave's questions."""
    found = surveys.get_survey_or_raise(session, name=survey)
    return surveys.wave_out(session, surveys.add_wave(session, survey=found, data=data))


def _wave(session: DbSession, survey: str, wave: str) -> SurveyWave:
    found = surveys.get_survey_or_raise(session, name=survey)
    return surveys.get_wave_or_raise(session, survey=found, name=wave)


@router.post("/{survey}/waves/{wave}/open", response_model=WaveOut)
def open_wave(
    survey: SurveyName, wave: WaveName, session: DbSession, _grant: WriteGrant
) -> WaveOut:
    """Open a draft wave for answers; `link` is its anonymous path `/s/<token>` (409 if closed)."""
    return surveys.wave_out(session, surveys.open_wave(session, wave=_wave(session, survey, wave)))


@router.post("/{survey}/waves/{wave}/close", response_model=WaveOut)
def close_wave(
    survey: SurveyName, wave: WaveName, session: DbSession, _grant: WriteGrant
) -> WaveOut:
    """Close a wave: its link refuses answers from now on."""
    return surveys.wave_out(session, surveys.close_wave(session, wave=_wave(session, survey, wave)))


@router.post("/{survey}/waves/{wave}/questions", status_code=201, response_model=QuestionOut)
def add_question(
    survey: SurveyName, wave: WaveName, data: QuestionIn, session: DbSession, _grant: WriteGrant
) -> QuestionOut:
    """Add a question to a wave (409 once the wave has answers)."""
    question = surveys.add_question(session, wave=_wave(session, survey, wave), data=data)
    return surveys.question_out(question)


@router.patch("/{survey}/waves/{wave}/questions/{key}", response_model=QuestionOut)
def update_question(
    survey: SurveyName,
    wave: WaveName,
    key: QuestionKey,
    data: QuestionUpdate,
    session: DbSession,
    _grant: WriteGrant,
) -> QuestionOut:
    """Change a question's text or options (409 once the wave has answers)."""
    question = surveys.update_question(
        session, wave=_wave(session, survey, wave), key=key, data=data
    )
    return surveys.question_out(question)


@router.delete("/{survey}/waves/{wave}/questions/{key}", status_code=204)
def remove_question(
    survey: SurveyName, wave: WaveName, key: QuestionKey, session: DbSession, _grant: WriteGrant
) -> Response:
    """Remove a question (409 once the wave has answers)."""
    surveys.remove_question(session, wave=_wave(session, survey, wave), key=key)
    return Response(status_code=204)


@router.get("/{survey}/results", response_model=SurveyResults)
def results(
    survey: SurveyName,
    session: DbSession,
    _grant: ReadGrant,
    wave: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Only this wave.")
    ] = None,
) -> SurveyResults:
    """Results per wave with the trend; nothing computed from fewer than five answers is shown."""
    return surveys.survey_results(session, survey=survey, wave=wave)


@router.post("/{survey}/waves/{wave}/import", response_model=SurveyImportReport)
def import_export(
    survey: SurveyName,
    wave: WaveName,
    body: Annotated[
        bytes, Body(media_type="text/csv", description="A Google Forms or Typeform CSV export.")
    ],
    session: DbSession,
    _grant: WriteGrant,
    map_: Annotated[
        list[Annotated[str, Query(max_length=1000)]],
        Query(
            alias="map",
            max_length=5,
            description="FIELD=HEADER (FIELD: nps, satisfaction, team, comments, submitted_at); repeat.",
        ),
    ],
) -> SurveyImportReport:
    """Import a CSV export into the wave (created closed when missing); a bad row writes nothing (422)."""
    mapping = survey_import.parse_mapping(map_)
    return survey_import.import_export(
        session, data=body, source="request body", survey=survey, wave=wave, mapping=mapping
    )


@router.get(
    "/{survey}/waves/{wave}/export",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/markdown": {}}, "description": "The wave report."}},
)
def export(
    survey: SurveyName, wave: WaveName, session: DbSession, _grant: ReadGrant
) -> PlainTextResponse:
    """The wave report in Markdown, anonymity applied."""
    text = surveys.export_markdown(session, survey=survey, wave=wave)
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
