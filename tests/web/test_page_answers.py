"""Answers at the edges of the pages: unknown addresses, ids that are not numbers, the bare
what-if address and the favicon (issue 16's defects)."""

from __future__ import annotations

from tests.web.conftest import bearer, sign_in


def test_an_unknown_address_keeps_a_signed_in_user_in_the_app(client, users):
    sign_in(client, users["read"])
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "There is no page at this address." in page.text
    assert 'aria-label="Main"' in page.text  # the navigation, not the bare sign-in card
    assert 'href="/login">Sign in</a>' not in page.text


def test_an_unknown_address_offers_sign_in_to_a_stranger(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert 'href="/login">Sign in</a>' in page.text


def test_an_id_that_is_not_a_number_is_not_found_on_pages_and_in_the_api(client, users, tokens):
    sign_in(client, users["read"])
    page = client.get("/initiatives/abc")
    assert page.status_code == 404 and "There is no page at this address." in page.text
    api = client.get("/api/v1/initiatives/abc", headers=bearer(tokens["read"]))
    assert api.status_code == 404
    assert api.json()["detail"] == "nothing has this id"


def test_the_bare_what_if_address_shows_the_roadmap_without_an_error(client, users):
    sign_in(client, users["read"])
    page = client.get("/roadmap/whatif")
    assert page.status_code == 200
    assert 'role="alert"' not in page.text
    asked = client.get("/roadmap/whatif", params={"add": "x", "effort": "-1"})
    assert asked.status_code == 422  # a real question with a bad value is still refused


def test_the_favicon_is_served(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00" and b"PNG" in icon.content[:40]
    assert client.get("/static/favicon.svg").status_code == 200
