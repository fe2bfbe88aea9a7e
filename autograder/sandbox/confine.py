"""Confinement of the worker process: session, limits, network, user."""
from __future__ import annotations

import ctypes
import os
import pwd
import resource
import signal
from dataclasses import dataclass, field

CLONE_NEWNET = 0x40000000
DEDICATED_USER = "autograder-student"


def _memory_budget() -> int:
    return int(os.environ.get("AUTOGRADER_MEMORY_MB", "2048")) * 2**20


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker.

    ``memory_bytes`` is address space on top of what the interpreter maps
    once torch is imported, so the figure means the same on every machine;
    ``AUTOGRADER_MEMORY_MB`` sets it (run_autograder keeps it below
    Gradescope's container limit, so an allocation fails inside the worker
    instead of the kernel killing the grader).
    """

    memory_bytes: int = field(default_factory=_memory_budget)
    cpu_seconds: int = 300
    file_bytes: int = 64 * 2**20
    processes: int = 256
    open_files: int = 256


@dataclass(frozen=True)
class SandboxUser:
    name: str
    uid: int
    gid: int

    @property
    def dedicated(self) -> bool:
        """True when no other program runs as this account, so all its processes may be killed."""
        return self.name != "nobody"


def sandbox_user() -> SandboxUser | None:
    """The unprivileged account student code runs as, or None when not root.

    ``AUTOGRADER_SANDBOX_USER`` names it; otherwise the account setup.sh
    creates, else ``nobody``.
    """
    if os.geteuid() != 0:
        return None
    for name in (os.environ.get("AUTOGRADER_SANDBOX_USER"), DEDICATED_USER, "nobody"):
        if not name:
            continue
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_uid != 0:
            return SandboxUser(name, entry.pw_uid, entry.pw_gid)
    raise RuntimeError("running as root but no unprivileged account exists to run student code")


def lane_accounts(lanes: int) -> list[str | None]:
    """The sandbox account of each of ``lanes`` graders running side by side.

    A worker's stop kills every process of its dedicated account, so two
    graders running at once need two accounts: ``autograder-student``,
    ``autograder-student-1``, ... (``make sandbox-user`` creates them). As
    root, the list is cut to the accounts that exist; ``None`` leaves the
    choice to ``sandbox_user`` (not root, or no dedicated account: never swept).
    """
    if os.geteuid() != 0:
        return [None] * lanes
    names = [DEDICATED_USER] + [f"{DEDICATED_USER}-{k}" for k in range(1, lanes)]
    existing = [n for n in names if _account_exists(n)]
    return existing or [None] * lanes


def _account_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def confine(workdir: str, limits: Limits, user: SandboxUser | None) -> None:
    """Turn the calling (freshly forked) process into a sandboxed worker."""
    os.setsid()
    _isolate_network()
    os.chdir(workdir)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails instead of killing
    mapped = _mapped_bytes()
    _limit(resource.RLIMIT_AS, mapped + limits.memory_bytes)
    _limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    _limit(resource.RLIMIT_FSIZE, limits.file_bytes)
    _limit(resource.RLIMIT_NOFILE, limits.open_files)
    _limit(resource.RLIMIT_CORE, 0)
    if user is not None:
        _limit(resource.RLIMIT_NPROC, limits.processes)
        os.setgroups([])
        os.setgid(user.gid)
        os.setuid(user.uid)
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:  # pragma: no cover - would mean the drop did not happen
            os._exit(70)
    os.environ.clear()
    os.environ.update({"HOME": workdir, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})


def _limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _mapped_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _isolate_network() -> None:
    """A private network namespace with no interfaces, where the kernel allows one."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.unshare(CLONE_NEWNET)  # failure (no CAP_SYS_ADMIN, e.g. in Docker) leaves the network as it is


def kill_all_processes_of(user: SandboxUser) -> None:
    """In a throwaway child: become ``user`` and SIGKILL every process it owns.

    Catches what a student started with setsid or double fork, which a
    process-group kill misses.
    """
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(user.gid)
            os.setuid(user.uid)
            os.kill(-1, signal.SIGKILL)  # Linux spares the caller itself
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
