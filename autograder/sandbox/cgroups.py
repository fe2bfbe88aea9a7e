"""A worker's whole process tree in control groups of its own: one CPU, a process cap, a memory cap.

Resource limits count per process (memory, CPU seconds) or per account
(processes), so a submission that starts a crowd of processes escapes them
as a crowd and slows every other lane's checks. Where the grader is root and
finds a writable cgroup hierarchy (v2 with the controllers delegated to its
group, or v1's ``cpu``, ``pids`` and ``memory``), each worker joins groups
of its own before it runs anything of the student's: its processes share at
most one CPU's time, ``Limits.processes`` tasks and one memory budget; the
scheduler weighs the group as one task against the other lanes, however
many processes it holds; and ending the worker kills the whole group,
however its processes detached. A fork server's groups live in
``autograder-<its pid>``, so whatever a grader killed with SIGKILL left
behind, the next grader removes (``sweep``). Elsewhere (Gradescope's
containers, a TA's own account) there are no groups, and confine.py's
limits stand alone.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Callable

from .settings import Limits

CONTROLLERS = ("cpu", "pids", "memory")
PERIOD_US = 100_000
# Pages a worker writes that the fork server had shared (Python's reference counts touch many) and the page
# cache of what it reads are charged to its group: room for them above the student's own budget.
MEMORY_HEADROOM = 256 * 2**20
PREFIX = "autograder-"


def _hierarchies() -> dict[str, Path]:
    """Where this process's own group is, per controller: a v2 group that may hand all three to children,
    else v1's, else nothing."""
    mounts: dict[str, tuple[str, str]] = {}  # controller (or "2") -> (mount point, root of the mount)
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields, _, tail = line.partition(" - ")
            fields, tail = fields.split(), tail.split()
            if len(fields) < 5 or len(tail) < 3:
                continue
            if tail[0] == "cgroup2":
                mounts.setdefault("2", (fields[4], fields[3]))
            elif tail[0] == "cgroup":
                for option in tail[2].split(","):
                    if option in CONTROLLERS:
                        mounts.setdefault(option, (fields[4], fields[3]))
    own: dict[str, str] = {}
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else ["2"]:
                own[name] = path

    def located(key: str) -> Path | None:
        if key not in mounts or key not in own:
            return None
        mount_point, root = mounts[key]
        relative = os.path.relpath(own[key], root)
        return None if relative.startswith("..") else Path(mount_point, relative).resolve()

    unified = located("2")
    if unified is not None and _delegates(unified):
        return dict.fromkeys(CONTROLLERS, unified)
    found = {name: located(name) for name in CONTROLLERS}
    return found if all(found.values()) else {}


def _delegates(group: Path) -> bool:
    """Whether a v2 group hands cpu, pids and memory to groups below it (enabling them if it may)."""
    try:
        enabled = (group / "cgroup.subtree_control").read_text().split()
        if not set(CONTROLLERS) <= set(enabled):
            (group / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in CONTROLLERS))
        return set(CONTROLLERS) <= set((group / "cgroup.subtree_control").read_text().split())
    except OSError:  # read-only (Docker), or processes of its own in the group (v2's "no internal processes")
        return False


class WorkerGroups:
    """The groups of one fork server's workers, under ``autograder-<server pid>`` in each hierarchy."""

    def __init__(self, folders: dict[str, Path]):
        self._folders = folders
        self.unified = len(set(folders.values())) == 1

    @classmethod
    def create(cls, server_pid: int) -> WorkerGroups | None:
        """This fork server's groups, or None where none can be made (not root, no writable hierarchy)."""
        if os.geteuid() != 0:
            return None
        try:
            hierarchies = _hierarchies()
            if not hierarchies:  # none writable with the three controllers: Docker's read-only /sys/fs/cgroup
                return None
            folders = {name: where / f"{PREFIX}{server_pid}" for name, where in hierarchies.items()}
            for folder in set(folders.values()):
                folder.mkdir(exist_ok=True)
            groups = cls(folders)
            if groups.unified:
                _delegates(folders["cpu"])
            groups.remove(groups.make("probe", Limits()))  # every file this needs is writable
            return groups
        except OSError:
            return None

    def make(self, name: str, limits: Limits) -> list[str]:
        """Groups for worker ``name`` with ``limits``; the files a process writes its pid to, to join them."""
        settings = {"pids": {"pids.max": str(limits.processes)}}
        memory = str(limits.memory_bytes + MEMORY_HEADROOM)
        if self.unified:
            settings["cpu"] = {"cpu.max": f"{PERIOD_US} {PERIOD_US}"}
            settings["memory"] = {"memory.max": memory, "memory.swap.max": "0"}
        else:
            settings["cpu"] = {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": str(PERIOD_US)}
            settings["memory"] = {"memory.limit_in_bytes": memory}
        joins = []
        for controller, files in settings.items():
            group = self._folders[controller] / name
            group.mkdir(exist_ok=True)
            for file, value in files.items():
                if (group / file).exists():  # swap accounting is optional
                    (group / file).write_text(value)
            joins.append(str(group / "cgroup.procs"))
        return sorted(set(joins))

    def remove(self, joins: list[str]) -> None:
        """Kill every process in a worker's groups and remove them."""
        for procs in joins:
            _empty_and_remove(Path(procs).parent)

    def close(self) -> None:
        for folder in set(self._folders.values()):
            _remove_tree(folder)


def join(joins: list[str]) -> None:
    """Move the calling process into a worker's groups (in the worker, before it drops root). A group that
    cannot be joined leaves the worker with its resource limits alone, which contain it: never a failed
    worker, which would cost the student every check."""
    for procs in joins:
        try:
            Path(procs).write_text(str(os.getpid()))
        except OSError:
            pass


def sweep(alive: Callable[[int], bool]) -> None:
    """Remove the groups, and kill the processes, of fork servers that are not ``alive`` (a grader killed by
    SIGKILL cannot clean up after itself)."""
    try:
        hierarchies = set(_hierarchies().values())
    except OSError:
        return
    for where in hierarchies:
        for folder in where.glob(f"{PREFIX}*"):
            pid = folder.name[len(PREFIX):]
            if pid.isdigit() and not alive(int(pid)):
                _remove_tree(folder)


def _remove_tree(folder: Path) -> None:
    for group in [g for g in folder.iterdir() if g.is_dir()] if folder.is_dir() else []:
        _empty_and_remove(group)
    _empty_and_remove(folder)


def _empty_and_remove(group: Path, seconds: float = 10.0) -> None:
    """SIGKILL what is in ``group`` until it is empty (a fork may race with the kill), then remove it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (group / "cgroup.kill").exists():
                (group / "cgroup.kill").write_text("1")
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # still busy: its processes are exiting
            time.sleep(0.01)
