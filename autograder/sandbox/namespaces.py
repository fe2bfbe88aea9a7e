"""Kernel namespaces for a worker: its own user, PID, network, IPC and mount namespaces.

``enter`` turns the calling (single-threaded, freshly forked) process into
a keeper that waits, and returns in its only child, the first process of a
new PID namespace: killing that child ends every process student code
starts, however it detached. The child sees a filesystem made of read-only
binds of the Python installation and the system libraries, a private
``/tmp``, a few devices and its own work folder, and nothing else: not the
grader, not the reference, not other submissions, not the caller's home.
Its network namespace has only a loopback interface, which is down. No
capability survives into student code.

Root creates the namespaces with its own privilege; any other account
through an unprivileged user namespace, which most kernels allow. So this
works for root and for a TA's own account alike; where the kernel or a
container forbids it (Docker's default profile, as on Gradescope)
``available`` says so and the worker relies on an account of its own
instead (``confine.py``).
"""
from __future__ import annotations

import ctypes
import os
import platform
import select
import shutil
import signal
import tempfile
from pathlib import Path
from typing import NoReturn

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
FLAGS = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
LINUX_CAPABILITY_VERSION_3 = 0x20080522
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "arm64": 41, "ppc64le": 203, "s390x": 217}
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
TMP_SIZE = "64m"  # a quota on what student code may write: its /tmp, /dev/shm and work folder, each

_libc = ctypes.CDLL(None, use_errno=True)


