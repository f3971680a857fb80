"""RICE in context: a score shown for one initiative carries its rank, how many are ranked,
its percentile, the top score and the practice's reading of it."""

from __future__ import annotations

import json

from pavedroad.backlog import service as backlog
from pavedroad.backlog.rice import rice_context, rice_percentile
from pavedroad.backlog.schemas import InitiativeIn
from pavedroad.db import unit_of_work


def test_the_practice_example_reads_defer():
    assert rice_context(60, 4, 12, 150) == (
        "60 ranks 4th of 12; the top scores 150: defer until the higher-impact work is done."
    )
    assert rice_context(150, 1, 12, 150).endswith(
        "the highest-impact work in the backlog; do it first."
    )
    assert "among the highest-impact work" in rice_context(120, 3, 12, 150)
    assert "score at least 3" in rice_context(10, 1, 2, 10)
    assert "not ranked" in rice_context(10, None, 5, 50)
    assert rice_percentile(1, 12) == 100 and rice_percentile(12, 12) == 0
    assert rice_percentile(4, 12) == 72.7 and rice_percentile(1, 1) == 100


def test_initiatives_show_json_carries_rank_of_percentile_and_top(engine, cli):
    with unit_of_work(engine) as s:
        for title, reach in (("Top", 300), ("Middle", 100), ("Bottom", 10)):
            backlog.create_initiative(
                session=s,
                data=InitiativeIn(title=title, reach=reach, impact=1, confidence="100%", effort=1),
            )
    result = cli("initiatives", "show", "Bottom", "--json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["rank"], shown["of"], shown["percentile"], shown["top_rice"]) == (3, 3, 0.0, 300)
    assert shown["rice_context"].startswith("10 ranks 3rd of 3; the top scores 300")
    text = cli("initiatives", "show", "Bottom").stdout
    assert "defer until the higher-impact work is done" in text
