"""`WarehouseResource`: the warehouse's connection settings as Dagster config, secrets as EnvVars.

Fields mirror the settings of the same meaning (SINGLESTOREDB_URL, S2_*, CCDATA_HOME) and are
resolved through `warehouse_settings`, so validation and error sentences are the settings' own.
None set means the embedded local warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from ccdata_assets.settings import ConfigError
from ccdata_assets.warehouse.settings import WarehouseSettings, warehouse_settings
from ccdata_assets.warehouse.warehouse import Warehouse

ENV_FIELDS = {
    "url": "SINGLESTOREDB_URL",
    "host": "S2_HOST",
    "port": "S2_PORT",
    "user": "S2_USER",
    "password": "S2_PASSWORD",
    "database": "S2_DATABASE",
    "local_dir": "CCDATA_HOME",
    "ssl_ca": "S2_SSL_CA",
    "connect_timeout": "S2_CONNECT_TIMEOUT",
    "read_timeout": "S2_READ_TIMEOUT",
    "write_timeout": "S2_WRITE_TIMEOUT",
}


class WarehouseResource(ConfigurableResource):
    """Where the warehouse is. Build it with `from_env()` (or `from_settings(warehouse_settings())`)
    so every value is an `EnvVar`: the UI then shows variable names, never the password."""

    url: str | None = Field(default=None, description="SINGLESTOREDB_URL (secret: use EnvVar).")
    host: str | None = Field(default=None, description="S2_HOST; unset: embedded warehouse.")
    port: str | None = Field(default=None, description="S2_PORT (default 3306).")
    user: str | None = Field(default=None, description="S2_USER (default root).")
    password: str | None = Field(default=None, description="S2_PASSWORD (secret: use EnvVar).")
    database: str | None = Field(default=None, description="S2_DATABASE (default market).")
    local_dir: str | None = Field(default=None, description="CCDATA_HOME, the embedded file's dir.")
    ssl_ca: str | None = Field(default=None, description="S2_SSL_CA: CA file; TLS when set.")
    connect_timeout: str | None = Field(default=None, description="S2_CONNECT_TIMEOUT (10 s).")
    read_timeout: str | None = Field(default=None, description="S2_READ_TIMEOUT (300 s).")
    write_timeout: str | None = Field(default=None, description="S2_WRITE_TIMEOUT (300 s).")
    data_source: str | None = Field(
        default=None,
        description="api or simulator: the kind of data this code location writes; the "
        "warehouse refuses the other kind (unset: no writes are claimed, e.g. read-only use).",
    )

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, data_source: str | None = None
    ) -> WarehouseResource:
        env = os.environ if env is None else env
        warehouse_settings(env)  # fail fast, with the settings' own sentences
        fields = {f: EnvVar(v) for f, v in ENV_FIELDS.items() if env.get(v, "").strip()}
        return cls(**fields, data_source=data_source)

    @classmethod
    def from_settings(
        cls, settings: WarehouseSettings, data_source: str | None = None
    ) -> WarehouseResource:
        """Settings read from the environment become EnvVars; other settings are stored as values,
        which is refused for a password (it would show in the UI)."""
        if settings == warehouse_settings():
            return cls.from_env(data_source=data_source)
        if settings.password:
            raise ConfigError(
                "The warehouse password must come from S2_PASSWORD or SINGLESTOREDB_URL so it "
                "never appears in the Dagster UI; build the resource with from_env()."
            )
        if settings.embedded:
            return cls(
                database=settings.database,
                local_dir=str(settings.local_dir),
                data_source=data_source,
            )
        return cls(
            host=settings.host,
            port=str(settings.port),
            user=settings.user,
            database=settings.database,
            ssl_ca=settings.ssl_ca,
            connect_timeout=str(settings.connect_timeout),
            read_timeout=str(settings.read_timeout),
            write_timeout=str(settings.write_timeout),
            data_source=data_source,
        )

    def settings(self) -> WarehouseSettings:
        values = {v: _resolve(getattr(self, f)) for f, v in ENV_FIELDS.items()}
        return warehouse_settings({k: v for k, v in values.items() if v is not None})

    def get(self) -> Warehouse:
        return Warehouse(self.settings(), source=self.data_source)


def _resolve(value: str | None) -> str | None:
    """Dagster resolves EnvVars when it starts a resource; this covers direct use in scripts."""
    return value.get_value() if isinstance(value, EnvVar) else value
