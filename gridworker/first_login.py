"""A login's failures said in Chinese, and what a failed first login leaves behind removed.

``session.login`` reports any network failure as ``Offline`` ("已离线保存，稍后自动重试"), which
is wrong at a first login: nothing was saved. Here the login screen learns which failure it was
(no such host, nothing answering, an address without a scheme, a path that is not the
service) and removes the empty profile folder a failed first login created. Qt-free.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

from .client.http import Offline, SyncError
from .paths import profile_dir


class LoginProblem(SyncError):
    code = "login_problem"


def check_server_url(server_url: str) -> str | None:
    """What is wrong with the address as typed, or None."""
    parts = urlsplit(server_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "服务器地址应以 http:// 或 https:// 开头，例如 https://grid.example.gov.cn"
    return None


def explain(exc: SyncError, server_url: str, first_login: bool) -> SyncError:
    """The same failure, said for the login screen."""
    if isinstance(exc, Offline):
        host = urlsplit(server_url.strip()).hostname or ""
        if host and not _resolves(host):
            return LoginProblem(
                "找不到服务器地址：请检查服务器地址是否拼写正确", code="unknown_host"
            )
        if first_login:
            return LoginProblem(
                "无法连接服务器：请检查网络和服务器地址（首次登录需要联网）", code="unreachable"
            )
        return exc
    if exc.status in (404, 405) and exc.code not in ("invalid_credentials",):
        return LoginProblem(
            "服务器地址不正确：该地址上没有网格通同步服务，请检查地址的路径部分",
            code="wrong_path",
            status=exc.status,
        )
    return exc


def _resolves(host: str) -> bool:
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return True


def profile_exists(data_dir: Path, server_url: str, username: str) -> bool:
    return profile_dir(data_dir, server_url, username).exists()


def discard_new_profile(data_dir: Path, server_url: str, username: str) -> bool:
    """Remove the profile folder a failed first login created (it holds no user data: the
    login never succeeded). True when something was removed."""
    profile = profile_dir(data_dir, server_url, username)
    if not profile.exists():
        return False
    shutil.rmtree(profile, ignore_errors=True)
    return not profile.exists()
