"""Settings of the sync service, read once by the caller (CLI or tests) and passed in.

``Settings.load`` reads them from an optional TOML file (``--config`` or GRIDSYNC_CONFIG) and
then the environment (GRIDSYNC_*), which wins; ``SETTINGS`` lists every one with its env name.
Secrets (the S3 key, the metrics token) come from the environment only. Test hooks live in
``TestHooks``, which neither a file nor the environment can set.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "gridsync"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'gridsync.db'}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = ("127.0.0.0/8", "::1/128")


class SettingsError(ValueError):
    """A bad setting: the message names it (and where it came from), never its value."""


@dataclass
class TestHooks:
    """For tests only; a config file or the environment cannot set these."""

    __test__ = False  # not a pytest class

    # Called inside a push transaction after its versions are assigned and before it commits;
    # lets a test hold a writer open to prove the cursor stays gap-free.
    before_commit: Callable[[], None] | None = None
    # "lock" (the grid row's counter, under its lock) or, for the test that shows why,
    # "sequence" (a plain database sequence, which is not gap-free on PostgreSQL).
    version_allocator: str = "lock"


@dataclass
class Settings:
    database_url: str = field(default_factory=default_database_url)
    # Where attachment bytes live; by default beside a SQLite database, else the data dir.
    blob_dir: Path | None = None
    token_ttl: dt.timedelta = dt.timedelta(days=30)
    max_attachment_bytes: int = 20 * 1024 * 1024
    login_window: dt.timedelta = dt.timedelta(minutes=15)
    login_max_failures: int = 10
    # Failed logins from one source address within the window before it gets 429 too.
    login_max_failures_per_source: int = 30
    # Password checks (Argon2) running at once in this process; a login waiting longer than
    # login_busy_timeout for one answers 503 busy.
    login_hash_concurrency: int = 2
    login_busy_timeout: float = 5.0
    # Database pool per worker process (PostgreSQL): at most pool_size + max_overflow
    # connections, fewer when the server's max_connections (minus the reserved ones and
    # db_reserved_connections for admin tools) shared by `workers` processes allows less.
    db_pool_size: int = 20
    db_max_overflow: int = 30
    db_pool_timeout: float = 10.0
    db_reserved_connections: int = 10
    workers: int = 1
    # Seconds a 503 (busy, unavailable) asks a client to wait before retrying.
    retry_after_busy: int = 2
    # Logs: "text" (one line each) or "json" (one object per line); a logging level name.
    log_format: str = "text"
    log_level: str = "INFO"
    # Attachment bytes: "fs" (blob_dir) or "s3" (any S3-compatible store); the access key
    # comes from GRIDSYNC_S3_ACCESS_KEY_ID / GRIDSYNC_S3_SECRET_ACCESS_KEY (or AWS_*) only.
    blob_store: str = "fs"
    s3_endpoint: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_prefix: str = ""
    s3_access_key_id: str | None = field(default=None, repr=False)
    s3_secret_access_key: str | None = field(default=None, repr=False)
    # Reverse proxies whose X-Forwarded-For is believed (the login throttle's source address).
    trusted_proxies: tuple[IpNetwork, ...] = ()
    # GET /metrics: answered to these networks, or to anyone with the bearer metrics_token.
    metrics_allow: tuple[IpNetwork, ...] = tuple(ipaddress.ip_network(n) for n in LOOPBACK)
    metrics_token: str | None = field(default=None, repr=False)
    # Prometheus multiprocess mode (several workers): a directory they share.
    metrics_dir: Path | None = None
    # Days refused and conflicting values are kept after being handled (sync.server.retention).
    retention_days: int = 30
    # Injected clock: tests move time without sleeping.
    clock: Callable[[], dt.datetime] = utc_now
    test_hooks: TestHooks = field(default_factory=TestHooks)

    @classmethod
    def from_env(cls, database_url: str | None = None) -> Settings:
        """The environment alone (and GRIDSYNC_CONFIG's file when set)."""
        return cls.load(database_url=database_url)

    @classmethod
    def load(
        cls,
        config: Path | None = None,
        database_url: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Settings:
        """Defaults, then the TOML file (``config`` or GRIDSYNC_CONFIG), then GRIDSYNC_*
        variables, then ``database_url`` (``--db``). Raises SettingsError."""
        env = os.environ if env is None else env
        path = config or (Path(env["GRIDSYNC_CONFIG"]) if env.get("GRIDSYNC_CONFIG") else None)
        values: dict[str, Any] = {}
        if path is not None:
            values.update(_read_file(path))
        for spec in SETTINGS:
            raw = env.get(spec.env)
            if raw is None and spec.name.startswith("s3_") and spec.secret:
                raw = env.get("AWS_" + spec.name.removeprefix("s3_").upper())
            if raw not in (None, ""):
                values[spec.name] = spec.parse(raw, f"environment variable {spec.env}")
        if database_url:
            values["database_url"] = database_url
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Settings that only make sense together."""
        if self.blob_store == "s3" and not self.s3_bucket:
            raise SettingsError(
                "setting s3_bucket (GRIDSYNC_S3_BUCKET) is needed for blob_store s3"
            )

    def environment(self) -> dict[str, str]:
        """These settings as GRIDSYNC_* variables (worker processes rebuild them from it)."""
        out: dict[str, str] = {}
        for spec in SETTINGS:
            value = getattr(self, spec.name)
            if value is not None:
                out[spec.env] = spec.show(value)
        return out

    def resolved_blob_dir(self) -> Path:
        if self.blob_dir is not None:
            return self.blob_dir
        if self.database_url.startswith("sqlite:///") and ":memory:" not in self.database_url:
            db_path = Path(self.database_url.removeprefix("sqlite:///"))
            return db_path.with_name(db_path.stem + "-blobs")
        return default_data_dir() / "blobs"


# -- what can be set, and how it is read ------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # str, int, float, days, minutes, bool, path, choice, networks, level
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    secret: bool = False  # environment only, never in a message or a file
    unit: str = ""  # the file key and the variable name end with it: token_ttl_days

    @property
    def key(self) -> str:
        """Its name in the config file."""
        return f"{self.name}_{self.unit}" if self.unit else self.name

    @property
    def env(self) -> str:
        return "GRIDSYNC_" + ("DB" if self.name == "database_url" else self.key.upper())

    def parse(self, raw: Any, where: str) -> Any:
        what = f"setting {self.key} ({where})"
        try:
            value = self._convert(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{what}: {self._expected()}") from None
        return value

    def _expected(self) -> str:
        expected = {
            "str": "a text",
            "int": "a whole number",
            "float": "a number",
            "days": "a number of days",
            "minutes": "a number of minutes",
            "bool": "true or false",
            "path": "a path",
            "networks": "addresses or networks (CIDR), comma-separated",
            "level": "DEBUG, INFO, WARNING or ERROR",
            "choice": " or ".join(self.choices),
        }[self.kind]
        if self.minimum is not None:
            expected += f", at least {self.minimum:g}"
        return "should be " + expected

    def _convert(self, raw: Any) -> Any:
        kind = self.kind
        if kind in ("str", "path", "choice", "level"):
            if not isinstance(raw, str) or not raw.strip():
                raise ValueError
            if kind == "path":
                return Path(raw).expanduser()
            if kind == "level":
                if raw.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
                    raise ValueError
                return raw.upper()
            if kind == "choice" and raw not in self.choices:
                raise ValueError
            return raw
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind == "networks":
            items = raw.split(",") if isinstance(raw, str) else raw
            if not isinstance(items, list | tuple):
                raise ValueError
            texts = [str(i).strip() for i in items]
            return tuple(ipaddress.ip_network(t, strict=False) for t in texts if t)
        if isinstance(raw, bool) or (kind == "int" and isinstance(raw, float)):
            raise ValueError
        number: float = int(raw) if kind == "int" else float(raw)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError
        if self.minimum is not None and number < self.minimum:
            raise ValueError
        if kind == "days":
            return dt.timedelta(days=number)
        if kind == "minutes":
            return dt.timedelta(minutes=number)
        return number

    def show(self, value: Any) -> str:
        """The inverse of ``parse`` for environment variables."""
        if isinstance(value, dt.timedelta):
            seconds = value.total_seconds()
            return repr(seconds / 86400 if self.kind == "days" else seconds / 60)
        if isinstance(value, tuple):
            return ",".join(str(n) for n in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


SETTINGS: tuple[Spec, ...] = (
    Spec("database_url", "str", "SQLAlchemy URL of the database", secret=True),
    Spec("token_ttl", "days", "days a login token stays valid", minimum=0.001, unit="days"),
    Spec(
        "login_window",
        "minutes",
        "minutes over which failed logins are counted",
        minimum=0.1,
        unit="minutes",
    ),
    Spec("login_max_failures", "int", "failed logins per username within the window", minimum=1),
    Spec(
        "login_max_failures_per_source",
        "int",
        "failed logins per source address within the window",
        minimum=1,
    ),
    Spec("login_hash_concurrency", "int", "password checks at once per process", minimum=1),
    Spec("login_busy_timeout", "float", "seconds a login waits for a password check", minimum=0),
    Spec("max_attachment_bytes", "int", "largest attachment accepted, in bytes", minimum=1),
    Spec("db_pool_size", "int", "database connections kept per process", minimum=1),
    Spec("db_max_overflow", "int", "extra connections per process at peaks", minimum=0),
    Spec("db_pool_timeout", "float", "seconds to wait for a pooled connection", minimum=0.1),
    Spec(
        "db_reserved_connections", "int", "PostgreSQL connections left for admin tools", minimum=0
    ),
    Spec("workers", "int", "service processes sharing the database", minimum=1),
    Spec("retry_after_busy", "int", "seconds a 503 asks clients to wait", minimum=1),
    Spec("log_format", "choice", "text or json", choices=("text", "json")),
    Spec("log_level", "level", "DEBUG, INFO, WARNING or ERROR"),
    Spec("blob_store", "choice", "fs or s3", choices=("fs", "s3")),
    Spec("blob_dir", "path", "directory of attachment files (blob_store fs)"),
    Spec("s3_endpoint", "str", "URL of the S3-compatible store (empty: AWS)"),
    Spec("s3_bucket", "str", "bucket of attachment objects"),
    Spec("s3_region", "str", "region of the bucket"),
    Spec("s3_prefix", "str", "key prefix inside the bucket"),
    Spec("s3_access_key_id", "str", "S3 access key id", secret=True),
    Spec("s3_secret_access_key", "str", "S3 secret key", secret=True),
    Spec("trusted_proxies", "networks", "proxies whose X-Forwarded-For is believed"),
    Spec("metrics_allow", "networks", "networks that may read /metrics"),
    Spec("metrics_token", "str", "bearer token that may read /metrics from anywhere", secret=True),
    Spec("metrics_dir", "path", "directory shared by worker processes for /metrics"),
    Spec("retention_days", "int", "days refused and conflicting values are kept", minimum=1),
)
_BY_KEY = {spec.key: spec for spec in SETTINGS}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"config file {path}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path}: not valid TOML ({exc})") from None
    values: dict[str, Any] = {}
    for key, raw in data.items():
        spec = _BY_KEY.get(key)
        if spec is None:
            raise SettingsError(f"config file {path}: unknown setting {key}")
        if spec.secret and spec.name != "database_url":
            raise SettingsError(
                f"config file {path}: setting {key} is a secret, set it in {spec.env} instead"
            )
        if isinstance(raw, bool | int | float) and spec.kind in ("str", "path", "choice"):
            raise SettingsError(f"setting {key} (config file {path}): {spec._expected()}")
        values[spec.name] = spec.parse(raw, f"config file {path}")
    return values
