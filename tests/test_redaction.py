"""Logs never hold 身份证号, phone numbers or tokens: the service's (a real ``gridsync serve``
process, uvicorn's loggers included) and the desktop app's log file."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest
import requests

from sync.redact import (
    ID_NUMBER,
    PHONE,
    SECRET,
    RedactingFormatter,
    log_config,
    protect,
    redact,
    uninstall_record_factory,
)
from tests.ledger.helpers import id_number
from tests.server.live import free_port

REPO = Path(__file__).resolve().parents[1]
RESIDENT = id_number("32070619800101123")
RESIDENT_X = "32070619491231001X"
OLD_ID = "320706800101123"  # 15 digits, first generation
MOBILE = "13912345678"
LANDLINE = "0518-85201234"
TOKEN = secrets.token_urlsafe(32)
SECRETS = (RESIDENT, RESIDENT_X, OLD_ID, MOBILE, "85201234", TOKEN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"resident {RESIDENT} phone {MOBILE}", f"resident {ID_NUMBER} phone {PHONE}"),
        (f"id={RESIDENT_X.lower()}, old {OLD_ID}", f"id={ID_NUMBER}, old {ID_NUMBER}"),
        (f"身份证号{RESIDENT}，电话{LANDLINE}", f"身份证号{ID_NUMBER}，电话{PHONE}"),
        ("+86 139-1234-5678 or (0518)85201234", f"{PHONE} or {PHONE}"),
        (f"Authorization: Bearer {TOKEN}", f"Authorization: Bearer {SECRET}"),
        (f"GET /x?token={TOKEN}&page=2", f"GET /x?token={SECRET}&page=2"),
        ('{"password": "correct horse 1"}', f'{{"password": "{SECRET}"}}'),
        (f"cookie {TOKEN};", f"cookie {SECRET};"),
        # What must stay: ids, times, counts, versions.
        ("uuid 0183ccbe-5bf8-7bda-a15c-201234567890", "uuid 0183ccbe-5bf8-7bda-a15c-201234567890"),
        ("2026-11-20T08:00:00.123456Z v12 rows 1234567", None),
        ("pushed 14792 mutations/s, grid hz-xm-01", None),
    ],
)
def test_redact(text: str, expected: str | None) -> None:
    assert redact(text) == (expected if expected is not None else text)
    assert redact(redact(text)) == redact(text)  # a line is redacted again when formatted


@pytest.fixture
def no_record_factory() -> Iterator[None]:
    """``install_redaction`` replaces the log record factory process-wide: put it back."""
    yield
    uninstall_record_factory()


def _raise_with_data() -> None:
    raise ValueError(f"row ({RESIDENT}, {MOBILE}) Bearer {TOKEN}")


def test_a_protected_handler_redacts_message_arguments_and_traceback(no_record_factory):
    stream = io.StringIO()
    handler = protect(logging.StreamHandler(stream))
    log = logging.getLogger("tests.redaction.handler")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("resident %s", RESIDENT)
        log.warning("row %r", {"phone": MOBILE, "old": OLD_ID})
        log.error("%s", ValueError(LANDLINE))
        try:
            _raise_with_data()
        except ValueError:
            log.exception("failed for %s", RESIDENT_X)
        log.warning("stack", stack_info=True, extra={"x": TOKEN})
    finally:
        log.removeHandler(handler)
        log.propagate = True
    text = stream.getvalue()
    assert not [s for s in SECRETS if s in text]
    assert "Traceback" in text and "_raise_with_data" in text
    assert text.count(ID_NUMBER) >= 4 and PHONE in text and SECRET in text


def test_the_formatter_alone_redacts_what_formatting_puts_together():
    formatter = RedactingFormatter("%(message)s")
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "%s%s", ("320706", "198001011236"), None
    )
    assert formatter.format(record) == ID_NUMBER


def test_the_desktop_log_file_holds_none_of_it(tmp_path, capsys, no_record_factory):
    from gridworker.ui.logsetup import configure_logging

    path = configure_logging(tmp_path)
    late_stream = io.StringIO()
    late = logging.StreamHandler(late_stream)  # a library's own handler, added afterwards
    # uvicorn's loggers (the demo's in-process service) may not reach the root's handlers.
    others = [logging.getLogger(n) for n in ("tests.redaction.library", "uvicorn.error")]
    for other in others:
        other.addHandler(late)
    try:
        app_log = logging.getLogger("gridworker.client.engine")
        app_log.warning("sync failed for %s", {"id_number": RESIDENT, "phone": MOBILE})
        try:
            _raise_with_data()
        except ValueError:
            app_log.exception("visit %s not saved", RESIDENT_X)
        logging.getLogger("uvicorn.error").error("Exception in ASGI application %s", OLD_ID)
        logging.getLogger("sqlalchemy.engine.Engine").warning("[parameters: (%r,)]", LANDLINE)
        logging.getLogger("tests.redaction.library").error("phone %s", MOBILE)
    finally:
        for other in others:
            other.removeHandler(late)
        root = logging.getLogger()
        for handler in list(root.handlers):
            if isinstance(handler, RotatingFileHandler):
                handler.flush()
                root.removeHandler(handler)
                handler.close()
    text = path.read_text(encoding="utf-8")
    late_text = late_stream.getvalue()
    everything = text + late_text + "".join(capsys.readouterr())
    assert not [s for s in SECRETS if s in everything]
    assert "Traceback" in text and "_raise_with_data" in text
    assert "sync failed for" in text and "[parameters:" in text
    assert ID_NUMBER in text and PHONE in text and SECRET in text
    assert f"Exception in ASGI application {ID_NUMBER}" in late_text
    assert f"phone {PHONE}" in late_stream.getvalue()


# -- a real gridsync serve -------------------------------------------------------------------

SERVE = textwrap.dedent(
    """
    import logging
    import sys

    from sync.server import app as service_app
    from sync.server.cli import main

    RESIDENT, MOBILE, LANDLINE, TOKEN = sys.argv[1:5]
    real_create_app = service_app.create_app


    def create_app(settings, engine=None):
        app = real_create_app(settings, engine)
        log = logging.getLogger("sync.server.inject")

        @app.get("/api/v1/inject/{value}")
        def inject(value: str):
            log.warning("looking up %s for %r", value, {"phone": MOBILE})
            try:
                raise ValueError(f"resident {RESIDENT} phone {MOBILE}")
            except ValueError:
                log.exception("while handling %s", value)
            logging.getLogger("sqlalchemy.engine.Engine").error(
                "[parameters: (%r, %r)]", RESIDENT, LANDLINE
            )
            raise LookupError(f"unexpected {RESIDENT} {MOBILE} Bearer {TOKEN}")

        async def outside_every_handler(scope, receive, send):
            if scope["type"] == "http" and scope["path"] == "/boom":
                raise RuntimeError(f"boom {RESIDENT} {MOBILE} {LANDLINE} token={TOKEN}")
            await app(scope, receive, send)

        return outside_every_handler


    if __name__ == "__main__":
        service_app.create_app = create_app
        sys.exit(main(sys.argv[5:]))
    """
)


@contextlib.contextmanager
def serve(
    tmp_path: Path, *extra: str, inject: bool = True
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path, Path]]:
    """``gridsync serve`` in a process of its own; ``inject``: through the script above."""
    script = tmp_path / "serve_injected.py"
    script.write_text(SERVE, encoding="utf-8")
    program = (
        [str(script), RESIDENT, MOBILE, LANDLINE, TOKEN] if inject else ["-m", "sync.server.cli"]
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GRIDSYNC_BLOB_DIR": str(tmp_path / "blobs")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    db = f"sqlite:///{tmp_path / 'gridsync.db'}"
    args = [*program, "--db", db, "serve", "--port", str(port), *extra]
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, *args], cwd=REPO, env=env, stdout=stdout, stderr=stderr
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, err.read_text(errors="replace")[-2000:]
                assert time.monotonic() < deadline, "gridsync serve did not start"
                with contextlib.suppress(requests.RequestException):
                    if requests.get(url + "/api/v1/health", timeout=2).status_code == 200:
                        break
                time.sleep(0.1)
            yield url, proc, out, err
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_gridsync_serve_writes_no_personal_data_or_tokens(tmp_path):
    headers = {"Gridworker-Protocol": "1", "Authorization": f"Bearer {TOKEN}"}
    with serve(tmp_path) as (url, _proc, out, err):
        # Raised outside the app: uvicorn logs "Exception in ASGI application" with the text.
        boom = requests.get(f"{url}/boom?token={TOKEN}&id={RESIDENT}", headers=headers, timeout=10)
        assert boom.status_code == 500
        # Raised inside a route, logged on the way, the values in the path and the query.
        inside = requests.get(
            f"{url}/api/v1/inject/{RESIDENT}?phone={MOBILE}&access_token={TOKEN}",
            headers=headers,
            timeout=10,
        )
        assert inside.status_code == 500 and inside.json()["error"]["code"] == "internal_error"
        # A login with an ID number for a name and a token for a password.
        login = requests.post(
            f"{url}/api/v1/auth/login",
            json={"username": RESIDENT, "password": TOKEN, "device_id": "x"},
            headers=headers,
            timeout=10,
        )
        assert login.status_code in (401, 422)
        gone = requests.get(f"{url}/api/v1/households/{OLD_ID}/{LANDLINE}", timeout=10)
        assert gone.status_code in (404, 426)
    stdout = out.read_text(encoding="utf-8", errors="replace")
    stderr = err.read_text(encoding="utf-8", errors="replace")
    everything = stdout + stderr
    assert not [s for s in SECRETS if s in everything], everything[-3000:]
    # The test saw what it meant to: the traceback, our logger, the access log.
    assert "Exception in ASGI application" in stderr and "RuntimeError: boom" in stderr
    assert "looking up" in stderr and "while handling" in stderr and "[parameters:" in stderr
    assert "ValueError: resident" in stderr
    assert f"/api/v1/inject/{ID_NUMBER}?phone={PHONE}&access_token={SECRET}" in stdout
    assert f"/boom?token={SECRET}&id={ID_NUMBER}" in stdout


def test_worker_processes_log_through_the_same_redaction(tmp_path):
    # --workers: each process configures its logging from log_config (no injected routes
    # there, they build the app afresh): the access log of a request full of data.
    with serve(tmp_path, "--workers", "2", inject=False) as (url, _proc, out, err):
        for _ in range(4):
            response = requests.get(
                f"{url}/api/v1/households/{RESIDENT}?phone={MOBILE}&token={TOKEN}",
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            assert response.status_code == 426
    everything = out.read_text(errors="replace") + err.read_text(errors="replace")
    assert not [s for s in SECRETS if s in everything], everything[-3000:]
    assert everything.count(f"/api/v1/households/{ID_NUMBER}?phone={PHONE}&token={SECRET}") == 4


def test_the_service_log_config_redacts_every_handler_and_formatter():
    config = log_config()
    assert {"uvicorn", "uvicorn.error", "uvicorn.access"} <= set(config["loggers"])
    assert config["root"]["handlers"] == ["service"]
    for handler in config["handlers"].values():
        assert handler["filters"] == ["redact"]
    for formatter in config["formatters"].values():
        assert formatter["()"] == "sync.redact.RedactingFormatter"
    built = RedactingFormatter(
        fmt=config["formatters"]["access"]["fmt"], inner=config["formatters"]["access"]["inner"]
    )
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", f"/x/{RESIDENT}?token={TOKEN}", "1.1", 200),
        None,
    )
    assert f"/x/{ID_NUMBER}?token={SECRET}" in built.format(record)


def test_json_logs_are_one_redacted_object_per_line(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDSYNC_LOG_FORMAT", "json")
    headers = {"Gridworker-Protocol": "1", "Authorization": f"Bearer {TOKEN}"}
    with serve(tmp_path) as (url, _proc, out, err):
        boom = requests.get(f"{url}/boom?token={TOKEN}&id={RESIDENT}", headers=headers, timeout=10)
        assert boom.status_code == 500
        inside = requests.get(
            f"{url}/api/v1/inject/{RESIDENT}?phone={MOBILE}&access_token={TOKEN}",
            headers={**headers, "X-Request-ID": "proxy-id-0001"},
            timeout=10,
        )
        assert inside.status_code == 500 and inside.headers["X-Request-ID"] == "proxy-id-0001"
    lines = [
        line
        for f in (out, err)
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip()
    ]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    everything = "\n".join(lines)
    assert not [s for s in SECRETS if s in everything], everything[-3000:]
    for entry in entries:
        assert {"time", "level", "logger", "message", "request_id"} <= set(entry)
    ours = [e for e in entries if e["request_id"] == "proxy-id-0001"]
    loggers = {e["logger"] for e in ours}
    # The route's own logger, SQLAlchemy's and uvicorn's access log carry the request's id.
    assert {"sync.server.inject", "sqlalchemy.engine.Engine", "uvicorn.access"} <= loggers
    access = next(e for e in ours if e["logger"] == "uvicorn.access")
    assert f"/api/v1/inject/{ID_NUMBER}?phone={PHONE}&access_token={SECRET}" in access["message"]
    failed = [e for e in entries if "exc" in e and "RuntimeError: boom" in e["exc"]]
    assert failed and failed[0]["level"] == "ERROR" and failed[0]["logger"] == "uvicorn.error"
