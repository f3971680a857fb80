"""Every KPI as an Ibis expression over the event tables and the catalog.

Each *family* computes one or more KPIs for many windows at once: the windows come in as a
small table (w, start, end, a_start, days) joined to the events by the timestamp the KPI's
definition names, so 26 weekly windows cost one query, not 26. A family returns one row per
(window, group) with the KPI columns and a sample size; `grp` is `*` when nothing is cut, else
the team slug or service name. The same expression runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

from pavedroad.lazy import lazy_module

if TYPE_CHECKING:
    import ibis
    import ibis.expr.datatypes as dt
    import ibis.expr.types as ir
else:
    ibis = lazy_module("ibis")
    dt = lazy_module("ibis.expr.datatypes")
    ir = lazy_module("ibis.expr.types")

from pavedroad.metrics.definitions import (
    NPS_DETRACTOR_UP_TO,
    NPS_PROMOTER_FROM,
    TICKET_EFFORT_PERSON_MONTHS,
)

CutBy = Literal["team", "service"] | None
ALL = "*"


@cache
def _text() -> dt.String:
    return dt.String(nullable=True)


@dataclass(frozen=True)
class Cut:
    """How results are broken down (`by`) and filtered (`team`, `service`)."""

    by: CutBy = None
    team: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class Tables:
    """The event tables and the catalog as Ibis tables of one backend."""

    deployments: ir.Table
    changes: ir.Table
    ci_runs: ir.Table
    incidents: ir.Table
    tickets: ir.Table
    survey_responses: ir.Table
    usage_events: ir.Table
    onboarding: ir.Table
    org_facts: ir.Table
    teams: ir.Table
    services: ir.Table
    initiatives: ir.Table
    production_pattern: str

    @property
    def owners(self) -> ir.Table:
        """Service name -> the slug of the team that owns it."""
        s, t = self.services, self.teams
        return s.join(t, s.owner_team_id == t.id).select(owned_service=s.name, owner=t.slug)


class NotApplicable(Exception):
    """A KPI cannot be cut this way (e.g. cost to serve by team)."""


Family = Callable[["Tables", "ir.Table", "Cut"], "ir.Table"]


def _minutes(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    return (later.epoch_seconds().cast("float64") - earlier.epoch_seconds().cast("float64")) / 60


def _count_if(condition: ir.BooleanValue) -> ir.IntegerScalar:
    return ibis.ifelse(condition, 1, 0).sum()


def _scoped(
    table: ir.Table, cut: Cut, *, team: ir.Value | None, service: ir.Value | None
) -> ir.Table:
    """Adds `grp` for the cut and applies the cut's filters; NotApplicable when it cannot."""
    if (cut.by == "team" or cut.team) and team is None:
        raise NotApplicable
    if (cut.by == "service" or cut.service) and service is None:
        raise NotApplicable
    if cut.by == "team":
        assert team is not None
        grp: ir.Value = team.fill_null("(no team)")
    elif cut.by == "service":
        assert service is not None
        grp = service.fill_null("(no service)")
    else:
        grp = ibis.literal(ALL)
    scoped = table.mutate(grp=grp)
    if cut.team:
        assert team is not None
        scoped = scoped.filter(team == cut.team)
    if cut.service:
        assert service is not None
        scoped = scoped.filter(service == cut.service)
    return scoped


def _in_window(table: ir.Table, column: str, wins: ir.Table) -> ir.Table:
    """Each event joined to every window whose [start, end) holds its `column` timestamp.

    Events outside all windows are dropped first, so a store sorted by time skips them.
    """
    stamp = table[column]
    near = table.filter(stamp >= wins.start.min().as_scalar(), stamp < wins.end.max().as_scalar())
    stamp = near[column]
    return near.join(wins, [stamp >= wins.start, stamp < wins.end])


def _deployments(t: Tables) -> ir.Table:
    """Deployments with their owning team resolved and the flags every family needs."""
    d, o = t.deployments, t.owners
    joined = d.left_join(o, d.service == o.owned_service)
    return joined.select(
        id=d.id,
        service=d.service,
        finished_at=d.finished_at,
        team=ibis.coalesce(d.team, o.owner),
        is_prod=d.environment.lower().re_search(t.production_pattern),
        ok=d.result.lower() == "success",
        rollback=d.is_rollback,
        via_platform=d.via_platform,
    )


