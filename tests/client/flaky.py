"""Fake flaky networks for the client's fault tests: fakes of the network, never of our code.

- ``FlakyAdapter``: a requests transport adapter mounted on a client's ``Api`` session. Real
  traffic goes through it unchanged (with the Api's own urllib3 retries), and it records every
  call. Scripted faults are injected above urllib3, so they reach the Api as a failure that
  outlasted every retry: the connection fails before the request is sent (``refuse``), or the
  request reaches the server, which answers, and the answer is lost (``lose_response``: the
  server committed, the client never heard).
- ``LossyProxy``: a TCP proxy on loopback between a client and the server. It can lose the
  answer to requests after the server gave it (below urllib3, so the Api's own retries replay
  the request on a new connection), and it can go down (connection refused, open connections
  cut) and come back on the same port, like a server that is stopped and started again.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from gridworker.client.http import Api

REFUSE = "refuse"
LOSE_RESPONSE = "lose_response"


@dataclass
class Call:
    """One request the client made through the adapter, and what became of it."""

    method: str
    path: str
    body: Any
    fault: str | None
    status: int | None = None
    response: Any = None

    @property
    def delivered(self) -> bool:
        return self.fault is None and self.status is not None


@dataclass
class _Rule:
    path: str
    fault: str
    skip: int
    times: int | None  # None: until healed


def _decode(data: bytes | None, encoding: str | None) -> Any:
    if not data:
        return None
    if encoding == "gzip":
        data = gzip.decompress(data)
    try:
        return json.loads(data)
    except ValueError:
        return None


class FlakyAdapter(HTTPAdapter):
    def __init__(self, max_retries: Any):
        super().__init__(max_retries=max_retries, pool_maxsize=4)
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    @classmethod
    def install(cls, api: Api) -> FlakyAdapter:
        """Replace the Api's transport, keeping its retry policy."""
        current = api.session.get_adapter(api.base_url or "http://")
        adapter = cls(current.max_retries)
        api.session.mount("http://", adapter)
        api.session.mount("https://", adapter)
        return adapter

    def fail(self, path: str, fault: str, *, skip: int = 0, times: int | None = 1) -> None:
        """Let ``skip`` requests whose path ends with ``path`` through, then fail ``times``
        of them (None: every one until ``heal``)."""
        assert fault in (REFUSE, LOSE_RESPONSE)
        with self._lock:
            self._rules.append(_Rule(path, fault, skip, times))

    def heal(self) -> None:
        with self._lock:
            self._rules.clear()

    def _fault_for(self, path: str) -> str | None:
        with self._lock:
            for rule in list(self._rules):
                if not path.endswith(rule.path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                if rule.times is None:
                    return rule.fault
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule.fault
            return None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        path = urlsplit(request.url or "").path
        body = request.body if isinstance(request.body, bytes) else None
        fault = self._fault_for(path)
        call = Call(
            request.method or "",
            path,
            _decode(body, request.headers.get("Content-Encoding")),
            fault,
        )
        with self._lock:
            self.calls.append(call)
        if fault == REFUSE:
            raise requests.ConnectionError(
                f"flaky network: connection failed before {path} was sent", request=request
            )
        response = super().send(request, **kwargs)
        call.status = response.status_code
        content = response.content  # the whole answer arrived (requests has decoded gzip)
        if fault == LOSE_RESPONSE:
            response.close()
            raise requests.ConnectionError(
                f"flaky network: connection lost after the server answered {path}",
                request=request,
            )
        call.response = _decode(content, None)
        return response

    def delivered(self, path: str) -> list[Call]:
        """Calls to ``path`` whose answer reached the client, in order."""
        with self._lock:
            return [c for c in self.calls if c.path.endswith(path) and c.delivered]

    def sent(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path.endswith(path)]


# -- a TCP proxy -------------------------------------------------------------------------------


def _read_message(stream: BinaryIO) -> tuple[bytes, bytes, str] | None:
    """One HTTP/1.1 message: (head, body, request line or status line); None at a clean EOF."""
    first = stream.readline(65537)
    if not first:
        return None
    lines = [first]
    headers: dict[str, str] = {}
    while True:
        line = stream.readline(65537)
        if not line:
            raise ConnectionError("connection closed inside a message head")
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    head = b"".join(lines)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts: list[bytes] = []
        while True:
            size_line = stream.readline(65537)
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:
                    trailer = stream.readline(65537)
                    parts.append(trailer)
                    if trailer in (b"\r\n", b"\n", b""):
                        break
                break
            parts.append(stream.read(size + 2))
        body = b"".join(parts)
    elif "content-length" in headers:
        body = stream.read(int(headers["content-length"]))
    else:
        body = b""
    return head, body, first.decode("latin-1").strip()


@dataclass
class Forwarded:
    method: str
    path: str
    status: int
    delivered: bool


@dataclass
class LossyProxy:
    upstream: str
    port: int = 0
    forwarded: list[Forwarded] = field(default_factory=list)

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._lock = threading.Lock()
        self._drops: list[list[Any]] = []  # [path suffix, remaining or None]
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.come_back()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- faults ---------------------------------------------------------------------------------

    def drop_responses(self, path: str, times: int | None = 1) -> None:
        """Forward the next requests to ``path`` and lose the server's answers (None: all,
        until ``stop_dropping``)."""
        with self._lock:
            self._drops.append([path, times])

    def stop_dropping(self) -> None:
        with self._lock:
            self._drops.clear()

    def _take_drop(self, path: str) -> bool:
        with self._lock:
            for drop in self._drops:
                if path.endswith(drop[0]):
                    if drop[1] is None:
                        return True
                    drop[1] -= 1
                    if drop[1] <= 0:
                        self._drops.remove(drop)
                    return True
            return False

    def go_down(self) -> None:
        """Refuse new connections and cut the open ones, as a stopped server does."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets = list(self._open)
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def come_back(self) -> None:
        """Listen again, on the same port once one was chosen."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        self.go_down()

    def count(self, path: str, delivered: bool | None = None) -> int:
        with self._lock:
            return sum(
                1
                for f in self.forwarded
                if f.path.endswith(path) and (delivered is None or f.delivered == delivered)
            )

    # -- plumbing -------------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._target, timeout=60)
        except OSError:
            client.close()
            return
        with self._lock:
            self._open |= {client, upstream}
        from_client = client.makefile("rb")
        from_upstream = upstream.makefile("rb")
        try:
            while True:
                request = _read_message(from_client)
                if request is None:
                    return
                head, body, line = request
                method, path = [*line.split(" "), "", ""][:2]
                path = urlsplit(path).path
                upstream.sendall(head + body)
                response = _read_message(from_upstream)
                if response is None:
                    return
                rhead, rbody, status_line = response
                status = int(status_line.split(" ")[1])
                if self._take_drop(path):
                    # The server has answered (and committed); the client never hears of it.
                    with self._lock:
                        self.forwarded.append(Forwarded(method, path, status, False))
                    return
                client.sendall(rhead + rbody)
                with self._lock:
                    self.forwarded.append(Forwarded(method, path, status, True))
        except (OSError, ValueError, ConnectionError):
            return
        finally:
            with self._lock:
                self._open -= {client, upstream}
            for stream in (from_client, from_upstream):
                stream.close()
            for sock in (client, upstream):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
