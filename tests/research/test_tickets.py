"""Support-ticket analysis on both engines: rules import/show/export for every rule set,
categorise (dry run writes nothing), the report's shape and maths, the API's scopes and the
page, with hostile text rendered inert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pavedroad.db import unit_of_work
from pavedroad.metrics.windows import parse_window
from pavedroad.research import categorise as categorise_module
from pavedroad.research import rules as rule_service
from pavedroad.research import tickets
from pavedroad.research.categorise import Rule
from pavedroad.research.models import TicketLabel
from tests.web.conftest import bearer, client, csrf_of, sign_in, tokens, users

WEB_FIXTURES = (client, tokens, users)

HOSTILE = "<script>alert(1)</script>"
TICKETS = [
    "id,team,opened_at,resolved_at,category,kind,self_service,text",
    "T1,,2026-01-10T09:00:00Z,,ci,bug,false,CI slow",
    "T2,,2026-02-10T09:00:00Z,,ci,bug,false,CI slow again",
    "T3,,2026-03-05T09:00:00Z,,ci,bug,false,CI slow",
    "T4,,2026-03-06T09:00:00Z,,ci,bug,false,CI slow",
    "T5,,2026-01-15T09:00:00Z,,,bug,false,The build   pipeline timed out",
    "T6,,2026-02-20T09:00:00Z,,,question,false,Where are the docs for metrics?",
    f'T7,,2026-03-10T09:00:00Z,,,question,false,"social media {HOSTILE} broken"',
    "T8,,2026-04-02T09:00:00Z,,ci,bug,false,CI slow after the window",
]
FACTS = [
    "date,customers,developers",
    "2025-12-31,1000,200",
    "2026-04-15,5000,900",
]
RULES = """\
- category: ci
  keywords: [ci, build pipeline]
- category: docs
  keywords: [docs]
