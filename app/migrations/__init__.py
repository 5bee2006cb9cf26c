"""Alembic migrations: the schema's history, applied on start and by ``warroom db upgrade``."""
