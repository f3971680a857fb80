"""Alembic environment: runs on the engine that `pavedroad.schema` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from pavedroad.db import Base
from pavedroad.schema import compare_filter, load_models

load_models()
config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=compare_filter(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
