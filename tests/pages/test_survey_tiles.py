"""Issue 16: NPS and satisfaction tiles on the dashboard are drawn per survey wave, bars with
how many answered (a wave is months apart, so weekly dashes were mostly gaps), and a wave
under five answers is an empty slot with no number."""

from __future__ import annotations

import re

from pavedroad.metrics.definitions import BY_ID
from pavedroad.web import charts
from tests.metrics.conftest import org  # noqa: F401  (the hand-computed organisation)
from tests.web.conftest import sign_in


def _tile(html: str, name: str) -> str:
    start = html.index(f'<div class="tile-label">{name}</div>')
    return html[start : html.index("</a>", start)]


def test_survey_tiles_show_a_bar_per_wave_with_its_answers(org, client, users) -> None:  # noqa: F811
    sign_in(client, users["read"])
    html = client.get("/kpis?window=2026-03").text
    nps = _tile(html, "Developer NPS")
    assert 'class="spark waves"' in nps
    titles = re.findall(r"<title>([^<]+)</title>", nps)
    assert titles[-2:] == ["2026-03a: +0 (n = 5)", "2026-03b: +25 (n = 5)"]
    # the organisation's earlier wave has fewer than five answers: a slot, no number
    assert all("hidden, fewer than 5 answers" in t for t in titles[:-2])
    assert nps.count("n=5") == 2 and nps.count("&lt;5") == len(titles) - 2
    assert 'class="spark waves"' in _tile(html, "Developer satisfaction")
    assert 'class="spark waves"' not in _tile(html, "Deployment frequency")


def test_a_wave_under_five_answers_is_an_empty_slot_without_a_number() -> None:
    svg = charts.wave_bars_svg(
        [("2026-01", 40.0, 12), ("2026-02", None, 3)], shown=BY_ID["nps"].show
    )
    assert svg.count("<rect") == 2 and 'class="hidden-wave"' in svg
    assert "2026-02: hidden, fewer than 5 answers" in svg and "&lt;5" in svg
    assert "n=3" not in svg and "n=12" in svg
