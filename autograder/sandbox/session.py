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
from typing import Any

import numpy as np

from . import probes, wire
from .confine import Limits, sandbox_user
from .forkserver import ForkServer

MAX_RESPONSE_BYTES = 16 * 2**20
MAX_PAYLOAD_BYTES = 256 * 2**20
GRADER_ROOT = Path(__file__).resolve().parents[2]


class StudentFailure(Exception):
    """Student code did not produce a value; ``message`` is written for the student."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def failure_from(info: dict, subject: str) -> StudentFailure:
    """Student-facing failure from a worker's error report."""
    kind = info.get("kind", "exception")
    if kind in ("missing", "not_implemented") and "type" not in info:
        return StudentFailure(kind, info["message"])
    if kind == "not_implemented":
        return StudentFailure(kind, f"{subject} is not implemented yet (it raises NotImplementedError)")
    if kind == "unserializable":
        return StudentFailure(kind, f"{subject} returned something the grader cannot read: {info['message']}")
    text = f"{subject} raised {info['type']}" + (f": {info['message']}" if info["message"] else "")
    if info["type"] == "MemoryError":
        text += " (the memory limit was reached)"
    where = info.get("where") or []
    if where:
        text += "\n  " + "\n  ".join(where)
    return StudentFailure(kind, text)


def describe_status(status: int) -> str:
    """Plain words for a worker's wait status."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        meaning = {signal.SIGSEGV: "segmentation fault", signal.SIGKILL: "killed, often by the memory limit",
                   signal.SIGXCPU: "CPU time limit exceeded", signal.SIGABRT: "aborted",
                   signal.SIGXFSZ: "file size limit exceeded"}.get(sig, "")
        return f"signal {signal.Signals(sig).name}" + (f" ({meaning})" if meaning else "")
    return f"exit status {os.WEXITSTATUS(status)} (sys.exit or os._exit in your code?)"


def time_scale() -> float:
    """``AUTOGRADER_TIME_SCALE`` multiplies every time limit (slow machines, quick tests)."""
    return float(os.environ.get("AUTOGRADER_TIME_SCALE", "1"))


class Session:
    """What every session offers the checks."""

    names: frozenset[str]

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def output(self, limit: int = 4000) -> str:
        """The start of what student code printed."""
        return ""


class WorkerSession(Session):
    """A submission served by a confined worker forked from ``server``."""

    def __init__(self, server: ForkServer, source: Path, module_name: str, *,
                 limits: Limits | None = None, import_timeout: float = 20.0):
        self._server = server
        self._limits = limits or Limits()
        self._import_timeout = import_timeout
        self._user = sandbox_user()
        self._module_name = module_name
        self._workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
        self._file = self._workdir / f"{module_name}.py"
        shutil.copyfile(source, self._file)
        if self._user is not None:
            os.chown(self._workdir, self._user.uid, self._user.gid)
        self._sock: socket.socket | None = None
        self._pid: int | None = None
        self._buffer = b""
        self._broken: StudentFailure | None = None
        self._output: str | None = None
        self.names = frozenset()

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        if self._sock is None:
            self._start()
        timeout *= time_scale()
        arrays: dict[str, np.ndarray] = {}
        doc = wire.encode(req, arrays)
        try:
            self._sock.sendall(wire.frame({"request": doc}, arrays))
        except OSError:
            pass  # a dead worker shows up as end of stream below
        reply, reply_arrays = self._await(timeout, subject)
        if not reply["ok"]:
            raise failure_from(reply["error"], subject)
        try:
            return wire.decode(reply["body"], reply_arrays)
        except (wire.WireError, ValueError, KeyError, TypeError) as exc:
            raise StudentFailure("unserializable", f"{subject} returned a value the grader could not read ({exc})")

    def _start(self) -> None:
        if self._broken is not None:
            raise self._broken
        mine, theirs = socket.socketpair()
        job = {"workdir": str(self._workdir), "module_file": str(self._file), "module_name": self._module_name,
               "limits": asdict(self._limits), "hidden_paths": [str(GRADER_ROOT)],
               "user": [self._user.name, self._user.uid, self._user.gid] if self._user else None}
        self._pid = self._server.spawn(job, theirs)
        theirs.close()
        self._sock, self._buffer = mine, b""
        try:
            ready, _ = self._await(self._import_timeout * time_scale(), f"importing {self._file.name}")
        except StudentFailure as failure:
            self._broken = StudentFailure("import_failed", f"{failure.message}; no check could run")
            raise self._broken
        if not ready["ready"]:
            self._broken = StudentFailure("import_failed",
                                          failure_from(ready["error"], f"importing {self._file.name}").message)
            self._stop()
            raise self._broken
        self.names = frozenset(ready["names"])

    def _await(self, timeout: float, subject: str) -> tuple[dict, dict[str, np.ndarray]]:
        """Read messages until a final reply; phases say where a timeout struck."""
        deadline = time.monotonic() + timeout
        where = subject
        while True:
            try:
                msg = json.loads(self._read(deadline, line=True))
                arrays = wire.unpack(msg["sizes"], self._read(deadline, size=_payload_size(msg["sizes"])))
            except TimeoutError:
                self._stop(grace=0.0)
                raise StudentFailure("timeout", f"timed out after {timeout:g} s in {where}") from None
            except EOFError:
                status = self._stop()
                raise StudentFailure("crashed", f"the process running {where} died: {describe_status(status)}") from None
            except (ValueError, KeyError, TypeError, wire.WireError):
                self._stop()
                raise StudentFailure("crashed", f"the process running {where} sent an unreadable or oversized "
                                                "reply") from None
            if "phase" in msg:
                where = msg["phase"]
                continue
            return msg, arrays

    def _read(self, deadline: float, *, line: bool = False, size: int = 0) -> bytes:
        """A line (without its newline) or ``size`` bytes; EOFError when the worker is gone."""
        while (b"\n" not in self._buffer) if line else (len(self._buffer) < size):
            if line and len(self._buffer) > MAX_RESPONSE_BYTES:
                raise ValueError("reply line too long")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._sock], [], [], remaining)[0]:
                raise TimeoutError
            chunk = self._sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            self._buffer += chunk
        if line:
            data, _, self._buffer = self._buffer.partition(b"\n")
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _stop(self, grace: float = 1.0) -> int:
        """Kill the worker's process group and whatever else the sandbox account runs, and reap.

        The sweep catches what a group kill misses (setsid, children forked
        while the group was being killed), so nothing keeps using the CPU
        while later checks run. The next request starts a new worker.
        """
        status = self._server.reap(self._pid, grace) if self._pid is not None else 0
        if self._user is not None and self._user.dedicated:
            self._server.sweep(self._user)
        if self._sock is not None:
            self._sock.close()
        self._sock, self._pid = None, None
        return status

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()  # the worker sees end of stream and exits
        self._stop()
        self._output = self.output()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def output(self, limit: int = 4000) -> str:
        if self._output is not None:
            return self._output[:limit]
        try:
            fd = os.open(self._workdir / "output.txt", os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return ""
        with os.fdopen(fd, "rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")


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
    """The same probes with no isolation at all: the benchmark's speed floor."""

    def __init__(self, source: Path, module_name: str):
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

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        if self._broken is not None:
            raise self._broken
        arrays: dict[str, np.ndarray] = {}
        doc = wire.encode(req, arrays)
        reply, out = probes.run(self._module, self._file, doc, arrays.__getitem__, lambda text: None)
        if not reply["ok"]:
            raise failure_from(reply["error"], subject)
        return wire.decode(reply["body"], out)
