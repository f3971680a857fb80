"""Backstage catalog-info.yaml imports: Group -> team, User -> developer, Component -> service.

Files are checked together; a file with any problem writes nothing, and neither does a file
that depends on it, while unrelated files are still imported.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pavedroad.catalog.backstage import import_backstage
from pavedroad.catalog.importers import CatalogImportResult
from pavedroad.catalog.models import Developer, Service, System
from pavedroad.catalog.schemas import DeveloperIn, ServiceIn, TeamIn
from pavedroad.catalog.service import (
    CatalogBatch,
    apply_batch,
    catalog_totals,
    list_developers,
    list_services,
    list_teams,
)
from pavedroad.db import unit_of_work
from pavedroad.errors import InputProblem, InvalidInputError

# --- helpers ---------------------------------------------------------------------------------


def entity(
    kind: str,
    name: str,
    spec: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **metadata}
    if annotations:
        meta["annotations"] = {f"pavedroad.dev/{k}": v for k, v in annotations.items()}
    doc: dict[str, Any] = {"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": meta}
    if spec is not None:
        doc["spec"] = spec
    return doc


def group(
    name: str, display: str | None = None, type: str = "team", **kwargs: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": type, "children": []}
    if display:
        spec["profile"] = {"displayName": display}
    return entity("Group", name, spec, **kwargs)


def user(
    name: str, email: str | None, member_of: list[str], display: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    profile = {k: v for k, v in (("email", email), ("displayName", display)) if v}
    return entity("User", name, {"profile": profile, "memberOf": member_of}, **kwargs)


def component(name: str, owner: str | None, type: str = "service", **kwargs: Any) -> dict:
    spec: dict[str, Any] = {"type": type, "lifecycle": "production"}
    if owner is not None:
        spec["owner"] = owner
    if "system" in kwargs:
        spec["system"] = kwargs.pop("system")
    return entity("Component", name, spec, **kwargs)


def write_docs(directory: Path, name: str, *docs: dict[str, Any]) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return path


def write_text(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(engine: Engine, *paths: Path, strict: bool = False) -> CatalogImportResult:
    with unit_of_work(engine) as session:
        return import_backstage(session=session, paths=list(paths), strict=strict)


def seed(engine: Engine, batch: CatalogBatch) -> None:
    with unit_of_work(engine) as session:
        apply_batch(session=session, batch=batch, source="manual")


def seed_baseline(engine: Engine) -> None:
    """A stored catalog that refused files must leave exactly as it is."""
    seed(
        engine,
        CatalogBatch(
            teams=[TeamIn(slug="stored", name="Stored team", headcount=3)],
            developers=[DeveloperIn(email="kept@example.com", name="Kept", team="stored")],
            services=[ServiceIn(name="kept-service", owner="stored", tier=2)],
        ),
    )


def snapshot(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {
            "teams": [t.model_dump() for t in list_teams(session=session)],
            "developers": [d.model_dump() for d in list_developers(session=session)],
            "services": [s.model_dump() for s in list_services(session=session)],
            "systems": sorted(
                (s.name, s.description, s.owner_team_id, s.source)
                for s in session.scalars(select(System))
            ),
        }


def teams_by_slug(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {t.slug: t for t in list_teams(session=session)}


def list_all_developers(engine: Engine) -> list[Any]:
    with Session(engine) as session:
        return list_developers(session=session)


def developers_by_email(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {d.email: d for d in list_developers(session=session)}


def services_by_name(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {s.name: s for s in list_services(session=session)}


def only_problem(result: CatalogImportResult, path: Path) -> InputProblem:
    """The single problem of the one refused file."""
    assert list(result.rejected) == [str(path)]
    assert str(path) not in result.accepted
    [problem] = result.rejected[str(path)]
    return problem


def import_separately(
    engine: Engine, directory: Path, texts: list[str]
) -> tuple[CatalogImportResult, list[Path]]:
    """Import several files in one run; each file is judged on its own."""
    paths = [write_text(directory, f"case-{i}.yaml", text) for i, text in enumerate(texts)]
    return run_import(engine, *paths), paths


def assert_names(
    problem: InputProblem, path: Path, line: int | None, entity: str | None, field: str | None
) -> None:
    """The problem names file, line, entity and field, also in the text users see."""
    assert (problem.source, problem.line, problem.entity, problem.field) == (
        str(path),
        line,
        entity,
        field,
    )
    text = str(problem)
    assert text.startswith(f"{path}:{line}: " if line else f"{path}: ")
    if entity:
        assert f": {entity}: " in text
    if field:
        assert f"field {field!r}" in text


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- groups ----------------------------------------------------------------------------------


def test_group_becomes_a_team_with_a_lowercase_slug_and_its_display_name(engine, tmp_path):
    path = write_docs(tmp_path, "catalog-info.yaml", group("Payments-Team", "Payments Team"))

    result = run_import(engine, path)

    assert result.ok
    assert result.accepted == [str(path)]
    assert result.report.as_dict() == {"teams": {"created": 1, "updated": 0, "unchanged": 0}}
    team = teams_by_slug(engine)["payments-team"]
    assert (team.name, team.eligible, team.headcount, team.source) == (
        "Payments Team",
        True,
        0,
        "backstage",
    )


def test_group_without_display_name_is_named_by_its_title_or_else_its_name(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "groups.yaml",
        group("search", title="Search & discovery"),
        group("Infra"),
    )

    assert run_import(engine, path).ok

    stored = teams_by_slug(engine)
    assert stored["search"].name == "Search & discovery"
    assert stored["infra"].name == "infra"


def test_group_types_above_teams_are_not_eligible(engine, tmp_path):
    types = {
        "team": True,
        "squad": True,
        "department": False,
        "sub-department": False,
        "organization": False,
        "org": False,
        "division": False,
        "business-unit": False,
        "product-area": False,
        "Root": False,
    }
    docs = [group(f"g-{i}", type=t) for i, t in enumerate(types)]
    path = write_docs(tmp_path, "org.yaml", *docs)

    assert run_import(engine, path).ok

    stored = teams_by_slug(engine)
    assert {t: stored[f"g-{i}"].eligible for i, t in enumerate(types)} == types


def test_eligible_annotation_overrides_the_group_type(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "org.yaml",
        group("platform-dept", type="department", annotations={"eligible": "yes"}),
        group("contractors", type="team", annotations={"eligible": "false"}),
    )

    assert run_import(engine, path).ok

    stored = teams_by_slug(engine)
    assert (stored["platform-dept"].eligible, stored["contractors"].eligible) == (True, False)


def test_headcount_counts_users_whose_first_group_is_the_team(engine, tmp_path):
    teams = write_docs(tmp_path, "teams.yaml", group("web"), group("guild", type="guild"))
    people = write_docs(
        tmp_path,
        "people.yaml",
        user("a", "a@example.com", ["group:default/web"]),
        user("b", "b@example.com", ["web", "guild"]),
        user("c", "c@example.com", ["guild", "web"]),
    )

    assert run_import(engine, teams, people).ok

    stored = teams_by_slug(engine)
    assert (stored["web"].headcount, stored["guild"].headcount) == (2, 1)
    assert (stored["web"].developers, stored["guild"].developers) == (2, 1)


def test_headcount_annotation_wins_over_counted_users(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "catalog.yaml",
        group("web", annotations={"headcount": "40"}),
        user("a", "a@example.com", ["web"]),
    )

    assert run_import(engine, path).ok

    assert teams_by_slug(engine)["web"].headcount == 40


def test_bad_group_annotation_refuses_the_file_naming_the_annotation(engine, tmp_path):
    cases = [("eligible", "sometimes"), ("headcount", "lots"), ("headcount", "-3")]
    texts = [
        f"kind: Group\nmetadata:\n  name: fine-{i}\n---\n"
        "kind: Group\n"
        "metadata:\n"
        f"  name: web-{i}\n"
        f"  annotations:\n    pavedroad.dev/{annotation}: '{value}'\n"
        for i, (annotation, value) in enumerate(cases)
    ]

    result, paths = import_separately(engine, tmp_path, texts)

    assert result.accepted == []
    for i, (path, (annotation, value)) in enumerate(zip(paths, cases, strict=True)):
        [problem] = result.rejected[str(path)]
        field = f"metadata.annotations.pavedroad.dev/{annotation}"
        assert_names(problem, path, 5, f"Group 'web-{i}'", field)
        assert problem.value == value
    assert teams_by_slug(engine) == {}


# --- users -----------------------------------------------------------------------------------


def test_user_becomes_a_developer_of_the_first_group_that_is_a_team(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "catalog.yaml",
        group("payments", "Payments"),
        user(
            "ada",
            "Ada.Lovelace@Example.COM",
            ["group:default/not-imported", "user:default/someone", "Group:Default/Payments"],
            display="Ada Lovelace",
            annotations={"role": "staff engineer", "started-at": "2021-04-01T08:00:00+02:00"},
        ),
    )

    result = run_import(engine, path)

    assert result.report.as_dict() == {
        "teams": {"created": 1, "updated": 0, "unchanged": 0},
        "developers": {"created": 1, "updated": 0, "unchanged": 0},
    }
    ada = developers_by_email(engine)["ada.lovelace@example.com"]
    assert (ada.name, ada.team, ada.role, ada.source) == (
        "Ada Lovelace",
        "payments",
        "staff engineer",
        "backstage",
    )
    assert ada.started_at == utc(2021, 4, 1, 6, 0)


def test_started_at_is_utc_when_the_annotation_has_no_offset(engine, tmp_path):
    path = write_text(
        tmp_path,
        "catalog.yaml",
        "kind: Group\nmetadata: {name: web}\n---\n"
        "kind: User\n"
        "metadata:\n"
        "  name: bo\n"
        "  annotations:\n"
        "    pavedroad.dev/started-at: 2022-01-02T03:04:05\n"  # a YAML timestamp, unquoted
        "spec: {memberOf: [web], profile: {email: bo@example.com}}\n",
    )

    assert run_import(engine, path).ok

    with Session(engine) as session:
        bo = session.scalars(select(Developer).where(Developer.email == "bo@example.com")).one()
        assert bo.started_at == utc(2022, 1, 2, 3, 4, 5)
        assert bo.started_at is not None
        assert bo.started_at.utcoffset() == timedelta(0)


def test_user_without_display_name_is_named_by_metadata_name_and_is_an_engineer(engine, tmp_path):
    path = write_docs(tmp_path, "c.yaml", group("web"), user("grace", "grace@example.com", ["web"]))

    assert run_import(engine, path).ok

    grace = developers_by_email(engine)["grace@example.com"]
    assert (grace.name, grace.role, grace.started_at) == ("grace", "engineer", None)


def test_user_may_join_a_team_stored_by_an_earlier_import(engine, tmp_path):
    seed_baseline(engine)
    path = write_docs(tmp_path, "people.yaml", user("new", "new@example.com", ["stored"]))

    result = run_import(engine, path)

    assert result.report.as_dict() == {"developers": {"created": 1, "updated": 0, "unchanged": 0}}
    assert developers_by_email(engine)["new@example.com"].team == "stored"


def test_user_without_profile_or_email_is_a_developer_keyed_by_its_entity_ref(engine, tmp_path):
    # The starter catalog of `npx @backstage/create-app`: a User with neither profile nor email.
    path = write_text(
        tmp_path,
        "org.yaml",
        "---\napiVersion: backstage.io/v1alpha1\nkind: User\n"
        "metadata:\n  name: guest\nspec:\n  memberOf: [guests]\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: Group\n"
        "metadata:\n  name: guests\nspec:\n  type: team\n  children: []\n",
    )

    result = run_import(engine, path)

    assert result.ok and result.notices == {}
    [guest] = list_all_developers(engine)
    assert (guest.identity, guest.email, guest.name, guest.team) == (
        "user:default/guest",
        None,
        "guest",
        "guests",
    )
    assert run_import(engine, path).report.total("unchanged") == 2


def test_user_with_an_invalid_email_refuses_the_file(engine, tmp_path):
    path = write_docs(tmp_path, "p.yaml", group("web"), user("x", "not an email", ["web"]))

    problem = only_problem(run_import(engine, path), path)

    assert problem.field == "spec.profile.email"
    assert "email address" in problem.reason
    assert teams_by_slug(engine) == {}


def test_user_naming_no_known_group_is_reported_and_the_rest_imported(engine, tmp_path):
    seed_baseline(engine)
    path = write_docs(
        tmp_path,
        "p.yaml",
        group("web"),
        user("ok", "ok@example.com", ["web"]),
        user("lost", "lost@example.com", ["group:default/mars", "venus"]),
    )

    result = run_import(engine, path)

    assert result.ok and result.accepted == [str(path)]
    notes = result.notices[str(path)]
    assert [(n.line, n.entity, n.field, n.value) for n in notes] == [
        (19, "User 'lost'", "spec.memberOf", "group:default/mars"),
        (19, "User 'lost'", "spec.memberOf", "group:default/venus"),
        (19, "User 'lost'", "spec.memberOf", None),
    ]
    assert "in none of the files nor the store" in notes[0].reason
    assert "not imported as a developer" in notes[2].reason
    assert sorted(developers_by_email(engine)) == ["kept@example.com", "ok@example.com"]


def test_user_naming_no_known_group_refuses_the_file_when_strict(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write_docs(
        tmp_path,
        "p.yaml",
        group("web"),
        user("lost", "lost@example.com", ["group:default/mars"]),
    )

    result = run_import(engine, path, strict=True)

    problem = only_problem(result, path)
    assert_names(problem, path, 9, "User 'lost'", "spec.memberOf")
    assert problem.value == "group:default/mars"
    assert "--strict" in problem.reason
    assert snapshot(engine) == before


@pytest.mark.parametrize("member_of", [[], None, ["user:default/boss"]])
def test_user_in_no_group_is_noted_not_refused_even_when_strict(engine, tmp_path, member_of):
    spec: dict[str, Any] = {"profile": {"email": "solo@example.com"}}
    if member_of is not None:
        spec["memberOf"] = member_of
    path = write_docs(tmp_path, "p.yaml", group("web"), entity("User", "solo", spec))

    result = run_import(engine, path, strict=True)

    assert result.ok
    [*_, note] = result.notices[str(path)]
    assert (note.entity, note.field) == ("User 'solo'", "spec.memberOf")
    assert "not imported as a developer" in note.reason
    assert list(teams_by_slug(engine)) == ["web"]
    assert developers_by_email(engine) == {}


def test_same_user_twice_in_one_namespace_refuses_the_file(engine, tmp_path):
    path = write_text(
        tmp_path,
        "p.yaml",
        "kind: Group\nmetadata: {name: web}\n---\n"
        "kind: User\nmetadata: {name: a}\nspec: {memberOf: [web], profile: {email: a@x.io}}\n"
        "---\n"
        "kind: User\nmetadata: {name: A}\nspec: {memberOf: [web], profile: {email: b@x.io}}\n",
    )

    problem = only_problem(run_import(engine, path), path)

    assert_names(problem, path, 8, "User 'A'", "metadata.name")
    assert problem.reason == f"duplicate developer identity, first defined at {path}:4"
    assert problem.value == "user:default/a"


def test_users_of_one_name_in_two_namespaces_are_two_developers_even_with_one_email(
    engine, tmp_path
):
    # As in Backstage's own acme example: guest, and guest in namespace development.
    path = write_text(
        tmp_path,
        "team-a-group.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\n"
        "  description: Team A\nspec:\n  type: team\n  profile:\n"
        "    email: team-a@example.com\n  parent: backstage\n  children: []\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: guest\n"
        "spec:\n  profile:\n    displayName: Guest User\n    email: guest@example.com\n"
        "  memberOf: [team-a]\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: guest\n"
        "  namespace: development\nspec:\n  profile:\n    displayName: Guest User\n"
        "    email: guest@example.com\n  memberOf: [group:default/team-a]\n",
    )
    components = write_docs(tmp_path, "c.yaml", component("site", "team-a"))

    result = run_import(engine, path, components)

    assert result.ok and sorted(result.accepted) == sorted([str(path), str(components)])
    developers = list_all_developers(engine)
    assert sorted((d.identity, d.email, d.team) for d in developers) == [
        ("user:default/guest", "guest@example.com", "team-a"),
        ("user:development/guest", "guest@example.com", "team-a"),
    ]
    assert teams_by_slug(engine)["team-a"].headcount == 2
    assert run_import(engine, path, components).report.total("unchanged") == 4


def test_relative_member_of_is_in_the_users_own_namespace(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "p.yaml",
        group("web"),
        entity("User", "ann", {"memberOf": ["web"]}, namespace="development"),
    )

    result = run_import(engine, path)

    # `web` from namespace development means group:development/web, which is not in the files.
    assert result.ok
    assert result.notices[str(path)][0].value == "group:development/web"
    assert list_all_developers(engine) == []


# --- components and systems ------------------------------------------------------------------


def test_component_owner_may_be_written_in_every_reference_form(engine, tmp_path):
    forms = ["group:default/payments", "default/payments", "payments", "Group:Default/PAYMENTS"]
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("payments"),
        *[component(f"svc-{i}", owner) for i, owner in enumerate(forms)],
    )

    result = run_import(engine, path)

    assert result.report.as_dict()["services"] == {"created": 4, "updated": 0, "unchanged": 0}
    stored = services_by_name(engine)
    assert {name: s.owner for name, s in stored.items()} == {
        f"svc-{i}": "payments" for i in range(4)
    }
    assert {s.source for s in stored.values()} == {"backstage"}


def test_component_owned_by_a_user_belongs_to_that_users_team_and_says_so(engine, tmp_path):
    people = write_docs(
        tmp_path,
        "people.yaml",
        group("web"),
        group("data"),
        user("ada", None, ["data", "web"]),
    )
    path = write_text(
        tmp_path,
        "c.yaml",
        "kind: Component\nmetadata: {name: api}\n"
        "spec: {type: service, lifecycle: production, owner: 'user:default/ada'}\n",
    )

    result = run_import(engine, people, path)

    assert result.ok
    [note] = result.notices[str(path)]
    assert_names(note, path, 1, "Component 'api'", "spec.owner")
    assert note.reason == "is the User 'ada'; owned by that user's team 'data'"
    assert services_by_name(engine)["api"].owner == "data"


def test_component_owned_by_a_stored_user_gets_that_users_stored_team(engine, tmp_path):
    first = write_docs(tmp_path, "people.yaml", group("web"), user("ada", None, ["web"]))
    assert run_import(engine, first).ok
    path = write_docs(tmp_path, "c.yaml", component("api", "user:ada"))

    result = run_import(engine, path)

    assert result.ok and "'web'" in result.notices[str(path)][0].reason
    assert services_by_name(engine)["api"].owner == "web"


def test_component_owned_by_something_else_than_a_group_or_user_refuses_the_file(engine, tmp_path):
    path = write_docs(tmp_path, "c.yaml", group("web"), component("api", "system:default/web"))

    problem = only_problem(run_import(engine, path), path)

    assert (problem.field, problem.value) == ("spec.owner", "system:default/web")
    assert problem.reason == "must name a Group or a User, not a system"


def test_component_with_a_dangling_owner_is_left_out_and_the_rest_imported(engine, tmp_path):
    seed_baseline(engine)
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("web"),
        component("kept-service", "web"),
        component("orphan", "group:default/ghosts"),
        component("lonely", "user:default/nobody"),
    )

    result = run_import(engine, path)

    assert result.ok
    notes = result.notices[str(path)]
    assert [(n.entity, n.field, n.value) for n in notes] == [
        ("Component 'orphan'", "spec.owner", "group:default/ghosts"),
        ("Component 'lonely'", "spec.owner", "user:default/nobody"),
    ]
    assert notes[0].reason.endswith(
        "in none of the files nor the store: this Component is not imported"
    )
    services = services_by_name(engine)
    assert sorted(services) == ["kept-service"] and services["kept-service"].owner == "web"


def test_component_with_a_dangling_owner_refuses_the_file_when_strict(cli, engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("web"),
        component("kept-service", "web"),  # an update that must not happen
        component("orphan", "group:default/ghosts"),
    )

    result = cli("import", "backstage", "--strict", str(path), "--json")

    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["rejected_files"][str(path)]
    assert (problem["line"], problem["entity"], problem["field"], problem["value"]) == (
        18,
        "Component 'orphan'",
        "spec.owner",
        "group:default/ghosts",
    )
    assert snapshot(engine) == before


def test_component_without_owner_refuses_the_file(engine, tmp_path):
    path = write_docs(tmp_path, "c.yaml", group("web"), component("nobody", None))

    problem = only_problem(run_import(engine, path), path)

    assert (problem.entity, problem.field) == ("Component 'nobody'", "spec.owner")
    assert problem.reason == "is required but missing"
    assert teams_by_slug(engine) == {}


def test_libraries_and_other_kinds_are_counted_as_ignored_and_not_stored(cli, engine, tmp_path):
    path = write_docs(
        tmp_path,
        "all-kinds.yaml",
        group("web"),
        component("service", "web"),
        component("shared-lib", "web", type="library"),
        entity("API", "public-api", {"type": "openapi", "owner": "web"}),
        entity("Resource", "db", {"type": "database", "owner": "web"}),
        entity("Location", "more", {"targets": ["./other.yaml"]}),
        entity("Domain", "commerce", {"owner": "web"}),
        entity("Template", "new-service", {"type": "service"}),
    )

    result = cli("import", "backstage", str(path), "--json")

    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["ignored"] == 6
    assert output["counts"] == {
        "teams": {"created": 1, "updated": 0, "unchanged": 0},
        "services": {"created": 1, "updated": 0, "unchanged": 0},
    }
    assert list(services_by_name(engine)) == ["service"]
    table = cli("import", "backstage", str(path))
    assert "6 entities of other kinds were ignored." in table.stdout


def test_system_is_kept_and_its_components_point_to_it(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("payments"),
        entity("System", "Checkout", {"owner": "group:payments"}, description="Buying things"),
        component("cart", "payments", system="checkout"),
        component("pay", "payments", system="system:default/Checkout"),
        component("loose", "payments"),
    )

    result = run_import(engine, path)

    assert result.report.as_dict() == {
        "teams": {"created": 1, "updated": 0, "unchanged": 0},
        "systems": {"created": 1, "updated": 0, "unchanged": 0},
        "services": {"created": 3, "updated": 0, "unchanged": 0},
    }
    stored = services_by_name(engine)
    assert {n: s.system for n, s in stored.items()} == {
        "cart": "checkout",
        "pay": "checkout",
        "loose": None,
    }
    with Session(engine) as session:
        system = session.scalars(select(System)).one()
        assert system.owner is not None
        assert (system.name, system.description, system.owner.slug, system.source) == (
            "checkout",
            "Buying things",
            "payments",
            "backstage",
        )


def test_component_in_a_dangling_system_is_imported_without_it(engine, tmp_path):
    path = write_docs(tmp_path, "c.yaml", group("web"), component("api", "web", system="nowhere"))

    result = run_import(engine, path)

    [note] = result.notices[str(path)]
    assert (note.entity, note.field, note.value) == (
        "Component 'api'",
        "spec.system",
        "system:default/nowhere",
    )
    assert note.reason.endswith("imported without a system")
    assert services_by_name(engine)["api"].system is None

    strict = run_import(engine, path, strict=True)
    assert only_problem(strict, path).field == "spec.system"


def test_system_with_a_dangling_owner_is_kept_without_an_owner(engine, tmp_path):
    path = write_docs(tmp_path, "s.yaml", entity("System", "examples", {"owner": "guests"}))

    result = run_import(engine, path)

    assert result.ok and result.notices[str(path)][0].value == "group:default/guests"
    with Session(engine) as session:
        [system] = session.scalars(select(System)).all()
    assert (system.name, system.owner_team_id) == ("examples", None)


def test_component_annotations_give_tier_and_dates(engine, tmp_path):
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("web"),
        component(
            "Checkout-API",
            "web",
            annotations={
                "tier": "tier-1",
                "created-at": "2020-05-17",
                "onboarded-at": "2024-02-01T10:00:00-03:00",
            },
        ),
        component("tagged", "web", tags=["python", "tier-3"]),
        component("plain", "web"),
    )

    assert run_import(engine, path).ok

    stored = services_by_name(engine)
    api = stored["checkout-api"]
    assert (api.tier, api.created_at, api.onboarded_to_platform_at) == (
        1,
        utc(2020, 5, 17),
        utc(2024, 2, 1, 13, 0),
    )
    assert stored["tagged"].tier == 3
    assert (stored["plain"].tier, stored["plain"].created_at) == (None, None)
    with Session(engine) as session:
        row = session.scalars(select(Service).where(Service.name == "checkout-api")).one()
        assert row.onboarded_to_platform_at is not None
        assert row.onboarded_to_platform_at.utcoffset() == timedelta(0)


def test_bad_component_annotation_refuses_the_file_naming_it(engine, tmp_path):
    cases = [
        ("tier", "platinum", "tier from 1 to 4"),
        ("created-at", "last year", "ISO 8601"),
        ("onboarded-at", "9999-12-31T23:00:00-05:00", "range"),
    ]
    texts = [
        yaml.safe_dump_all(
            [group(f"web-{i}"), component(f"api-{i}", f"web-{i}", annotations={key: value})]
        )
        for i, (key, value, _) in enumerate(cases)
    ]

    result, paths = import_separately(engine, tmp_path, texts)

    assert result.accepted == []
    for i, (path, (key, _, reason)) in enumerate(zip(paths, cases, strict=True)):
        [problem] = result.rejected[str(path)]
        assert (problem.entity, problem.field) == (
            f"Component 'api-{i}'",
            f"metadata.annotations.pavedroad.dev/{key}",
        )
        assert reason in problem.reason
    assert teams_by_slug(engine) == {}


# --- idempotence -----------------------------------------------------------------------------


def full_catalog(directory: Path, payments_name: str = "Payments") -> Path:
    return write_docs(
        directory,
        "catalog-info.yaml",
        group("payments", payments_name),
        entity("System", "checkout", {"owner": "payments"}),
        user("ada", "ada@example.com", ["payments"], display="Ada"),
        component("ledger", "payments", system="checkout"),
    )


def test_reimporting_the_same_files_reports_everything_unchanged(engine, tmp_path):
    path = full_catalog(tmp_path)
    first = run_import(engine, path)
    stored = snapshot(engine)

    again = run_import(engine, path)

    assert first.report.as_dict() == {
        kind: {"created": 1, "updated": 0, "unchanged": 0}
        for kind in ("teams", "systems", "developers", "services")
    }
    assert again.report.as_dict() == {
        kind: {"created": 0, "updated": 0, "unchanged": 1}
        for kind in ("teams", "systems", "developers", "services")
    }
    assert snapshot(engine) == stored


def test_changed_entity_is_updated_and_the_rest_unchanged(engine, tmp_path):
    assert run_import(engine, full_catalog(tmp_path)).ok

    result = run_import(engine, full_catalog(tmp_path, "Payments & billing"))

    assert result.report.as_dict() == {
        "teams": {"created": 0, "updated": 1, "unchanged": 0},
        "systems": {"created": 0, "updated": 0, "unchanged": 1},
        "developers": {"created": 0, "updated": 0, "unchanged": 1},
        "services": {"created": 0, "updated": 0, "unchanged": 1},
    }
    assert teams_by_slug(engine)["payments"].name == "Payments & billing"


# --- several files ---------------------------------------------------------------------------


def test_user_in_one_file_may_belong_to_a_group_in_another(engine, tmp_path):
    people = write_docs(tmp_path, "people.yaml", user("ada", "ada@example.com", ["web"]))
    services = write_docs(tmp_path, "services.yaml", component("site", "group:default/web"))
    teams = write_docs(tmp_path, "teams.yaml", group("web", "Web"))

    result = run_import(engine, people, services, teams)

    assert result.ok
    assert sorted(result.accepted) == sorted(map(str, (people, services, teams)))
    assert developers_by_email(engine)["ada@example.com"].team == "web"
    assert services_by_name(engine)["site"].owner == "web"
    assert teams_by_slug(engine)["web"].headcount == 1


def test_refused_file_takes_dependent_files_down_but_not_unrelated_ones(cli, engine, tmp_path):
    seed_baseline(engine)
    teams = write_docs(
        tmp_path,
        "a-teams.yaml",
        group("web", "Web"),
        component("bad", "web", annotations={"tier": "9"}),
    )
    people = write_docs(
        tmp_path,
        "b-people.yaml",
        user("ada", "ada@example.com", ["web"]),
        component("site", "web"),
    )
    other = write_docs(
        tmp_path,
        "c-other.yaml",
        group("data", "Data"),
        user("bo", "bo@example.com", ["data"]),
        user("kept", "kept@example.com", ["stored"], display="Kept again"),
    )

    result = cli("import", "backstage", str(teams), str(people), str(other), "--json")

    assert result.exit_code == 1
    output = json.loads(result.stdout)
    assert output["accepted_files"] == [str(other)]
    assert output["counts"] == {
        "teams": {"created": 1, "updated": 0, "unchanged": 0},
        "developers": {"created": 1, "updated": 1, "unchanged": 0},
    }
    rejected = output["rejected_files"]
    assert sorted(rejected) == [str(teams), str(people)]
    assert [(p["entity"], p["field"]) for p in rejected[str(teams)]] == [
        ("Component 'bad'", "metadata.annotations.pavedroad.dev/tier")
    ]
    assert [(p["entity"], p["field"], p["reason"], p["value"]) for p in rejected[str(people)]] == [
        ("User 'ada'", "spec.memberOf", "unknown team", "web"),
        ("Component 'site'", "spec.owner", "unknown owner team", "web"),
    ]
    assert sorted(teams_by_slug(engine)) == ["data", "stored"]
    assert sorted(developers_by_email(engine)) == ["bo@example.com", "kept@example.com"]
    assert developers_by_email(engine)["kept@example.com"].name == "Kept again"
    assert list(services_by_name(engine)) == ["kept-service"]
    assert f"refused {teams}: 1 problem(s)" in result.stderr
    assert f"refused {people}: 2 problem(s)" in result.stderr


def test_broken_yaml_refuses_its_file_and_the_files_that_need_it(engine, tmp_path):
    broken = write_text(
        tmp_path,
        "broken.yaml",
        "kind: Group\nmetadata:\n  name: web\n---\nkind: Component\nmetadata: {name: [unclosed\n",
    )
    people = write_docs(tmp_path, "people.yaml", user("ada", "ada@example.com", ["web"]))
    other = write_docs(tmp_path, "other.yaml", group("data"))

    result = run_import(engine, broken, people, other)

    assert result.accepted == [str(other)]
    [syntax] = result.rejected[str(broken)]
    assert syntax.line == 7
    assert syntax.reason.startswith("broken YAML:")
    [dependent] = result.rejected[str(people)]
    # The broken file may define `web`, so the reference is not taken for a dangling one.
    assert (dependent.entity, dependent.field, dependent.value) == (
        "User 'ada'",
        "spec.memberOf",
        "group:default/web",
    )
    assert dependent.reason == (
        f"names group:default/web, which is in no file that could be read (not {broken})"
    )
    assert list(teams_by_slug(engine)) == ["data"]
    assert developers_by_email(engine) == {}


def test_same_entity_in_two_files_is_a_duplicate_in_the_second(engine, tmp_path):
    first = write_text(tmp_path, "first.yaml", "kind: Group\nmetadata: {name: web}\n")
    second = write_text(
        tmp_path,
        "second.yaml",
        "kind: Group\nmetadata: {name: data}\n---\nkind: Group\nmetadata: {name: WEB}\n",
    )

    result = run_import(engine, first, second)

    assert result.accepted == [str(first)]
    problem = only_problem(result, second)
    assert_names(problem, second, 4, "Group 'WEB'", "metadata.name")
    assert problem.reason == f"duplicate team slug, first defined at {first}:1"
    assert list(teams_by_slug(engine)) == ["web"]


def test_same_component_twice_in_one_file_refuses_it(engine, tmp_path):
    path = write_docs(
        tmp_path, "c.yaml", group("web"), component("api", "web"), component("API", "web")
    )

    problem = only_problem(run_import(engine, path), path)

    assert (problem.entity, problem.field) == ("Component 'API'", "metadata.name")
    assert problem.reason.startswith("duplicate service name")
    assert teams_by_slug(engine) == {}


# --- unusable and odd input ------------------------------------------------------------------


def test_missing_file_is_unusable_and_nothing_is_imported(cli, engine, tmp_path):
    good = write_docs(tmp_path, "good.yaml", group("web"))
    missing = tmp_path / "missing.yaml"

    result = cli("import", "backstage", str(good), str(missing))

    assert result.exit_code == 2
    assert f"{missing}: cannot read file" in result.stderr
    assert teams_by_slug(engine) == {}
    with pytest.raises(InvalidInputError) as caught, unit_of_work(engine) as session:
        import_backstage(session=session, paths=[good, missing])
    assert caught.value.unusable


def test_cli_exit_0_prints_counts(cli, tmp_path):
    path = full_catalog(tmp_path)

    result = cli("import", "backstage", str(path))

    assert result.exit_code == 0, result.stderr
    rows = {
        cells[0]: cells[1:]
        for line in result.stdout.splitlines()
        if (cells := [c.strip() for c in line.split("│") if c.strip()])
    }
    for kind in ("teams", "systems", "developers", "services"):
        assert rows[kind] == ["1", "0", "0"]
    assert result.stderr == ""


def test_empty_documents_and_comment_only_files_import_nothing(engine, tmp_path):
    empty = write_text(tmp_path, "empty.yaml", "")
    comments = write_text(tmp_path, "comments.yaml", "# nothing here yet\n---\n---\n")

    result = run_import(engine, empty, comments)

    assert result.ok
    assert result.report.as_dict() == {}
    assert teams_by_slug(engine) == {}


MALFORMED = [
    ("metadata: {name: web}\n", "? 'web'", "kind", "is required but missing"),
    ("kind: Group\nmetadata: {title: Web}\n", "Group", "metadata.name", "is required"),
    ("kind: Group\nmetadata: {name: [a, b]}\n", "Group", "metadata.name", "must be text"),
    ("kind: [Group]\nmetadata: {name: web}\n", "? 'web'", "kind", "must be text"),
    ("kind: Group\nmetadata: {name: web}\nspec: [x]\n", "Group 'web'", "spec", "mapping"),
    (
        "kind: Group\nmetadata: {name: web}\nspec: {profile: Web}\n",
        "Group 'web'",
        "spec.profile",
        "must be a mapping",
    ),
    (
        "kind: Group\nmetadata: {name: web, annotations: [a]}\n",
        "Group 'web'",
        "metadata.annotations",
        "must be a mapping",
    ),
    (
        "kind: Group\nmetadata: {name: 'Bad Name!'}\n",
        "Group 'Bad Name!'",
        "metadata.name",
        "is not a valid Backstage name (1-63 characters a-z, A-Z, 0-9, separated by",
    ),
    (
        "kind: Group\nmetadata: {name: web, namespace: 'Dev Team'}\n",
        "Group 'Dev Team/web'",
        "metadata.namespace",
        "is not a valid Backstage namespace",
    ),
    (
        f"kind: Group\nmetadata: {{name: {'a' * 64}}}\n",
        f"Group '{'a' * 57}...'",
        "metadata.name",
        "is not a valid Backstage name",
    ),
    (
        "kind: User\nmetadata: {name: ann}\nspec: {memberOf: web}\n",
        "User 'ann'",
        "spec.memberOf",
        "must be a list of Group references",
    ),
    (
        "kind: User\nmetadata: {name: ann}\nspec: {memberOf: ['group:Bad Team']}\n",
        "User 'ann'",
        "spec.memberOf",
        "reference 'group:Bad Team': name 'Bad Team' is not a valid Backstage name",
    ),
    (
        "kind: Component\nmetadata: {name: api}\nspec: {owner: 'group:default/'}\n",
        "Component 'api'",
        "spec.owner",
        "reference 'group:default/' has no name",
    ),
    (
        "kind: Component\nmetadata: {name: api}\nspec: {owner: web, system: 'a:b/c/d'}\n",
        "Component 'api'",
        "spec.system",
        "is not a valid Backstage name",
    ),
    (
        f"kind: Group\nmetadata: {{name: web}}\nspec: {{profile: {{displayName: {'d' * 201}}}}}\n",
        "Group 'web'",
        "spec.profile.displayName",
        "200 characters",
    ),
]


def test_malformed_entity_is_a_problem_naming_line_entity_and_field(engine, tmp_path):
    texts = [
        f"kind: Group\nmetadata: {{name: fine-{i}}}\n---\n" + text
        for i, (text, *_) in enumerate(MALFORMED)
    ]

    result, paths = import_separately(engine, tmp_path, texts)

    assert result.accepted == []
    for path, (text, entity, field, reason) in zip(paths, MALFORMED, strict=True):
        [problem] = result.rejected[str(path)]
        assert_names(problem, path, 4, entity, field)
        assert reason in problem.reason
        if field == "metadata.name" and "Backstage name" in reason:
            assert problem.value == yaml.safe_load(text)["metadata"]["name"]  # shows the name
    assert teams_by_slug(engine) == {}


def test_document_that_is_not_a_mapping_is_a_problem_on_its_line(engine, tmp_path):
    path = write_text(
        tmp_path,
        "odd.yaml",
        "kind: Group\nmetadata: {name: web}\n"
        "---\n- a list\n- of things\n"
        "---\njust a string\n"
        "---\n42\n",
    )

    result = run_import(engine, path)

    assert [(p.line, p.reason) for p in result.rejected[str(path)]] == [
        (4, "document is not a mapping"),
        (7, "document is not a mapping"),
        (9, "document is not a mapping"),
    ]
    assert teams_by_slug(engine) == {}


def test_broken_yaml_is_a_problem_with_a_line_and_writes_nothing(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    texts = [
        "kind: Group\nmetadata:\n  name: web\n  bad: [1, 2\n",
        "kind: Group\n\tmetadata: {}\n",
        "kind: Group\nmetadata: {name: web}\nextra: !!python/object:os.system {}\n",
        "kind: Group\nkind: User\nmetadata: {name: web}\n  indented: wrong\n",
        '"unterminated\n',
    ]

    result, paths = import_separately(engine, tmp_path, texts)

    assert result.accepted == []
    for path in paths:
        [problem] = result.rejected[str(path)]
        assert problem.reason.startswith("broken YAML:")
        assert problem.line is not None
        assert str(problem).startswith(f"{path}:{problem.line}: broken YAML:")
    assert snapshot(engine) == before


def test_yaml_values_python_cannot_build_are_broken_yaml_not_a_crash(engine, tmp_path):
    values = ["2024-02-30", "2024-01-01T00:00:00+99:00", "!!timestamp nonsense", "0x__"]
    texts = [
        f"kind: Group\nmetadata: {{name: ok-{i}}}\n---\n"
        f"kind: Group\nmetadata:\n  name: web-{i}\n  description: {value}\n"
        for i, value in enumerate(values)
    ]

    result, paths = import_separately(engine, tmp_path, texts)

    assert result.accepted == []
    for path in paths:
        [problem] = result.rejected[str(path)]
        assert problem.line == 7  # the line of the value, in the second document
        assert problem.reason.startswith("broken YAML:")
    assert teams_by_slug(engine) == {}


# --- hostile and huge input ------------------------------------------------------------------


def test_invalid_utf8_refuses_that_file_only(cli, engine, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"kind: Group\nmetadata:\n  name: caf\xe9\n")
    good = write_docs(tmp_path, "good.yaml", group("web"))

    result = cli("import", "backstage", str(bad), str(good), "--json")

    assert result.exit_code == 2, "a file that cannot be read is unusable input"
    output = json.loads(result.stdout)
    assert output["accepted_files"] == [str(good)]
    assert [p["reason"] for p in output["rejected_files"][str(bad)]] == ["file is not valid UTF-8"]
    assert list(teams_by_slug(engine)) == ["web"]


def test_broken_yaml_exits_2_and_a_refused_entity_exits_1(cli, engine, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: backstage.io/v1alpha1\nkind: [Group\n  : bad\n")
    refused = write_docs(tmp_path, "refused.yaml", group("Not A Slug!"))

    unusable = cli("import", "backstage", str(broken))
    invalid = cli("import", "backstage", str(refused))

    assert unusable.exit_code == 2
    assert f"{broken}:3: broken YAML" in unusable.stderr
    assert invalid.exit_code == 1, invalid.stderr
    assert teams_by_slug(engine) == {}


def test_nul_character_from_a_yaml_escape_refuses_the_file(engine, tmp_path):
    seed_baseline(engine)
    before = snapshot(engine)
    path = write_text(
        tmp_path,
        "nul.yaml",
        'kind: Group\nmetadata: {name: web}\nspec: {profile: {displayName: "We\\0b"}}\n',
    )

    problem = only_problem(run_import(engine, path), path)

    assert (problem.entity, problem.field) == ("Group 'web'", "spec.profile.displayName")
    assert "NUL" in problem.reason
    assert snapshot(engine) == before


def test_unencodable_escape_is_reported_in_printable_form(cli, engine, tmp_path):
    path = write_text(
        tmp_path,
        "escape.yaml",
        'kind: Group\nmetadata:\n  name: web\n  annotations: {pavedroad.dev/headcount: "\\udc80"}\n',
    )

    result = cli("import", "backstage", str(path), "--json")

    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["rejected_files"][str(path)]
    assert problem["value"] == "\\udc80"
    assert "pavedroad.dev/headcount" in result.stderr
    assert teams_by_slug(engine) == {}


def test_a_one_megabyte_name_is_a_short_problem(cli, engine, tmp_path):
    path = write_text(
        tmp_path,
        "huge.yaml",
        "kind: Group\nmetadata: {name: ok}\n---\n"
        f"kind: Group\nmetadata: {{name: {'x' * 1_000_000}}}\nspec: {{profile: {{displayName: X}}}}\n",
    )

    result = cli("import", "backstage", str(path), "--json")

    assert result.exit_code == 1
    [problem] = json.loads(result.stdout)["rejected_files"][str(path)]
    assert (problem["line"], problem["entity"], problem["field"]) == (
        4,
        f"Group '{'x' * 57}...'",
        "metadata.name",
    )
    assert problem["reason"].startswith("is not a valid Backstage name")
    assert problem["value"] == "x" * 197 + "..."
    assert len(result.stderr) < 1_000
    assert teams_by_slug(engine) == {}


def test_deeply_nested_yaml_is_a_problem_not_a_crash(engine, tmp_path):
    deep = write_text(
        tmp_path, "deep.yaml", "kind: Group\nmetadata:\n  name: " + "[" * 5_000 + "]" * 5_000
    )
    deeper = write_text(
        tmp_path, "deeper.yaml", "kind: Group\nmetadata:\n  name: " + "[" * 200 + "]" * 200
    )
    nested_name = write_text(
        tmp_path, "nested.yaml", "kind: Group\nmetadata:\n  name: " + "[" * 10 + "]" * 10
    )
    good = write_docs(tmp_path, "good.yaml", group("web"))

    started = time.monotonic()
    result = run_import(engine, deep, deeper, nested_name, good)

    assert time.monotonic() - started < 20
    assert result.accepted == [str(good)]
    [too_deep] = result.rejected[str(deep)]
    assert too_deep.reason == "broken YAML: nesting is too deep"
    [too_deep] = result.rejected[str(deeper)]
    assert (too_deep.line, too_deep.reason) == (3, "document nests deeper than 20 levels")
    [not_text] = result.rejected[str(nested_name)]
    assert (not_text.field, not_text.reason) == ("metadata.name", "must be text")
    assert list(teams_by_slug(engine)) == ["web"]


def test_self_referencing_alias_is_refused(engine, tmp_path):
    path = write_text(
        tmp_path, "loop.yaml", "kind: Group\nmetadata:\n  name: web\n  loop: &a [*a]\n"
    )

    problem = only_problem(run_import(engine, path), path)

    assert "aliases" in problem.reason
    assert teams_by_slug(engine) == {}


def test_a_few_aliases_are_fine(engine, tmp_path):
    path = write_text(
        tmp_path,
        "anchors.yaml",
        "kind: Group\n"
        "metadata:\n"
        "  name: &name web\n"
        "  annotations: &common {pavedroad.dev/headcount: '7'}\n"
        "  labels: *common\n"
        "spec: {profile: {displayName: *name}}\n",
    )

    assert run_import(engine, path).ok

    team = teams_by_slug(engine)["web"]
    assert (team.name, team.headcount) == ("web", 7)


def billion_laughs(placement: str) -> str:
    """Nine levels of nine aliases: 9**9 strings once expanded."""
    lines = ["lol:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n" + placement + "\n"


BOMB_PLACEMENTS = {
    "top": "kind: Group\nmetadata: {name: top}\n",
    "kind": "kind: *i\nmetadata: {name: kind}\n",
    "name": "kind: Group\nmetadata: {name: *i}\n",
    "type": "kind: Group\nmetadata: {name: typed}\nspec: {type: *i}\n",
    "annotation": "kind: Group\nmetadata:\n  name: annotated\n  annotations:\n"
    "    pavedroad.dev/eligible: *i\n",
    "display-name": "kind: Group\nmetadata: {name: shown}\nspec: {profile: {displayName: *i}}\n",
    "member-of": "kind: User\nmetadata: {name: u}\nspec: {memberOf: *i, profile: {email: a@b.co}}\n",
    "owner": "kind: Component\nmetadata: {name: c}\nspec: {owner: *i}\n",
    "tags": "kind: Component\nmetadata: {name: t, tags: *i}\nspec: {owner: web}\n",
}


def _limit_memory() -> None:
    limit = 1536 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_billion_laughs_finishes_quickly_in_bounded_memory(db_url, engine, tmp_path):
    """Each bomb is refused (or imported), in a process that may not use more than 1.5 GB."""
    bombs = []
    for where, placement in BOMB_PLACEMENTS.items():
        bombs.append(write_text(tmp_path, f"bomb-{where}.yaml", billion_laughs(placement)))
    good = write_docs(tmp_path, "good.yaml", group("web"))

    files = [*map(str, bombs), str(good)]
    started = time.monotonic()
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "pavedroad",
            "import",
            "backstage",
            *files,
            "--json",
            "--db",
            db_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_memory,
        check=False,
    )

    assert time.monotonic() - started < 30
    assert "Traceback" not in process.stderr
    assert process.returncode == 2, process.stderr  # unusable YAML
    output = json.loads(process.stdout)
    assert str(good) in output["accepted_files"]
    for bomb in bombs:
        if str(bomb) in output["rejected_files"]:
            assert all(p["reason"] for p in output["rejected_files"][str(bomb)])
        else:
            assert str(bomb) in output["accepted_files"]
    assert "web" in teams_by_slug(engine)


# --- properties ------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.text(max_size=20),
    st.sampled_from(["web", "group:default/web", "user:default/ada", "tier-2", "2024-01-01"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
random_entities = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["Group", "User", "Component", "System", "API"]) | values,
        "metadata": st.fixed_dictionaries(
            {"name": st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True) | values},
            optional={
                "annotations": st.dictionaries(
                    st.sampled_from(
                        [
                            "pavedroad.dev/eligible",
                            "pavedroad.dev/headcount",
                            "pavedroad.dev/tier",
                            "pavedroad.dev/created-at",
                            "pavedroad.dev/started-at",
                            "pavedroad.dev/role",
                        ]
                    ),
                    values,
                    max_size=3,
                ),
                "tags": values,
                "title": values,
            },
        ),
    },
    optional={
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "type": values,
                "owner": values,
                "memberOf": values,
                "system": values,
                "profile": st.fixed_dictionaries(
                    {}, optional={"email": values, "displayName": values}
                )
                | values,
            },
        )
        | values
    },
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=st.lists(random_entities | values, min_size=1, max_size=4))
def test_random_entities_are_imported_or_refused_with_problems_never_a_crash(cli, engine, docs):
    seed(engine, CatalogBatch(teams=[TeamIn(slug="web", name="Web")]))
    before = snapshot(engine)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "catalog-info.yaml"
        path.write_text(yaml.safe_dump_all(docs, allow_unicode=True), encoding="utf-8")
        result = cli("import", "backstage", str(path), "--json")

    assert result.exit_code in (0, 1), result.stderr
    output = json.loads(result.stdout)
    if result.exit_code == 1:
        problems = output["rejected_files"][str(path)]
        assert problems
        assert all(p["reason"] and (p["line"] or p["entity"]) for p in problems)
        assert output["counts"] == {}
        assert snapshot(engine) == before
    else:
        assert output["accepted_files"] == [str(path)]


# --- Backstage as Backstage defines it -------------------------------------------------------

ACME_ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: acme-corp
  description: The acme-corp organization
spec:
  type: organization
  ancestors: []
  children: [infrastructure]
  descendants: [infrastructure, backstage, team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: infrastructure
  description: The infra department
spec:
  type: department
  parent: acme-corp
  children: [backstage]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: backstage
  description: The backstage sub-department
spec:
  type: sub-department
  profile:
    displayName: Backstage
    email: backstage@example.com
  parent: infrastructure
  children: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
  description: Team A
spec:
  type: team
  profile:
    email: team-a@example.com
  parent: backstage
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: breanna.davison
spec:
  profile:
    email: breanna-davison@example.com
  memberOf: [team-a]
---
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: example-groups
spec:
  targets: [./team-a-group.yaml]
"""


def test_groupings_of_the_acme_example_are_not_eligible_and_leave_the_adoption_denominator(
    engine, tmp_path
):
    path = write_text(tmp_path, "org.yaml", ACME_ORG)

    result = run_import(engine, path)

    assert result.ok and result.ignored == 1
    stored = teams_by_slug(engine)
    assert {slug: t.eligible for slug, t in stored.items()} == {
        "acme-corp": False,
        "infrastructure": False,
        "backstage": False,
        "team-a": True,
    }
    assert stored["backstage"].name == "Backstage"
    with Session(engine) as session:
        # The adoption KPI divides by eligible teams only (metrics/expressions.py).
        assert catalog_totals(session=session)["eligible_teams"] == 1
    [breanna] = list_all_developers(engine)
    assert (breanna.identity, breanna.name, breanna.team) == (
        "user:default/breanna.davison",
        "breanna.davison",
        "team-a",
    )


def test_the_create_app_starter_catalog_imports_through_the_cli(cli, engine, tmp_path):
    org = write_text(
        tmp_path,
        "org.yaml",
        "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: guest\n"
        "spec:\n  memberOf: [guests]\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\n"
        "metadata:\n  name: guests\nspec:\n  type: team\n  children: []\n",
    )
    entities = write_text(
        tmp_path,
        "entities.yaml",
        "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: examples\n"
        "spec:\n  owner: guests\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata:\n  name: example-website\nspec:\n  type: website\n  lifecycle: experimental\n"
        "  owner: guests\n  system: examples\n  providesApis: [example-grpc-api]\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: example-grpc-api\n"
        "spec:\n  type: grpc\n  lifecycle: experimental\n  owner: guests\n  system: examples\n"
        '  definition: |\n    syntax = "proto3";\n',
    )

    result = cli("import", "backstage", str(org), str(entities), "--json")

    assert result.exit_code == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["counts"] == {
        kind: {"created": 1, "updated": 0, "unchanged": 0}
        for kind in ("teams", "systems", "developers", "services")
    }
    assert output["ignored"] == 1 and output["notices"] == {}
    assert services_by_name(engine)["example-website"].system == "examples"


