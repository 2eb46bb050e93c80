"""``gridsync serve --workers 2``: /metrics answered by either worker adds up both (the
prometheus multiprocess mode under ``metrics_dir``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from sync.server.ports import free_port

REPO = Path(__file__).resolve().parents[2]
REQUESTS = 40


def health_count(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "gridsync_http_requests_total" and s.labels["route"] == "/api/v1/health"
    )


def test_every_scrape_adds_up_every_worker(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "GRIDSYNC_DB": f"sqlite:///{tmp_path / 'gridsync.db'}",
        "GRIDSYNC_BLOB_DIR": str(tmp_path / "blobs"),
        "GRIDSYNC_METRICS_DIR": str(metrics_dir),
        "PYTHONPATH": str(REPO),
    }
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        probes = 0
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "gridsync serve did not start"
            try:
                probes += 1
                if requests.get(url + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                probes -= 1  # never reached a worker
            time.sleep(0.2)
        # Fresh connections, so that both workers take some of them.
        for _ in range(REQUESTS):
            assert requests.get(url + "/api/v1/health", timeout=5).status_code == 200
        scrapes = [requests.get(url + "/metrics", timeout=5) for _ in range(6)]
        for scrape in scrapes:
            assert scrape.status_code == 200
            # Whichever worker answered, it counts what both served.
            assert health_count(scrape.text) == REQUESTS + probes, scrape.text[-2000:]
        # Two workers wrote their samples.
        assert len({p.name.split("_")[-1] for p in metrics_dir.glob("*.db")}) >= 2
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
