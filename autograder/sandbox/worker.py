"""The worker: a confined process that imports one submission and answers probes.

Started by the fork server; talks to the trusted process over one socket,
one JSON document a line followed by its arrays as ``.npy`` bytes. What it
prints goes to a file the grader opened and passed in, which student code
cannot reach by name.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import sys
import traceback
import types
from pathlib import Path
from typing import NoReturn

from . import probes, wire
from .confine import Limits, confine

MAX_REQUEST_BYTES = 4 * 2**20


def main(sock_fd: int, output_fd: int, job: dict) -> NoReturn:
    """Entry point in the forked child; never returns."""
    try:
        sock_fd = _detach(sock_fd, output_fd)
        confine(job["workdir"], Limits(**job["limits"]), job["uid"], job["isolate"])
        _hide_grader(job["hidden_paths"])
        sock = socket.socket(fileno=sock_fd)
        _serve(sock, Path(job["workdir"]), job["module_name"], job["module_file"])
    except BaseException:  # noqa: BLE001 - a harness fault: leave its trace in the captured output
        traceback.print_exc()
    finally:
        os._exit(0)


def _detach(sock_fd: int, output_fd: int) -> int:
    """Output to ``output_fd``, stdin from /dev/null, every other inherited descriptor closed.

    Returns the socket's descriptor, moved to 3.
    """
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.dup2(sock_fd, 3)
    os.closerange(4, 1 << 16)
    return 3


def _hide_grader(paths: list[str]) -> None:
    hidden = {os.path.realpath(p) for p in paths}
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) not in hidden]


def _serve(sock: socket.socket, workdir: Path, module_name: str, module_file: str) -> None:
    phase = {"now": f"importing {Path(module_file).name}"}

    def send(doc: dict, arrays: dict | None = None) -> None:
        sock.sendall(wire.frame(doc, arrays or {}))

    def enter(text: str) -> None:
        phase["now"] = text
        send({"phase": text})

    def report_line(signum: int, frame: types.FrameType | None) -> None:
        """On the grader's signal at a timeout: which of the student's lines is running."""
        lines = [f"line {f.lineno}: {(f.line or '').strip()}" for f in traceback.extract_stack(frame)
                 if f.filename == module_file][-2:]
        send({"phase": phase["now"], "stuck_at": lines})

    signal.signal(signal.SIGUSR1, report_line)
    sys.path.insert(0, str(workdir))
    try:
        spec = importlib.util.spec_from_file_location(module_name, module_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        enter(phase["now"])
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - whatever the import raised is the student's to see
        send({"ready": False, "error": probes.describe_exception(exc, module_file)})
        return
    send({"ready": True, "names": sorted(n for n in vars(module) if not n.startswith("_"))})
    reader = sock.makefile("rb")
    while True:
        line = reader.readline(MAX_REQUEST_BYTES)
        if not line:
            return
        header = json.loads(line)
        arrays = wire.unpack(header["sizes"], reader.read(sum(header["sizes"].values())))
        response, out = probes.run(module, module_file, header["request"], arrays.__getitem__, enter)
        send(response, out)
