"""The trusted side's handle on one submission's student code.

``WorkerSession`` runs it in a confined worker and restarts the worker after
a crash or a timeout, so one problem's failure costs only that problem.
``InProcessSession`` runs the same probes in this process: the speed floor
for the benchmark, never for grading untrusted code.
"""
from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Protocol, TypeVar

import numpy as np

from ..safe_text import identifier
from . import disk, wire
from .settings import Limits

MAX_RESPONSE_BYTES = 16 * 2**20
# The largest legitimate reply is under 1 MiB (hw6's block output, 131 KB; its weights, 314 KB). Each reply
# is held a few times while it is decoded and converted, and only small ones are kept (context.MEMO_BYTES),
# so the grader stays within Gradescope's 768 MB beside the reference, the fork server and the worker:
# measured, 485 MiB of PSS for the whole tree with every reply as large as the caps allow (342 for the
# reference), the student's own arrays inside the worker bounded by AUTOGRADER_MEMORY_MB.
MAX_PAYLOAD_BYTES = 12 * 2**20
GRADER_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
DISK_POLL_SECONDS = 1.0  # how often what a worker without namespaces wrote is counted while it runs


class StudentFailure(Exception):
    """Student code did not produce a value; ``message`` is written for the student."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class Contended(StudentFailure):
    """A timeout while the worker mostly waited for a CPU: the machine's fault, not the student's."""


# Share of a time limit a worker may spend waiting for a CPU before its timeout counts as the machine's.
CONTENDED_SHARE = 0.25


# What a worker may say went wrong; anything else it sends is read as an exception. The kind becomes a
# diagnosis in reports, so it is never the worker's own text.
FAILURE_KINDS = ("missing", "not_implemented", "exception", "unserializable")


def failure_from(info: Any, subject: str) -> StudentFailure:
    """Student-facing failure from a worker's error report, which a worker whose harness student code
    patched may have forged: every field is checked and capped here."""
    info = info if isinstance(info, dict) else {}
    kind = info.get("kind") if info.get("kind") in FAILURE_KINDS else "exception"
    message = info.get("message") if isinstance(info.get("message"), str) else ""
    if kind in ("missing", "not_implemented") and "type" not in info:
        return StudentFailure(kind, message[:400] or f"{subject} is not defined")
    if kind == "not_implemented":
        return StudentFailure(kind, f"{subject} is not implemented yet (it raises NotImplementedError)")
    if kind == "unserializable":
        return StudentFailure(kind, f"{subject} returned something the grader cannot read: {message[:400]}")
    name, message = identifier(info.get("type")), message[:400]
    text = f"{subject} raised {name}" + (f": {message}" if message else "")
    if name == "MemoryError":
        text += " (the memory limit was reached)"
    where = info.get("where") if isinstance(info.get("where"), list) else []
    where = [line[:200] for line in where[:3] if isinstance(line, str)]
    if where:
        text += "\n  " + "\n  ".join(where)
    return StudentFailure(kind, text)


def describe_status(status: int) -> str:
    """Plain words for a worker's wait status (POSIX's encoding, which every server reports)."""
    sig = status & 0x7F
    if sig:
        meaning = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed, often by the memory limit",
                   signal.SIGXCPU: "CPU time limit exceeded", signal.SIGABRT: "aborted",
                   signal.SIGXFSZ: "file size limit exceeded"}.get(sig, "")
        return f"signal {signal.Signals(sig).name}" + (f" ({meaning})" if meaning else "")
    return f"exit status {status >> 8} (sys.exit or os._exit in your code?)"


def time_scale() -> float:
    """``AUTOGRADER_TIME_SCALE`` multiplies every time limit (slow machines, quick tests)."""
    return float(os.environ.get("AUTOGRADER_TIME_SCALE", "1"))


class Server(Protocol):
    """What starts and ends workers: the Linux fork server (forkserver.py) or the portable one (spawned.py)."""

    pid: int
    twin: Server | None  # a second server, for the worker that answers calls ahead (ahead.py)

    @property
    def containment(self) -> dict:
        """``namespaces`` (bool), ``uid`` (int or None), ``read_only`` (paths bound read-only)."""

    def spawn(self, job: dict, output_fd: int) -> tuple[int, socket.socket]:
        """Start a worker that runs ``job``, printing to ``output_fd``; its pid and the socket to talk to it."""

    def interrupt(self, pid: int) -> None:
        """Ask a worker which line it is running; it answers on its socket, where the platform allows."""

    def stop(self, pid: int, grace: float) -> int:
        """Give a worker ``grace`` seconds to exit, then end it and all it started; its wait status."""

    def close(self) -> None:
        """End the server."""


class Session:
    """What every session offers the checks."""

    names: frozenset[str]
    contended: list[str] = []  # what timed out while the machine was busy, and was run again
    notebook: list[dict] = []  # what a notebook's run could not run: {"what": text, "names": [bound names]}

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def output(self, limit: int = 4000) -> str:
        """The start of what student code printed."""
        return ""


class WorkerSession(Session):
    """A submission served by a worker of ``server``, confined where the server confines.

    Everything lives in a private folder the grader owns and removes at
    ``close``: the worker's work folder (the only part it may write), the
    mount point of its new root, and the file its output goes to, which the
    grader opened itself and student code cannot reach by name.
    """

    def __init__(self, server: Server, source: Path, module_name: str, *,
                 limits: Limits | None = None, import_timeout: float = 20.0):
        self._server = server
        self._limits = limits or Limits()
        self._import_timeout = import_timeout
        self._module_name = module_name
        self._private = Path(tempfile.mkdtemp(prefix="autograder-"))
        self._private.chmod(0o711)  # the worker may pass through to its folder, not list or change this one
        self._workdir = self._private / "work"
        self._workdir.mkdir(mode=0o700)
        (self._private / "root").mkdir(mode=0o755)
        self._file = self._workdir / f"{module_name}.py"
        shutil.copyfile(source, self._file)
        uid = server.containment["uid"]
        if uid is not None:
            for path in (self._workdir, self._file):
                os.chown(path, uid, uid)
        # without namespaces its folders are on the real disk: what it writes there is counted (disk.py)
        self._disk_uid = uid if uid is not None and not server.containment["namespaces"] else None
        self._output_fd = os.open(self._private / "output.txt", os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND
                                  | getattr(os, "O_NOFOLLOW", 0), 0o600)  # Windows has no symbolic links to fear
        self._sock: socket.socket | None = None
        self._pid: int | None = None
        self._begun = False  # started by begin(), its import not awaited yet
        self._queued = 0  # requests send() queued whose replies receive() has not read
        self._buffer = bytearray()
        self._broken: StudentFailure | None = None
        self._output: str | None = None
        self.names = frozenset()
        self.contended = []

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        timeout *= time_scale()
        message = self.message(req)
        return self._twice(subject, lambda retried: self._exchange(message, timeout, subject, retried))

    def imported(self) -> bool:
        """Whether the submission imported, awaiting its import (in a worker started now where none was); a
        failure is kept for the first request to raise."""
        try:
            self._ready()
        except StudentFailure:
            return False
        return True

    @staticmethod
    def message(req: dict) -> bytes:
        """``req`` as the worker reads it."""
        arrays: dict[str, np.ndarray] = {}
        return wire.frame({"request": wire.encode(req, arrays)}, arrays)

    def send(self, message: bytes) -> None:
        """Queue a request for the worker, started now if it was not; ``receive`` reads the replies in order."""
        if self._broken is not None:
            raise self._broken
        self.begin()
        self._sock.sendall(message)
        self._queued += 1

    def receive(self, timeout: float, subject: str) -> wire.Decoded:
        """The reply to the oldest request ``send`` queued, read as ``request`` reads one, never in a second
        worker (the queued requests went to this one): a wait for a CPU raises Contended."""
        if self._sock is None:
            raise StudentFailure("crashed", f"no worker holds the request for {subject}")
        if self._begun:
            self._start(again=False)
        reply, arrays = self._await(timeout * time_scale(), subject)
        self._queued -= 1
        return decode_reply(reply, arrays, subject)

    def _twice(self, subject: str, attempt: Callable[[bool], T]) -> T:
        """``attempt(retried=False)``; once more in a fresh worker if it timed out while the machine was busy."""
        try:
            return attempt(False)
        except Contended:
            self.contended.append(subject)
            return attempt(True)

    def begin(self) -> None:
        """Start the worker now, its import running meanwhile; the first request waits for it (a batch lane
        starts the next submission's worker while it writes the last one's results)."""
        if self._sock is None and self._broken is None:
            self._spawn()
            self._begun = True

    def _spawn(self) -> None:
        job = {"workdir": str(self._workdir), "scratch": str(self._private / "root"), "module_file": str(self._file),
               "module_name": self._module_name, "limits": asdict(self._limits), "hidden_paths": [str(GRADER_ROOT)]}
        self._pid, self._sock = self._server.spawn(job, self._output_fd)
        self._buffer = bytearray()

    def _ready(self) -> None:
        """A worker that imported the submission, started and awaited where not yet (raising what failed)."""
        if self._sock is None or self._begun:
            self._start()

    def _exchange(self, message: bytes, timeout: float, subject: str, retried: bool) -> wire.Decoded:
        self._ready()
        try:
            self._sock.sendall(message)
        except OSError:
            pass  # a dead worker shows up as end of stream below
        reply, arrays = self._await(timeout, subject, retried)
        return decode_reply(reply, arrays, subject)

    def _start(self, again: bool = True) -> None:
        """Await the import (the worker spawned first where it was not begun); ``again``: a second worker if
        the first timed out while the machine was busy."""
        if self._broken is not None:
            raise self._broken
        subject = f"importing {self._file.name}"

        def spawn_and_import(retried: bool) -> dict:
            if not self._begun or retried:
                self._spawn()
            self._begun = False
            return self._await(self._import_timeout * time_scale(), subject, retried)[0]

        try:
            ready = self._twice(subject, spawn_and_import) if again else spawn_and_import(False)
        except StudentFailure as failure:
            first, _, rest = failure.message.partition("\n")
            hint = (f"\n  likely cause: code at the top level of {self._file.name} runs whenever the file is "
                    "imported, as the grader does; put training loops, plots and long computations under "
                    "if __name__ == \"__main__\": or in a function" if failure.kind == "timeout" else "")
            self._broken = StudentFailure("import_failed", f"{first}; no check could run"
                                                            + (f"\n{rest}" if rest else "") + hint)
            raise self._broken
        if ready.get("ready") is not True:
            self._broken = StudentFailure("import_failed",
                                          failure_from(ready.get("error"), f"importing {self._file.name}").message)
            self._stop()
            raise self._broken
        self.notebook = _notebook_report(ready.get("notebook"))
        names = ready.get("names")
        # only which names exist is taken from it, for messages and the checks' choice of what to ask
        self.names = frozenset(n for n in names[:wire.MAX_ITEMS] if isinstance(n, str) and len(n) <= 200) \
            if isinstance(names, list) else frozenset()

    def _await(self, timeout: float, subject: str, retried: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
        """Read messages until a final reply; phases say where a timeout struck.

        A timeout while the worker spent more than ``CONTENDED_SHARE`` of
        the limit waiting for a CPU (a busy machine, another lane's crowd of
        processes) is not the student's: it raises Contended, once, and the
        caller runs the request again in a fresh worker.
        """
        deadline = time.monotonic() + timeout
        waited = self._waited()
        where = subject
        while True:
            try:
                msg = _parse(self._read(deadline, line=True))
                arrays = wire.unpack(msg["sizes"], self._read(deadline, size=_payload_size(msg["sizes"])),
                                     msg.get("layouts"))
                if "phase" not in msg:
                    self._check_disk()  # a quick reply may follow a lot of writing
            except disk.OverDisk as over:
                self._stop(grace=0.0)
                self._clear_workdir()
                raise StudentFailure("crashed", f"the process running {where} was stopped: {over}") from None
            except TimeoutError:
                contended = not retried and self._waited() - waited > CONTENDED_SHARE * timeout
                running = self._running_line()
                self._stop(grace=0.0)
                message = f"timed out after {timeout:g} s in {where}{running}" + (
                    "\n  (the second try: the first one timed out while the machine was busy)" if retried else "")
                raise (Contended if contended else StudentFailure)("timeout", message) from None
            except EOFError:
                status = self._stop()
                raise StudentFailure("crashed", f"the process running {where} died: {describe_status(status)}") from None
            except (ValueError, KeyError, TypeError, AttributeError, wire.WireError):
                self._stop(grace=0.0)  # it waits for its next request: a grace would only wait out its length
                raise StudentFailure("crashed", f"the process running {where} sent an unreadable or oversized "
                                                "reply") from None
            if "phase" in msg:
                where = str(msg["phase"])[:200]
                continue
            return msg, arrays

    def _check_disk(self) -> None:
        """Raise OverDisk once the worker holds more on disk than it may (only where no namespace caps it)."""
        if self._disk_uid is not None:
            used, entries = disk.usage(self._disk_uid, str(self._workdir))
            if used > disk.DISK_BYTES or entries > disk.DISK_ENTRIES:
                raise disk.OverDisk(f"it wrote more than {disk.DISK_BYTES >> 20} MiB or {disk.DISK_ENTRIES} files "
                                    "to disk, the limit (its files were removed)")

    def _clear_workdir(self) -> None:
        """Everything in the work folder but the submission, which the next worker imports."""
        for entry in self._workdir.iterdir():
            if entry != self._file:
                remove_private(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()

    def _waited(self) -> float:
        """Seconds the worker's main thread has so far spent runnable but waiting for a CPU (0 where /proc
        does not say); in namespaces the server's pid is the keeper, whose one child is the worker."""
        pid = self._pid
        try:
            if self._server.containment["namespaces"]:
                pid = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
            return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return 0.0

    def _running_line(self) -> str:
        """Which of the student's lines a stuck worker is running, as it says when signalled; or nothing."""
        self._server.interrupt(self._pid)
        deadline = time.monotonic() + 1.0 * time_scale()
        try:
            while True:
                msg = _parse(self._read(deadline, line=True))
                self._read(deadline, size=_payload_size(msg["sizes"]))
                if isinstance(msg.get("stuck_at"), list) and msg["stuck_at"]:
                    return "".join(f"\n  running {str(text)[:160]}" for text in msg["stuck_at"][:2])
        except (TimeoutError, EOFError, ValueError, KeyError, TypeError, AttributeError, wire.WireError):
            return ""

    def _read(self, deadline: float, *, line: bool = False, size: int = 0) -> bytes:
        """A line (without its newline) or ``size`` bytes; EOFError when the worker is gone."""
        while (self._buffer.find(b"\n") < 0) if line else (len(self._buffer) < size):
            if line and len(self._buffer) > MAX_RESPONSE_BYTES:
                raise ValueError("reply line too long")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not select.select([self._sock], [], [], min(remaining, DISK_POLL_SECONDS))[0]:
                self._check_disk()
                continue
            try:
                chunk = self._sock.recv(1 << 20)
            except ConnectionError:  # the worker exited with our request unread
                raise EOFError from None
            if not chunk:
                raise EOFError
            self._buffer += chunk
        end = self._buffer.find(b"\n") if line else size
        data = bytes(memoryview(self._buffer)[:end])  # one copy, not two
        del self._buffer[:end + 1 if line else end]
        return data

    def _stop(self, grace: float = 1.0) -> int:
        """End the worker and everything it started, and reap it; the next request starts a new one."""
        status = self._server.stop(self._pid, grace) if self._pid is not None else 0
        if self._sock is not None:
            self._sock.close()
        self._sock, self._pid = None, None
        return status

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()  # the worker sees end of stream and exits
            self._sock = None
        self._stop(grace=0.0 if self._queued else 1.0)  # unless it is busy with requests no one will read
        self._output = self.output()
        os.close(self._output_fd)
        remove_private(self._private)

    def output(self, limit: int = 4000) -> str:
        if self._output is not None:
            return self._output[:limit]
        os.lseek(self._output_fd, 0, os.SEEK_SET)  # writes are appends: moving the offset cannot disturb them
        return os.read(self._output_fd, limit).decode("utf-8", "replace")


