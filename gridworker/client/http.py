"""Talking to the sync service over HTTP (requests, with retries, TLS and gzip)."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.util.retry import Retry

from sync.protocol.errors import ProtocolError
from sync.protocol.wire import API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION

log = logging.getLogger(__name__)

GZIP_ABOVE = 2048


HANDLED_BATCH = 1000  # rejection ids asked about at once (the service's bound)


class SyncError(ProtocolError):
    """Something the user should be told about, in Chinese: the protocol's error (a code and
    a message the app shows as it is) with what the service answered, when it answered."""

    code = "sync_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ):
        super().__init__(message, code=code or None)
        self.status = status
        self.details = details or {}


class Offline(SyncError):
    code = "offline"


class AuthRequired(SyncError):
    """The token is missing or expired: log in again (nothing is lost)."""

    code = "auth_required"


class DeviceRevoked(SyncError):
    code = "device_revoked"

    @property
    def wipe(self) -> bool:
        """The admin revoked this laptop with ``--wipe``: delete its local data
        (``gridworker.client.wipe``); otherwise it is only locked."""
        return self.details.get("wipe") is True


class ServerError(SyncError):
    code = "server_error"


# A busy service answers 503 with Retry-After: waited for (at most this long in all, per
# request) before the error goes to the sync engine, whose backoff takes over.
BUSY_RETRIES = 3
BUSY_WAIT_TOTAL = 30.0
REJECTIONS_PAGE = 500


def retry_after(response: requests.Response, default: float = 1.0) -> float:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return default
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


class Api:
    """The service's endpoints. Safe to use from several threads: each thread has its own
    ``requests.Session`` (a session is not thread-safe), all sharing one connection pool
    and retry policy (urllib3's pools are)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        ca_bundle: str | None = None,
        timeout: tuple[float, float] = (5.0, 120.0),
        retries: int = 3,
        busy_retries: int = BUSY_RETRIES,
        busy_wait_total: float = BUSY_WAIT_TOTAL,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.verify: str | bool = ca_bundle or True
        self.busy_retries = busy_retries
        self.busy_wait_total = busy_wait_total
        self.sleep: Callable[[float], None] = time.sleep
        # Every call is safe to repeat (pushes are idempotent by seq), so POSTs retry too.
        # 503 is retried here (``request``), honouring Retry-After within a bound.
        retry = Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=0.3,
            status_forcelist=(502, 504),
            allowed_methods=None,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=4)
        # Shared by every thread's session: mounting on one mounts on all.
        self._adapters: OrderedDict[str, BaseAdapter] = OrderedDict(
            [("https://", adapter), ("http://", adapter)]
        )
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        """This thread's session."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.verify = self.verify
            session.adapters = self._adapters
            session.headers.update(
                {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Accept-Encoding": "gzip"}
            )
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        for adapter in set(self._adapters.values()):
            adapter.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        auth: bool = True,
    ) -> requests.Response:
        headers = self._headers() if auth else {}
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            content_type = "application/json"
            if len(data) > GZIP_ABOVE:
                data = gzip.compress(data, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        if content_type:
            headers["Content-Type"] = content_type
        waited = 0.0
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    self.base_url + API_PREFIX + path,
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                    # Per request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE win over a
                    # session's own ``verify``, which would ignore the profile's CA bundle.
                    verify=self.verify,
                )
            except requests.exceptions.SSLError:
                raise SyncError(
                    "服务器证书校验失败，请检查服务器地址或 CA 证书设置", code="tls_error"
                ) from None
            except requests.exceptions.RequestException:
                raise Offline("无法连接服务器，已离线保存，稍后自动重试") from None
            if response.status_code == 503 and attempt < self.busy_retries:
                wait = retry_after(response)
                if waited + wait <= self.busy_wait_total:
                    attempt += 1
                    waited += wait
                    log.info("service busy (503): retry %d in %.1f s", attempt, wait)
                    response.close()
                    self.sleep(wait)
                    continue
            if response.status_code >= 400:
                raise self._error(response)
            return response

    def _error(self, response: requests.Response) -> SyncError:
        try:
            error = response.json()["error"]
            code, message, details = error["code"], error["message"], error.get("details", {})
        except (ValueError, KeyError, TypeError):
            code, message, details = "http_error", f"服务器返回错误 {response.status_code}", {}
        status = response.status_code
        if code == "device_revoked":
            wipe = {"wipe": True} if isinstance(details, dict) and details.get("wipe") else {}
            return DeviceRevoked(
                "此设备已被管理员停用，数据已锁定", code=code, status=status, details=wipe
            )
        if status == 401:
            return AuthRequired(
                "登录已过期，请重新登录（未同步的记录不会丢失）", code=code, status=status
            )
        if status == 503:
            return ServerError("服务器繁忙，稍后自动重试", code=code, status=status)
        if status >= 500:
            return ServerError("服务器暂时出错，稍后自动重试", code=code, status=status)
        return SyncError(message, code=code, status=status, details=details)

    # -- endpoints -------------------------------------------------------------------------

    def login(
        self, username: str, password: str, device_id: str, device_name: str
    ) -> dict[str, Any]:
        body = {
            "username": username,
            "password": password,
            "device_id": device_id,
            "device_name": device_name,
        }
        try:
            return dict(self.request("POST", "/auth/login", body=body, auth=False).json())
        except AuthRequired as exc:
            raise SyncError("用户名或密码错误", code=exc.code, status=401) from None

    def push(self, device_id: str, mutations: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(
            self.request(
                "POST", "/sync/push", body={"device_id": device_id, "mutations": mutations}
            ).json()
        )

    def pull(
        self, cursors: dict[str, int], limit: int, extensions: Sequence[str] = ()
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"cursors": cursors, "limit": limit}
        if extensions:
            body["extensions"] = list(extensions)  # docs/protocol.md, extensions
        return dict(self.request("POST", "/sync/pull", body=body).json())

    def put_blob(self, sha256: str, data: bytes, media_type: str | None) -> None:
        self.request(
            "PUT",
            f"/attachments/{sha256}",
            data=data,
            content_type=media_type or "application/octet-stream",
        )

    def get_blob(self, sha256: str) -> bytes:
        return self.request("GET", f"/attachments/{sha256}").content

    def conflicts(self, limit: int = REJECTIONS_PAGE) -> list[dict[str, Any]]:
        """Every open conflict, page by page (``has_more``; a service that does not page
        answers without it, all at once)."""
        return self._pages("/conflicts?state=open", "conflicts", 0, limit)

    def settle(self, conflict_id: int) -> None:
        self.request("POST", f"/conflicts/{conflict_id}/settle")

    def people(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/people").json()["users"])

    def rejections(self, after_id: int = 0, limit: int = REJECTIONS_PAGE) -> list[dict[str, Any]]:
        """Every rejection after ``after_id``, page by page (``has_more``; a service that does
        not page answers without it, all at once)."""
        return self._pages("/rejections?", "rejections", after_id, limit)

    def handle_rejection(self, rejection_id: int) -> dict[str, Any]:
        """已处理: tells the server a rejection was dealt with (404 if the caller may not)."""
        return dict(self.request("POST", f"/rejections/{int(rejection_id)}/handle").json())

    def handled_rejections(self, ids: list[int]) -> list[dict[str, Any]]:
        """Of ``ids``, those handled on the server, asked HANDLED_BATCH at a time."""
        found: list[dict[str, Any]] = []
        ids = sorted({int(i) for i in ids})
        for start in range(0, len(ids), HANDLED_BATCH):
            body = {"ids": ids[start : start + HANDLED_BATCH]}
            found += self.request("POST", "/rejections/handled", body=body).json()["handled"]
        return found

    def _pages(self, path: str, key: str, after_id: int, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        joiner = "" if path.endswith("?") else "&"
        while True:
            body = self.request("GET", f"{path}{joiner}after_id={after_id}&limit={limit}").json()
            page = list(body[key])
            found += page
            if not body.get("has_more") or not page:
                return found
            after_id = max(int(r["id"]) for r in page)
