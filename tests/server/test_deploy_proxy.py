"""The deployment recipe of deploy/, tried end to end: two ``gridsync serve`` processes on one
fresh PostgreSQL database behind nginx with TLS (deploy/nginx/*.conf, only ports and paths
replaced), laptops (gridworker sessions trusting the test's certificate) logging in and
syncing through it, /metrics scraped from each process afterwards, and the login throttle
counting the laptop's address that nginx forwards, not nginx's own.

nginx must be installed (Debian's package; .ci/run installs it): without it this test fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from gridworker.domain import operations as ops
from gridworker.domain import queries
from gridworker.session import login
from sync.server.db import make_engine
from sync.server.models import LoginFailure
from sync.server.ports import free_port

from .harness import PASSWORD
from .pgdb import fresh_database

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )
    if found is None:
        pytest.fail("nginx is not installed (apt-get install nginx): the proxy test cannot run")
    return found


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (the laptops' CA bundle)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gridsync test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "gridsync.crt", directory / "gridsync.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def nginx_config(prefix: Path, https: int, http: int, upstreams: list[int], cert: Path, key: Path):
    """deploy/nginx/gridsync.conf with this test's ports and files, in a main nginx.conf."""
    site = (DEPLOY / "nginx" / "gridsync.conf").read_text(encoding="utf-8")
    replaced = {
        "listen 443 ssl": f"listen 127.0.0.1:{https} ssl",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "127.0.0.1:8765": f"127.0.0.1:{upstreams[0]}",
        "127.0.0.1:8766": f"127.0.0.1:{upstreams[1]}",
        "/etc/ssl/gridsync/gridsync.crt": str(cert),
        "/etc/ssl/gridsync/gridsync.key": str(key),
        "/etc/nginx/gridsync_proxy.conf": str(DEPLOY / "nginx" / "gridsync_proxy.conf"),
    }
    for old, new in replaced.items():
        assert old in site, old
        site = site.replace(old, new)
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    for sub in ("logs", "tmp"):
        (prefix / sub).mkdir(exist_ok=True)
    main = f"""
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/logs/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include {prefix}/site.conf;
}}
"""
    conf = prefix / "nginx.conf"
    conf.write_text(main, encoding="utf-8")
    return conf


def wait_for(url: str, proc: subprocess.Popen, log: Path, **kwargs) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"{url} did not answer"
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2, **kwargs).status_code == 200:
                return
        time.sleep(0.2)


