"""The shape of the demo company, as plain data: no I/O, the same for the same seed.

Brightwave is a B2B SaaS company (invoicing and payments for mid-sized businesses) with
about 600 engineers in product-area teams, 45 services, and an 8-engineer platform team.
The story runs over 12 months: six months as a technology project, then a product manager
arrives (`PM_HIRED`) and the platform team starts working as a product team.
Generators for later domains take the same `DemoCompany` and add their data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, SystemIn, TeamIn

DOMAIN = "brightwave.example"
HISTORY_START = datetime(2025, 12, 1, tzinfo=UTC)
PM_HIRED = datetime(2026, 6, 1, tzinfo=UTC)
HISTORY_END = datetime(2026, 12, 1, tzinfo=UTC)
DEMO_LOGIN = ("demo@brightwave.example", "pavedroad-demo")

# (area, team slug, team name, engineers, eligible for the platform)
TEAMS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("billing", "billing-core", "Billing Core", 12, True),
    ("billing", "invoicing", "Invoicing", 11, True),
    ("billing", "subscriptions", "Subscriptions", 10, True),
    ("billing", "pricing", "Pricing & Packaging", 8, True),
    ("billing", "tax", "Tax Compliance", 7, True),
    ("payments", "payments-gateway", "Payments Gateway", 12, True),
    ("payments", "ledger", "Ledger", 9, True),
    ("payments", "payouts", "Payouts", 9, True),
    ("payments", "fraud", "Fraud & Risk", 10, True),
    ("payments", "reconciliation", "Reconciliation", 8, True),
    ("accounts", "identity", "Identity", 11, True),
    ("accounts", "permissions", "Permissions & Audit", 9, True),
    ("accounts", "tenants", "Tenant Management", 8, True),
    ("accounts", "sso", "Enterprise SSO", 7, True),
    ("experience", "web-app", "Web App", 14, True),
    ("experience", "design-system", "Design System", 7, True),
    ("experience", "mobile-ios", "Mobile iOS", 9, True),
    ("experience", "mobile-android", "Mobile Android", 9, True),
    ("experience", "customer-portal", "Customer Portal", 10, True),
    ("experience", "onboarding-flow", "Onboarding Flow", 8, True),
    ("integrations", "integrations-hub", "Integrations Hub", 11, True),
    ("integrations", "crm-sync", "CRM Sync", 8, True),
    ("integrations", "erp-connectors", "ERP Connectors", 10, True),
    ("integrations", "public-api", "Public API", 10, True),
    ("integrations", "webhooks", "Webhooks", 7, True),
    ("integrations", "sales-engineering", "Sales Engineering", 9, True),
    ("insights", "reporting", "Reporting", 11, True),
    ("insights", "analytics", "Product Analytics", 9, True),
    ("insights", "exports", "Exports & Documents", 8, True),
    ("insights", "search", "Search", 10, True),
    ("insights", "recommendations", "Recommendations", 8, True),
    ("data", "data-platform", "Data Platform", 12, True),
    ("data", "data-pipelines", "Data Pipelines", 10, True),
    ("data", "ml-scoring", "ML Scoring", 9, True),
    ("data", "data-science", "Data Science", 10, False),
    ("communications", "notifications", "Notifications", 10, True),
    ("communications", "email-delivery", "Email Delivery", 8, True),
    ("communications", "messaging", "In-app Messaging", 8, True),
    ("operations", "sre", "Site Reliability", 12, True),
    ("operations", "security-engineering", "Security Engineering", 10, True),
    ("operations", "platform", "Developer Platform", 8, False),
    ("operations", "observability", "Observability", 7, True),
    ("operations", "release-engineering", "Release Engineering", 7, True),
    ("operations", "corporate-it", "Corporate IT", 9, False),
    ("support", "support-tooling", "Support Tooling", 9, True),
    ("support", "support-engineering", "Support Engineering", 11, True),
    ("support", "status-and-comms", "Status & Comms", 6, True),
    ("growth", "growth-experiments", "Growth Experiments", 10, True),
    ("growth", "marketing-site", "Marketing Site", 7, True),
    ("growth", "partner-portal", "Partner Portal", 8, True),
    ("growth", "localization", "Localization", 7, True),
    ("quality", "qa-automation", "QA Automation", 10, False),
    ("quality", "performance", "Performance Engineering", 7, True),
    ("enterprise", "enterprise-features", "Enterprise Features", 11, True),
    ("enterprise", "compliance", "Compliance Engineering", 9, True),
    ("enterprise", "data-residency", "Data Residency", 8, True),
    ("core", "api-gateway", "API Gateway", 9, True),
    ("core", "scheduler", "Jobs & Scheduling", 8, True),
    ("core", "files", "Files & Storage", 8, True),
    ("core", "events", "Event Bus", 8, True),
)

SYSTEMS: tuple[tuple[str, str, str], ...] = (
    ("billing", "Billing: invoices, subscriptions, pricing and tax", "billing-core"),
    ("payments", "Payments: gateway, ledger, payouts, fraud", "payments-gateway"),
    ("accounts", "Accounts: identity, permissions, tenants", "identity"),
    ("experience", "What customers see: web, mobile, portal", "web-app"),
    ("integrations", "Integrations with CRMs, ERPs and the public API", "integrations-hub"),
    ("insights", "Reporting, analytics, search and exports", "reporting"),
    ("data", "Data platform and machine learning", "data-platform"),
    ("communications", "Notifications, email and messaging", "notifications"),
    ("core", "Shared runtime: gateway, jobs, files, events", "api-gateway"),
)

# (service, owner team, system, tier, year created or None for "created during the history")
SERVICES: tuple[tuple[str, str, str, int, int | None], ...] = (
    ("billing-api", "billing-core", "billing", 1, 2019),
    ("invoice-renderer", "invoicing", "billing", 2, 2020),
    ("invoice-scheduler", "invoicing", "billing", 2, 2021),
    ("subscription-service", "subscriptions", "billing", 1, 2019),
    ("pricing-engine", "pricing", "billing", 2, 2022),
    ("tax-calculator", "tax", "billing", 1, 2021),
    ("payments-gateway", "payments-gateway", "payments", 1, 2018),
    ("card-tokenizer", "payments-gateway", "payments", 1, 2020),
    ("ledger-service", "ledger", "payments", 1, 2019),
    ("payout-worker", "payouts", "payments", 1, 2021),
    ("fraud-detector", "fraud", "payments", 1, 2022),
    ("reconciliation-jobs", "reconciliation", "payments", 2, 2022),
    ("auth-service", "identity", "accounts", 1, 2018),
    ("permissions-service", "permissions", "accounts", 1, 2020),
    ("audit-log", "permissions", "accounts", 2, 2021),
    ("tenant-manager", "tenants", "accounts", 2, 2020),
    ("sso-bridge", "sso", "accounts", 1, 2023),
    ("web-frontend", "web-app", "experience", 1, 2018),
    ("mobile-bff", "mobile-ios", "experience", 2, 2021),
    ("customer-portal", "customer-portal", "experience", 2, 2020),
    ("onboarding-service", "onboarding-flow", "experience", 3, None),
    ("integrations-hub", "integrations-hub", "integrations", 2, 2020),
    ("salesforce-sync", "crm-sync", "integrations", 2, 2021),
    ("netsuite-connector", "erp-connectors", "integrations", 3, 2022),
    ("public-api", "public-api", "integrations", 1, 2019),
    ("webhook-dispatcher", "webhooks", "integrations", 2, 2021),
    ("reporting-api", "reporting", "insights", 2, 2019),
    ("analytics-collector", "analytics", "insights", 3, 2022),
    ("export-worker", "exports", "insights", 3, 2021),
    ("pdf-renderer", "exports", "insights", 3, 2020),
    ("search-api", "search", "insights", 2, 2020),
    ("search-indexer", "search", "insights", 3, None),
    ("recommendations", "recommendations", "insights", 3, None),
    ("data-ingest", "data-pipelines", "data", 2, 2021),
    ("etl-scheduler", "data-platform", "data", 3, 2022),
    ("ml-scoring", "ml-scoring", "data", 3, None),
    ("notification-service", "notifications", "communications", 2, 2019),
    ("email-sender", "email-delivery", "communications", 2, 2019),
    ("in-app-messages", "messaging", "communications", 3, None),
    ("api-gateway", "api-gateway", "core", 1, 2018),
    ("rate-limiter", "api-gateway", "core", 1, 2022),
    ("job-scheduler", "scheduler", "core", 2, 2020),
    ("file-storage", "files", "core", 2, 2019),
    ("event-bus", "events", "core", 1, 2020),
    ("usage-metering", "billing-core", "billing", 2, None),
)

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Andrei",
    "Anika",
    "Arjun",
    "Ayumi",
    "Bea",
    "Ben",
    "Bilal",
    "Bo",
    "Carla",
    "Chen",
    "Chidi",
    "Clara",
    "Dana",
    "Daniel",
    "Dev",
    "Diego",
    "Elif",
    "Elena",
    "Emeka",
    "Emma",
    "Eun-ji",
    "Farah",
    "Felix",
    "Fatima",
    "Gabriel",
    "Grace",
    "Hana",
    "Hugo",
    "Ibrahim",
    "Ines",
    "Ivan",
    "Jada",
    "Jamal",
    "Jana",
    "Javier",
    "Jin",
    "Joao",
    "Julia",
    "Kai",
    "Kamala",
    "Kenji",
    "Lara",
    "Leo",
    "Lina",
    "Luca",
    "Maya",
    "Mateo",
    "Mei",
    "Mina",
    "Mohammed",
    "Nadia",
    "Naomi",
    "Nikhil",
    "Nora",
    "Olu",
    "Omar",
    "Paula",
    "Pedro",
    "Priya",
    "Rafael",
    "Rania",
    "Ravi",
    "Rosa",
    "Sam",
    "Sara",
    "Sven",
    "Tariq",
    "Tomas",
    "Uma",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zoe",
)
LAST_NAMES = (
    "Abara",
    "Almeida",
    "Andersen",
    "Baptiste",
    "Becker",
    "Bianchi",
    "Chowdhury",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Fischer",
    "Garcia",
    "Gupta",
    "Haddad",
    "Hansen",
    "Ito",
    "Ivanova",
    "Jansen",
    "Kaur",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lee",
    "Lopez",
    "Mendes",
    "Moreau",
    "Mwangi",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Oliveira",
    "Park",
    "Patel",
    "Petrov",
    "Quinn",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Singh",
    "Suzuki",
    "Tanaka",
    "Torres",
    "Van Dijk",
    "Wagner",
    "Wang",
    "Weber",
    "Yilmaz",
    "Zhang",
)
ROLES = (
    ("engineer", 0.46),
    ("senior engineer", 0.28),
    ("staff engineer", 0.07),
    ("engineering manager", 0.1),
    ("qa engineer", 0.04),
    ("data engineer", 0.05),
)


@dataclass
class DemoCompany:
    """Everything the demo generators share: the catalog and the story's dates."""

    seed: int
    teams: list[TeamIn] = field(default_factory=list)
    systems: list[SystemIn] = field(default_factory=list)
    developers: list[DeveloperIn] = field(default_factory=list)
    services: list[ServiceIn] = field(default_factory=list)
    area_of_team: dict[str, str] = field(default_factory=dict)

    @property
    def engineers(self) -> int:
        return len(self.developers)


