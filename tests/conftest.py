"""One fork server per test process (each pytest-xdist worker has its own), probed for containment."""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import io
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterator

# as python -m autograder does: one compute thread per process, before NumPy and torch load (the test processes
# and every grader they start share two cores with pytest-xdist)
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
# every expected value computed, as the tests of precomputed values need: no checkout cache between runs
os.environ["AUTOGRADER_CACHE"] = "0"

import pytest  # noqa: E402 - after the thread counts

from autograder.sandbox.forkserver import ForkServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def killed_graders_folder() -> Iterator[Path]:
    """A TMPDIR for a grader a test kills with SIGKILL, which cannot remove its sessions' folders: the sandbox
    account passes through it as through the system's temporary folder, and what was left is removed after."""
    from autograder.sandbox.session import remove_private

    folder = Path(tempfile.mkdtemp(prefix="autograder-test-"))
    folder.chmod(0o711)
    try:
        yield folder
    finally:
        remove_private(folder)


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``build`` fills, built by one test process of the run while the others wait for it.

    pytest-xdist's ``xdist_group`` no longer keeps a module on one worker with pytest 9.2 (pytest-xdist
    issue 1386), and a fixture built on both would cost both cores minutes; the workers' temporary folders
    share a parent, which holds the build and its lock.
    """
    root = tmp_path_factory.getbasetemp()
    root = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    folder, done = root / name, root / f"{name}.built"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def fork_server() -> Iterator[ForkServer]:
    from autograder.sandbox.containment import verify

    server = ForkServer()
    try:
        verify(server, [ROOT / "reference", ROOT / "autograder" / "assignments"])  # refuses unless contained
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def spawn_server():
    """The portable server, which a student's macOS or Windows laptop gets (AUTOGRADER_PORTABLE=1 forces it)."""
    from autograder.sandbox.spawned import SpawnServer

    server = SpawnServer()
    yield server
    server.close()


# Loaded at start-up by every interpreter that has it on PYTHONPATH: takes away what Linux has and macOS or
# Windows lack, and leaves each process's pid in a file to show it ran there.
NON_LINUX = """
import os, signal, sys
for name in ("resource", "fcntl", "pwd", "grp", "termios"):
    sys.modules[name] = None
for name in ("fork", "pread", "O_NOFOLLOW", "WIFSIGNALED", "WTERMSIG", "WEXITSTATUS", "setsid", "getuid",
             "geteuid", "sched_getaffinity"):
    if hasattr(os, name):
        delattr(os, name)
for name in ("SIGALRM", "setitimer", "ITIMER_REAL", "SIGUSR1"):
    if hasattr(signal, name):
        delattr(signal, name)
with open(os.path.join(os.path.dirname(__file__), "pids"), "a") as fh:
    fh.write(f"{os.getpid()}\\n")
"""


@pytest.fixture
def non_linux(tmp_path) -> dict[str, str]:
    """An environment whose Python processes lack what only Linux (or POSIX) offers, with the portable server
    forced; the processes that started with it are listed in ``started_in(env)``."""
    folder = tmp_path / "non_linux"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(NON_LINUX)
    return {**os.environ, "AUTOGRADER_PORTABLE": "1", "PYTHONPATH": str(folder)}


def started_in(env: dict[str, str]) -> set[str]:
    """The pids of the processes that started in a ``non_linux`` environment."""
    return set((Path(env["PYTHONPATH"]) / "pids").read_text().split())


@pytest.fixture(scope="session")
def grade_submission(fork_server):
    """Grade a submission file and index the results by check number (memoised per file)."""
    from autograder.grading import grade

    cache: dict[tuple[str, str], dict] = {}

    def run(assignment: str, path: Path, fresh: bool = False):
        key = (assignment, str(path))
        if key not in cache or fresh:
            log = io.StringIO()
            graded = grade(assignment, Path(path), fork_server, log=log)
            cache[key] = {"graded": graded, "by_number": {r.check.number: r for r in graded.results},
                          "log": log.getvalue()}
        return cache[key]

    return run


@pytest.fixture(scope="session")
def submission_file(tmp_path_factory):
    """tests/submissions/<assignment>/<name>.py, or the reference with <name>.mutation applied."""
    from autograder.mutations import mistake_file

    folder = tmp_path_factory.mktemp("mutated")
    return lambda assignment, name: mistake_file(assignment, name, folder)


@pytest.fixture(scope="session")
def grade_hw6(grade_submission):
    def run(path: Path, fresh: bool = False):
        return grade_submission("hw6", path, fresh)

    return run


@pytest.fixture(scope="session")
def autograder_zip(tmp_path_factory) -> Path:
    from autograder.build import build_zip
    return built_once(tmp_path_factory, "hw6-zip", lambda folder: build_zip("hw6", folder)) / "hw6-autograder.zip"