def gridsync(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@contextlib.contextmanager
def processes() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.terminate()
        for proc in started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def total(samples: list[dict], name: str, **labels: str) -> float:
    """The sum over processes of the samples named ``name`` having ``labels``."""
    return sum(
        v
        for s in samples
        for (n, lab), v in s.items()
        if n == name and set(labels.items()) <= set(lab)
    )


def login_from(address: str, port: int, cafile: Path, body: dict, forged: str) -> int:
    """A login sent from a local ``address`` (127.0.0.2: not the proxy's 127.0.0.1), with a
    forged X-Forwarded-For of the client's own."""
    context = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection(
        "127.0.0.1", port, context=context, source_address=(address, 0), timeout=30
    )
    try:
        headers = {
            "Content-Type": "application/json",
            "Gridworker-Protocol": "1",
            "X-Forwarded-For": forged,
        }
        conn.request("POST", "/api/v1/auth/login", body=json.dumps(body), headers=headers)
        return conn.getresponse().status
    finally:
        conn.close()


def test_two_processes_behind_nginx_with_tls_on_one_postgresql(tmp_path: Path, monkeypatch) -> None:
    # A machine-wide CA bundle that does not know the test's certificate (as CI's may set):
    # the laptop's own ca_bundle must still be the one used.
    import certifi

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.setenv(name, certifi.where())
    nginx = nginx_binary()
    cert, key = make_certificate(tmp_path)
    ports = [free_port(), free_port()]
    https, http_port = free_port(), free_port()
    with fresh_database("gridsync_deploy") as url, processes() as running:
        config = tmp_path / "gridsync.toml"
        config.write_text(
            f'database_url = "{url}"\n'
            'trusted_proxies = ["127.0.0.1/32"]\n'
            'log_format = "json"\n'
            f'blob_dir = "{tmp_path / "blobs"}"\n'
            "db_pool_size = 5\n"
            "db_max_overflow = 5\n",
            encoding="utf-8",
        )
        env = {**os.environ, "GRIDSYNC_CONFIG": str(config)}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        gridsync(env, "init-db")
        gridsync(env, "create-grid", "G1", "--name", "朐阳网格")
        for name, role in (("worker-a", "worker"), ("super", "supervisor")):
            gridsync(env, "create-user", name, "--role", role, "--password-stdin", stdin=PASSWORD)
            gridsync(env, "assign", name, "G1")

        logs = []
        for port in ports:  # started together: both run the (locked, no-op) migration
            log = tmp_path / f"gridsync-{port}.log"
            logs.append(log)
            with open(log, "wb") as out:
                running.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "sync.server.cli", "serve", "--port", str(port)],
                        cwd=REPO,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        for port, proc, log in zip(ports, running, logs, strict=True):
            wait_for(f"http://127.0.0.1:{port}/api/v1/ready", proc, log)

        prefix = tmp_path / "nginx"
        prefix.mkdir()
        conf = nginx_config(prefix, https, http_port, ports, cert, key)
        nginx_log = prefix / "logs" / "error.log"
        with open(tmp_path / "nginx.out", "wb") as out:
            proxy = subprocess.Popen(
                [nginx, "-p", str(prefix), "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
            )
        running.append(proxy)
        base = f"https://127.0.0.1:{https}"
        wait_for(base + "/api/v1/ready", proxy, tmp_path / "nginx.out", verify=str(cert))
        # Plain HTTP is sent to HTTPS.
        moved = requests.get(f"http://127.0.0.1:{http_port}/x", allow_redirects=False, timeout=5)
        assert moved.status_code == 301 and moved.headers["Location"].startswith("https://")

        before = [scrape(p) for p in ports]

        # Two laptops through the proxy: one records a household and a resident and syncs
        # (push, then pull); the other downloads them.
        worker = login(tmp_path / "laptop-w", base, "worker-a", PASSWORD, ca_bundle=str(cert))
        supervisor = login(tmp_path / "laptop-s", base, "super", PASSWORD, ca_bundle=str(cert))
        try:
            home = ops.create_household(worker.store, "G1", "海州区 朐阳小区 9号楼 3单元 702室")
            ops.add_resident(worker.store, home["id"], "韩梓涵")
            report = worker.syncer.sync()
            assert (report.pushed, report.rejected) == (2, 0), report
            assert worker.syncer.sync().rejected == 0
            got = supervisor.syncer.sync()
            assert got.pulled >= 2, got
            assert queries.row(supervisor.store, "households", home["id"]) is not None
        finally:
            worker.close()
            supervisor.close()

        after = [scrape(p) for p in ports]

        def moved_by(name: str, **labels: str) -> float:
            return total(after, name, **labels) - total(before, name, **labels)

        assert moved_by("gridsync_logins_total", outcome="success") == 2
        assert moved_by("gridsync_pushes_total") >= 1
        assert moved_by("gridsync_mutations_total", outcome="applied") == 2
        assert moved_by("gridsync_pulls_total") >= 2
        assert moved_by("gridsync_pull_rows_total") >= 2
        push = {"route": "/api/v1/sync/push", "status": "200"}
        assert moved_by("gridsync_http_requests_total", **push) >= 1
        # nginx spread the requests over both processes.
        for one_before, one_after in zip(before, after, strict=True):
            served = total([one_after], "gridsync_http_requests_total") - total(
                [one_before], "gridsync_http_requests_total"
            )
            assert served >= 2, "a process got no traffic: is the load balanced?"

        # /metrics through the proxy: nginx lets loopback through, and the service (trusting
        # nginx) sees the forwarded 127.0.0.1; from 127.0.0.2 nginx itself refuses.
        through = requests.get(base + "/metrics", verify=str(cert), timeout=10)
        assert through.status_code == 200 and "gridsync_pushes_total" in through.text
        context = ssl.create_default_context(cafile=str(cert))
        conn = http.client.HTTPSConnection(
            "127.0.0.1", https, context=context, source_address=("127.0.0.2", 0), timeout=10
        )
        conn.request("GET", "/metrics")
        assert conn.getresponse().status == 403
        conn.close()

        # The throttle behind the proxy: failures counted under the laptop's address (as
        # nginx saw it), whatever X-Forwarded-For the laptop made up.
        body = {"username": "nobody", "password": "guess", "device_id": str(uuid.uuid4())}
        assert login_from("127.0.0.2", https, cert, body, forged="198.51.100.7") == 401
        engine = make_engine(url)
        try:
            with engine.connect() as db:
                sources = set(db.execute(select(LoginFailure.source)).scalars())
        finally:
            engine.dispose()
        assert sources == {"127.0.0.2"}, sources

    # The JSON logs of both processes carry nginx's request ids.
    lines = [json.loads(x) for log in logs for x in log.read_text().splitlines() if x.strip()]
    ids = {e["request_id"] for e in lines if e["logger"] == "uvicorn.access"}
    assert len(ids) > 4 and None not in ids
    # nginx never failed to reach a process; its one refusal was the /metrics rule.
    problems = [
        line
        for line in nginx_log.read_text(errors="replace").splitlines()
        if any(level in line for level in ("[error]", "[crit]", "[alert]", "[emerg]"))
        and "access forbidden by rule" not in line
    ]
    assert not problems, problems
