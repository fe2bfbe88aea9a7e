"""Grader processes working side by side on a batch, each fed one submission at a time."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Callable, TextIO

from ..results import failure_document, validate, write_atomically
from ..sandbox.containment import ContainmentError
from ..sandbox.session import remove_private, time_scale
from .inputs import BatchSubmission

# Every check has its own time limit, so this only catches a grader that is itself stuck.
SUBMISSION_SECONDS = 900.0
# Submissions sent to a lane at once: the one it grades, and the next, whose worker it starts meanwhile.
AHEAD = 2


class Lane:
    """One ``autograder.batch.lane`` process and the submissions sent to it, the first being graded."""

    def __init__(self, assignment: str, folder: Path, results_dir: Path, threads: int, unconfined: bool, log: TextIO,
                 seed: int):
        self.seed = seed
        # the lane's temporary folder, the submissions' private folders in it, is the batch's to remove: a lane
        # killed (stuck, or Ctrl-C) cannot remove what it made, and students' code would stay behind
        self.temporary = Path(tempfile.mkdtemp(prefix="autograder-lane-"))
        self.temporary.chmod(0o711)  # its workers pass through to their own folders, as in session.py
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                   AUTOGRADER_UNCONFINED="1" if unconfined else "0", TMPDIR=str(self.temporary))
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.batch.lane", assignment, str(results_dir),
                                      str(folder)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                                     start_new_session=True)
        self.jobs: deque[BatchSubmission] = deque()
        self.deadline = float("inf")  # the first job's
        self._buffer = b""

    def submit(self, job: BatchSubmission) -> None:
        if not self.jobs:
            self.deadline = time.monotonic() + SUBMISSION_SECONDS * time_scale()
        self.jobs.append(job)
        try:
            self.proc.stdin.write((json.dumps({"id": job.id, "path": str(job.path.resolve()), "seed": self.seed})
                                   + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass  # the lane has died: its end of stream says so, and its jobs fail or go back to the queue

    def replies(self) -> list[dict] | None:
        """The reply lines available now; None when the lane has died."""
        chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
        if not chunk:
            return None
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def kill(self) -> None:
        """End the lane, its fork server with it, and what its students left running (killed with the fork
        server, it could not clean up)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        _sweep()
        self._remove_temporary()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self._remove_temporary()

    def _remove_temporary(self) -> None:
        if self.temporary.exists():  # a lane may be killed twice: by a failure, then by Ctrl-C
            remove_private(self.temporary)


def grade_all(assignment: str, folder: Path, todo: list[BatchSubmission], results_dir: Path, count: int,
              log: TextIO, done: Callable[[BatchSubmission], None], *, unconfined: bool = False,
              seed: int = 0) -> list[dict]:
    """Grade ``todo`` on ``count`` lanes side by side; a lane that dies or sticks is replaced.

    Each submission ends with ``results_dir/<id>.json``: the lane's, or a
    zero that says the grader failed on it. Returns the assignment's checks
    as a lane announced them (number, name, weight), so the caller need not
    load the assignment itself.
    """
    checks: list[dict] = []
    threads = max(1, (os.cpu_count() or 1) // count)
    start = lambda: Lane(assignment, folder, results_dir, threads, unconfined, log, seed)  # noqa: E731
    lanes = [start() for _ in range(count)]
    queue = deque(todo)

    def fail(lane: Lane, message: str, diagnosis: str) -> None:
        """The lane's first job failed with the grader; the lane is replaced, and its other jobs go back."""
        lane.kill()
        document = failure_document(message, diagnosis)
        validate(document)
        failed_job = lane.jobs.popleft()
        write_atomically(document, results_dir / f"{failed_job.id}.json")
        done(failed_job)
        queue.extendleft(reversed(lane.jobs))
        lanes[lanes.index(lane)] = start()

    interrupted = False
    try:
        while queue or any(lane.jobs for lane in lanes):
            for lane in lanes:
                while len(lane.jobs) < AHEAD and queue:
                    lane.submit(queue.popleft())
            busy = [lane for lane in lanes if lane.jobs]
            wait = max(0.0, min(lane.deadline for lane in busy) - time.monotonic())
            ready, _, _ = select.select([lane.proc.stdout for lane in busy], [], [], wait)
            for lane in busy:
                if lane.proc.stdout in ready:
                    replies = lane.replies()
                    if replies is None:
                        print(f"lane for {lane.jobs[0].id} died: {lane.proc.wait()}", file=log, flush=True)
                        fail(lane, "grader error: the grader stopped while grading this submission; "
                                   "regrade it with --only-failed", "grader_error")
                        continue
                    refusal = next((r["refused"] for r in replies if "refused" in r), None)
                    if refusal is not None:
                        raise ContainmentError(refusal)
                    checks = next((r["checks"] for r in replies if "checks" in r), checks)
                    for reply in replies:  # in order: two may come in one read
                        if lane.jobs and reply.get("id") == lane.jobs[0].id:
                            done(lane.jobs.popleft())
                            lane.deadline = time.monotonic() + SUBMISSION_SECONDS * time_scale() if lane.jobs \
                                else float("inf")
                elif time.monotonic() >= lane.deadline:
                    fail(lane, f"grader error: grading did not finish within {SUBMISSION_SECONDS * time_scale():g} s; "
                               "regrade it with --only-failed", "grader_timeout")
    except KeyboardInterrupt:
        interrupted = True  # Ctrl-C: no lane is waited for; their fork servers and workers die with them
        raise
    finally:
        for lane in lanes:
            lane.close() if not lane.jobs and not interrupted else lane.kill()
        _sweep()
    return checks


def _sweep() -> None:
    """Kill what students of lanes now gone left running (sandbox/confine.py; POSIX only)."""
    if os.name == "posix":
        from ..sandbox.confine import sweep_dead_servers
        sweep_dead_servers()
