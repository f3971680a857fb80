"""The demo company's weekly report for 2026-W47 tells the story: CI down to about six minutes
from eighteen, developers' NPS above its target, the faster-CI initiative still short of its
five-minute criterion; and the monthly report holds the quarter's capacity budget."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pavedroad.db import make_engine, unit_of_work
from pavedroad.demo.loader import load_demo
from tests.conftest import Cli


@pytest.fixture(scope="module")
def demo_cli(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """The demo loaded once into a SQLite copy of the migrated template."""
    path = tmp_path_factory.mktemp("report-demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with unit_of_work(engine) as session:
        load_demo(session)
    engine.dispose()
    yield Cli(url)


def test_the_weekly_report_of_2026_w47_tells_the_story(demo_cli, tmp_path):
    result = demo_cli("report", "weekly", "--week", "2026-W47", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    leading = {i["id"]: i for i in found["leading"]}
    ci = leading["ci_duration_p50"]
    assert 5.0 < ci["value"] < 7.0  # about six minutes, the war story's faster CI
    assert ci["target_text"] == "≤ 5.0 min"
    assert leading["nps"]["status"] == "met"
    titles = {i["title"]: i for i in found["initiatives_at_risk"]}
    assert "Faster CI pipelines" in titles
    markdown = (tmp_path / "weekly-2026-W47.md").read_text()
    assert "| CI duration (median) | " + ci["value_text"] in markdown
    assert "![CI duration (median)](ci_duration_p50.png)" in markdown
    assert (tmp_path / "ci_duration_p50.png").read_bytes()[:4] == b"\x89PNG"
    # The changelog runs weekly from the PM's week 4; the faster-CI news ships this week.
    assert found["changelog"] and all(e["date"].startswith("2026-11-") for e in found["changelog"])
    assert any("6 minutes" in e["title"] + e["body"] for e in found["changelog"])
    assert "\n## Changelog\n\n- **2026-11-" in markdown
    # Launches in flight: plans begun with open checklist items, overdue ones listed.
    assert found["launches_in_flight"]
    for launch in found["launches_in_flight"]:
        assert launch["items_done"] < launch["items_total"]
        assert f"- **{launch['feature']}**: launch {launch['launch_date']}" in markdown


def test_the_monthly_report_of_2026_11_has_the_quarters_capacity(demo_cli, tmp_path):
    result = demo_cli("report", "monthly", "--month", "2026-11", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["capacity"]["quarter"] == "2026-Q4"
    lagging = {i["id"]: i for i in found["lagging"]}
    assert lagging["availability"]["value"] > 0.99
    assert lagging["change_failure_rate"]["status"] == "met"
