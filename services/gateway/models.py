"""Gateway tables."""

from shared.db import make_base
from shared.directory import directory_table
from shared.events.tables import messaging_tables
from shared.idempotency import idempotency_table

Base = make_base()
messaging = messaging_tables(Base.metadata)
idempotency_keys = idempotency_table(Base.metadata)
directory = directory_table(Base.metadata)
