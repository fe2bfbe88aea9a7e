"""A worker's service, wherever it runs: import one submission and answer probes over one socket.

One JSON document a line, followed by its arrays as ``.npy`` bytes. The
confined worker (worker.py) and the portable one (spawned.py) both end here.
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

from . import cells  # noqa: F401 - what a notebook's module runs: loaded before the grader is hidden
from . import probes, wire

MAX_REQUEST_BYTES = 4 * 2**20


def hide_grader(paths: list[str]) -> None:
    """Take the grader's own folder off the import path: student code imports its own modules, not ours."""
    hidden = {os.path.realpath(p) for p in paths}
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) not in hidden]


def serve(sock: socket.socket, workdir: str, module_name: str, module_file: str) -> None:
    """Import the submission, say whether that worked, then answer requests until the grader hangs up."""
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

    if hasattr(signal, "SIGUSR1"):  # not on Windows, where a timeout just does not name the line
        signal.signal(signal.SIGUSR1, report_line)
    sys.path.insert(0, workdir)
    try:
        spec = importlib.util.spec_from_file_location(module_name, module_file)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        enter(phase["now"])
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - whatever the import raised is the student's to see
        send({"ready": False, "error": probes.describe_exception(exc, module_file)})
        return
    send({"ready": True, "names": sorted(n for n in vars(module) if not n.startswith("_")),
          "notebook": vars(module).get("__notebook__", [])})
    reader = sock.makefile("rb")
    while True:
        line = reader.readline(MAX_REQUEST_BYTES)
        if not line:
            return
        header = json.loads(line)
        arrays = wire.unpack(header["sizes"], reader.read(sum(header["sizes"].values())), header.get("layouts"))
        response, out = probes.run(module, module_file, header["request"], arrays.__getitem__, enter)
        send(response, out)
