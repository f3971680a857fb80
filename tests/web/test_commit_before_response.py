"""A request's writes are committed before its response starts: a client that acts on the
answer at once (a redirect after sign-in, a script reading back what it posted) sees them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from pavedroad.settings import Settings
from pavedroad.web.app import create_app
from tests.web.conftest import bearer


def test_the_write_is_in_the_store_when_the_response_starts(db_url, tokens):
    app = create_app(Settings(database_url=db_url, session_days=1, secure_cookies=False))
    observer = create_engine(db_url)
    seen: list[int] = []

    async def watching(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def spy(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope["path"].endswith("/personas"):
                with observer.connect() as conn:
                    seen.append(
                        conn.execute(
                            text("SELECT count(*) FROM personas WHERE name = 'Night owl'")
                        ).scalar_one()
                    )
            await send(message)

        await app(scope, receive, spy)

    with TestClient(watching) as client:  # type: ignore[arg-type]
        answer = client.post(
            "/api/v1/personas",
            json={"name": "Night owl", "jobs": ["ship at 2am"]},
            headers=bearer(tokens["write"]),
        )
    observer.dispose()
    app.state.engine.dispose()
    assert answer.status_code == 201, answer.text
    assert seen == [1]
