"""How the CLI reaches tocsin: the REST API of a server, or the same API in-process on the local database.

Either way the CLI speaks one API, so a command behaves the same locally and remotely.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Any

import httpx

from tocsin.app import Runtime, open_runtime
from tocsin.config import Settings
from tocsin.services.tokens import ApiRole, Principal
from tocsin.web.inprocess import in_process_client

__all__ = ["ApiClient", "CliError", "Target"]


class CliError(Exception):
    """A failure to report on one line, with the exit code to leave with."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass
class Target:
    """Where commands go: ``server`` + ``token``, or the local data directory."""

    settings: Settings
    server: str | None = None
    token: str | None = None
    _client: ApiClient | None = field(default=None, init=False, repr=False)
    _runtime: Runtime | None = field(default=None, init=False, repr=False)

    def runtime(self) -> Runtime:
        """The local runtime (for commands that only make sense on the local database)."""
        if self.server:
            raise CliError("this command works on the local database only; drop --server")
        if self._runtime is None:
            self._runtime = open_runtime(self.settings)
        return self._runtime

    def client(self) -> ApiClient:
        if self._client is None:
            self._client = ApiClient(self._http())
        return self._client

    def _http(self) -> httpx.Client:
        if self.server:
            if not self.token:
                raise CliError(
                    "--server needs --token (or TOCSIN_TOKEN); create one with `tocsin token create`"
                )
            headers = {"Authorization": f"Bearer {self.token}"}
            return httpx.Client(base_url=self.server.rstrip("/"), headers=headers, timeout=30)
        local = Principal(name=f"cli:{getpass.getuser()}", role=ApiRole.ADMIN)
        return in_process_client(self.runtime().web_app(local_principal=local))

    def close(self) -> None:
        if self._client is not None:
            self._client.http.close()
        if self._runtime is not None:
            self._runtime.close()


class ApiClient:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def call(self, method: str, path: str, *, json: Any = None, params: Any = None) -> Any:
        """Call ``/api/v1{path}``; a problem answer becomes a :class:`CliError` carrying its detail."""
        try:
            response = self.http.request(method, f"/api/v1{path}", json=json, params=params)
        except httpx.HTTPError as exc:
            raise CliError(f"cannot reach the tocsin server: {exc}") from exc
        if response.status_code >= 400:
            raise CliError(_problem_message(response))
        return response.json() if response.content else None


def _problem_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"the server answered {response.status_code}: {response.text[:200]}"
    detail = body.get("detail") if isinstance(body, dict) else None
    code = body.get("code") if isinstance(body, dict) else None
    if detail:
        return f"{detail} [{code}]" if code else str(detail)
    return f"the server answered {response.status_code}"