def test_component_in_another_namespace_refers_to_the_default_namespace_explicitly(
    engine, tmp_path
):
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("team-a"),
        entity(
            "Component",
            "different-namespace",
            {"type": "service", "lifecycle": "experimental", "owner": "default/team-a"},
            namespace="alternative",
        ),
        entity("Component", "relative", {"type": "service", "owner": "team-a"}, namespace="alt"),
    )

    result = run_import(engine, path)

    assert result.ok
    assert services_by_name(engine)["different-namespace"].owner == "team-a"
    # `team-a` written in namespace alt means group:alt/team-a, which is nowhere.
    [note] = result.notices[str(path)]
    assert (note.entity, note.value) == ("Component 'alt/relative'", "group:alt/team-a")
    assert "relative" not in services_by_name(engine)


def test_dangling_references_are_printed_as_notes_and_the_cli_exits_0(cli, engine, tmp_path):
    path = write_docs(
        tmp_path,
        "c.yaml",
        group("web"),
        component("api", "web", system="nowhere"),
        component("orphan", "ghosts"),
    )

    result = cli("import", "backstage", str(path))

    assert result.exit_code == 0
    assert f"note {path}: 2 " in result.stderr
    assert "Component 'orphan': field 'spec.owner': names group:default/ghosts" in result.stderr
    assert list(services_by_name(engine)) == ["api"]


