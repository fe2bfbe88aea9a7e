"""One lane of a batch: a long-lived grader that grades the submissions it is sent, one at a time.

Run as ``python -m autograder.batch.lane ASSIGNMENT RESULTS_DIR FOLDER``
by the batch. Like ``grade``, it starts its fork server and probes its
containment (FOLDER, the submissions, must be out of student code's reach),
then pays for torch, the reference and the checks once for all its
submissions. Requests are JSON lines on stdin (``{"id", "path", "seed"}``); for
each, it writes ``RESULTS_DIR/<id>.json`` and answers one JSON line on the
stdout it was started with; its first line lists the checks. Anything else that writes to stdout is sent to
stderr, the batch's log.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(assignment: str, results_dir: Path, folder: Path) -> int:
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    from ..assignments import load
    from ..grading import grade, start_server
    from ..results import graded_document, validate, write_atomically
    from ..sandbox.containment import ContainmentError
    from .report import columns

    try:
        server, found = start_server(assignment, [folder], also_secret=[results_dir],
                                     unconfined=os.environ.get("AUTOGRADER_UNCONFINED") == "1")
    except ContainmentError as refusal:
        print(json.dumps({"refused": str(refusal)}), file=replies)
        return 3
    print(f"lane ready: {found.summary()}", file=sys.stderr)
    print(json.dumps({"ready": True, "checks": columns(load(assignment).checks)}), file=replies)
    for line in sys.stdin:
        job = json.loads(line)
        print(f"--- {job['id']}", file=sys.stderr)
        graded = grade(assignment, Path(job["path"]), server, seed=int(job["seed"]))
        document = graded_document(graded)
        validate(document)
        write_atomically(document, results_dir / f"{job['id']}.json")
        print(json.dumps({"id": job["id"], "score": graded.score}), file=replies)
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
