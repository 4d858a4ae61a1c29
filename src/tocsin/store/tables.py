"""Every table, imported in one place so that ``metadata`` is complete for migrations and tests."""

from tocsin.store.schema import metadata

__all__ = ["metadata"]
