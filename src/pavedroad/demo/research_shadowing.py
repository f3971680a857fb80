"""Demo research: week 1 of the story: three developers shadowed for two hours each.

The notes are written as the practice's Markdown template and imported through the same
parser as `pavedroad research import`, so the demo proves the template reads. They show what
the PM finds in week 1: CI is slow, rollback is a manual runbook, nobody finds the docs, and
developers do not know what the platform already offers.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from pavedroad.demo.company import PM_HIRED, DemoCompany
from pavedroad.research.categorise import Rule
from pavedroad.research.rules import replace_rules, rules_of
from pavedroad.research.shadowing import import_notes

SHADOWED_TEAMS = ("web-app", "payments-gateway", "data-pipelines")

# Themes for friction points; the ticket-rules step may replace them with its own.
FRICTION_RULES = (
    Rule("CI slowness", keywords=("CI", "pipeline", "build", "flaky test")),
    Rule("Manual rollback", keywords=("rollback", "roll back", "runbook")),
    Rule("Documentation nobody finds", keywords=("docs", "documentation", "wiki", "guide")),
    Rule(
        "Not knowing what the platform offers",
        keywords=("didn't know", "did not know", "unaware", "platform offers", "template"),
    ),
)


def _who(company: DemoCompany, team: str) -> str:
    developer = next((d for d in company.developers if d.team == team), None)
    return f"{developer.name}/{team}" if developer is not None else f"a developer of {team}"


def week_one_notes(company: DemoCompany) -> str:
    """The three sessions of week 1 as one notes file in the practice's template."""
    day = PM_HIRED.date()
    web, payments, pipelines = (_who(company, team) for team in SHADOWED_TEAMS)
    return f"""# Week 1: developer shadowing

Developer Shadowing Notes - {(day + timedelta(days=1)).isoformat()} - {web}
═══════════════════════════════════════════════════════════
Workflow observed: ship a one-line copy change to production
Time log:
00:00 - Started task: change the checkout button label
00:04 - Opened VS Code, made the change, pushed a branch to GitHub.
00:06 - Waiting for CI on GitHub Actions (lint, unit, e2e).
00:24 - CI red: flaky e2e test. Re-ran the pipeline in GitHub Actions.
00:25 - Waiting for CI again. Answered messages on Slack meanwhile.
00:43 - CI green. Opened the PR for review on GitHub.
00:55 - Review approved. Merged; deploy pipeline started in Jenkins.
01:00 - Waiting for the deploy in Jenkins. "I wish CI took five minutes, not eighteen."
01:19 - Deployed to staging. Searched the wiki for how to promote to production.
01:31 - Couldn't find the guide. Asked on Slack; a colleague sent an old Confluence page.
01:40 - Promoted to production from Jenkins, following the old page.
01:52 - Checked Grafana: change is live.
02:00 - Done. Two hours for one line.
Friction points (where they struggled):
1. CI takes about 18 minutes and a flaky e2e test forces re-runs
2. The promote-to-production guide is not in the docs anyone finds
3. Waiting for CI and the deploy pipeline is most of the two hours
Tools used: VS Code, GitHub, GitHub Actions, Slack, Jenkins, wiki, Confluence, Grafana
Context switches: 11
Time waiting for things: 55 min
Times they said "I wish..." or "This should be easier": 2
- "I wish CI took five minutes, not eighteen."
- "Promoting to production should be easier than this"

## Developer Shadowing Notes - {(day + timedelta(days=2)).isoformat()} - {payments}
Workflow observed: roll back a bad release of the payments gateway
Time log:
* 00:00 - Alert in PagerDuty: error rate up after this morning's release.
* 00:03 - Opened Grafana: errors started with the new version.
* 00:07 - Decided to roll back. Searched the wiki for the rollback runbook.
* 00:15 - Found the runbook in Confluence: seven manual steps.
* 00:18 - Step 1-3 in the terminal with kubectl: scale down, re-tag the image.
* 00:31 - Waiting for pods to restart. "Why can't I just press a rollback button?"
* 00:42 - Step 4: runbook out of date, the command was renamed. Asked on Slack.
* 00:55 - Got the answer on Slack. Finished steps 4-7 in the terminal.
* 01:10 - Error rate back to normal in Grafana.
* 01:20 - Wrote the incident note in Jira.
* 01:35 - Learnt from a colleague that the platform has a release history page: didn't know it existed.
* 01:50 - Done.
Friction points (where they struggled):
- Rollback is a manual seven-step runbook
- The runbook is out of date and lives in a wiki nobody finds
- Did not know the platform offers a release history page
Tools used: PagerDuty, Grafana, wiki, Confluence, terminal, kubectl, Slack, Jira
Time waiting for things: 0:20
Times they said "I wish..." or "This should be easier": 1 - "Rollback should be easier: one command, not seven steps"

Developer Shadowing Notes - {(day + timedelta(days=3)).isoformat()} - {pipelines}
═══════════════════════════════════════════════════════════
Workflow observed: start a new service for a nightly data job
Time log:
[00:00] Started task: new service for the nightly export job.
[00:05] Copied an old repository on GitHub as a starting point.
[00:20] Searched the wiki for how to register a service. Found three different pages.
[00:32] Asked on Slack which page is current. No answer yet.
[00:40] Waiting for an answer on Slack; set up the CI pipeline by hand in GitHub Actions.
[01:05] Colleague answered: there is a service template in the portal. Didn't know the platform offers templates.
[01:12] Opened the portal in Backstage, created the service from the template.
[01:30] First CI run in GitHub Actions: 17 minutes. Waiting.
[01:47] Green. Deleted the hand-made copy.
[02:00] Done.
Friction points (where they struggled):
1. Did not know the platform offers service templates
2. Three different docs pages for the same task
3. CI slow on the very first run
Tools used: GitHub, wiki, Slack, GitHub Actions, Backstage
Times they said "I wish..." or "This should be easier": 1 - "I wish someone had told me about the templates on day one."
"""


def load_shadowing(session: Session, company: DemoCompany) -> None:
    """Week 1 of the story: three developers shadowed for two hours each."""
    if not rules_of(session, ruleset="friction"):
        replace_rules(session, ruleset="friction", rules=FRICTION_RULES)
    result = import_notes(session, files=[("demo/shadowing-week-1.md", week_one_notes(company))])
    if result.problems:
        raise ValueError(f"demo shadowing notes do not read: {result.problems[0]}")
