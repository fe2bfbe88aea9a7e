"""Before the first submission of a run, a probe worker tries what a hostile submission would.

It runs in a worker exactly like a student's, and tries to read the
reference, the checks, the submissions, other processes' environments and
a secret planted in the grader's environment. If any attempt succeeds, or
student code would run as the grader's own account with no namespace
around it, the grader refuses to grade and says how to fix that, unless
the caller explicitly accepts the risk (``--unconfined``; and students
checking their own code on their own machine).
"""
from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .session import Server, StudentFailure, WorkerSession

CANARY_VARIABLE = "AUTOGRADER_CANARY"
HOW_TO_FIX = (
    "To grade safely, run the grader where student code can be confined: on Linux with unprivileged user "
    "namespaces enabled (the default on most distributions; sysctl user.max_user_namespaces > 0 and, on "
    "Debian and Ubuntu, kernel.unprivileged_userns_clone=1 or no AppArmor restriction), or as root. As root "
    "inside a container that forbids namespaces (as on Gradescope), make what the probe could read unreadable "
    "to other accounts (chmod -R o-rwx on the grader and the submissions). To run untrusted code as your own "
    "account anyway, pass --unconfined.")


class ContainmentError(RuntimeError):
    """Student code would not be contained; the message says what leaked and how to fix it."""


@dataclass(frozen=True)
class Containment:
    """What the probe found."""

    namespaces: bool
    uid: int | None
    readable: tuple[str, ...]
    environments: tuple[str, ...]
    interfaces: tuple[str, ...]

    @property
    def problems(self) -> list[str]:
        found = []
        if not self.namespaces and self.uid is None:
            found.append("student code would run as your own account, with no namespace around it")
        if self.readable:
            found.append(f"student code could read {', '.join(self.readable)}")
        if self.environments:
            found.append(f"student code could read the grader's environment ({', '.join(self.environments)})")
        return found

    def summary(self) -> str:
        how = " and ".join(filter(None, ["in namespaces of its own" if self.namespaces else "",
                                         f"as uid {self.uid}" if self.uid is not None else ""])) or "unconfined"
        network = f"network reachable ({', '.join(self.interfaces)})" if self.interfaces else "no network"
        return f"student code runs {how}; {network}"


def verify(server: Server, secret_paths: list[Path], *, allow_unconfined: bool = False) -> Containment:
    """Probe what a worker of ``server`` can reach; raise ContainmentError unless it is contained.

    The portable server confines nothing, so there is nothing to probe: it is refused unless allowed.
    """
    if server.containment.get("portable"):
        return _judged(Containment(False, None, (), (), ()), allow_unconfined)
    os.environ[CANARY_VARIABLE] = secrets.token_hex(8)  # any process started with our environment carries it
    if server.containment["namespaces"]:  # only the installation is bound: the caller's folders must not be
        secret_paths = [*secret_paths, Path.cwd(), Path.home()]
    paths = [(str(p), p.stat().st_dev, p.stat().st_ino) for p in dict.fromkeys(secret_paths) if p.exists()]
    with tempfile.TemporaryDirectory(prefix="autograder-probe-") as tmp:
        empty = Path(tmp) / "probe.py"
        empty.write_text("")
        session = WorkerSession(server, empty, "probe")
        try:
            report = session.request({"probe": "containment", "paths": paths, "pids": [os.getpid(), server.pid],
                                      "variable": CANARY_VARIABLE}, 30.0, "the containment probe").value
        except StudentFailure as failure:
            raise ContainmentError(f"the containment probe failed: {failure.message}\n"
                                   f"{session.output()}") from None
        finally:
            session.close()
    return _judged(Containment(server.containment["namespaces"], server.containment["uid"],
                               tuple(report["readable"]), tuple(report["environments"]),
                               tuple(report["interfaces"])), allow_unconfined)


def _judged(found: Containment, allow_unconfined: bool) -> Containment:
    if found.problems and not allow_unconfined:
        raise ContainmentError("refusing to grade: " + "; ".join(found.problems) + ".\n" + HOW_TO_FIX)
    return found
