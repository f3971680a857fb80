"""A service remembers its code repository from the Component's `github.com/project-slug` or
`gitlab.com/project-slug` annotation, so the GitHub and GitLab connectors find its service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from pavedroad.catalog.backstage import import_backstage, import_backstage_entities
from pavedroad.catalog.service import list_services, services_by_repository
from pavedroad.db import unit_of_work


def _group(name: str) -> dict[str, Any]:
    return {"kind": "Group", "metadata": {"name": name}, "spec": {"type": "team"}}


def _component(name: str, annotations: dict[str, Any] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if annotations is not None:
        meta["annotations"] = annotations
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": meta,
        "spec": {"type": "service", "lifecycle": "production", "owner": "web"},
    }


def _write(tmp_path: Path, *docs: dict[str, Any]) -> Path:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
    return path


def _repositories(engine: Any) -> dict[str, str | None]:
    with Session(engine) as session:
        return {s.name: s.repository for s in list_services(session=session)}


def test_github_and_gitlab_slugs_become_the_lower_cased_repository_of_the_service(engine, tmp_path):
    path = _write(
        tmp_path,
        _group("web"),
        _component("checkout", {"github.com/project-slug": "Acme/Checkout-API"}),
        _component("billing", {"gitlab.com/project-slug": "platform/Payments/billing"}),
        _component(
            "both", {"github.com/project-slug": "acme/both", "gitlab.com/project-slug": "x/y"}
        ),
        _component("plain"),
    )
    with unit_of_work(engine) as session:
        assert import_backstage(session=session, paths=[path]).ok

    assert _repositories(engine) == {
        "billing": "platform/payments/billing",
        "both": "acme/both",
        "checkout": "acme/checkout-api",
        "plain": None,
    }
    with Session(engine) as session:
        assert services_by_repository(session=session) == {
            "acme/checkout-api": "checkout",
            "platform/payments/billing": "billing",
            "acme/both": "both",
        }


def test_entities_from_the_catalog_api_map_the_repository_the_same_way(engine):
    entities = [_group("web"), _component("checkout", {"github.com/project-slug": "Acme/API"})]
    with unit_of_work(engine) as session:
        assert import_backstage_entities(session=session, source="api", entities=entities).ok
    assert _repositories(engine) == {"checkout": "acme/api"}


def test_removed_annotation_forgets_the_repository_on_the_next_import(engine, tmp_path):
    with unit_of_work(engine) as session:
        import_backstage(
            session=session,
            paths=[
                _write(tmp_path, _group("web"), _component("c", {"github.com/project-slug": "a/c"}))
            ],
        )
    with unit_of_work(engine) as session:
        result = import_backstage(
            session=session, paths=[_write(tmp_path, _group("web"), _component("c"))]
        )
    assert result.report.as_dict()["services"]["updated"] == 1
    assert _repositories(engine) == {"c": None}


def test_a_slug_that_is_not_owner_slash_name_refuses_the_component_naming_the_annotation(
    engine, tmp_path
):
    path = _write(
        tmp_path,
        _group("web"),
        _component("c", {"github.com/project-slug": "no slash here"}),
    )
    with unit_of_work(engine) as session:
        result = import_backstage(session=session, paths=[path])
    [problem] = result.rejected[str(path)]
    assert problem.field == "metadata.annotations.github.com/project-slug"
    assert _repositories(engine) == {}


def test_a_slug_that_is_not_text_is_refused_naming_the_annotation(engine, tmp_path):
    path = _write(tmp_path, _group("web"), _component("c", {"gitlab.com/project-slug": ["a/b"]}))
    with unit_of_work(engine) as session:
        result = import_backstage(session=session, paths=[path])
    [problem] = result.rejected[str(path)]
    assert problem.field == "metadata.annotations.gitlab.com/project-slug"
    assert "must be text" in problem.reason


def test_a_services_csv_may_name_the_repository_and_one_without_the_column_keeps_it(
    engine, tmp_path
):
    from pavedroad.catalog.importers import import_catalog_csv

    with unit_of_work(engine) as session:
        import_backstage_entities(
            session=session,
            source="api",
            entities=[_group("web"), _component("c", {"github.com/project-slug": "acme/c"})],
        )
    plain = tmp_path / "services.csv"
    plain.write_text("name,owner,tier\nc,web,2\n", encoding="utf-8")
    with unit_of_work(engine) as session:
        assert import_catalog_csv(session=session, path=plain, kind="services").ok
    assert _repositories(engine) == {"c": "acme/c"}
    named = tmp_path / "named.csv"
    named.write_text("name,owner,repository\nc,web,Acme/Other\nd,web,\n", encoding="utf-8")
    with unit_of_work(engine) as session:
        assert import_catalog_csv(session=session, path=named, kind="services").ok
    assert _repositories(engine) == {"c": "acme/other", "d": None}
