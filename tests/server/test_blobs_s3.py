"""Attachments on an S3-compatible store: moto's server mode, a real S3 HTTP API on a free
loopback port, behind a service on SQLite and on PostgreSQL. A worker uploads a photo and
pushes the attachment row; a supervisor pulls it and downloads the bytes back."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from sync.server.blobs import S3BlobStore
from sync.server.ports import free_port

from .harness import Service, create, household

BUCKET = "gridsync-attachments"
KEYS = {"s3_access_key_id": "test-key-id", "s3_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["s3_access_key_id"],
        aws_secret_access_key=KEYS["s3_secret_access_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        server.stop()


def test_a_photo_goes_to_s3_through_a_push_and_comes_back(engine, tmp_path, clock, s3_endpoint):
    prefix = f"{engine.dialect.name}/"
    service = Service(
        engine,
        tmp_path,
        clock,
        blob_store="s3",
        s3_endpoint=s3_endpoint,
        s3_bucket=BUCKET,
        s3_prefix=prefix,
        **KEYS,
    )
    service.grid("grid-a")
    service.user("worker-a", "worker", ["grid-a"])
    service.user("super", "supervisor", ["grid-a"])
    worker, supervisor = service.login("worker-a"), service.login("super")

    photo = b"\xff\xd8\xff\xe0 a photo of the broken manhole cover " * 1000
    sha = hashlib.sha256(photo).hexdigest()
    put = worker.request(
        "PUT", f"/attachments/{sha}", content=photo, headers={"Content-Type": "image/jpeg"}
    )
    assert put.status_code == 201, put.text
    hh = household("grid-a")
    attachment = create(
        "attachments",
        {"sha256": sha, "owner_entity": "households", "owner_id": hh["id"], "size": len(photo)},
    )
    assert [r["status"] for r in worker.push(hh, attachment)] == ["applied", "applied"]

    # The bytes are an object in the bucket, not a file on this machine.
    store = S3BlobStore(BUCKET, prefix=prefix, endpoint=s3_endpoint, **_keys())
    assert store.has(sha) and store.get(sha) == photo
    assert not (tmp_path / "blobs").exists()

    rows = supervisor.pull_all("grid-a")
    assert any(c["entity"] == "attachments" and c["id"] == attachment["id"] for c in rows)
    got = supervisor.request("GET", f"/attachments/{sha}")
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/jpeg"
    # Sent again: already there (200), and still one object.
    again = worker.request("PUT", f"/attachments/{sha}", content=photo)
    assert again.status_code == 200
    # Readiness writes (and removes) a probe object.
    ready = service.http.get("/api/v1/ready")
    assert ready.status_code == 200 and ready.json()["blobs"] == "ok", ready.text


def test_ready_says_so_when_the_bucket_is_missing(engine, tmp_path, clock, s3_endpoint):
    service = Service(
        engine,
        tmp_path,
        clock,
        blob_store="s3",
        s3_endpoint=s3_endpoint,
        s3_bucket="no-such-bucket",
        **KEYS,
    )
    ready = service.http.get("/api/v1/ready")
    assert ready.status_code == 503 and ready.json()["blobs"] == "unavailable", ready.text


def _keys() -> dict[str, str]:
    return {
        "access_key_id": KEYS["s3_access_key_id"],
        "secret_access_key": KEYS["s3_secret_access_key"],
    }