def _owned(table: ir.Table, t: Tables) -> ir.Table:
    """An event table with a `service` column, plus `team` from the catalog's owners."""
    o = t.owners
    joined = table.left_join(o, table.service == o.owned_service)
    return joined.mutate(owner_team=o.owner).drop("owned_service", "owner")


# --- delivery -------------------------------------------------------------------------------


def lead_time(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    d = _deployments(t)
    shipped = d.filter(d.is_prod & d.ok)
    c = t.changes
    rows = c.join(shipped, c.deployment_id == shipped.id).select(
        finished_at=shipped.finished_at,
        team=shipped.team,
        service=shipped.service,
        minutes=_minutes(shipped.finished_at, c.first_commit_at),
    )
    rows = _scoped(rows, cut, team=rows.team, service=rows.service)
    joined = _in_window(rows, "finished_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        lead_time_p50=joined.minutes.quantile(0.5),
        lead_time_p95=joined.minutes.quantile(0.95),
        n=joined.count(),
    )


def time_to_first_deploy(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    d = _deployments(t)
    shipped = d.filter(d.is_prod & d.ok)
    s, o = t.services, t.owners
    created = s.join(o, s.name == o.owned_service).select(
        name=s.name, created_at=s.created_at, team=o.owner
    )
    firsts = (
        created.join(shipped, [created.name == shipped.service])
        .filter(lambda r: r.finished_at >= r.created_at)
        .group_by(["name", "created_at", "team"])
        .aggregate(first_deploy=lambda r: r.finished_at.min())
    )
    rows = firsts.mutate(hours=_minutes(firsts.first_deploy, firsts.created_at) / 60)
    rows = _scoped(rows, cut, team=rows.team, service=rows.name)
    joined = _in_window(rows, "created_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        time_to_first_deploy_p50=joined.hours.quantile(0.5), n=joined.count()
    )


def deployments(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    d = _deployments(t)
    prod = d.filter(d.is_prod)
    prod = _scoped(prod, cut, team=prod.team, service=prod.service)
    joined = _in_window(prod, "finished_at", wins)
    successes = _count_if(joined.ok)
    return joined.group_by(["w", "grp"]).aggregate(
        deploy_frequency=successes.cast("float64") / (joined.days.max() / 7),
        rollback_rate=_count_if(joined.rollback).cast("float64") / joined.count(),
        n=joined.count(),
    )


def _production_outcomes(t: Tables) -> ir.Table:
    """Production deployments with `failed`: a successful, non-rollback one that an incident
    names (once, however many do) or that the next production deployment of its service, even
    after the window, rolls back."""
    d = _deployments(t)
    prod = d.filter(d.is_prod)
    following = ibis.window(group_by=prod.service, order_by=[prod.finished_at, prod.id])
    prod = prod.mutate(next_is_rollback=prod.rollback.lead().over(following))
    causes = t.incidents.filter(t.incidents.caused_by_deployment_id.notnull())
    return prod.mutate(
        failed=prod.ok
        & ~prod.rollback
        & (prod.id.isin(causes.caused_by_deployment_id) | prod.next_is_rollback.fill_null(False))
    )


def change_failure(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    prod = _production_outcomes(t)
    base = prod.filter(prod.ok & ~prod.rollback)
    base = _scoped(base, cut, team=base.team, service=base.service)
    joined = _in_window(base, "finished_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        change_failure_rate=_count_if(joined.failed).cast("float64") / joined.count(),
        n=joined.count(),
    )


def ci_duration(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    runs = _owned(t.ci_runs, t)
    runs = runs.mutate(minutes=_minutes(runs.finished_at, runs.started_at))
    runs = _scoped(runs, cut, team=runs.owner_team, service=runs.service)
    joined = _in_window(runs, "finished_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        ci_duration_p50=joined.minutes.quantile(0.5),
        ci_duration_p95=joined.minutes.quantile(0.95),
        n=joined.count(),
    )


def ci_queue(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    runs = _owned(t.ci_runs, t)
    runs = runs.filter(runs.queued_at.notnull())
    runs = runs.mutate(minutes=_minutes(runs.started_at, runs.queued_at))
    runs = _scoped(runs, cut, team=runs.owner_team, service=runs.service)
    joined = _in_window(runs, "finished_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        ci_queue_p50=joined.minutes.quantile(0.5), n=joined.count()
    )


# --- reliability ----------------------------------------------------------------------------


def _incidents(t: Tables) -> ir.Table:
    i = _owned(t.incidents, t)
    return i.mutate(team=ibis.coalesce(i.team, i.owner_team))


def incident_frequency(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    i = _incidents(t)
    i = _scoped(i, cut, team=i.team, service=i.service)
    joined = _in_window(i, "started_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        incident_frequency=joined.count().cast("float64") / (joined.days.max() / 7),
        n=joined.count(),
    )


def restore_time(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    i = _incidents(t)
    # An incident whose start is not known yet has no restore time.
    i = i.filter(i.resolved_at.notnull(), i.started_at.notnull())
    i = i.mutate(minutes=_minutes(i.resolved_at, i.started_at))
    i = _scoped(i, cut, team=i.team, service=i.service)
    joined = _in_window(i, "resolved_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        mttr_mean=joined.minutes.mean(),
        mttr_p50=joined.minutes.quantile(0.5),
        n=joined.count(),
    )


def availability(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    i = _incidents(t)
    i = i.filter(i.platform_caused)
    i = _scoped(i, cut, team=i.team, service=i.service)
    # Clip every platform-caused incident to each window it overlaps; an open one runs to the end.
    overlap = i.join(
        wins, [i.started_at < wins.end, ibis.coalesce(i.resolved_at, wins.end) > wins.start]
    )
    clipped = overlap.select(
        "w",
        "grp",
        s=ibis.greatest(overlap.started_at, overlap.start).epoch_seconds().cast("float64"),
        e=ibis.least(ibis.coalesce(overlap.resolved_at, overlap.end), overlap.end)
        .epoch_seconds()
        .cast("float64"),
    )
    # Merge overlaps: each interval only adds the part after the furthest end seen before it.
    earlier = ibis.window(group_by=["w", "grp"], order_by=["s", "e"], rows=(None, -1))
    clipped = clipped.mutate(reach=clipped.e.max().over(earlier))
    clipped = clipped.mutate(
        adds=ibis.greatest(
            ibis.literal(0.0),
            clipped.e - ibis.greatest(clipped.s, ibis.coalesce(clipped.reach, clipped.s)),
        )
    )
    down = clipped.group_by(["w", "grp"]).aggregate(
        down_seconds=clipped.adds.sum(), incidents=clipped.count()
    )
    # A window is observed when any production deployment finished in it; otherwise no_data.
    d = _deployments(t)
    seen = _in_window(d.filter(d.is_prod), "finished_at", wins)
    observed = seen.group_by("w").aggregate(observed=seen.count())
    frame = _frame(t, wins, cut)
    frame = frame.join(observed, "w")
    result = frame.left_join(down, [frame.w == down.w, frame.grp == down.grp])
    seconds = result.days * 86400
    # The sample is the production deployments that show the window was observed.
    return result.select(
        w=result.w,
        grp=result.grp,
        availability=1 - result.down_seconds.fill_null(0.0) / seconds,
        n=result.observed,
    )


def _frame(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    """Every window x every group of the cut (teams or services of the catalog, or `*`)."""
    if cut.by == "team" or cut.team:
        groups = t.teams.select(grp=t.teams.slug)
        if cut.team:
            groups = groups.filter(groups.grp == cut.team)
        if cut.service:
            raise NotApplicable
    elif cut.by == "service" or cut.service:
        groups = t.services.select(grp=t.services.name)
        if cut.service:
            groups = groups.filter(groups.grp == cut.service)
    else:
        return wins.select("w", "days", grp=ibis.literal(ALL))
    return wins.select("w", "days").cross_join(groups)


# --- satisfaction ---------------------------------------------------------------------------


def _latest_wave_answers(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    """The answers of each window's latest wave (the one whose last answer is latest; ties:
    the higher name), with `grp` and the cut's filter applied."""
    r = t.survey_responses
    r = r.mutate(submitted=r.submitted_at.cast("timestamp"))
    in_window = _in_window(r, "submitted", wins)
    waves = in_window.group_by(["w", "wave"]).aggregate(last=in_window.submitted.max())
    ranked = waves.mutate(
        position=ibis.row_number().over(
            ibis.window(group_by="w", order_by=[ibis.desc("last"), ibis.desc("wave")])
        )
    )
    latest = ranked.filter(ranked.position == 0).select(latest_w="w", latest_wave="wave")
    answers = in_window.join(
        latest, [in_window.w == latest.latest_w, in_window.wave == latest.latest_wave]
    )
    return _scoped(answers, cut, team=answers.team, service=None)


def survey(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    answers = _latest_wave_answers(t, wins, cut)
    scored = answers.nps.notnull()
    return answers.group_by(["w", "grp"]).aggregate(
        nps=(
            (
                _count_if(answers.nps >= NPS_PROMOTER_FROM)
                - _count_if(answers.nps <= NPS_DETRACTOR_UP_TO)
            ).cast("float64")
            * 100
            / _count_if(scored).nullif(0)
        ),
        satisfaction=answers.satisfaction.cast("float64").mean(),
        n=answers.count(),
    )


# --- support and adoption -------------------------------------------------------------------


def _latest_facts(t: Tables, wins: ir.Table) -> ir.Table:
    """For each window, the org facts dated latest before its end."""
    f = t.org_facts
    f = f.mutate(dated=f.date.cast("timestamp"))
    before = f.join(wins, f.dated < wins.end)
    ranked = before.mutate(
        position=ibis.row_number().over(ibis.window(group_by="w", order_by=ibis.desc("dated")))
    )
    return ranked.filter(ranked.position == 0).select(
        facts_w="w", customers="customers", org_developers="developers"
    )


def tickets(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    k = t.tickets
    k = _scoped(k, cut, team=k.team, service=None)
    joined = _in_window(k, "opened_at", wins)
    requests = joined.kind == "request"
    counts = joined.group_by(["w", "grp"]).aggregate(
        per_month=joined.count().cast("float64") / (joined.days.max() / 30.4375),
        requests=_count_if(requests),
        self_served=_count_if(requests & joined.self_service),
        n=joined.count(),
    )
    facts = _latest_facts(t, wins)
    both = counts.left_join(facts, counts.w == facts.facts_w)
    return both.select(
        w=both.w,
        grp=both.grp,
        tickets_per_month=both.per_month,
        tickets_per_1k_customers=both.per_month * 1000 / both.customers.nullif(0),
        tickets_per_100_developers=both.per_month * 100 / both.org_developers.nullif(0),
        self_service_ratio=both.self_served.cast("float64") / both.requests.nullif(0),
        n=both.n,
    )


def ticket_resolution(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    k = t.tickets
    k = k.filter(k.resolved_at.notnull())
    k = k.mutate(hours=_minutes(k.resolved_at, k.opened_at) / 60)
    k = _scoped(k, cut, team=k.team, service=None)
    joined = _in_window(k, "resolved_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        ticket_resolution_p50=joined.hours.quantile(0.5), n=joined.count()
    )


def onboarding(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    o = t.onboarding
    o = o.filter(o.first_deploy_at.notnull())
    o = o.mutate(days_taken=_minutes(o.first_deploy_at, o.started_at) / 1440)
    o = _scoped(o, cut, team=o.team, service=None)
    joined = _in_window(o, "first_deploy_at", wins)
    return joined.group_by(["w", "grp"]).aggregate(
        onboarding_time_p50=joined.days_taken.quantile(0.5), n=joined.count()
    )


def _platform_days(t: Tables) -> ir.Table:
    """Each (team, day) with platform use: a successful production deployment through the
    platform, or a usage event. Windows start and end at midnight UTC, so team-days are exact
    and far fewer than events."""
    d = _deployments(t)
    used = d.filter(d.is_prod & d.ok & d.via_platform)
    by_deploys = used.select(team=used.team.cast(_text()), day=used.finished_at.truncate("D"))
    u = t.usage_events
    by_usage = u.select(team=u.team.cast(_text()), day=u.at.truncate("D"))
    return ibis.union(by_deploys, by_usage, distinct=True)


def adoption(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    if cut.by == "service" or cut.service:
        raise NotApplicable
    days = _platform_days(t)
    active = (
        days.join(wins, [days.day >= wins.a_start, days.day < wins.end])
        .select(active_w="w", active_team="team")
        .distinct()
    )
    eligible = t.teams.filter(t.teams.eligible).select(team=t.teams.slug)
    every = wins.select("w").cross_join(eligible)
    # Windows in which some eligible team used the platform: without one, the window has no
    # data (not 0% adoption); with one, an eligible team without use is at 0% in a team cut.
    in_use = (
        every.join(active, [every.w == active.active_w, every.team == active.active_team])
        .select(used_w=every.w)
        .distinct()
    )
    frame = _scoped(every, cut, team=every.team, service=None)
    marked = frame.left_join(active, [frame.w == active.active_w, frame.team == active.active_team])
    marked = marked.left_join(in_use, marked.w == in_use.used_w)
    counted = marked.group_by(["w", "grp"]).aggregate(
        active=_count_if(marked.active_team.notnull()),
        used=_count_if(marked.used_w.notnull()),
        n=marked.count(),
    )
    return counted.select(
        "w",
        "grp",
        adoption_rate=ibis.ifelse(
            counted.used > 0, counted.active.cast("float64") / counted.n, ibis.null("float64")
        ),
        n=counted.n,
    )


# --- cost and capacity ----------------------------------------------------------------------


def cost_to_serve(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    """A month's cost per customer from the latest org facts dated before each window's end:
    org facts are monthly, so a window that holds no facts date still has a value (the rule
    the ticket ratios follow), and the headline agrees with the weekly chart."""
    if cut.by or cut.team or cut.service:
        raise NotApplicable
    f = t.org_facts
    f = f.mutate(
        dated=f.date.cast("timestamp"),
        cost=f.compute_cost.fill_null(0.0)
        + f.ops_hours.fill_null(0.0) * f.hourly_rate.fill_null(0.0),
    )
    before = f.join(wins, f.dated < wins.end)
    ranked = before.mutate(
        position=ibis.row_number().over(ibis.window(group_by="w", order_by=ibis.desc("dated")))
    )
    latest = ranked.filter(ranked.position == 0)
    return latest.select(
        w=latest.w,
        grp=ibis.literal(ALL),
        cost_to_serve_per_customer=latest.cost / latest.customers.nullif(0),
        n=ibis.literal(1, "int64"),
    )


def capacity(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    if cut.by or cut.team or cut.service:
        raise NotApplicable
    i = t.initiatives
    done = i.filter(i.done_at.notnull() & (i.status != "killed")).select(
        at=i.done_at, category=i.category.cast(_text()), effort=i.effort.cast("float64")
    )
    k = t.tickets
    resolved = k.filter(k.resolved_at.notnull()).select(
        at=k.resolved_at,
        category=ibis.literal("unplanned").cast(_text()),
        effort=ibis.literal(TICKET_EFFORT_PERSON_MONTHS),
    )
    work = ibis.union(done, resolved)
    joined = _in_window(work, "at", wins).mutate(grp=ibis.literal(ALL))
    total = joined.effort.sum()

    def share(category: str) -> ir.FloatingScalar:
        return ibis.ifelse(joined.category == category, joined.effort, 0.0).sum() / total

    return joined.group_by(["w", "grp"]).aggregate(
        capacity_roadmap_share=share("roadmap"),
        capacity_platform_share=share("platform"),
        capacity_unplanned_share=share("unplanned"),
        n=joined.count(),
    )


FAMILIES: dict[str, Family] = {
    "adoption": adoption,
    "lead_time": lead_time,
    "time_to_first_deploy": time_to_first_deploy,
    "deployments": deployments,
    "change_failure": change_failure,
    "incident_frequency": incident_frequency,
    "restore_time": restore_time,
    "availability": availability,
    "ci_duration": ci_duration,
    "ci_queue": ci_queue,
    "survey": survey,
    "tickets": tickets,
    "ticket_resolution": ticket_resolution,
    "onboarding": onboarding,
    "cost_to_serve": cost_to_serve,
    "capacity": capacity,
}

# Which family computes each KPI id (the column it returns has the KPI's id as its name).
FAMILY_OF: dict[str, str] = {
    "adoption_rate": "adoption",
    "lead_time_p50": "lead_time",
    "lead_time_p95": "lead_time",
    "time_to_first_deploy_p50": "time_to_first_deploy",
    "deploy_frequency": "deployments",
    "rollback_rate": "deployments",
    "change_failure_rate": "change_failure",
    "incident_frequency": "incident_frequency",
    "mttr_mean": "restore_time",
    "mttr_p50": "restore_time",
    "availability": "availability",
    "ci_duration_p50": "ci_duration",
    "ci_duration_p95": "ci_duration",
    "ci_queue_p50": "ci_queue",
    "nps": "survey",
    "satisfaction": "survey",
    "self_service_ratio": "tickets",
    "onboarding_time_p50": "onboarding",
    "tickets_per_month": "tickets",
    "tickets_per_1k_customers": "tickets",
    "tickets_per_100_developers": "tickets",
    "ticket_resolution_p50": "ticket_resolution",
    "cost_to_serve_per_customer": "cost_to_serve",
    "capacity_roadmap_share": "capacity",
    "capacity_platform_share": "capacity",
    "capacity_unplanned_share": "capacity",
}

# The event tables each family reads: ingestion into one of them invalidates its results.
READS: dict[str, frozenset[str]] = {
    "adoption": frozenset({"deployments", "usage_events", "teams", "services"}),
    "lead_time": frozenset({"deployments", "changes", "services", "teams"}),
    "time_to_first_deploy": frozenset({"deployments", "services", "teams"}),
    "deployments": frozenset({"deployments", "services", "teams"}),
    "change_failure": frozenset({"deployments", "incidents", "services", "teams"}),
    "incident_frequency": frozenset({"incidents", "services", "teams"}),
    "restore_time": frozenset({"incidents", "services", "teams"}),
    "availability": frozenset({"incidents", "deployments", "services", "teams"}),
    "ci_duration": frozenset({"ci_runs", "services", "teams"}),
    "ci_queue": frozenset({"ci_runs", "services", "teams"}),
    "survey": frozenset({"survey_responses"}),
    "tickets": frozenset({"tickets", "org_facts"}),
    "ticket_resolution": frozenset({"tickets"}),
    "onboarding": frozenset({"onboarding"}),
    "cost_to_serve": frozenset({"org_facts"}),
    "capacity": frozenset({"initiatives", "tickets"}),
}


# --- the events behind a number -------------------------------------------------------------


def evidence(t: Tables, wins: ir.Table, cut: Cut, family: str) -> ir.Table:
    """The rows a family counted in the first window, for drill-down (newest first; ties in a
    fixed order, so pages of them neither repeat nor skip a row)."""
    if family in {"deployments", "change_failure", "lead_time", "time_to_first_deploy"}:
        prod = _production_outcomes(t)
        rows = _scoped(prod, cut, team=prod.team, service=prod.service)
        rows = _in_window(rows, "finished_at", wins).filter(lambda r: r.w == 0)
        return rows.select(
            "id", "service", "team", "finished_at", "ok", "rollback", "failed"
        ).order_by([ibis.desc("finished_at"), ibis.desc("id")])
    if family in {"incident_frequency", "restore_time", "availability"}:
        i = _incidents(t)
        i = _scoped(i, cut, team=i.team, service=i.service)
        rows = i.join(
            wins,
            [i.started_at < wins.end, ibis.coalesce(i.resolved_at, wins.end) > wins.start],
        ).filter(lambda r: r.w == 0)
        rows = rows.mutate(
            minutes=_minutes(ibis.coalesce(rows.resolved_at, rows.end), rows.started_at)
        )
        return rows.select(
            "id",
            "service",
            "team",
            "started_at",
            "resolved_at",
            "minutes",
            "severity",
            "platform_caused",
            "caused_by_deployment_id",
        ).order_by([ibis.desc("started_at"), ibis.desc("id")])
    if family in {"ci_duration", "ci_queue"}:
        runs = _owned(t.ci_runs, t)
        if family == "ci_queue":
            runs = runs.filter(runs.queued_at.notnull())
            runs = runs.mutate(minutes=_minutes(runs.started_at, runs.queued_at))
        else:
            runs = runs.mutate(minutes=_minutes(runs.finished_at, runs.started_at))
        runs = _scoped(runs, cut, team=runs.owner_team, service=runs.service)
        rows = _in_window(runs, "finished_at", wins).filter(lambda r: r.w == 0)
        return rows.select(
            "id",
            "service",
            team="owner_team",
            finished_at="finished_at",
            minutes="minutes",
            result="result",
        ).order_by([ibis.desc("finished_at"), ibis.desc("id")])
    if family in {"tickets", "ticket_resolution", "capacity"}:
        k = _scoped(t.tickets, cut, team=t.tickets.team, service=None)
        stamp = "opened_at" if family == "tickets" else "resolved_at"
        rows = _in_window(k.filter(k[stamp].notnull()), stamp, wins).filter(lambda r: r.w == 0)
        return rows.select(
            "id", "team", "opened_at", "resolved_at", "kind", "category", "self_service"
        ).order_by([ibis.desc(stamp), ibis.desc("id")])
    if family == "survey":
        # Answers are anonymous: the drill-down is the latest wave's score distribution, never
        # one answer with its team or day (the service shows it only from five answers on).
        answers = _latest_wave_answers(t, wins, cut).filter(lambda r: r.w == 0)
        by_score = []
        for question in ("nps", "satisfaction"):
            scored = answers.filter(answers[question].notnull())
            by_score.append(
                scored.group_by(["wave", scored[question].cast("int64").name("score")])
                .aggregate(responses=scored.count())
                .mutate(question=ibis.literal(question))
                .select("wave", "question", "score", "responses")
            )
        return by_score[0].union(by_score[1]).order_by(["question", ibis.desc("score")])
    if family == "onboarding":
        o = _scoped(t.onboarding, cut, team=t.onboarding.team, service=None)
        o = o.filter(o.first_deploy_at.notnull())
        rows = _in_window(o, "first_deploy_at", wins).filter(lambda r: r.w == 0)
        rows = rows.mutate(days_taken=_minutes(rows.first_deploy_at, rows.started_at) / 1440)
        return rows.select("team", "started_at", "first_deploy_at", "days_taken").order_by(
            [ibis.desc("first_deploy_at"), "team", "started_at"]
        )
    if family == "adoption":
        return adoption_by_team(t, wins, cut)
    if family == "cost_to_serve":
        f = t.org_facts.mutate(dated=t.org_facts.date.cast("timestamp"))
        first = wins.filter(wins.w == 0)
        rows = f.join(first, f.dated < first.end).order_by(ibis.desc("dated")).limit(1)
        return rows.select(
            "date", "customers", "developers", "compute_cost", "ops_hours", "hourly_rate"
        ).order_by(ibis.desc("date"))
    raise NotApplicable


def adoption_by_team(t: Tables, wins: ir.Table, cut: Cut) -> ir.Table:
    """Each eligible team and whether it used the platform in the 30 days before the end."""
    days = _platform_days(t)
    first = wins.filter(wins.w == 0)
    recent = days.join(first, [days.day >= first.a_start, days.day < first.end])
    last_use = recent.group_by("team").aggregate(last_use=recent.day.max())
    eligible = t.teams.filter(t.teams.eligible)
    if cut.team:
        eligible = eligible.filter(eligible.slug == cut.team)
    joined = eligible.left_join(last_use, eligible.slug == last_use.team)
    return joined.select(
        team=joined.slug, active=joined.last_use.notnull(), last_use=joined.last_use
    ).order_by(["active", "team"])


# Families whose value in a window depends only on events of one table whose time falls in
# the window's reach (below): new rows elsewhere in time leave a cached window valid.
# Every other family (or a change to another table it reads) recomputes all windows.
LOCAL_TABLES: dict[str, frozenset[str]] = {
    "ci_duration": frozenset({"ci_runs"}),
    "ci_queue": frozenset({"ci_runs"}),
    "deployments": frozenset({"deployments"}),
    "incident_frequency": frozenset({"incidents"}),
    "restore_time": frozenset({"incidents"}),
    "tickets": frozenset({"tickets"}),
    "ticket_resolution": frozenset({"tickets"}),
    "onboarding": frozenset({"onboarding"}),
    "capacity": frozenset({"tickets"}),
    "adoption": frozenset({"deployments", "usage_events"}),
}
# How far before a window's start an event still counts (adoption looks back 30 days from
# the window's end, which the engine handles as reaching back from the end).
LOOKBACK_FROM_END_DAYS: dict[str, int] = {"adoption": 30}
