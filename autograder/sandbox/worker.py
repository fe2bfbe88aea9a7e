"""The confined worker: forked by the fork server, confined, then serving one submission (serve.py).

What it prints goes to a file the grader opened and passed in, which
student code cannot reach by name.
"""
from __future__ import annotations

import os
import socket
import traceback
from typing import NoReturn

from .confine import confine
from .serve import hide_grader, serve
from .settings import Limits


def main(sock_fd: int, output_fd: int, job: dict) -> NoReturn:
    """Entry point in the forked child; never returns."""
    try:
        sock_fd = _detach(sock_fd, output_fd)
        confine(job["workdir"], Limits(**job["limits"]), job["uid"], job["isolate"], job["groups"])
        hide_grader(job["hidden_paths"])
        serve(socket.socket(fileno=sock_fd), job["workdir"], job["module_name"], job["module_file"])
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
