"""Import survey exports (Google Forms, Typeform) into a survey wave.

`--map FIELD=HEADER` names the column holding each field (nps, satisfaction, team, comments,
submitted_at); a header matches exactly, else case-insensitively; other columns are ignored
and listed. Exports carry a byte-order mark and quoted newlines; `submitted_at` reads Google
Forms' `2026/09/14 10:02:11 AM GMT+2` and Typeform's ISO 8601 and keeps the day as written.
One bad row refuses the whole file, each problem with its line and field; nothing is written.

Each answer gets a stable id from its values (the ingest contract's hashed key, numbered
when identical answers repeat in the file), so importing the file again changes nothing
and two identical answers stay two.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date

from sqlalchemy.orm import Session

from pavedroad.catalog.service import list_teams
from pavedroad.errors import InputProblem, InvalidInputError
from pavedroad.ingest.rows import Row, convert_row, distinct_generated_keys
from pavedroad.ingest.writer import upsert_rows
from pavedroad.research import surveys
from pavedroad.research.survey_schemas import NAME_PATTERN, SURVEY_FIELDS, SurveyImportReport

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELL = 20_000
IMPORT_CHANNEL = "file"

_GOOGLE = re.compile(
    r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d{2})?)?)?)?$"
)
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T\s].*)?$")
_US = re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?:\s+.*)?$")
_LEADING_INT = re.compile(r"^\s*(\d{1,2})(?:\s*(?:[-–:.)]|\s).*)?$")


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """`FIELD=HEADER` items as field -> header; refuses unknown fields and repeats."""
    mapping: dict[str, str] = {}
    problems: list[InputProblem] = []
    for item in items:
        name, sep, header = item.partition("=")
        name = name.strip()
        if not sep or not header.strip():
            problems.append(
                InputProblem(reason="write --map FIELD=HEADER", source="--map", value=item)
            )
        elif name not in SURVEY_FIELDS:
            problems.append(
                InputProblem(
                    reason=f"unknown field; one of {', '.join(SURVEY_FIELDS)}",
                    source="--map",
                    value=name,
                )
            )
        elif name in mapping:
            problems.append(InputProblem(reason="mapped twice", source="--map", value=name))
        else:
            mapping[name] = header.strip()
    if problems:
        raise InvalidInputError(problems, unusable=True)
    if not mapping:
        raise InvalidInputError.because(
            "map at least one field, e.g. --map nps='How likely are you to recommend...'",
            source="--map",
            unusable=True,
        )
    return mapping


def parse_submitted_day(text: str) -> date:
    """The day of an export's time stamp, as written (its own time zone, never shifted)."""
    cleaned = text.strip()
    for pattern in (_GOOGLE, _ISO, _US):
        match = pattern.match(cleaned)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ValueError(
        "expected a time such as 2026/09/14 10:02:11 AM GMT+2 (Google Forms) "
        "or 2026-09-14T08:02:11Z (Typeform)"
    )


def _score(text: str) -> int | str:
    """A score cell: `9`, or the leading number of `9 - Extremely likely`."""
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else text


@dataclass
class ReadExport:
    """The rows of an export as the ingest contract types them, and what the file held."""

    rows: list[Row] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)


def _match_headers(
    headers: list[str], mapping: dict[str, str], source: str
) -> tuple[dict[str, int], dict[str, str]]:
    columns: dict[str, int] = {}
    matched: dict[str, str] = {}
    problems: list[InputProblem] = []
    for name, wanted in mapping.items():
        index = next((i for i, h in enumerate(headers) if h == wanted), None)
        if index is None:
            folded = " ".join(wanted.split()).casefold()
            index = next(
                (i for i, h in enumerate(headers) if " ".join(h.split()).casefold() == folded),
                None,
            )
        if index is None:
            shown = "; ".join(h[:60] for h in headers[:20])
            problems.append(
                InputProblem(
                    reason=f"no column has this header (the file's headers: {shown})",
                    source=source,
                    line=1,
                    field=name,
                    value=wanted,
                )
            )
        else:
            columns[name] = index
            matched[name] = headers[index]
    if problems:
        raise InvalidInputError(problems, unusable=True)
    return columns, matched


