"""Running untrusted student code: a server of workers, confined where Linux allows, and a plain-data wire."""
from __future__ import annotations

from .session import InProcessSession, Server, Session, StudentFailure, UnavailableSession, WorkerSession
from ..environment import linux_sandbox_available
from .settings import Limits

__all__ = ["InProcessSession", "Limits", "Server", "Session", "StudentFailure", "UnavailableSession",
           "WorkerSession", "launch", "linux_sandbox_available"]


def launch(sandbox_only: tuple[str, ...] = ()) -> Server:
    """The fork server where Linux allows (``sandbox_only`` imported by it alone), else the portable server."""
    if linux_sandbox_available():
        from .forkserver import ForkServer  # Linux-only modules: imported only where they can load
        return ForkServer(sandbox_only)
    from .spawned import SpawnServer
    return SpawnServer()
