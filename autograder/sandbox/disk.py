"""What a worker without namespaces writes to disk: counted while it runs, capped, and removed after it.

In namespaces a worker writes only to folders of its own in memory, 64 MiB
each (namespaces.py). Without them (Gradescope's containers, root without
namespaces) its work folder is on the real disk and the world-writable
folders are open to it, and a resource limit caps only each file's size. So
the grader, which knows the worker's uid, counts what that uid holds in the
work folder and the world-writable folders while the worker runs
(session.py stops it past ``DISK_BYTES`` or ``DISK_ENTRIES``), and removes
what it left there once it is gone (forkserver.py): a disk filled by one
submission cannot cost another its grade, nor the grader its results.json.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import stat
from typing import Iterator

WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")
DISK_BYTES = 256 * 2**20
DISK_ENTRIES = 20_000  # files and folders; a scan of more would itself cost the grader's time


class OverDisk(Exception):
    """A worker holds more on disk than it may; the message says so for the student."""


def usage(uid: int, workdir: str) -> tuple[int, int]:
    """Bytes on disk and entries that ``uid`` holds in ``workdir`` and the world-writable folders; the count
    stops once it passes either cap, so a million files cost the grader no more than the cap."""
    used = entries = 0
    stack = [workdir] + [path for folder in WRITABLE for path in itertools.islice(
        (e.path for e in _entries(folder) if _owner(e) == uid and e.path != workdir), DISK_ENTRIES + 1)]
    while stack and used <= DISK_BYTES and entries <= DISK_ENTRIES:
        path = stack.pop()
        try:
            info = os.lstat(path)
        except OSError:
            continue
        entries += 1
        used += info.st_blocks * 512
        if stat.S_ISDIR(info.st_mode):
            stack += [entry.path for entry in itertools.islice(_entries(path), DISK_ENTRIES + 1 - entries)]
    return used, entries


def remove_left_by(uid: int) -> None:
    """Remove what ``uid`` left in the world-writable folders (its processes are gone)."""
    for folder in WRITABLE:
        for entry in _entries(folder):
            if _owner(entry) != uid:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _entries(folder: str) -> Iterator[os.DirEntry]:
    """The folder's entries, read as they are needed."""
    try:
        with os.scandir(folder) as found:
            yield from found
    except OSError:
        return


def _owner(entry: os.DirEntry) -> int | None:
    try:
        return entry.stat(follow_symlinks=False).st_uid
    except OSError:
        return None
