"""Weekly and monthly reports on a hand-built store: the sections and their numbers, the PNG
charts beside the Markdown, the monthly extras, empty weeks, bad periods, and the API and page
giving the same report as the command."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pavedroad.backlog import criteria as backlog_criteria
from pavedroad.backlog import service as backlog
from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.comms import changelog, launches
from pavedroad.comms.schemas.changelog import ChangelogEntryIn
from pavedroad.comms.schemas.launches import LaunchIn, LaunchItemUpdate
from pavedroad.db import unit_of_work
from pavedroad.roadmap import service as roadmap
from pavedroad.roadmap.schemas import CapacityIn
from tests.backlog import conftest as backlog_fixtures
from tests.web.conftest import bearer, sign_in

# The backlog's fixtures, shared with these tests: teams `web`, `payments`, `data`; service `api`.
teams, ci_runs = backlog_fixtures.teams, backlog_fixtures.ci_runs
HOSTILE = "<script>alert(1)</script> [x](javascript:alert(1)) ![](http://evil/t.png) | cell"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


@pytest.fixture
def store(engine, teams) -> None:
    """CI at 18 minutes until 8 November 2026, 6 minutes from 9 November (2026-W46); an
    initiative at risk and one on track; changelog entries in W45 and W46; a launch plan."""
    days = {}
    day = date(2026, 9, 1)
    while day <= date(2026, 11, 30):
        days[day.isoformat()] = 18 if day <= date(2026, 11, 8) else 6
        day += timedelta(days=1)
    ci_runs(engine, days)
    with unit_of_work(engine) as session:
        risky = backlog.create_initiative(
            session=session,
            data=InitiativeIn(
                title=f"Faster CI {HOSTILE}", reach=200, impact=2, confidence=0.8, effort=2
            ),
        )
        backlog_criteria.add_criterion(
            session=session,
            initiative=risky,
            data=backlog_criteria.parse_criterion("ci_duration_p50 < 5 by 2026-12-31"),
        )
        safe = backlog.create_initiative(
            session=session,
            data=InitiativeIn(title="Calm one", reach=10, impact=1, confidence=1, effort=1),
        )
        backlog_criteria.add_criterion(
            session=session,
            initiative=safe,
            data=backlog_criteria.parse_criterion("ci_duration_p50 < 30 by 2026-12-31"),
        )
        changelog.add_entry(
            session=session,
            data=ChangelogEntryIn(
                title=f"# CI in 6 minutes {HOSTILE}",
                body="Pipelines run on the new runners.\n# not a heading\n<img src=x onerror=alert(1)>",
                before="18 min",
                after="6 min",
                date=date(2026, 11, 10),
            ),
        )
        changelog.add_entry(
            session=session,
            data=ChangelogEntryIn(
                title="Older news", body="Shipped the week before.", date=date(2026, 11, 3)
            ),
        )
        plan = launches.create_launch(
            session=session,
            data=LaunchIn(feature=f"Faster CI {HOSTILE}", launch_date=date(2026, 11, 25)),
        )
        first = launches.launch_out(session=session, plan=plan, today=date(2026, 11, 15)).items[0]
        launches.update_item(
            session=session,
            plan=plan,
            item_id=first.id,
            data=LaunchItemUpdate(done=True),
            today=date(2026, 11, 1),
        )
        roadmap.set_capacity(
            session=session, quarter="2026-Q4", data=CapacityIn(person_months=20, split="70/20/10")
        )


def _weekly(cli, out: Path, *extra: str) -> dict:
    result = cli("report", "weekly", "--week", "2026-W46", "--out", str(out), "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_weekly_report_holds_the_leading_indicators_with_their_trend(cli, store, tmp_path):
    found = _weekly(cli, tmp_path)
    assert (found["kind"], found["period"], found["start"], found["end"]) == (
        "weekly", "2026-W46", "2026-11-09", "2026-11-15",
    )  # fmt: skip
    assert found["lagging"] is None and found["capacity"] is None
    leading = {i["id"]: i for i in found["leading"]}
    assert set(leading) >= {"ci_duration_p50", "nps", "onboarding_time_p50"}
    assert all(i["kind"] == "leading" for i in found["leading"])
    ci = leading["ci_duration_p50"]
    assert ci["value"] == pytest.approx(6.0)
    assert ci["previous"] == pytest.approx(18.0)
    assert (ci["value_text"], ci["target_text"], ci["status"]) == ("6.0 min", "≤ 5.0 min", "missed")
    assert ci["trend_text"] == "▼ 12.0 min (better)"
    assert ci["chart"] == "ci_duration_p50.png"
    assert leading["nps"]["value_text"] == "no data" and leading["nps"]["chart"] is None
    markdown = (tmp_path / "weekly-2026-W46.md").read_text()
    assert found["path"] == str(tmp_path / "weekly-2026-W46.md")
    assert markdown.startswith("# Weekly platform report: 2026-W46\n\n9 Nov 2026 to 15 Nov 2026\n")
    assert (
        "| CI duration (median) | 6.0 min | ≤ 5.0 min | missed | ▼ 12.0 min (better) |" in markdown
    )


def test_charts_are_real_pngs_beside_the_markdown_and_its_links_resolve(cli, store, tmp_path):
    found = _weekly(cli, tmp_path)
    markdown = (tmp_path / "weekly-2026-W46.md").read_text()
    links = IMAGE_LINK.findall(markdown)
    assert links and sorted(links) == sorted(found["charts"])
    assert "ci_duration_p50.png" in links
    for link in links:
        target = tmp_path / link
        assert target.resolve().parent == tmp_path.resolve()  # relative, next to the Markdown
        data = target.read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 5_000
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width >= 400 and height >= 200


def test_weekly_report_has_the_weeks_changelog_risks_and_launches_inert(cli, store, tmp_path):
    found = _weekly(cli, tmp_path)
    assert [e["title"] for e in found["changelog"]] == [f"# CI in 6 minutes {HOSTILE}"]
    [risky] = found["initiatives_at_risk"]
    assert risky["title"] == f"Faster CI {HOSTILE}"
    assert [(c["text"], c["state"], c["value_text"]) for c in risky["criteria"]] == [
        ("ci_duration_p50 < 5 by 2026-12-31", "at_risk", "18.0 min")
    ]
    [launch] = found["launches_in_flight"]
    assert launch["feature"] == f"Faster CI {HOSTILE}"
    assert launch["items_done"] == 1 and launch["items_total"] > 10
    assert launch["overdue"] and all(
        date.fromisoformat(i["due"]) < date(2026, 11, 15) for i in launch["overdue"]
    )
    markdown = (tmp_path / "weekly-2026-W46.md").read_text()
    for heading in (
        "## Leading indicators",
        "## Changelog",
        "## Initiatives at risk",
        "## Launches in flight",
    ):
        assert f"\n{heading}\n" in markdown
    assert "Older news" not in markdown
    assert "<script>" not in markdown and "<img" not in markdown
    assert "](javascript:" not in markdown and "![](http" not in markdown
    assert "\n# not a heading" not in markdown and "\n#" not in markdown.replace("\n## ", "")
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in markdown
    assert "- **2026-11-10 · \\# CI in 6 minutes" in markdown
    assert "`ci_duration_p50 < 5 by 2026-12-31`: at risk (18.0 min, due 2026-12-31)" in markdown
    assert "Calm one" not in markdown
    # Rendered by a real CommonMark parser (raw HTML on): the only images are the charts, the
    # only headings the report's own, and no element comes from typed text.
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    assert re.findall(r'<img src="([^"]+)"', rendered) == found["charts"]
    assert "<script" not in rendered and "<a " not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    headings = re.findall(r"<h(\d)>(.*?)</h\1>", rendered)
    assert [h for _, h in headings] == [
        "Weekly platform report: 2026-W46", "Leading indicators", "Changelog",
        "Initiatives at risk", "Launches in flight", "Coach: new and resolved diagnoses",
    ]  # fmt: skip
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_monthly_report_adds_the_lagging_indicators_and_the_capacity_budget(cli, store, tmp_path):
    result = cli("report", "monthly", "--month", "2026-11", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert (found["start"], found["end"]) == ("2026-11-01", "2026-11-30")
    lagging = {i["id"] for i in found["lagging"]}
    assert {
        "lead_time_p50",
        "change_failure_rate",
        "availability",
        "cost_to_serve_per_customer",
    } <= lagging
    assert all(i["kind"] == "lagging" for i in found["lagging"])
    assert [e["title"] for e in found["changelog"]] == [
        "Older news",
        f"# CI in 6 minutes {HOSTILE}",
    ]
    capacity = found["capacity"]
    assert capacity["quarter"] == "2026-Q4" and capacity["split_text"] == "70/20/10"
    assert capacity["planned"] == {"roadmap": 14.0, "platform": 4.0, "unplanned": 2.0}
    markdown = (tmp_path / "monthly-2026-11.md").read_text()
    assert "\n## Lagging indicators\n" in markdown
    assert "\n## Capacity budget (2026-Q4): planned against actual\n" in markdown
    assert "Plan: 20 person-months, split 70/20/10." in markdown
    assert "| roadmap | 70% | 14.0 | 0.0 | - |" in markdown
    for link in IMAGE_LINK.findall(markdown):
        assert (tmp_path / link).read_bytes().startswith(PNG_MAGIC)


def test_an_empty_week_says_so_in_every_section(cli, tmp_path):
    found = _weekly(cli, tmp_path)
    assert found["changelog"] == [] and found["charts"] == []
    markdown = (tmp_path / "weekly-2026-W46.md").read_text()
    for line in (
        "No leading indicator has data for this week.",
        "No changelog entries this week.",
        "No initiative is at risk against its success or kill criteria.",
        "No launch in flight.",
    ):
        assert f"\n{line}\n" in markdown
    monthly = cli("report", "monthly", "--month", "2026-02", "--out", str(tmp_path))
    assert monthly.exit_code == 0, monthly.stderr
    text = (tmp_path / "monthly-2026-02.md").read_text()
    assert "No lagging indicator has data for this month." in text
    assert "No changelog entries this month." in text
    assert "Plan: no plan set (default split 70/20/10)." in text


def test_the_default_folder_is_reports_and_the_period(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("report", "weekly", "--week", "2026-w7")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(Path("reports") / "2026-W07" / "weekly-2026-W07.md")
    assert (tmp_path / "reports" / "2026-W07" / "weekly-2026-W07.md").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("weekly", "--week", "2026-W54"), "--week: 2026 has no ISO week 54"),
        (("weekly", "--week", "last week"), "--week: expected an ISO week such as"),
        (("weekly", "--week", "0001-W01"), "year"),
        (("monthly", "--month", "2026-13"), "--month: a month runs 01 to 12"),
        (("monthly", "--month", "November"), "--month: expected a month such as 2026-11"),
        (("monthly", "--month", "9999-01"), "--month: reports cover the years 1901 to 8999"),
        (("monthly", "--month", "2026-1\x00"), "--month: expected a month"),
    ],
)
def test_a_bad_period_is_refused_clearly(cli, tmp_path, args, message):
    result = cli("report", *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unwritable_folder_is_refused(cli, tmp_path):
    (tmp_path / "file").write_text("x")
    result = cli("report", "weekly", "--week", "2026-W46", "--out", str(tmp_path / "file" / "sub"))
    assert result.exit_code == 2
    assert "cannot write the report" in result.stderr


def test_the_api_gives_the_same_markdown_as_the_command(cli, store, client, tokens, tmp_path):
    _weekly(cli, tmp_path)
    markdown = (tmp_path / "weekly-2026-W46.md").read_text()
    answer = client.get("/api/v1/reports/weekly?week=2026-W46", headers=bearer(tokens["read"]))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/markdown")
    assert answer.text == markdown
    as_json = client.get(
        "/api/v1/reports/weekly?week=2026-W46",
        headers={**bearer(tokens["read"]), "Accept": "application/json"},
    )
    by_query = client.get(
        "/api/v1/reports/weekly?week=2026-W46&format=json", headers=bearer(tokens["read"])
    )
    cli_json = _weekly(cli, tmp_path)
    cli_json.pop("path")
    assert as_json.json() == by_query.json() == cli_json
    monthly = client.get("/api/v1/reports/monthly?month=2026-11", headers=bearer(tokens["read"]))
    assert monthly.status_code == 200 and "## Capacity budget (2026-Q4)" in monthly.text
    assert client.get("/api/v1/reports/weekly?week=2026-W46").status_code == 401
    refused = client.get("/api/v1/reports/weekly?week=2026-W60", headers=bearer(tokens["read"]))
    assert refused.status_code == 422 and "week" in refused.text
    refused = client.get("/api/v1/reports/monthly?month=11-2026", headers=bearer(tokens["read"]))
    assert refused.status_code == 422
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/reports/weekly"]["get"]
    assert "text/markdown" in operation["responses"]["200"]["content"]
    assert "application/json" in operation["responses"]["200"]["content"]


def test_the_page_renders_the_report_inert_with_its_charts_and_downloads(
    client, store, users, cli, tmp_path
):
    assert client.get("/reports").status_code == 303
    sign_in(client, users["read"])
    page = client.get("/reports?kind=weekly&period=2026-W46")
    assert page.status_code == 200
    html = page.text
    assert "Weekly platform report: 2026-W46" in html
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert html.count('src="data:image/svg+xml;base64,') >= 1
    assert "No changelog entries" not in html
    _weekly(cli, tmp_path)
    markdown = client.get("/reports/download?kind=weekly&period=2026-W46&format=md")
    assert markdown.status_code == 200
    assert markdown.text == (tmp_path / "weekly-2026-W46.md").read_text()
    assert 'filename="weekly-2026-W46.md"' in markdown.headers["content-disposition"]
    bundle = client.get("/reports/download?kind=weekly&period=2026-W46&format=zip")
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        names = set(archive.namelist())
        assert "weekly-2026-W46.md" in names and "ci_duration_p50.png" in names
        assert archive.read("ci_duration_p50.png").startswith(PNG_MAGIC)
        for link in IMAGE_LINK.findall(archive.read("weekly-2026-W46.md").decode()):
            assert link in names
    monthly = client.get("/reports?kind=monthly&period=2026-11")
    assert monthly.status_code == 200 and "Capacity budget (2026-Q4)" in monthly.text
    bad = client.get("/reports?kind=weekly&period=2026-W99")
    assert bad.status_code == 422 and "has no ISO week 99" in bad.text
    assert 'aria-invalid="true"' in bad.text


def test_an_empty_store_page_says_what_to_do(client, users):
    sign_in(client, users["read"])
    page = client.get("/reports?kind=weekly&period=2026-W10")
    assert page.status_code == 200
    assert "No changelog entries this week" in page.text
    assert "No launch in flight" in page.text
    assert "No indicator has data for this week" in page.text