class NamespaceError(OSError):
    """A namespace step failed; the message names the step."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise NamespaceError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def available() -> bool:
    """Whether this process may create the namespaces ``enter`` needs (tried in a throwaway child)."""
    if SYS_PIVOT_ROOT.get(platform.machine()) is None:
        return False
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if _libc.unshare(_flags(os.geteuid() == 0)) == 0 else 1)
        finally:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def read_only_paths(exclude: Path) -> list[str]:
    """What student code may read: the system's libraries, the interpreter and the installed packages.

    Only the Python installation: ``sys.path`` less what the current folder
    and ``PYTHONPATH`` put there (a TA's home or export folder), and less any
    path holding ``exclude`` (the grader's own folder; a virtual environment
    inside it is bound alone), the caller's home or the temporary folder. Paths are bound as they resolve, and every
    symbolic link on the way to them is recreated, so that an installation
    reached through a link (a linked ``.venv``) is found inside at the same
    paths as outside.
    """
    import sys
    outside = {os.path.realpath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    outside.add(os.path.realpath(os.getcwd()))
    installation = [p for p in sys.path if p and os.path.realpath(p) not in outside]
    candidates = list(SYSTEM_PATHS) + [sys.prefix, sys.base_prefix, sys.exec_prefix] + installation
    grader = Path(exclude).resolve()
    # nor a folder holding the work folders (a script's own folder in /tmp is on sys.path)
    holds = [grader] + [Path(p) for p in outside] + [Path(os.path.expanduser("~")).resolve(),
                                                     Path(tempfile.gettempdir()).resolve()]
    chosen: list[str] = []
    links: list[str] = []
    for entry in candidates:
        if not entry or not os.path.isabs(entry) or not os.path.exists(entry) or entry in chosen:
            continue
        if entry in SYSTEM_PATHS and os.path.islink(entry):
            chosen.append(entry)  # /bin -> usr/bin on merged-/usr systems: recreated as a link
            continue
        real = os.path.realpath(entry)
        if os.path.isfile(real):  # a zipped standard library: bind its folder
            real = os.path.dirname(real)
        if any(h.is_relative_to(real) for h in holds) or any(Path(real).is_relative_to(c) for c in chosen):
            continue
        links += [link for link in _links_on_the_way(entry) if link not in links]
        chosen = [c for c in chosen if os.path.islink(c) or not Path(c).is_relative_to(real)] + [real]
    return chosen + [link for link in links if link not in chosen]


def _links_on_the_way(path: str) -> list[str]:
    """Every symbolic link among ``path`` and the folders above it (``/work/x/.venv -> /opt/venv``)."""
    parts = Path(os.path.abspath(path)).parts
    return [str(Path(*parts[:i])) for i in range(2, len(parts) + 1) if os.path.islink(Path(*parts[:i]))]


def enter(workdir: str, scratch: str, read_only: list[str], uid: int | None) -> None:
    """Move into fresh namespaces; returns only in the new PID namespace's first process.

    ``scratch`` is an empty folder to build the new root on; ``workdir`` is
    bound read-write at its own path. As root (``uid`` given), root's own
    privilege creates the namespaces and the switch to ``uid`` drops every
    capability; otherwise an unprivileged user namespace maps the caller's
    own account and the capabilities it grants are dropped explicitly. The
    caller becomes a keeper that relays its child's exit status and never
    returns.
    """
    if uid is not None:
        os.setgroups([])  # root's groups would still open group-readable files
    else:
        own_uid, own_gid = os.geteuid(), os.getegid()
    _check(_libc.unshare(_flags(uid is not None)), "unshare")
    if uid is None:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{own_uid} {own_uid} 1")
        Path("/proc/self/gid_map").write_text(f"{own_gid} {own_gid} 1")
    alive, keeper_gone = os.pipe()
    child = os.fork()
    if child:
        os.close(alive)
        _keep(child)
    os.close(keeper_gone)
    _build_root(scratch, workdir, read_only)
    if uid is not None:
        os.setgid(uid)
        os.setuid(uid)  # from root to another account: every capability goes
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PDEATHSIG)")  # after the switch, which clears it
    if select.select([alive], [], [], 0)[0]:  # the keeper died before the line above: so must we
        os._exit(70)
    os.close(alive)
    _drop_capabilities()


def _flags(as_root: bool) -> int:
    return FLAGS & ~CLONE_NEWUSER if as_root else FLAGS


def _keep(child: int) -> NoReturn:
    """The keeper: outlive the child, then exit as it did, so the fork server reads a true status."""
    try:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1):
            signal.signal(sig, signal.SIG_IGN)
        status = os.waitpid(child, 0)[1]
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)
    finally:
        os._exit(70)


def _bind(source: str, target: str, *, writable: bool = False) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Path(target).touch()
    _mount(source, target, None, MS_BIND | MS_REC)
    # flags the source is mounted with are locked in a user namespace: a remount must repeat them
    kept = os.statvfs(source).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | kept | MS_NOSUID | (0 if writable else MS_RDONLY))


def _build_root(root: str, workdir: str, read_only: list[str]) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
    # the private /tmp first: what is bound below it (a virtual environment in /tmp, the work folder) goes on top
    os.makedirs(root + "/tmp")
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={TMP_SIZE}")
    for path in read_only:
        if os.path.islink(path):
            if not os.path.lexists(root + path):  # else it came with a bound folder
                os.makedirs(os.path.dirname(root + path), exist_ok=True)
                os.symlink(os.readlink(path), root + path)
        else:
            _bind(path, root + path)
    # the work folder: a size-capped tmpfs holding a copy of what the grader put there, so that what student code
    # writes counts against a cap and goes with the namespace, never onto the machine's disk
    os.makedirs(root + workdir)
    owner = os.stat(workdir)
    _mount("tmpfs", root + workdir, "tmpfs", MS_NOSUID | MS_NODEV,
           f"mode=700,size={TMP_SIZE},uid={owner.st_uid},gid={owner.st_gid}")
    for name in os.listdir(workdir):
        shutil.copyfile(os.path.join(workdir, name), os.path.join(root + workdir, name))
        os.chown(os.path.join(root + workdir, name), owner.st_uid, owner.st_gid)
    os.makedirs(root + "/dev")
    for device in DEVICES:
        if os.path.exists(f"/dev/{device}"):
            _bind(f"/dev/{device}", f"{root}/dev/{device}", writable=True)
    os.makedirs(root + "/dev/shm")
    _mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={TMP_SIZE}")
    os.makedirs(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(root)
    _check(_libc.syscall(SYS_PIVOT_ROOT[platform.machine()], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "detaching the old root")
    os.chdir("/")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """No capability in the namespace (no remount, no unmount), and none regained by exec."""
    _check(_libc.capset(ctypes.byref(_CapHeader(LINUX_CAPABILITY_VERSION_3, 0)), (_CapData * 2)()), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