def read_export(
    data: bytes,
    *,
    source: str,
    survey: str,
    wave: str,
    mapping: dict[str, str],
    teams: dict[str, str],
    default_day: date,
) -> ReadExport:
    """Every row of a CSV export typed for `survey_responses`, or every problem of the file.

    `teams` maps a folded team slug or name to its slug (an answer names its team either way).
    """
    if len(data) > MAX_BYTES:
        raise InvalidInputError.because(
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", source=source, unusable=True
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError.because(
            f"not UTF-8 text (byte {exc.start}); export the form as CSV in UTF-8",
            source=source,
            unusable=True,
        ) from None
    if "\x00" in text:
        raise InvalidInputError.because(
            "the file holds NUL characters", source=source, unusable=True
        )
    csv.field_size_limit(MAX_CELL * 4)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInputError.because("the file is empty", source=source, unusable=True) from None
    except csv.Error as exc:
        raise InvalidInputError.because(
            f"not CSV: {exc}", source=source, line=1, unusable=True
        ) from None
    columns, matched = _match_headers(headers, mapping, source)
    used = set(columns.values())
    out = ReadExport(
        mapped=matched, unmapped=[h for i, h in enumerate(headers) if i not in used and h]
    )
    problems: list[InputProblem] = []
    lines: list[int] = []
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(InputProblem(reason=f"not CSV: {exc}", source=source, line=line))
            break
        if not any(cell.strip() for cell in record):
            continue
        if len(out.rows) + len(problems) >= MAX_ROWS:
            raise InvalidInputError.because(
                f"at most {MAX_ROWS:,} answers per file", source=source, line=line, unusable=True
            )
        row = _row(record, columns, line, source, survey, wave, teams, default_day, problems)
        if row is not None:
            out.rows.append(row)
            lines.append(line)
    if problems:
        raise InvalidInputError(problems)
    keys = distinct_generated_keys([str(r["id"]) for r in out.rows], Counter())
    for row, key in zip(out.rows, keys, strict=True):
        row["id"] = key
    return out


def _row(
    record: list[str],
    columns: dict[str, int],
    line: int,
    source: str,
    survey: str,
    wave: str,
    teams: dict[str, str],
    default_day: date,
    problems: list[InputProblem],
) -> Row | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return record[index].strip() if index is not None and index < len(record) else ""

    mine: list[InputProblem] = []
    day = default_day
    if cell("submitted_at"):
        try:
            day = parse_submitted_day(cell("submitted_at"))
        except ValueError as exc:
            mine.append(
                InputProblem(reason=str(exc), field="submitted_at", value=cell("submitted_at"))
            )
    team: str | None = None
    if cell("team"):
        team = teams.get(" ".join(cell("team").split()).casefold())
        if team is None:
            mine.append(
                InputProblem(
                    reason="names no team of the catalog (by slug or name)",
                    field="team",
                    value=cell("team"),
                )
            )
    raw = {
        "id": "",
        "survey": survey,
        "wave": wave,
        "submitted_at": day.isoformat(),
        "team": team,
        "nps": _score(cell("nps")) if cell("nps") else None,
        "satisfaction": _score(cell("satisfaction")) if cell("satisfaction") else None,
        "comments": cell("comments"),
    }
    row, converted = convert_row(surveys.SURVEY_KIND, raw, tz=UTC)
    mine += converted
    if mine:
        problems.extend(p.at(source=source, line=line) for p in mine)
        return None
    return row


def team_lookup(session: Session) -> dict[str, str]:
    """Folded team slug and name -> slug, for answers that name their team either way."""
    lookup: dict[str, str] = {}
    for team in list_teams(session=session):
        lookup.setdefault(" ".join(team.name.split()).casefold(), team.slug)
        lookup[team.slug.casefold()] = team.slug
    return lookup


def import_export(
    session: Session,
    *,
    data: bytes,
    source: str,
    survey: str,
    wave: str,
    mapping: dict[str, str],
    today: date | None = None,
) -> SurveyImportReport:
    """Read an export and upsert its answers into `survey`'s wave `wave` (created closed when
    missing); a refused row writes nothing."""
    found = surveys.get_survey_or_raise(session, name=survey)
    if not NAME_PATTERN.match(wave) or len(wave) > 100:
        raise InvalidInputError.because(
            "a wave name is 1 to 100 letters, digits, dots, dashes or underscores, e.g. 2026-Q3",
            field="wave",
            value=wave[:100],
        )
    read = read_export(
        data,
        source=source,
        survey=found.name,
        wave=wave,
        mapping=mapping,
        teams=team_lookup(session),
        default_day=today or surveys.today_utc(),
    )
    surveys.ensure_wave(session, survey=found, name=wave)
    counts = upsert_rows(
        session.connection(), surveys.SURVEY_KIND, read.rows, channel=IMPORT_CHANNEL, run_id=None
    )
    return SurveyImportReport(
        survey=found.name,
        wave=wave,
        rows=len(read.rows),
        new=counts.new,
        updated=counts.updated,
        unchanged=counts.unchanged,
        mapped=read.mapped,
        unmapped_columns=read.unmapped,
    )