def test_a_developer_stored_by_email_is_taken_over_by_the_backstage_user(engine, tmp_path):
    seed(
        engine,
        CatalogBatch(
            teams=[TeamIn(slug="web", name="Web")],
            developers=[DeveloperIn(email="ada@example.com", name="Ada", team="web")],
        ),
    )
    path = write_docs(tmp_path, "p.yaml", group("web"), user("ada", "Ada@Example.com", ["web"]))

    assert run_import(engine, path).report.as_dict()["developers"] == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
    }
    [ada] = list_all_developers(engine)
    assert (ada.identity, ada.email, ada.source) == (
        "user:default/ada",
        "ada@example.com",
        "backstage",
    )
    # A CSV row for the same email updates that developer; it does not make a second one.
    seed(
        engine,
        CatalogBatch(developers=[DeveloperIn(email="ada@example.com", name="A", team="web")]),
    )
    [ada] = list_all_developers(engine)
    assert (ada.identity, ada.name) == ("user:default/ada", "A")
    assert run_import(engine, path).report.as_dict()["developers"]["updated"] == 1
    assert len(list_all_developers(engine)) == 1


def test_a_huge_file_of_many_entities_imports_in_bounded_time(engine, tmp_path):
    teams = 200
    docs: list[dict[str, Any]] = [group(f"team-{t}", type="team") for t in range(teams)]
    docs += [
        entity(
            "User",
            f"user.{i}",
            {"memberOf": [f"group:default/team-{i % teams}"]}
            | ({"profile": {"email": f"u{i}@x.io"}} if i % 2 else {}),
            namespace="default" if i % 3 else "contractors",
        )
        for i in range(3000)
    ]
    docs += [component(f"svc-{i}", f"team-{i % teams}") for i in range(1500)]
    docs += [component(f"lost-{i}", f"user:nobody-{i}") for i in range(100)]
    path = write_docs(tmp_path, "huge.yaml", *docs)

    started = time.monotonic()
    result = run_import(engine, path)
    elapsed = time.monotonic() - started

    assert result.ok
    assert result.report.as_dict() == {
        "teams": {"created": teams, "updated": 0, "unchanged": 0},
        "developers": {"created": 3000, "updated": 0, "unchanged": 0},
        "services": {"created": 1500, "updated": 0, "unchanged": 0},
    }
    assert len(result.notices[str(path)]) == 100
    assert teams_by_slug(engine)["team-0"].headcount == 15
    assert elapsed < 60
