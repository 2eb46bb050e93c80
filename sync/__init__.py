"""Gridworker sync: the wire protocol (``sync.protocol``) and the central service (``sync.server``)."""

__version__ = "0.1.0"
