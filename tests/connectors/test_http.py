"""The shared HTTP layer against a real local server: rate limits, retries, errors, ETags."""

from __future__ import annotations

import time

import pytest

from pavedroad.ingest.connectors.http import ApiClient, ApiError, parse_links, shown_url
from tests.connectors.standin import Answer, Request, StandIn


@pytest.fixture
def items(standin: StandIn) -> StandIn:
    @standin.route("GET", "/items")
    def _items(request: Request) -> Answer:
        if request.headers.get("if-none-match") == '"v1"':
            return Answer(304, None, {"ETag": '"v1"'})
        return Answer(200, [{"id": 1}], {"ETag": '"v1"'})

    return standin


def _client(standin: StandIn, waits: list[tuple[float, str]] | None = None) -> ApiClient:
    slept: list[float] = []
    return ApiClient(
        standin.base_url,
        provider="github",
        auth={"Authorization": "Bearer s3cr3t-token"},
        scopes="the `repo` scope",
        on_wait=(lambda s, r: waits.append((s, r))) if waits is not None else None,
        sleep=slept.append,
        backoff=0.01,
    )


def test_a_502_in_the_middle_is_retried_with_backoff(items: StandIn) -> None:
    items.fail(Answer(502, {"message": "Bad Gateway"}), times=2)
    waits: list[tuple[float, str]] = []
    with _client(items, waits) as client:
        page = client.get("/items")
    assert page.body == [{"id": 1}]
    assert items.count("/items") == 3
    assert client.stats.retries == 2
    assert all("502" in reason for _, reason in waits)


def test_a_server_that_keeps_failing_gives_a_clear_error(items: StandIn) -> None:
    items.fail(Answer(503, None), times=100)
    with _client(items) as client, pytest.raises(ApiError, match="answered 503") as raised:
        client.get("/items")
    assert "resumes" in str(raised.value)
    assert items.count("/items") == 6  # the first try and five retries


def test_github_rate_limit_waits_until_the_reset_and_says_so(items: StandIn) -> None:
    reset = int(time.time()) + 42
    items.fail(
        Answer(
            403,
            {"message": "API rate limit exceeded"},
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
        )
    )
    waits: list[tuple[float, str]] = []
    with _client(items, waits) as client:
        assert client.get("/items").body == [{"id": 1}]
    assert len(waits) == 1 and 40 <= waits[0][0] <= 44
    assert "rate limit" in waits[0][1]


def test_secondary_limit_and_429_honour_retry_after(items: StandIn) -> None:
    items.fail(Answer(403, {"message": "secondary rate limit"}, {"Retry-After": "7"}))
    items.fail(Answer(429, None, {"Retry-After": "3"}))
    waits: list[tuple[float, str]] = []
    with _client(items, waits) as client:
        client.get("/items")
    assert [round(s) for s, _ in waits] == [7, 3]


def test_gitlab_ratelimit_headers_pause_before_the_next_request(items: StandIn) -> None:
    reset = int(time.time()) + 10
    items.fail(Answer(200, [], {"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}))
    waits: list[tuple[float, str]] = []
    with _client(items, waits) as client:
        client.get("/items")
    assert len(waits) == 1 and 8 <= waits[0][0] <= 12


def test_a_reset_too_far_away_fails_rather_than_hang(items: StandIn) -> None:
    reset = int(time.time()) + 7200
    items.fail(Answer(429, None, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}))
    with _client(items) as client, pytest.raises(ApiError, match="resets in 1"):
        client.get("/items")


def test_bad_token_and_missing_scope_say_what_is_needed_never_the_token(items: StandIn) -> None:
    items.fail(Answer(401, {"message": "Bad credentials"}))
    items.fail(
        Answer(
            403,
            {"message": "Resource not accessible by integration"},
            {"X-OAuth-Scopes": "read:org", "X-Accepted-OAuth-Scopes": "repo"},
        )
    )
    with _client(items) as client:
        with pytest.raises(ApiError, match="token was refused \\(401\\)") as bad:
            client.get("/items")
        with pytest.raises(ApiError, match="has scopes: read:org; this needs: repo") as scope:
            client.get("/items")
    for raised in (bad, scope):
        assert "s3cr3t" not in str(raised.value)
        assert "the `repo` scope" in str(raised.value)


def test_not_found_and_not_json_name_the_url_without_its_query(standin: StandIn) -> None:
    @standin.route("GET", "/html")
    def _html(_request: Request) -> Answer:
        return Answer(200, raw=b"<html>sign in</html>", headers={"Content-Type": "text/html"})

    with _client(standin) as client:
        with pytest.raises(ApiError, match="was not found \\(404\\)") as missing:
            client.get("/nothing?access_token=abc")
        with pytest.raises(ApiError, match="did not answer JSON"):
            client.get("/html")
    assert "access_token" not in str(missing.value)


def test_a_wrong_url_fails_after_retries() -> None:
    client = ApiClient(
        "http://127.0.0.1:9", provider="gitlab", auth={}, scopes="read_api", sleep=lambda _s: None
    )
    with client, pytest.raises(ApiError, match="network error"):
        client.get("/projects")


def test_conditional_request_answers_not_modified(items: StandIn) -> None:
    with _client(items) as client:
        first = client.get("/items")
        again = client.get("/items", etag=first.etag)
    assert first.etag == '"v1"' and again.not_modified and again.body is None
    assert client.stats.not_modified == 1


def test_link_headers_and_shown_urls() -> None:
    header = (
        '<https://api.github.com/repositories/1/deployments?page=2>; rel="next", '
        '<https://api.github.com/repositories/1/deployments?page=5>; rel="last"'
    )
    assert parse_links(header) == {
        "next": "https://api.github.com/repositories/1/deployments?page=2",
        "last": "https://api.github.com/repositories/1/deployments?page=5",
    }
    assert shown_url("https://user:pw@ghe.example.com:8443/api/v3?token=x") == (
        "https://ghe.example.com:8443/api/v3"
    )