@pytest.fixture
def gradescope_root():
    """A root that, like /autograder, anyone may traverse: only the lock-down keeps students out."""
    root = Path(tempfile.mkdtemp(prefix="autograder-root-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def cli(*args: str) -> subprocess.CompletedProcess:
    """``python -m autograder ARGS`` in a fresh process, from the repository root."""
    # a wide terminal, so that no table row wraps in the middle of what a test looks for
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "250"})


@functools.cache
def clean_python() -> str:
    """An interpreter that has the grader's dependencies but not the grader: a venv without the project's
    editable install, which would quietly supply any module a zip or a bundle forgot."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-clean-venv-"))
    atexit.register(shutil.rmtree, folder, True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # a path line only: the dependencies' folder joins sys.path, its .pth files (the editable install) do not run
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    found = subprocess.run([python, "-c", "import autograder"], cwd=folder, capture_output=True)
    assert found.returncode != 0, "the clean interpreter can import the project"
    return str(python)


def run_autograder(zip_path: Path, root: Path, files: dict[str, str | bytes], python: str | None = None,
                   env: dict[str, str] | None = None, metadata: str | None = None) -> dict:
    """Unpack the zip into root/source, put files in root/submission (and ``metadata`` in
    root/submission_metadata.json, as Gradescope does), run it; the parsed results.json."""
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    if metadata is not None:
        (root / "submission_metadata.json").write_text(metadata)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for info in zipfile.ZipFile(zip_path).infolist():
        os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    for name, content in files.items():
        target = root / "submission" / name
        if isinstance(content, Path):
            os.symlink(os.readlink(content), target)
        else:
            target.write_bytes(content.encode() if isinstance(content, str) else content)
    env = {**os.environ, **(env or {}), "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python or clean_python()}
    with container_memory(GRADESCOPE_MEMORY) as (join, peak):
        proc = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                              timeout=300, preexec_fn=join)
        peak_bytes = peak()
    assert proc.returncode == 0, proc.stderr
    document = json.loads((root / "results" / "results.json").read_text())
    from autograder.results import validate
    validate(document)
    document["_log"] = proc.stdout + proc.stderr
    document["_peak_bytes"] = peak_bytes
    return document


GRADESCOPE_MEMORY = 768 * 10**6  # a Gradescope container's memory limit


@contextlib.contextmanager
def container_memory(limit: int) -> Iterator[tuple[Callable[[], None] | None, Callable[[], int | None]]]:
    """A memory control group of ``limit`` bytes, as Gradescope's container has, where this machine lets root
    make one: a function for subprocess's ``preexec_fn`` that puts the child in it (None where it cannot), and
    one that reads the group's peak usage so far."""
    from autograder.sandbox.cgroups import _hierarchies

    where = _hierarchies().get("memory") if os.geteuid() == 0 else None
    if where is None:
        yield None, lambda: None
        return
    group = where / f"test-container-{os.getpid()}-{time.monotonic_ns()}"
    group.mkdir()
    try:
        v2 = (group / "memory.max").exists()
        (group / ("memory.max" if v2 else "memory.limit_in_bytes")).write_text(str(limit))
        swap = group / ("memory.swap.max" if v2 else "memory.memsw.limit_in_bytes")
        if swap.exists():
            swap.write_text("0" if v2 else str(limit))
        peak = group / ("memory.peak" if v2 else "memory.max_usage_in_bytes")
        yield (lambda: (group / "cgroup.procs").write_text(str(os.getpid()))), \
            (lambda: int(peak.read_text()) if peak.exists() else None)
    finally:  # what is left (student code that outlived the grader) is moved out, for the tests to find
        for pid in (group / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):
                (where / "cgroup.procs").write_text(pid)
        group.rmdir()



def student_visible(document: dict) -> str:
    return document["output"] + "".join(t["name"] + t.get("output", "") for t in document["tests"])




def orphaned_student_files() -> list[str]:
    """What a sandbox uid whose fork server is gone left in the world-writable folders (disk.py removes it after
    every worker)."""
    from autograder.sandbox.confine import BASE_UID
    from autograder.sandbox.disk import WRITABLE

    left = []
    for folder in WRITABLE:
        for entry in os.scandir(folder) if os.path.isdir(folder) else []:
            with contextlib.suppress(OSError):
                uid = entry.stat(follow_symlinks=False).st_uid
                if uid >= BASE_UID and not os.path.exists(f"/proc/{uid - BASE_UID}"):  # its grader is gone
                    left.append(entry.path)
    return left


def orphaned_student_processes() -> list[int]:
    """Live processes of a sandbox uid whose fork server is gone: student code that outlived its grader.

    As root each fork server's workers run as BASE_UID + its pid, so graders still running (another test
    session, a TA's batch) are told apart from leftovers.
    """
    from autograder.sandbox.confine import BASE_UID, processes_of

    uids = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            uids.add(os.stat(f"/proc/{entry}").st_uid)
        except OSError:
            continue
    orphaned = [uid for uid in uids if BASE_UID <= uid < BASE_UID + 2**23 and not os.path.exists(f"/proc/{uid - BASE_UID}")]
    return [pid for uid in orphaned for pid in processes_of(uid)]