def remove_private(folder: Path) -> None:
    """Remove a private folder, whatever permissions student code left inside it."""
    def unlock(function, path, _):
        parent = os.path.dirname(path)
        os.chmod(parent, 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
        function(path)

    shutil.rmtree(folder, onerror=unlock)


def decode_reply(reply: dict, arrays: dict[str, np.ndarray], subject: str) -> wire.Decoded:
    """A worker's reply as the value it carries, or the student's failure it reports or amounts to."""
    if reply.get("ok") is not True:
        raise failure_from(reply.get("error"), subject)
    try:
        return wire.decode(reply["body"], arrays)
    except (wire.WireError, ValueError, KeyError, TypeError, OverflowError) as exc:
        raise StudentFailure("unserializable", f"{subject} returned a value the grader could not read ({exc})") \
            from None


def _notebook_report(report: Any) -> list[dict]:
    """What a notebook's run says could not run (sandbox/cells.py), checked in form and capped: the
    worker's word, used only to tell the student."""
    if not isinstance(report, list):
        return []
    return [{"what": r["what"][:300], "names": [n[:100] for n in r["names"][:20] if isinstance(n, str)]}
            for r in report[:100] if isinstance(r, dict) and isinstance(r.get("what"), str)
            and isinstance(r.get("names"), list)]


def _parse(line: bytes) -> dict:
    """A message's JSON document, refused before parsing when it could build more values than any reply may
    hold (a few MB of ``[[], [], ...]`` would otherwise become millions of objects in the grader)."""
    if line.count(b"[") + line.count(b"{") + line.count(b",") > 4 * wire.MAX_ITEMS:  # every value but one follows one
        raise wire.WireError("reply has too many items")
    msg = json.loads(line)
    if not isinstance(msg, dict):
        raise wire.WireError("malformed message")
    return msg


def _payload_size(sizes: Any) -> int:
    if not isinstance(sizes, dict) or not all(isinstance(v, int) and v >= 0 for v in sizes.values()):
        raise wire.WireError("malformed array table")
    total = sum(sizes.values())
    if total > MAX_PAYLOAD_BYTES:
        raise wire.WireError("reply too large")
    return total


class UnavailableSession(Session):
    """No student code could be loaded at all: every request fails with the same reason."""

    def __init__(self, failure: StudentFailure):
        self._failure = failure
        self.names = frozenset()

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        raise self._failure


class InProcessSession(Session):
    """The same probes with no isolation at all: the benchmark's speed floor.

    The probes are imported here only: a grader that confines student code never runs them itself.
    """

    def __init__(self, source: Path, module_name: str):
        from . import probes

        self._file = str(source.resolve())
        spec = importlib.util.spec_from_file_location(f"_inprocess_{module_name}", self._file)
        self._module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(self._module)
        except BaseException as exc:  # noqa: BLE001
            self._broken = failure_from(probes.describe_exception(exc, self._file), f"importing {source.name}")
        else:
            self._broken = None
        self.names = frozenset(n for n in vars(self._module) if not n.startswith("_"))
        self.notebook = _notebook_report(vars(self._module).get("__notebook__"))

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        if self._broken is not None:
            raise self._broken
        from . import probes
        arrays: dict[str, np.ndarray] = {}
        doc = wire.encode(req, arrays)
        reply, out = probes.run(self._module, self._file, doc, arrays.__getitem__, lambda text: None)
        return decode_reply(reply, out, subject)
