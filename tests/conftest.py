"""One fork server for the whole run, started before any test module loads a reference."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from autograder.sandbox import ForkServer

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
_server: ForkServer | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _server
    _server = ForkServer()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _server is not None:
        _server.close()


@pytest.fixture(scope="session")
def fork_server() -> ForkServer:
    return _server


@pytest.fixture(scope="session")
def grade_hw6(fork_server):
    """Grade a hw6 submission (a path, or source text) and index the results by check number."""
    from autograder.grading import grade

    cache: dict[str, dict] = {}

    def run(submission: Path | str, tmp_dir: Path | None = None):
        path = submission
        if isinstance(submission, str) and not submission.endswith((".py", ".ipynb")):
            path = tmp_dir / "hw6.py"
            path.write_text(submission)
        key = str(path)
        if key not in cache or tmp_dir is not None:
            log = io.StringIO()
            graded = grade("hw6", Path(path), fork_server, log=log)
            cache[key] = {"graded": graded, "by_number": {r.check.number: r for r in graded.results},
                          "log": log.getvalue()}
        return cache[key]

    return run