def _day_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    days = (end - start).days
    return (start + timedelta(days=rng.randrange(max(days, 1)))).replace(hour=9)


def _pick_role(rng: random.Random, index: int) -> str:
    if index == 0:
        return "engineering manager"
    roll = rng.random()
    total = 0.0
    for role, share in ROLES:
        total += share
        if roll < total:
            return role
    return "engineer"


def build_company(seed: int = 7) -> DemoCompany:
    """Build the demo company; the same seed always gives the same company."""
    rng = random.Random(seed)
    company = DemoCompany(seed=seed)
    used_emails: set[str] = set()
    for area, slug, name, engineers, eligible in TEAMS:
        # Headcount varies a little with the seed so that other seeds give other companies.
        # The platform team stays at the 8 engineers of the war story.
        size = engineers if slug == "platform" else max(5, engineers + rng.choice((0, 1, 1, 2)))
        company.teams.append(TeamIn(slug=slug, name=name, eligible=eligible, headcount=size))
        company.area_of_team[slug] = area
        for index in range(size):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            email, n = f"{local}@{DOMAIN}", 2
            while email in used_emails:
                email, n = f"{local}{n}@{DOMAIN}", n + 1
            used_emails.add(email)
            # About one in eight engineers joined during the 12 months of history.
            recent = rng.random() < 0.125
            started = (
                _day_between(rng, HISTORY_START, HISTORY_END - timedelta(days=14))
                if recent
                else _day_between(rng, datetime(2018, 1, 1, tzinfo=UTC), HISTORY_START)
            )
            company.developers.append(
                DeveloperIn(
                    email=email,
                    name=f"{first} {last}",
                    team=slug,
                    started_at=started,
                    role=_pick_role(rng, index),
                )
            )
    for system, description, owner in SYSTEMS:
        company.systems.append(SystemIn(name=system, description=description, owner=owner))
    for name, owner, system, tier, year in SERVICES:
        if year is None:
            created = _day_between(rng, HISTORY_START, HISTORY_END - timedelta(days=21))
        else:
            created = _day_between(
                rng, datetime(year, 1, 1, tzinfo=UTC), datetime(year, 12, 31, tzinfo=UTC)
            )
        company.services.append(
            ServiceIn(
                name=name,
                owner=owner,
                system=system,
                tier=tier,
                created_at=created,
                onboarded_to_platform_at=_onboarded_at(rng, created),
            )
        )
    return company


def _onboarded_at(rng: random.Random, created: datetime) -> datetime | None:
    """About half the services are on the platform before the PM arrives, ~78% by the end."""
    roll = rng.random()
    if roll < 0.5:
        start = max(created, datetime(2023, 1, 1, tzinfo=UTC))
        end = max(start + timedelta(days=1), PM_HIRED - timedelta(days=1))
        return _day_between(rng, start, end)
    if roll < 0.78:
        start = max(created, PM_HIRED + timedelta(days=30))
        return _day_between(rng, start, HISTORY_END - timedelta(days=7))
    return None
