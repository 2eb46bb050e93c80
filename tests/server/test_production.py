"""The service as an IT office runs it: settings from a file and the environment, /metrics,
readiness, and the client's address behind a trusted reverse proxy."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from sync.server import cli
from sync.server.auth import forwarded_source
from sync.server.settings import SETTINGS, Settings, SettingsError, TestHooks

from .harness import HEADERS, PASSWORD, Service, household, update


def login_body(username: str, password: str) -> dict[str, str]:
    return {
        "username": username,
        "password": password,
        "device_id": str(uuid.uuid4()),
        "device_name": "test",
    }


# -- settings ---------------------------------------------------------------------------------


def test_settings_come_from_the_file_then_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "gridsync.toml"
    config.write_text(
        'database_url = "sqlite:///from-file.db"\n'
        "token_ttl_days = 7\n"
        "login_window_minutes = 5\n"
        "login_max_failures = 4\n"
        "max_attachment_bytes = 1048576\n"
        'log_format = "json"\n'
        'log_level = "warning"\n'
        'trusted_proxies = ["10.0.0.0/8", "127.0.0.1"]\n'
        'blob_store = "s3"\n'
        's3_bucket = "attachments"\n'
        "workers = 3\n",
        encoding="utf-8",
    )
    env = {"GRIDSYNC_LOGIN_MAX_FAILURES": "6", "GRIDSYNC_S3_SECRET_ACCESS_KEY": "k"}
    settings = Settings.load(config, env=env)
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.token_ttl == dt.timedelta(days=7)
    assert settings.login_window == dt.timedelta(minutes=5)
    assert settings.login_max_failures == 6  # the environment wins
    assert settings.max_attachment_bytes == 1024 * 1024
    assert (settings.log_format, settings.log_level, settings.workers) == ("json", "WARNING", 3)
    assert ipaddress.ip_address("10.1.2.3") in settings.trusted_proxies[0]
    assert settings.s3_secret_access_key == "k" and "'k'" not in repr(settings)
    # GRIDSYNC_CONFIG names the file; --db wins over both.
    env["GRIDSYNC_CONFIG"] = str(config)
    assert (
        Settings.load(env=env, database_url="sqlite:///cli.db").database_url == "sqlite:///cli.db"
    )
    # What a worker process is handed rebuilds the same settings.
    again = Settings.load(env=settings.environment())
    for spec in SETTINGS:
        assert getattr(again, spec.name) == getattr(settings, spec.name), spec.name


@pytest.mark.parametrize(
    ("file_text", "env", "named"),
    [
        ("login_max_failures = 0\n", {}, "login_max_failures (config file"),
        ("login_max_failures = 2.5\n", {}, "login_max_failures (config file"),
        ('log_format = "xml"\n', {}, "log_format"),
        ("tokenttl = 3\n", {}, "unknown setting tokenttl"),
        ("token_ttl_days = \n", {}, "not valid TOML"),
        ("", {"GRIDSYNC_TOKEN_TTL_DAYS": "soon"}, "token_ttl_days (environment variable"),
        ("", {"GRIDSYNC_TRUSTED_PROXIES": "10.0.0.0/33"}, "trusted_proxies"),
        ("", {"GRIDSYNC_BLOB_STORE": "s3"}, "s3_bucket"),
        ('metrics_token = "hunter22"\n', {}, "set it in GRIDSYNC_METRICS_TOKEN"),
        ('s3_secret_access_key = "hunter22"\n', {}, "GRIDSYNC_S3_SECRET_ACCESS_KEY"),
        # The test hooks cannot be set from outside.
        ('version_allocator = "sequence"\n', {}, "unknown setting version_allocator"),
        ("before_commit = 1\n", {}, "unknown setting before_commit"),
    ],
)
def test_a_bad_setting_is_named_never_shown(
    tmp_path: Path, file_text: str, env: dict[str, str], named: str
) -> None:
    config = tmp_path / "gridsync.toml"
    config.write_text(file_text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        Settings.load(config, env=env)
    assert named in str(caught.value)
    assert "hunter22" not in str(caught.value) and "soon" not in str(caught.value)


def test_the_command_line_refuses_bad_settings_with_exit_code_2(tmp_path, monkeypatch, capsys):
    config = tmp_path / "gridsync.toml"
    config.write_text("login_max_failures = -1\n", encoding="utf-8")
    assert cli.main(["--config", str(config), "init-db"]) == 2
    assert "login_max_failures" in capsys.readouterr().err
    monkeypatch.setenv("GRIDSYNC_CONFIG", str(config))
    assert cli.main(["init-db"]) == 2


def test_test_hooks_are_apart_from_the_settings() -> None:
    names = {spec.name for spec in SETTINGS}
    assert not {"before_commit", "version_allocator", "test_hooks", "clock"} & names
    assert Settings().test_hooks == TestHooks()


# -- the client's address behind a proxy -------------------------------------------------------


def test_x_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    # No trusted proxies: the peer, whatever the header says.
    assert forwarded_source("203.0.113.9", "198.51.100.1", ()) == "203.0.113.9"
    # A peer that is not a trusted proxy: its own address.
    assert forwarded_source("203.0.113.9", "198.51.100.1", proxies) == "203.0.113.9"
    # Through the proxy: the address it saw.
    assert forwarded_source("10.0.0.2", "198.51.100.1", proxies) == "198.51.100.1"
    # A client's forged first hop is not believed: the proxy appended the real one.
    assert forwarded_source("10.0.0.2", "1.2.3.4, 198.51.100.1", proxies) == "198.51.100.1"
    # Two trusted proxies in a row.
    assert forwarded_source("10.0.0.2", "198.51.100.1, 10.0.0.7", proxies) == "198.51.100.1"
    # Garbage in the header: the last trusted hop.
    assert forwarded_source("10.0.0.2", "nonsense", proxies) == "10.0.0.2"


def test_the_source_throttle_counts_the_forwarded_address(engine, tmp_path, clock) -> None:
    service = Service(
        engine,
        tmp_path,
        clock,
        login_max_failures_per_source=3,
        trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),),
    )
    service.grid("grid-a")
    service.user("worker-a", "worker", ["grid-a"])
    proxy = TestClient(service.app, client=("127.0.0.1", 50000))

    def attempt(forwarded: str, username: str, password: str = "guess") -> int:
        headers = {**HEADERS, "X-Forwarded-For": forwarded}
        body = login_body(username, password)
        return proxy.post("/api/v1/auth/login", json=body, headers=headers).status_code

    for i in range(3):
        assert attempt("198.51.100.1", f"name-{i}") == 401
    assert attempt("198.51.100.1", "name-9") == 429  # that address is throttled
    # Another laptop behind the same proxy is not.
    assert attempt("198.51.100.2", "worker-a", PASSWORD) == 200
    # A header forged by the client does not free the throttled one.
    assert attempt("198.51.100.2, 198.51.100.1", "name-10") == 429
    # A peer that is no trusted proxy cannot pick an address with the header.
    direct = TestClient(service.app, client=("198.51.100.1", 50001))
    r = direct.post(
        "/api/v1/auth/login",
        json=login_body("name-11", "guess"),
        headers={**HEADERS, "X-Forwarded-For": "192.0.2.77"},
    )
    assert r.status_code == 429


# -- /metrics ----------------------------------------------------------------------------------


def scrape(
    client: TestClient, **headers: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return float(samples.get((name, tuple(sorted(labels.items()))), 0.0))


def test_metrics_count_requests_pushes_pulls_conflicts_and_logins(service, grid_a) -> None:
    local = TestClient(service.app, client=("127.0.0.1", 50000))
    before = scrape(local)
    service.user("worker-a", "worker", [grid_a])
    service.user("worker-b", "worker", [grid_a])
    a, b = service.login("worker-a"), service.login("worker-b")
    r = service.http.post(
        "/api/v1/auth/login", json=login_body("worker-a", "wrong"), headers=HEADERS
    )
    assert r.status_code == 401
    hh = household(grid_a)
    assert a.push_one(hh)["status"] == "applied"
    address = hh["values"]["address"]
    assert a.push_one(update("households", hh["id"], address=(address, "新地址 1")))["status"] == (
        "applied"
    )
    conflict = b.push_one(update("households", hh["id"], address=(address, "新地址 2")))
    refused = b.push_one(household("grid-nobody-holds"))
    assert refused["status"] == "rejected"
    rows = b.pull_all(grid_a)
    sha = "0" * 64
    assert b.request("GET", f"/attachments/{sha}").status_code == 404
    after = scrape(local)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("gridsync_pushes_total") == 4
    assert moved("gridsync_mutations_total", outcome="applied", code="") == 2
    code = refused["error"]["code"]
    assert moved("gridsync_mutations_total", outcome="rejected", code=code) == 1
    assert moved("gridsync_mutations_total", outcome=conflict["status"], code="") == 1
    assert moved("gridsync_conflicts_total") == len(conflict.get("conflicts") or [])
    assert moved("gridsync_pulls_total") >= 1 and moved("gridsync_pull_rows_total") == len(rows)
    assert moved("gridsync_logins_total", outcome="success", code="") == 2
    assert moved("gridsync_logins_total", outcome="failure", code="invalid_credentials") == 1
    # By route template, never by path (no sha256 or id in a label).
    push = {"method": "POST", "route": "/api/v1/sync/push", "status": "200"}
    assert moved("gridsync_http_requests_total", **push) == 4
    blob = {"method": "GET", "route": "/api/v1/attachments/{sha256}", "status": "404"}
    assert moved("gridsync_http_requests_total", **blob) == 1
    assert not [k for k in after if sha in str(k)]
    latency = {"method": "POST", "route": "/api/v1/sync/push"}
    assert moved("gridsync_http_request_duration_seconds_count", **latency) == 4


def test_metrics_are_for_trusted_networks_or_the_bearer_token(engine, tmp_path, clock) -> None:
    service = Service(engine, tmp_path, clock, metrics_token="scrape-token-1")
    outside = TestClient(service.app, client=("203.0.113.5", 50000))
    assert outside.get("/metrics").status_code == 403
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert scrape(outside, Authorization="Bearer scrape-token-1")
    assert scrape(TestClient(service.app, client=("127.0.0.1", 50000)))
    # Behind a trusted proxy the forwarded address decides, not the proxy's own.
    service.settings.trusted_proxies = (ipaddress.ip_network("127.0.0.1/32"),)
    proxied = TestClient(service.app, client=("127.0.0.1", 50000))
    forwarded = proxied.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert forwarded.status_code == 403


# -- readiness ----------------------------------------------------------------------------------


def test_ready_needs_the_database_the_schema_and_a_writable_blob_store(service, engine) -> None:
    r = service.http.get("/api/v1/ready")
    assert r.status_code == 200, r.text
    assert r.json() | {"version": ""} == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "blobs": "ok",
        "version": "",
    }
    # The blob directory cannot be written: a file where the directory should be.
    root = service.settings.resolved_blob_dir()
    root.parent.mkdir(parents=True, exist_ok=True)
    if root.exists():
        for child in sorted(root.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        root.rmdir()
    root.write_bytes(b"")
    r = service.http.get("/api/v1/ready")
    assert r.status_code == 503 and r.json()["blobs"] == "unavailable"
    root.unlink()
    # The schema is behind the migrations' head.
    with engine.begin() as conn:
        (current,) = conn.execute(text("SELECT version_num FROM alembic_version")).one()
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        r = service.http.get("/api/v1/ready")
        assert r.status_code == 503 and r.json()["migrations"] == "behind", r.text
        assert service.http.get("/api/v1/health").status_code == 200  # alive all the same
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})


def test_the_operators_guide_names_every_setting() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text("utf-8")
    for spec in SETTINGS:
        assert f"`{spec.env}`" in guide, spec.env
        if not spec.secret or spec.name == "database_url":
            assert f"`{spec.key}`" in guide, spec.key


def test_a_request_refused_before_routing_is_counted_unmatched(service) -> None:
    """A NUL in the query string is refused (400) before any route is chosen."""
    local = TestClient(service.app, client=("127.0.0.1", 50000))
    before = scrape(local)
    r = service.http.get("/api/v1/conflicts?grid_id=a%00b", headers=HEADERS)
    assert r.status_code == 400 and r.headers["X-Request-ID"]
    after = scrape(local)
    labels = {"method": "GET", "route": "unmatched", "status": "400"}
    assert (
        value(after, "gridsync_http_requests_total", **labels)
        - value(before, "gridsync_http_requests_total", **labels)
        == 1
    )
