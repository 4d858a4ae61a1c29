"""Settings, from the environment (``TOCSIN_*``) and command-line flags."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where tocsin keeps its data and how it serves.

    ``data_dir`` holds the embedded SQLite database and generated secrets. ``database_url`` overrides the
    database (``postgresql+psycopg://user@host/db`` in production).
    """

    model_config = SettingsConfigDict(env_prefix="TOCSIN_", extra="ignore")

    data_dir: Path = Path(".tocsin")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str | None = None
    worker_poll_interval: float = 1.0
    log_level: str = "info"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tocsin.db').resolve()}"

    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir
