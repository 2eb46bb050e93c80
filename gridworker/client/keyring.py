"""The profile's data key: what encrypts everything a laptop keeps about residents.

One random 32-byte data key per profile encrypts the database (SQLCipher, raw key), the
attachment files, the outbox's copy and every backup, each with its own sub-key (HKDF-SHA256,
``DataKeys``). The data key itself is never written in clear: ``keyring.json`` in the profile
folder holds it only wrapped (AES-256-GCM) in two slots:

- ``password``: by a key derived from the user's password with Argon2id (salt and cost in the
  file), so that the laptop opens offline. A password change re-wraps this slot only: no data
  is rewritten.
- ``escrow``: by a random per-device secret the server keeps (``devices.key_escrow``) and hands
  back at every successful online login. When the password was reset by the admin or changed
  on another laptop, the password slot no longer opens, but the next online login (which the
  server accepted with the new password) opens the escrow slot and re-wraps the password slot.

Deleting ``keyring.json`` makes every other file of the profile unreadable (crypto-erase: a
device wipe deletes it first). Qt-free; keys and passwords never reach a log or a message.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from functools import cached_property
from hashlib import sha256
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sync.files import write_atomically

FILE_NAME = "keyring.json"
FORMAT = 1
KEY_BYTES = 32
NONCE_BYTES = 12

# Argon2id cost of the password slot: ~0.2-0.4 s on a laptop, paid once per unlock (the
# database takes a raw key, so no key derivation runs per connection). Stored in the file, so
# that raising it later still opens the profiles written before.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 2


class KeyringError(Exception):
    """The keyring file is missing, damaged or of an unknown format."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise KeyringError("keyring field is not text")
    return base64.b64decode(text.encode("ascii"), validate=True)


