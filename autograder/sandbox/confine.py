"""Confinement of the worker process: session, limits, account, namespaces, environment.

Two mechanisms, used together where both are available:

- *namespaces* (``namespaces.py``): the worker's own PID, mount and network
  namespaces; needs unprivileged user namespaces, which most Linux kernels
  allow, root or not, and Docker's default profile forbids;
- *an account of its own*: as root, the worker switches to a uid that no
  other process on the machine uses (``BASE_UID`` plus the fork server's
  pid, with no entry in /etc/passwd), so that "kill every process of this
  uid" ends this grader's student processes and nobody else's, and file
  permissions keep it out of whatever root locked down.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import time
from pathlib import Path

from . import cgroups, namespaces
from ..environment import WORKER_ENVIRONMENT
from .settings import Limits, set_limit

BASE_UID = 1_900_000_000  # far above any account a distribution or a site allocates
PR_SET_PDEATHSIG = 1
CLONE_NEWNET = 0x40000000


def die_with(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (whatever kills it); exit now if ``parent``
    is gone already."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def close_fds_except(*keep: int) -> None:
    """Close every descriptor from 3 up but ``keep``: what a forked process's parent held (its files,
    sockets and pipes) is none of its business."""
    low = 3
    for fd in sorted(keep) + [1 << 16]:
        os.closerange(low, fd)
        low = fd + 1


def sandbox_uid(server_pid: int) -> int | None:
    """The uid the workers of the fork server ``server_pid`` run as: None unless root."""
    return BASE_UID + server_pid if os.geteuid() == 0 else None


def confine(workdir: str, limits: Limits, uid: int | None, isolate: dict | None, groups: list[str]) -> None:
    """Turn the calling (freshly forked) process into a sandboxed worker.

    ``uid``: the account to switch to (as root); ``isolate``: the
    ``namespaces.enter`` arguments, or None where namespaces are not
    available; ``groups``: the control groups to join (cgroups.py), while
    still root. Returns in the process that will run student code.
    """
    cgroups.join(groups)
    # the kernel's OOM killer, should the machine (Gradescope's 768 MB container) run short, takes student code first
    try:
        Path("/proc/self/oom_score_adj").write_text("1000")
    except OSError:  # a /proc mounted read-only: the other limits stand
        pass
    os.setsid()
    if uid is not None:
        set_limit(resource.RLIMIT_NPROC, limits.processes)
    else:  # the grader's own account: leave room for what it already runs
        set_limit(resource.RLIMIT_NPROC, _tasks_of(os.geteuid()) + limits.processes)
    if isolate is not None:
        # the keeper keeps its credentials, so this holds: it dies with the fork server, and its child with it
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        namespaces.enter(workdir, uid=uid, **isolate)
    else:
        if uid is not None:
            ctypes.CDLL(None).unshare(CLONE_NEWNET)  # no interfaces; fails harmlessly where not permitted
            _switch_to(uid)
        # after the switch of account, which clears it: the worker dies with the fork server
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    os.chdir(workdir)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails instead of killing
    set_limit(resource.RLIMIT_AS, mapped_bytes() + limits.memory_bytes)
    set_limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
    set_limit(resource.RLIMIT_NOFILE, limits.open_files)
    set_limit(resource.RLIMIT_CORE, 0)
    os.environ.clear()
    os.environ.update({**WORKER_ENVIRONMENT, "HOME": workdir})


def _switch_to(uid: int) -> None:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:  # pragma: no cover - would mean the drop did not happen
        os._exit(70)


def mapped_bytes() -> int:
    """The address space this process has mapped: memory limits are set on top of it."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _tasks_of(uid: int) -> int:
    """How many threads ``uid`` runs now (the process limit counts threads per real uid)."""
    count = 0
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                count += len(os.listdir(f"/proc/{entry}/task"))
        except OSError:
            continue
    return count


def sweep_dead_servers() -> None:
    """Kill what the workers of fork servers that are gone left running, and remove their groups.

    A grader killed with SIGKILL (a batch lane past its deadline, a TA's
    kill) cleans up nothing: without namespaces, processes its students
    double-forked live on as its sandbox uid. Every fork server and every
    batch sweeps them when it starts and a batch again when a lane ends.
    """
    if os.geteuid() != 0:
        return
    orphaned = set()
    for entry in os.listdir("/proc"):
        try:
            uid = os.stat(f"/proc/{entry}").st_uid if entry.isdigit() else 0
        except OSError:
            continue
        if uid >= BASE_UID and not _alive(uid - BASE_UID):
            orphaned.add(uid)
    for uid in orphaned:
        kill_all_processes_of(uid)
    cgroups.sweep(_alive)


def _alive(pid: int) -> bool:
    try:
        return _state(pid) != "Z"
    except (OSError, IndexError):
        return False


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def processes_of(uid: int) -> list[int]:
    """The live (not zombie) processes of ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if not entry.isdigit() or os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            state = _state(int(entry))
        except (OSError, IndexError):
            continue
        if state != "Z":
            found.append(int(entry))
    return found


def kill_all_processes_of(uid: int, seconds: float = 10.0) -> None:
    """SIGKILL every process of ``uid`` (this grader's own sandbox uid), from a throwaway child, and
    wait until they are gone.

    Catches what a student started with setsid or double fork, which a
    process-group kill misses; repeated while a fork raced with the kill or
    a killed process is still exiting (on a busy machine that takes a while).
    """
    if not processes_of(uid):  # mostly so: the worker's PID namespace or its group's kill took them all
        return
    deadline = time.monotonic() + seconds
    while True:
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)  # Linux spares the caller itself
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not processes_of(uid) or time.monotonic() > deadline:
            return
        time.sleep(0.01)
