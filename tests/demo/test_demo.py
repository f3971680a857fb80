"""The demo company: deterministic, the war story's shape, and idempotent to load."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from pavedroad.catalog.models import Developer, Service, Team
from pavedroad.db import unit_of_work
from pavedroad.demo.company import HISTORY_END, HISTORY_START, PM_HIRED, build_company
from pavedroad.demo.loader import load_demo


def test_the_same_seed_gives_the_same_company_and_another_seed_another():
    first, again, other = build_company(7), build_company(7), build_company(8)
    assert first.developers == again.developers and first.services == again.services
    assert first.developers != other.developers


def test_the_company_has_the_war_storys_size():
    company = build_company()
    assert 570 <= company.engineers <= 630
    assert len(company.services) == 45
    assert len({d.email for d in company.developers}) == company.engineers
    platform = next(t for t in company.teams if t.slug == "platform")
    assert platform.headcount == 8 and not platform.eligible
    sizes = Counter(d.team for d in company.developers)
    assert all(sizes[t.slug] == t.headcount for t in company.teams)
    assert {s.owner for s in company.services} <= {t.slug for t in company.teams}


def test_about_half_the_services_are_on_the_platform_before_the_pm_arrives():
    company = build_company()
    before = sum(
        1
        for s in company.services
        if s.onboarded_to_platform_at and s.onboarded_to_platform_at < PM_HIRED
    )
    ever = sum(1 for s in company.services if s.onboarded_to_platform_at)
    assert 0.35 <= before / 45 <= 0.65
    assert ever > before
    new_services = [
        s for s in company.services if s.created_at and HISTORY_START <= s.created_at < HISTORY_END
    ]
    assert len(new_services) == 6


def test_loading_twice_changes_nothing(engine):
    with unit_of_work(engine) as s:
        load_demo(s)
    with unit_of_work(engine) as s:
        counts = [s.scalar(select(func.count()).select_from(m)) for m in (Team, Developer, Service)]
        load_demo(s)
    with unit_of_work(engine) as s:
        assert [
            s.scalar(select(func.count()).select_from(m)) for m in (Team, Developer, Service)
        ] == counts
    assert counts[0] == 60 and counts[2] == 45


def test_demo_load_prints_the_sign_in(cli):
    result = cli("demo", "load", "--seed", "7")
    assert result.exit_code == 0, result.stderr
    assert "demo@brightwave.example / pavedroad-demo" in result.stdout
    assert "45 services" in result.stdout