# -- AES-GCM records -------------------------------------------------------------------------


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """``nonce || ciphertext+tag``: a random 96-bit nonce per record (a key seals far fewer
    than 2^32 records, the safe bound for random nonces)."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, record: bytes, aad: bytes) -> bytes:
    """The plaintext; ``InvalidTag`` when the key is wrong or the record was altered."""
    if len(record) < NONCE_BYTES + 16:
        raise InvalidTag()
    return AESGCM(key).decrypt(record[:NONCE_BYTES], record[NONCE_BYTES:], aad)


# -- sub-keys --------------------------------------------------------------------------------


def _hkdf(key: bytes, label: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=label.encode("ascii")
    ).derive(key)


@dataclass(frozen=True)
class DataKeys:
    """The data key and its sub-keys, one per use, so that no key serves two ciphers."""

    data_key: bytes = field(repr=False)

    @cached_property
    def database(self) -> bytes:
        return _hkdf(self.data_key, "gridworker/v1/database")

    @cached_property
    def blobs(self) -> bytes:
        return _hkdf(self.data_key, "gridworker/v1/blobs")

    @cached_property
    def blob_names(self) -> bytes:
        return _hkdf(self.data_key, "gridworker/v1/blob-names")

    @cached_property
    def outbox(self) -> bytes:
        return _hkdf(self.data_key, "gridworker/v1/outbox-copy")

    @cached_property
    def sqlcipher_key(self) -> str:
        """The ``PRAGMA key`` value: a raw key, so SQLCipher runs no PBKDF2 per connection."""
        return f"\"x'{self.database.hex()}'\""

    def blob_name(self, sha256_hex: str) -> str:
        """A file name for an attachment that does not reveal its hash (HMAC-SHA256)."""
        return hmac.new(self.blob_names, sha256_hex.encode("ascii"), sha256).hexdigest()

    def __repr__(self) -> str:  # never print a key
        return "DataKeys(<hidden>)"


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


# -- the keyring file ------------------------------------------------------------------------


def _password_kek(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params["time_cost"],
        memory_cost=params["memory_cost"],
        parallelism=params["parallelism"],
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _escrow_kek(secret: str) -> bytes:
    # The server's secret is already random (256 bits): HKDF only fixes its length and use.
    return _hkdf(secret.encode("utf-8"), "gridworker/v1/escrow-kek")


_AAD_PASSWORD = b"gridworker-keyring-v1:password"
_AAD_ESCROW = b"gridworker-keyring-v1:escrow"


class Keyring:
    """``keyring.json`` of one profile. Methods that change it write it at once (atomically)."""

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path = path
        self.data = data

    # -- reading ----------------------------------------------------------------------------

    @classmethod
    def load(cls, profile: Path) -> Keyring | None:
        """The profile's keyring, or None when it has none (a new or unencrypted profile)."""
        path = profile / FILE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise KeyringError("keyring unreadable") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyringError("keyring of an unknown format")
        return cls(path, data)

    @property
    def device_id(self) -> str | None:
        """The device id the server knows this laptop by (needed before the data is open)."""
        value = self.data.get("device_id")
        return value if isinstance(value, str) else None

    def open_with_password(self, password: str) -> DataKeys | None:
        """The keys, or None when the password does not open the password slot."""
        slot = self.data.get("password")
        if not isinstance(slot, dict):
            return None
        try:
            params = {k: int(slot["kdf"][k]) for k in ("time_cost", "memory_cost", "parallelism")}
            kek = _password_kek(password, _unb64(slot["kdf"]["salt"]), params)
            return DataKeys(unseal(kek, _unb64(slot["wrapped"]), _AAD_PASSWORD))
        except (InvalidTag, KeyError, TypeError, ValueError):
            return None

    def open_with_escrow(self, secret: str | None) -> DataKeys | None:
        """The keys, or None when there is no escrow slot or the secret does not open it."""
        slot = self.data.get("escrow")
        if not secret or not isinstance(slot, dict):
            return None
        try:
            return DataKeys(unseal(_escrow_kek(secret), _unb64(slot["wrapped"]), _AAD_ESCROW))
        except (InvalidTag, KeyError, TypeError, ValueError):
            return None

    def escrow_matches(self, keys: DataKeys, secret: str) -> bool:
        opened = self.open_with_escrow(secret)
        return opened is not None and hmac.compare_digest(opened.data_key, keys.data_key)

    # -- writing ----------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        profile: Path,
        keys: DataKeys,
        password: str,
        *,
        device_id: str | None = None,
        escrow: str | None = None,
    ) -> Keyring:
        ring = cls(profile / FILE_NAME, {"format": FORMAT, "device_id": device_id})
        ring._wrap_password(keys, password)
        if escrow:
            ring._wrap_escrow(keys, escrow)
        ring.save()
        return ring

    def _wrap_password(self, keys: DataKeys, password: str) -> None:
        params = {
            "time_cost": ARGON2_TIME_COST,
            "memory_cost": ARGON2_MEMORY_KIB,
            "parallelism": ARGON2_PARALLELISM,
        }
        salt = secrets.token_bytes(16)
        kek = _password_kek(password, salt, params)
        self.data["password"] = {
            "kdf": {"name": "argon2id", "salt": _b64(salt), **params},
            "wrapped": _b64(seal(kek, keys.data_key, _AAD_PASSWORD)),
        }

    def _wrap_escrow(self, keys: DataKeys, secret: str) -> None:
        self.data["escrow"] = {
            "wrapped": _b64(seal(_escrow_kek(secret), keys.data_key, _AAD_ESCROW))
        }

    def change_password(self, keys: DataKeys, new_password: str) -> None:
        """Re-wrap the data key with a new password (a new salt); the data stays as it is."""
        self._wrap_password(keys, new_password)
        self.save()

    def set_escrow(self, keys: DataKeys, secret: str) -> None:
        self._wrap_escrow(keys, secret)
        self.save()

    def set_device_id(self, device_id: str) -> None:
        if self.device_id != device_id:
            self.data["device_id"] = device_id
            self.save()

    def save(self) -> None:
        """Write under a temporary name, fsync, then replace: never a half-written keyring
        (losing it would lose the data)."""
        data = json.dumps(self.data).encode("utf-8")
        write_atomically(self.path, data, fsync=True, owner_only=True)


def erase(profile: Path) -> None:
    """Crypto-erase: without the keyring no file of the profile can be decrypted."""
    (profile / FILE_NAME).unlink(missing_ok=True)


# -- the keys of the profiles this process has opened ----------------------------------------

_open_keys: dict[Path, DataKeys] = {}
_open_lock = threading.Lock()


def remember(profile: Path, keys: DataKeys) -> None:
    """Keep the keys of a profile unlocked in this process (the engine holds them anyway), so
    that reopening it (a restart of the sync engine, a restore) needs no password again."""
    with _open_lock:
        _open_keys[profile.resolve()] = keys


def remembered(profile: Path) -> DataKeys | None:
    with _open_lock:
        return _open_keys.get(profile.resolve())


def forget(profile: Path) -> None:
    with _open_lock:
        _open_keys.pop(profile.resolve(), None)
