"""Running untrusted student code: fork server, confined workers, plain-data wire."""
from .confine import Limits
from .forkserver import ForkServer
from .session import InProcessSession, Session, StudentFailure, UnavailableSession, WorkerSession

__all__ = ["ForkServer", "InProcessSession", "Limits", "Session", "StudentFailure", "UnavailableSession",
           "WorkerSession"]
