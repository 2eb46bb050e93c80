"""A laptop profile as a login leaves it (a user, one grid), without a server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert

from gridworker.client.keyring import DataKeys, Keyring, new_data_key
from gridworker.session import Session, open_profile
from gridworker.store.schema import GridState

LOCAL_PASSWORD = "local-pass-1"


def local_profile(profile: Path, grid_id: str = "g1") -> Session:
    """Encrypted like a profile a login made (keyring with ``LOCAL_PASSWORD``); reopening it
    with ``open_profile(profile)`` in the same process needs no password."""
    keys = DataKeys(new_data_key())
    Keyring.create(profile, keys, LOCAL_PASSWORD, device_id="device-1")
    session = open_profile(profile, keys=keys)
    store = session.store
    with store.write() as conn:
        store.set_user(conn, {"id": "u-1", "username": "wa", "role": "worker"})
        store.set_meta(conn, "device_id", "device-1")
        conn.execute(
            insert(GridState).values(
                grid_id=grid_id, name="一网格", cursor=0, row_count=0, digest="0" * 16
            )
        )
    return session
