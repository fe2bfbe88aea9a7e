"""One lane of a batch: a long-lived grader that grades the submissions it is sent, one at a time.

Run as ``python -m autograder.batch.lane ASSIGNMENT RESULTS_DIR FOLDER``
by the batch. Like ``grade``, it starts its fork server and probes its
containment (FOLDER, the submissions, must be out of student code's reach),
then pays for torch, the reference and the checks once for all its
submissions. Requests are JSON lines on stdin (``{"id", "path", "seed"}``); for
each, it writes ``RESULTS_DIR/<id>.json`` and answers one JSON line on the
stdout it was started with; its first line lists the checks. Anything else that writes to stdout is sent to
stderr, the batch's log. The batch sends a lane its next submission before the last one is done, so that the
next worker imports it while the last one's results are written.
"""
from __future__ import annotations

import json
import os
import select
import sys
from pathlib import Path


def main(assignment: str, results_dir: Path, folder: Path) -> int:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    from ..assignments import load
    from ..forked import stop_judge
    from ..grading import Opened, grade, open_submission, start_server
    from ..results import graded_document, validate, write_atomically
    from ..sandbox.containment import ContainmentError
    from .report import columns

    try:
        server, found = start_server(assignment, [folder], also_secret=[results_dir], twin=False,  # its core is its own
                                     unconfined=os.environ.get("AUTOGRADER_UNCONFINED") == "1")
    except ContainmentError as refusal:
        print(json.dumps({"refused": str(refusal)}), file=replies)
        return 3
    print(f"lane ready: {found.summary()}", file=sys.stderr)
    print(json.dumps({"ready": True, "checks": columns(load(assignment).checks)}), file=replies)
    jobs = _Jobs(sys.stdin.fileno())
    job, following, ahead = jobs.take(wait=True), None, None

    def open_(job: dict) -> Opened:
        return open_submission(assignment, Path(job["path"]), server, seed=int(job["seed"]))

    def begin_following() -> None:
        """Start the worker of a submission already sent, its import running while this one's results are
        written (one server's workers never overlap: ending one ends whatever runs as its account)."""
        nonlocal following, ahead
        following = jobs.take(wait=False)
        if following is not None:
            ahead = open_(following)
            ahead.session.begin()

    while job is not None:
        print(f"--- {job['id']}", file=sys.stderr)
        opened, ahead, following = ahead or open_(job), None, None
        graded = grade(assignment, Path(job["path"]), server, seed=int(job["seed"]), opened=opened,
                       ended=begin_following)
        document = graded_document(graded)
        validate(document)
        write_atomically(document, results_dir / f"{job['id']}.json")
        print(json.dumps({"id": job["id"], "score": graded.score}), file=replies)
        job = following or jobs.take(wait=True)
    server.close()
    stop_judge()
    return 0


class _Jobs:
    """The batch's requests, a JSON line each, taken as they come."""

    def __init__(self, fd: int):
        self._fd = fd
        self._buffer = b""
        self._ended = False

    def take(self, *, wait: bool) -> dict | None:
        """The next request; None at the end of the input, or (``wait=False``) when none has come yet."""
        while b"\n" not in self._buffer and not self._ended:
            if not wait and not select.select([self._fd], [], [], 0)[0]:
                return None
            chunk = os.read(self._fd, 1 << 16)
            self._ended = not chunk
            self._buffer += chunk
        if b"\n" not in self._buffer:
            return None
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