"""
WINDOW = "2026-01-01..2026-04-01"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def store(cli, tmp_path):
    assert (
        cli(
            "import", "tickets", str(_write(tmp_path, "t.csv", "\n".join(TICKETS) + "\n"))
        ).exit_code
        == 0
    )
    assert (
        cli(
            "import", "org-facts", str(_write(tmp_path, "f.csv", "\n".join(FACTS) + "\n"))
        ).exit_code
        == 0
    )
    return tmp_path


def _json(result):
    assert result.exit_code == 0, result.stderr or result.stdout
    return json.loads(result.stdout)


def _labels(engine) -> int:
    with unit_of_work(engine) as s:
        return s.scalar(select(func.count()).select_from(TicketLabel)) or 0


# --- CLI: rules -------------------------------------------------------------------------------


def test_rules_import_show_export_for_each_rule_set(cli, tmp_path):
    path = _write(tmp_path, "rules.yaml", RULES)
    assert _json(cli("tickets", "rules", "import", str(path), "--json"))["rules"][0] == {
        "category": "ci",
        "keywords": ["ci", "build pipeline"],
        "patterns": [],
    }
    friction = _write(tmp_path, "f.yaml", "- category: waiting\n  patterns: ['wait(ed|ing)?']\n")
    assert cli("tickets", "rules", "import", str(friction), "--for", "friction").exit_code == 0
    shown = _json(cli("tickets", "rules", "show", "--json"))
    assert shown["ruleset"] == "tickets"
    assert [r["category"] for r in shown["rules"]] == ["ci", "docs"]
    assert _json(cli("tickets", "rules", "show", "--for", "friction", "--json"))["rules"] == [
        {"category": "waiting", "keywords": [], "patterns": ["wait(ed|ing)?"]}
    ]
    assert _json(cli("tickets", "rules", "show", "--for", "comments", "--json"))["rules"] == []
    exported = cli("tickets", "rules", "export")
    again = _write(tmp_path, "again.yaml", exported.stdout)
    assert cli("tickets", "rules", "import", str(again)).exit_code == 0
    assert _json(cli("tickets", "rules", "show", "--json")) == shown
    assert "No comments rules yet" in cli("tickets", "rules", "show", "--for", "comments").stdout


def test_a_broken_rules_file_stores_nothing_and_names_line_and_field(cli, tmp_path):
    good = _write(tmp_path, "good.yaml", RULES)
    assert cli("tickets", "rules", "import", str(good)).exit_code == 0
    bad = _write(
        tmp_path,
        "bad.yaml",
        "- category: ok\n  keywords: [ok]\n- category: x\n  patterns: ['(a+)+']\n",
    )
    result = cli("tickets", "rules", "import", str(bad))
    assert result.exit_code == 1
    assert "bad.yaml:4" in result.stderr and "patterns" in result.stderr
    assert [r["category"] for r in _json(cli("tickets", "rules", "show", "--json"))["rules"]] == [
        "ci",
        "docs",
    ]
    unusable = cli("tickets", "rules", "import", str(_write(tmp_path, "n.yaml", "category: ci\n")))
    assert unusable.exit_code == 2
    assert cli("tickets", "rules", "import", str(tmp_path / "missing.yaml")).exit_code == 2
    assert cli("tickets", "rules", "show", "--for", "nonsense").exit_code == 1


# --- categorise and report --------------------------------------------------------------------


def test_categorise_without_rules_says_what_to_do(store, cli):
    result = cli("tickets", "categorise")
    assert result.exit_code == 1
    assert "tickets rules import" in result.stderr


def test_dry_run_writes_nothing_then_categorise_labels(store, cli, engine):
    cli("tickets", "rules", "import", str(_write(store, "r.yaml", RULES)))
    dry = _json(cli("tickets", "categorise", "--dry-run", "--json"))
    assert dry == {
        "dry_run": True,
        "considered": 3,
        "categorised": 2,
        "categories": [{"category": "ci", "count": 1}, {"category": "docs", "count": 1}],
        "uncategorised": {"count": 1, "examples": [f"social media {HOSTILE} broken"]},
    }
    assert _labels(engine) == 0
    before = _json(cli("tickets", "report", "--window", WINDOW, "--json"))
    assert before["uncategorised"]["count"] == 3
    done = _json(cli("tickets", "categorise", "--json"))
    assert done["dry_run"] is False and done["categorised"] == 2
    assert _labels(engine) == 2
    # Earlier labels are replaced: with a rule set that only knows docs, the ci label goes.
    cli(
        "tickets",
        "rules",
        "import",
        str(_write(store, "d.yaml", "- category: docs\n  keywords: [docs]\n")),
    )
    assert _json(cli("tickets", "categorise", "--json"))["categorised"] == 1
    assert _labels(engine) == 1
    text = cli("tickets", "categorise", "--dry-run")
    assert "would categorise 1" in text.stdout and HOSTILE in text.stdout


def test_report_shape_and_maths_on_a_small_store(store, cli):
    cli("tickets", "rules", "import", str(_write(store, "r.yaml", RULES)))
    cli("tickets", "categorise")
    report = _json(cli("tickets", "report", "--window", WINDOW, "--json"))
    assert {"window", "categories", "uncategorised", "top"} <= set(report)
    assert report["window"]["start"].startswith("2026-01-01")
    assert report["window"]["end"].startswith("2026-04-01")
    assert report["total"] == 7
    ci, docs = report["categories"]
    assert {"category", "count", "share", "per_month", "trend"} <= set(ci)
    assert ci["category"] == "ci" and ci["count"] == 5
    assert ci["share"] == pytest.approx(5 / 7, abs=1e-4)
    assert ci["per_month"] == {"2026-01": 2, "2026-02": 1, "2026-03": 2}
    assert ci["trend"] == 0 and ci["trend_direction"] == "flat"
    assert (ci["from_source"], ci["from_rules"]) == (4, 1)
    # 90 days in the window: 5 tickets x 30.4375 / 90 a month; facts dated before the end.
    rate = 5 * 30.4375 / 90
    assert ci["per_1k_customers"] == pytest.approx(rate * 1000 / 1000, abs=1e-3)
    assert ci["per_100_developers"] == pytest.approx(rate * 100 / 200, abs=1e-3)
    assert docs["per_month"] == {"2026-01": 0, "2026-02": 1, "2026-03": 0}
    assert docs["trend"] == 0
    assert report["top"] == ["ci", "docs"]
    assert report["uncategorised"] == {"count": 1, "examples": [f"social media {HOSTILE} broken"]}
    assert report["org_facts"]["customers"] == 1000
    text = cli("tickets", "report", "--window", WINDOW)
    assert "ci" in text.stdout and "71%" in text.stdout


def test_trend_is_the_slope_of_whole_months(cli, tmp_path, engine):
    rows = ["id,opened_at,category,kind,text"]
    for month, n in (("01", 1), ("02", 3), ("03", 5)):
        rows += [f"M{month}-{i},2026-{month}-0{i + 1}T10:00:00Z,deploy,bug,x" for i in range(n)]
    assert (
        cli("import", "tickets", str(_write(tmp_path, "m.csv", "\n".join(rows) + "\n"))).exit_code
        == 0
    )
    with unit_of_work(engine) as s:
        report = tickets.report(s, window=WINDOW)
        partial = tickets.report(s, window=parse_window("2026-01-15..2026-03-15"))
    [deploy] = report["categories"]
    assert deploy["trend"] == 2.0 and deploy["trend_direction"] == "rising"
    assert report["org_facts"] is None and deploy["per_1k_customers"] is None
    # Only February is whole in the second window: no trend from one month.
    assert partial["categories"][0]["trend"] is None


def test_empty_store_and_bad_window(cli):
    empty = _json(cli("tickets", "report", "--json"))
    assert empty["categories"] == [] and empty["total"] == 0 and empty["top"] == []
    assert "No tickets in this window" in cli("tickets", "report").stdout
    assert cli("tickets", "report", "--window", "soon").exit_code == 1


def test_default_window_is_the_six_whole_months_before_this_one():
    from datetime import date

    window = tickets.default_window(date(2026, 12, 2))
    assert (window.start.date(), window.end.date()) == (date(2026, 6, 1), date(2026, 12, 1))
    assert tickets.default_window(date(2026, 3, 31)).start.date() == date(2025, 9, 1)


def test_a_hostile_pattern_stops_categorise_instead_of_hanging(store, cli, engine, monkeypatch):
    monkeypatch.setattr(categorise_module, "MATCH_SECONDS", 0.5)
    rows = ["id,opened_at,kind,text", "H1,2026-02-01T10:00:00Z,bug," + "a" * 5000]
    cli("import", "tickets", str(_write(store, "h.csv", "\n".join(rows) + "\n")))
    with unit_of_work(engine) as s:
        rule_service.replace_rules(
            s, ruleset="tickets", rules=[Rule("slow", patterns=(r"\w*\w*\w*y",))]
        )
    result = cli("tickets", "categorise")
    assert result.exit_code == 1
    assert "rule 1 (slow)" in result.stderr and "longer than" in result.stderr
    assert _labels(engine) == 0


# --- API --------------------------------------------------------------------------------------


def test_api_rules_need_scopes_and_accept_yaml_or_json(client, tokens):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.get("/api/v1/research/ticket-rules").status_code == 401
    assert client.get("/api/v1/research/ticket-rules", headers=read).json() == {
        "ruleset": "tickets",
        "rules": [],
    }
    assert (
        client.put("/api/v1/research/ticket-rules", content=RULES, headers=read).status_code == 403
    )
    put = client.put(
        "/api/v1/research/ticket-rules",
        content=RULES,
        headers={**write, "content-type": "application/yaml"},
    )
    assert put.status_code == 200 and [r["category"] for r in put.json()["rules"]] == ["ci", "docs"]
    body = [{"category": "wait", "keywords": ["waiting"], "patterns": []}]
    put = client.put("/api/v1/research/ticket-rules?for=friction", json=body, headers=write)
    assert put.status_code == 200 and put.json()["ruleset"] == "friction"
    got = client.get("/api/v1/research/ticket-rules?for=friction", headers=read).json()
    assert got["rules"] == body
    bad = client.put(
        "/api/v1/research/ticket-rules", content="- category: x\n  patterns: ['(']\n", headers=write
    )
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["line"] == 2
    assert bad.json()["problems"][0]["field"] == "patterns"
    assert (
        client.get("/api/v1/research/ticket-rules", headers=read).json()["rules"][0]["category"]
        == "ci"
    )
    assert client.get("/api/v1/research/ticket-rules?for=bogus", headers=read).status_code == 422
    huge = client.put("/api/v1/research/ticket-rules", content="#" * (3 * 2**20), headers=write)
    assert huge.status_code == 422


def test_api_categorise_and_report(client, tokens, store, cli):
    read, write = bearer(tokens["read"]), bearer(tokens["write"])
    assert client.post("/api/v1/research/tickets/categorise", headers=write).status_code == 409
    client.put("/api/v1/research/ticket-rules", content=RULES, headers=write)
    assert client.post("/api/v1/research/tickets/categorise", headers=read).status_code == 403
    dry = client.post("/api/v1/research/tickets/categorise?dry_run=true", headers=write)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    done = client.post("/api/v1/research/tickets/categorise", headers=write).json()
    assert done["categorised"] == 2
    report = client.get(f"/api/v1/research/tickets/report?window={WINDOW}", headers=read)
    assert report.status_code == 200
    assert report.json() == _json(cli("tickets", "report", "--window", WINDOW, "--json"))
    assert (
        client.get("/api/v1/research/tickets/report?window=nope", headers=read).status_code == 400
    )


# --- page -------------------------------------------------------------------------------------


def test_page_empty_states_say_what_to_do(client, users):
    sign_in(client, users["write"])
    page = client.get("/research/tickets")
    assert page.status_code == 200
    assert "pavedroad import tickets" in page.text
    assert "No tickets rules yet" in page.text
    assert "Save rules" in page.text


def test_page_renders_free_text_inert_and_keeps_typed_rules_on_errors(client, users, store, engine):
    hostile_category = '<img src=x onerror="alert(2)">'
    with unit_of_work(engine) as s:
        rule_service.replace_rules(
            s,
            ruleset="tickets",
            rules=[Rule(hostile_category, keywords=("ci",)), Rule("docs", keywords=("docs",))],
        )
    sign_in(client, users["write"])
    page = client.get("/research/tickets")
    done = client.post(
        "/research/tickets/categorise", data={"csrf_token": csrf_of(page.text), "dry_run": "0"}
    )
    assert done.status_code == 200 and "Categorised" in done.text
    shown = client.get(f"/research/tickets?window={WINDOW}")
    assert shown.status_code == 200
    for text in (shown.text, done.text):
        assert HOSTILE not in text and hostile_category not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "</script><img" not in shown.text
    typed = "- category: broken\n  patterns: ['(']\n# <b>typed</b>\n"
    refused = client.post(
        "/research/tickets/rules",
        data={"csrf_token": csrf_of(shown.text), "text": typed, "ruleset": "tickets"},
    )
    assert refused.status_code == 422
    assert "rules:2" in refused.text and "not a regular expression" in refused.text
    assert "# &lt;b&gt;typed&lt;/b&gt;" in refused.text
    saved = client.post(
        "/research/tickets/rules",
        data={"csrf_token": csrf_of(shown.text), "text": RULES, "ruleset": "comments"},
    )
    assert saved.status_code == 303
    assert "for=comments" in saved.headers["location"]
    comments = client.get("/research/tickets?for=comments")
    assert "build pipeline" in comments.text


def test_page_writes_need_the_write_role_and_csrf(client, users):
    sign_in(client, users["read"])
    page = client.get("/research/tickets")
    assert "Save rules" not in page.text
    refused = client.post("/research/tickets/rules", data={"csrf_token": "x", "text": RULES})
    assert refused.status_code in (403, 400)
