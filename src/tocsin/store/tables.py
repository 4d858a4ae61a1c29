"""Every table, imported in one place so that ``metadata`` is complete for migrations and tests."""

from tocsin.store import (
    schema_accounts,  # noqa: F401  (registers its tables)
    schema_alerts,  # noqa: F401  (registers its tables)
    schema_paging,  # noqa: F401  (registers its tables)
    schema_playbooks,  # noqa: F401  (registers its tables)
    schema_status,  # noqa: F401  (registers its tables)
)
from tocsin.store.schema import metadata

__all__ = ["metadata"]
