"""A free loopback port for a service started in-process or as a child: demo mode, the test
harnesses and the benchmarks all start one, and this is the one place that picks its port."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it; racy only against other programs
    binding ports in the instant between this and the caller's bind)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
