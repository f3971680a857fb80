"""Pages: sign-in with CSRF, the catalog, and forms that keep what was typed."""

from __future__ import annotations

from tests.web.conftest import PASSWORD, csrf_of, sign_in


def test_pages_redirect_to_sign_in_and_come_back(client, users, small_catalog):
    response = client.get("/catalog/teams/payments")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/catalog/teams/payments"
    form = client.get(response.headers["location"])
    assert 'name="next" value="/catalog/teams/payments"' in form.text
    done = client.post(
        "/login",
        data={
            "email": users["read"],
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "/catalog/teams/payments",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/catalog/teams/payments"
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_sign_in_without_the_form_csrf_token_is_refused(client, users):
    client.get("/login")
    response = client.post(
        "/login", data={"email": users["read"], "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400 and "form expired" in response.text
    assert client.get("/catalog").status_code == 303


def test_wrong_password_keeps_the_email_and_says_so(client, users):
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": users["read"],
            "password": "nope nope nope",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert response.status_code == 401
    assert "Email or password is wrong." in response.text
    assert f'value="{users["read"]}"' in response.text


def test_sign_in_never_redirects_to_another_site(client, users):
    form = client.get("/login?next=//evil.example/steal")
    assert 'name="next" value="/"' in form.text
    done = client.post(
        "/login",
        data={
            "email": users["read"],
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "https://evil.example",
        },
    )
    assert done.headers["location"] == "/"


def test_catalog_lists_teams_and_links_to_each(client, users, small_catalog):
    sign_in(client, users["read"])
    page = client.get("/catalog")
    assert page.status_code == 200
    assert '<a href="/catalog/teams/payments">Payments</a>' in page.text
    assert "not eligible" in page.text
    assert "Payments" in client.get("/catalog?q=pay").text
    assert "Corporate IT" not in client.get("/catalog?q=pay").text


def test_team_page_shows_its_people_and_services(client, users, small_catalog):
    sign_in(client, users["read"])
    page = client.get("/catalog/teams/payments").text
    for expected in (
        "Ada Lovelace",
        "Alan Turing",
        "staff engineer",
        "ledger",
        "payments-gateway",
        "tier 1",
        "tier 2",
    ):
        assert expected in page
    assert "Grace Hopper" not in page
    missing = client.get("/catalog/teams/nope")
    assert missing.status_code == 404 and "no team with slug" in missing.text


def test_empty_catalog_says_what_to_do_next(client, users):
    sign_in(client, users["read"])
    assert "pavedroad import backstage" in client.get("/catalog").text
    assert "pavedroad import services" in client.get("/catalog/services").text
    assert "pavedroad demo load" in client.get("/").text


def test_developers_page_searches_and_pages(client, users, small_catalog):
    sign_in(client, users["read"])
    page = client.get("/catalog/developers?q=hopper").text
    assert "Grace Hopper" in page and "Ada Lovelace" not in page
    assert "1 developer matching" in page


def test_adding_a_persona_needs_the_session_csrf_token(client, users):
    sign_in(client, users["write"])
    refused = client.post(
        "/catalog/personas", data={"name": "Mobile engineers", "csrf_token": "forged"}
    )
    assert refused.status_code == 403
    assert "Mobile engineers" not in client.get("/catalog/personas").text


def test_adding_a_persona_shows_it_with_its_jobs(client, users):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/catalog/personas").text)
    added = client.post(
        "/catalog/personas",
        data={
            "name": "Mobile engineers",
            "description": "iOS and Android",
            "jobs": "Ship a build\nSee crash reports\n",
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    page = client.get("/catalog/personas").text
    assert "Mobile engineers" in page and "<li>See crash reports</li>" in page


def test_a_persona_form_that_fails_validation_keeps_what_was_typed(client, users):
    sign_in(client, users["write"])
    token = csrf_of(client.get("/catalog/personas").text)
    response = client.post(
        "/catalog/personas",
        data={
            "name": "Mobile engineers",
            "description": "kept text",
            "jobs": "x" * 600,
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert 'value="Mobile engineers"' in response.text and 'value="kept text"' in response.text
    assert "at most 500 characters" in response.text


def test_read_only_users_see_no_persona_form_and_cannot_post(client, users):
    sign_in(client, users["read"])
    page = client.get("/catalog/personas").text
    assert "Add a persona" not in page
    response = client.post("/catalog/personas", data={"name": "X", "csrf_token": csrf_of(page)})
    assert response.status_code == 403


def test_sign_out_needs_csrf_and_ends_the_session(client, users):
    sign_in(client, users["read"])
    page = client.get("/catalog").text
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf_of(page)}).status_code == 303
    assert client.get("/catalog").status_code == 303


def test_navigation_names_every_domain_of_the_design(client, users):
    sign_in(client, users["read"])
    page = client.get("/").text
    for label in (
        "Research",
        "Backlog",
        "Impact map",
        "Roadmap",
        "Changelog",
        "Launch plans",
        "Champions",
        "KPI dashboard",
        "Public dashboard",
        "Catalog",
        "Ingest runs",
    ):
        assert label in page


def test_user_content_is_escaped(client, users, engine):
    from pavedroad.catalog.schemas import TeamIn
    from pavedroad.catalog.service import CatalogBatch, apply_batch
    from pavedroad.db import unit_of_work

    with unit_of_work(engine) as s:
        apply_batch(
            session=s,
            source="test",
            batch=CatalogBatch(teams=[TeamIn(slug="x", name="<script>alert(1)</script>")]),
        )
    sign_in(client, users["read"])
    page = client.get("/catalog").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_the_runs_page_shows_telemetry_totals_and_the_latest_runs(
    client, users, small_catalog, engine, tmp_path
):
    from pavedroad.ingest.files import import_file

    path = tmp_path / "d.csv"
    path.write_text(
        "id,service,environment,finished_at,result\n"
        "d1,ledger,production,2026-03-02T10:00:00Z,success\n"
        "d2,nope,production,2026-03-02T10:00:00Z,success\n"
    )
    run = import_file(engine, "deployments", path)
    sign_in(client, users["read"])
    page = client.get("/runs").text  # the row counts moved from the home to the data pages
    assert '<th class="num">deployments</th>' in page
    assert f'<a href="/runs/{run.id}">{run.id}</a>' in page and "partly succeeded" in page
    runs_page = client.get(f"/runs/{run.id}").text
    assert "unknown service" in runs_page and "Retry this run" not in runs_page  # read-only user


STARTER_ORG = (
    "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: guest\n"
    "spec:\n  memberOf: [guests]\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\n"
    "metadata:\n  name: guests\nspec:\n  type: team\n  children: []\n"
)
STARTER_ENTITIES = (
    "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: examples\n"
    "spec:\n  owner: guests\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\n"
    "metadata:\n  name: example-website\nspec:\n  type: website\n  lifecycle: experimental\n"
    "  owner: user:default/guest\n  system: examples\n"
    "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: orphan\n"
    "spec:\n  type: service\n  lifecycle: experimental\n  owner: ghosts\n"
)


def _upload(client, files, **fields):
    token = csrf_of(client.get("/catalog/import").text)
    return client.post(
        "/catalog/import",
        data={"csrf_token": token, **fields},
        files=[("files", (name, text.encode(), "application/yaml")) for name, text in files],
    )


def test_backstage_upload_imports_the_starter_catalog_and_lists_what_it_did(client, users):
    sign_in(client, users["write"])

    response = _upload(client, [("org.yaml", STARTER_ORG), ("entities.yaml", STARTER_ENTITIES)])

    assert response.status_code == 200
    page = response.text
    assert "Imported 2 files" in page
    assert "owned by that user&#39;s team &#39;guests&#39;" in page
    assert "names group:default/ghosts, which is in none of the files nor the store" in page
    team = client.get("/catalog/teams/guests").text
    assert "user:default/guest" in team and "example-website" in team
    assert "orphan" not in client.get("/catalog/services").text


def test_backstage_upload_strict_refuses_a_dangling_reference_and_keeps_the_form(client, users):
    sign_in(client, users["write"])

    response = _upload(
        client, [("org.yaml", STARTER_ORG), ("entities.yaml", STARTER_ENTITIES)], strict="on"
    )

    assert response.status_code == 422
    assert "Refused entities.yaml" in response.text
    assert (
        "entities.yaml:19: Component &#39;orphan&#39;: field &#39;spec.owner&#39;" in response.text
    )
    assert "checked" in response.text
    assert "example-website" not in client.get("/catalog/services").text
    assert "guests" in client.get("/catalog").text  # org.yaml itself was fine


def test_backstage_upload_names_an_invalid_entity_name(client, users):
    sign_in(client, users["write"])
    pasted = "kind: Group\nmetadata: {name: 'Team A!'}\n"

    token = csrf_of(client.get("/catalog/import").text)
    response = client.post("/catalog/import", data={"csrf_token": token, "text": pasted})

    assert response.status_code == 422
    assert "pasted text:1: Group &#39;Team A!&#39;: field &#39;metadata.name&#39;" in response.text
    assert "(got &#39;Team A!&#39;)" in response.text
    assert "Team A!" in response.text and "No teams yet" in client.get("/catalog").text


def test_backstage_upload_needs_write_scope_and_csrf(client, users):
    sign_in(client, users["read"])
    assert client.get("/catalog/import").status_code == 403
    assert "Import from Backstage" not in client.get("/catalog").text
    sign_in(client, users["write"])
    forged = client.post(
        "/catalog/import",
        data={"csrf_token": "forged"},
        files=[("files", ("org.yaml", STARTER_ORG.encode(), "application/yaml"))],
    )
    assert forged.status_code == 403
    assert "No teams yet" in client.get("/catalog").text
    empty = _upload(client, [])
    assert empty.status_code == 422 and "choose catalog files" in empty.text
