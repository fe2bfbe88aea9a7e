"""Student code runs confined, and one problem's crash, hang or flood costs only that problem."""
from __future__ import annotations

import os
import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import StudentFailure, WorkerSession
from autograder.sandbox.forkserver import ForkServer
from conftest import ROOT

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to the sandbox account")


def sessions(server, tmp_path):
    opened = []

    def start(source: str) -> WorkerSession:
        path = tmp_path / "hw6.py"
        path.write_text(textwrap.dedent(source))
        opened.append(WorkerSession(server, path, "hw6", import_timeout=10))
        return opened[-1]

    yield start
    for s in opened:
        s.close()


@pytest.fixture
def session(fork_server, tmp_path):
    """Sessions of the confined (Linux) worker."""
    yield from sessions(fork_server, tmp_path)


@pytest.fixture(params=["confined", "portable"])
def server(request):
    """Either server: what a failure costs and how it is told must not depend on the platform."""
    return request.getfixturevalue("fork_server" if request.param == "confined" else "spawn_server")


@pytest.fixture
def any_session(server, tmp_path):
    yield from sessions(server, tmp_path)


def call(session: WorkerSession, name: str, *args, timeout: float = 5.0):
    return session.request({"probe": "call", "name": name, "args": list(args)}, timeout, name).value["value"]


def test_worker_memory_holds_no_reference_or_checks(session):
    s = session("""
        import sys
        def loaded():
            return sorted(m for m in sys.modules if m.startswith(("autograder_reference", "autograder.assignments.")))
    """)
    assert call(s, "loaded") == []


def test_a_fork_server_started_after_the_reference_still_holds_none_of_it(tmp_path):
    import autograder.assignments.hw6  # noqa: F401 - loads the reference into this process
    server = ForkServer()
    path = tmp_path / "hw6.py"
    path.write_text("import sys\ndef loaded():\n    return sorted(m for m in sys.modules if 'assignments.' in m "
                    "or m.startswith('autograder_reference'))\n")
    s = WorkerSession(server, path, "hw6")
    try:
        assert call(s, "loaded") == []
    finally:
        s.close()
        server.close()


FORKED_FROM_A_CLEAN_GRADER = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from autograder.assignments import load
    from autograder.sandbox import WorkerSession
    from autograder.sandbox.forkserver import ForkServer

    server = ForkServer()
    load("hw6")  # the reference and the checks, after the fork, as start_server does
    later = ForkServer()  # with secrets loaded: a fresh interpreter instead
    source = Path(sys.argv[1])
    source.write_text("import sys\\ndef loaded():\\n    return sorted(m for m in sys.modules if 'assignments.' in m "
                      "or m.startswith('autograder_reference'))\\n")
    answers = []
    for s in (server, later):
        session = WorkerSession(s, source, "hw6")
        answers.append(session.request({"probe": "call", "name": "loaded", "args": []}, 10, "loaded").value["value"])
        session.close()
    print(json.dumps({"forked": [server.forked, later.forked], "loaded": answers,
                      "server_cmdline": Path(f"/proc/{server.pid}/cmdline").read_bytes().decode(errors="replace"),
                      "own_cmdline": Path("/proc/self/cmdline").read_bytes().decode(errors="replace")}))
    server.close()
    later.close()
""")


def test_a_grader_started_clean_forks_its_server_before_loading_anything_secret(tmp_path):
    import json
    import subprocess
    import sys

    from autograder.environment import grader_environment

    done = subprocess.run([sys.executable, "-c", FORKED_FROM_A_CLEAN_GRADER, str(tmp_path / "hw6.py")],
                          cwd=Path(__file__).resolve().parents[1], env=grader_environment(os.environ),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["forked"] == [True, False]
    assert report["server_cmdline"] == report["own_cmdline"]  # one interpreter's imports, shared
    assert report["loaded"] == [[], []]


def test_the_fresh_start_keeps_only_named_variables_and_happens_once(monkeypatch):
    from autograder.environment import STARTED_AFRESH, grader_environment, should_start_afresh

    kept = grader_environment({"PATH": "/bin", "AUTOGRADER_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "k",
                               "AUTOGRADER_TIME_SCALE": "2"})
    assert kept == {"PATH": "/bin", "AUTOGRADER_TIME_SCALE": "2", STARTED_AFRESH: "1"}
    monkeypatch.setenv("A_TAS_TOKEN", "t")
    assert should_start_afresh()
    monkeypatch.setenv(STARTED_AFRESH, "1")  # started afresh once already, yet not clean: no second time
    assert not should_start_afresh()


COMMANDS = {"python -m autograder": [sys.executable, "-m", "autograder"],
            # the installed command is the same entry point, with the same start (issue: it was 2.5-10x slower)
            "mathdnn-autograder": [str(Path(sys.executable).with_name("mathdnn-autograder"))]}


@pytest.mark.parametrize("command", COMMANDS)
def test_the_command_line_starts_afresh_without_the_callers_variables(tmp_path, command):
    import json
    import subprocess

    path = tmp_path / "hw6.py"
    path.write_text((Path(__file__).resolve().parents[1] / "reference" / "hw6.py").read_text()
                    + "\nimport ctypes\nctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self readable"
                    + "\nENVIRON = open('/proc/self/environ', 'rb').read().decode(errors='replace').split('\\0')"
                    + "\ndef output_variance(widths):"
                    + "\n    raise ValueError('|'.join(e for e in ENVIRON if e.startswith(('COLUMNS', 'A_TAS', 'AUTOGRADER'))))\n")
    done = subprocess.run([*COMMANDS[command], "grade", "hw6", str(path), "--json", "-"],
                          cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "A_TAS_TOKEN": "token-of-the-ta", "AUTOGRADER_TOKEN": "token-too",
                               "COLUMNS": "251"})
    document = json.loads(done.stdout)
    shown = next(t["output"] for t in document["tests"] if t["number"] == "2.2")
    assert "COLUMNS=251" in shown  # the memory the worker inherited is what it read
    assert "token-of-the-ta" not in shown and "token-too" not in shown


@root_only
def test_student_code_runs_as_an_unprivileged_account(session):
    s = session("import os\ndef ids():\n    return [os.getuid(), os.geteuid(), os.getgid()]\n")
    assert 0 not in call(s, "ids")


@root_only
def test_worker_has_no_network(session):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    s = session(f"""
        import socket
        def reach():
            try:
                with socket.socket() as sock:
                    sock.settimeout(2)
                    sock.connect(("127.0.0.1", {port}))
                return "connected"
            except OSError as exc:
                return type(exc).__name__
    """)
    try:
        assert call(s, "reach") != "connected"
    finally:
        listener.close()


def test_exit_in_one_function_costs_only_that_call(any_session):
    s = any_session("import os\ndef die():\n    os._exit(3)\ndef fine():\n    return 7\n")
    with pytest.raises(StudentFailure, match="exit status 3") as info:
        call(s, "die")
    assert info.value.kind == "crashed"
    assert call(s, "fine") == 7  # a fresh worker took over


def test_segfault_is_reported_in_plain_words(any_session):
    s = any_session("import ctypes\ndef crash():\n    ctypes.string_at(0)\ndef fine():\n    return 1\n")
    with pytest.raises(StudentFailure, match="segmentation fault"):
        call(s, "crash")
    assert call(s, "fine") == 1


def test_hang_times_out_with_the_function_named(any_session):
    s = any_session("def spin():\n    while True:\n        pass\ndef fine():\n    return 2\n")
    with pytest.raises(StudentFailure, match=r"timed out after 1 s in spin") as info:
        call(s, "spin", timeout=1)
    assert info.value.kind == "timeout"
    assert "running line 3: pass" in info.value.message or "running line 2: while True:" in info.value.message
    assert call(s, "fine") == 2


def test_work_left_at_the_top_level_is_explained_with_its_line(server, tmp_path):
    path = tmp_path / "hw6.py"
    path.write_text("import math\nfor epoch in range(10**12):\n    math.sqrt(epoch)\n")
    s = WorkerSession(server, path, "hw6", import_timeout=1)
    try:
        with pytest.raises(StudentFailure) as info:
            call(s, "anything")
    finally:
        s.close()
    message = info.value.message
    assert message.startswith("timed out after 1 s in importing hw6.py; no check could run")
    assert "running line 3: math.sqrt(epoch)" in message or "running line 2: for epoch" in message
    assert 'if __name__ == "__main__":' in message


def test_memory_hog_fails_inside_the_worker(session):
    s = session("import numpy as np\ndef hog():\n    return np.ones(50 * 2**30 // 8).sum()\ndef fine():\n    return 3\n")
    with pytest.raises(StudentFailure, match="MemoryError"):
        call(s, "hog", timeout=20)
    assert call(s, "fine") == 3


def test_memory_budget_is_what_autograder_memory_mb_says(fork_server, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_MEMORY_MB", "256")
    path = tmp_path / "hw6.py"
    path.write_text("import numpy as np\ndef take(mb):\n    return float(np.ones(mb * 2**20 // 8).sum())\n")
    s = WorkerSession(fork_server, path, "hw6")
    try:
        assert call(s, "take", 64) == 64 * 2**20 // 8
        with pytest.raises(StudentFailure, match="memory limit"):
            call(s, "take", 400)
    finally:
        s.close()


def test_output_flood_is_cut_and_costs_only_its_call(any_session):
    s = any_session("""
        def flood():
            chunk = "x" * 2**20
            for _ in range(100):
                print(chunk)
        def fine():
            return 4
    """)
    with pytest.raises(StudentFailure):
        call(s, "flood", timeout=20)
    assert call(s, "fine") == 4


def test_import_failure_is_reported_once_for_every_check(any_session):
    s = any_session("def f(:\n    pass\n")
    for _ in range(2):
        with pytest.raises(StudentFailure, match="SyntaxError") as info:
            call(s, "f")
        assert info.value.kind == "import_failed"


def test_exceptions_show_only_the_students_own_lines(any_session):
    s = any_session("def bad(x):\n    return x.nope\n")
    with pytest.raises(StudentFailure) as info:
        call(s, "bad", 1)
    assert "line 2, in bad: return x.nope" in info.value.message
    assert "autograder" not in info.value.message


def test_a_worker_gone_with_a_request_unread_is_the_students_crash(session):
    s = session("def fine():\n    return 5\n")
    assert call(s, "fine") == 5
    peer_gone, ours = socket.socketpair()
    peer_gone.sendall(b"x")  # the worker's side holds unread bytes when it closes: our recv gets ECONNRESET
    ours.sendall(b"y")
    peer_gone.close()
    s._sock = ours
    with pytest.raises(StudentFailure, match="died") as info:
        call(s, "fine")
    assert info.value.kind == "crashed"


def test_names_and_messages_from_a_worker_are_capped():
    from autograder.sandbox.session import failure_from

    forged = {"kind": "exception", "type": "E" * 10_000 + "\x1b[2J", "message": "m" * 10_000, "where": ["w" * 999] * 50}
    text = failure_from(forged, "relu").message
    assert len(text) < 1500 and "\x1b" not in text and "EEE..." in text


def test_student_code_sees_no_grader_file_no_network_and_one_thread(session):
    s = session("""
        import os, socket
        def look():
            return {"root": sorted(os.listdir("/")), "ifaces": [n for _, n in socket.if_nameindex()],
                    "threads": len(os.listdir("/proc/self/task")), "pid": os.getpid(),
                    "env": sorted(os.environ)}
    """)
    seen = call(s, "look")
    assert seen["threads"] == 1
    assert set(seen["env"]) <= {"PATH", "LANG", "HOME", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}
    if s._server.containment["namespaces"]:
        assert seen["pid"] == 1 and seen["ifaces"] == ["lo"]
        assert "reference" not in seen["root"] and "autograder" not in " ".join(seen["root"])


def test_grading_leaves_no_folder_behind(grade_hw6, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    submission = tmp_path / "in" / "hw6.py"
    submission.parent.mkdir()
    submission.write_text("import os\nos.makedirs('deep/er', exist_ok=True)\nos.chmod('deep', 0)\n")
    grade_hw6(submission)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_without_containment_the_grader_refuses_unless_told(monkeypatch):
    import shutil
    import tempfile

    from autograder.sandbox.containment import ContainmentError, verify

    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)  # world-readable, as a checkout usually is
    secret = folder / "reference.py"
    secret.write_text("ANSWER = 42\n")
    secret.chmod(0o644)
    monkeypatch.setenv("AUTOGRADER_NAMESPACES", "0")  # as in a container that forbids namespaces
    server = ForkServer()
    try:
        with pytest.raises(ContainmentError, match=r"could read .*reference.py[\s\S]*--unconfined"):
            verify(server, [secret])
        assert verify(server, [secret], allow_unconfined=True).readable == (str(secret),)
        secret.chmod(0o600)  # what the fix says to do, as root
        if os.geteuid() == 0:
            assert not verify(server, [secret]).problems
    finally:
        server.close()
        shutil.rmtree(folder)


READS_THE_CALLERS_FOLDERS = '''
import os as _os
_found = []
for _path in ({paths!r}):
    try:
        _found.append(open(_path).read())
    except OSError:
        pass
if _found:
    OUTPUT_MEAN = "1"  # the canaries were readable: this check then fails
'''


def test_student_code_sees_neither_the_callers_folder_nor_home_nor_pythonpath(tmp_path):
    """A TA grading from their home or the export folder: only the Python installation is bound."""
    import subprocess
    import sys

    from conftest import ROOT

    folders = {name: tmp_path / name for name in ("export", "home", "extra")}
    canaries = []
    for folder in folders.values():
        folder.mkdir()
        canaries.append(str(folder / "canary.txt"))
        Path(canaries[-1]).write_text("secret")
    submission = folders["export"] / "hw6.py"
    submission.write_text((ROOT / "reference" / "hw6.py").read_text() + READS_THE_CALLERS_FOLDERS.format(paths=canaries))
    env = {**os.environ, "HOME": str(folders["home"]), "PYTHONPATH": os.pathsep.join([str(folders["extra"]), str(ROOT)]),
           "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "autograder", "grade", "hw6", "hw6.py"], cwd=folders["export"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr  # grading from inside the export folder works
    assert "Total: 48/48" in out.stdout, out.stdout


def test_an_installation_reached_through_a_symbolic_link_is_whole_in_the_sandbox(tmp_path):
    """A linked virtual environment: modules imported lazily at run time are found inside too."""
    import subprocess
    import sys

    from conftest import ROOT

    linked = tmp_path / "venv-link"
    linked.symlink_to(Path(sys.prefix))
    submission = tmp_path / "hw6.py"
    submission.write_text((ROOT / "reference" / "hw6.py").read_text().replace(
        "def relu(x", "def relu(x, _lazy=None):\n    import nbformat  # imported here, first by the worker\n"
                      "    return _relu(x)\n\n\ndef _relu(x"))
    out = subprocess.run([str(linked / "bin" / "python"), "-m", "autograder", "grade", "hw6", str(submission)],
                         cwd=ROOT, env={**os.environ, "COLUMNS": "200"}, capture_output=True, text=True, timeout=300)
    assert "Total: 48/48" in out.stdout, out.stdout + out.stderr


def test_the_work_folder_is_a_capped_space_of_its_own(session, fork_server):
    """In namespaces, what student code writes in its folder counts against 64 MiB, not the machine's disk."""
    if not fork_server.containment["namespaces"]:
        pytest.skip("a private work folder needs namespaces; without them the file-size limit holds alone")
    worker = session("""
        import os
        def fill():
            written = 0
            try:
                for i in range(24):
                    with open(f"chunk{i}", "wb") as fh:
                        for _ in range(60):
                            fh.write(b"x" * 2**20)
                            written += 2**20
            except OSError as exc:
                return [written, type(exc).__name__, sorted(os.listdir("."))[:2]]
            return [written, None, []]
    """)
    written, error, names = call(worker, "fill", timeout=60.0)
    assert error == "OSError" and written <= 64 * 2**20  # no space left, at the cap
    assert names[0] == "chunk0"
    assert not list(worker._workdir.glob("chunk*"))  # nothing of it reached the grader's disk


def test_no_folder_holding_the_work_folders_is_bound(monkeypatch):
    """A script run from /tmp has /tmp on sys.path: binding it would show student code every folder there
    (and its own work folder could not be mounted over it)."""
    import tempfile

    from autograder.sandbox.namespaces import read_only_paths
    temp = Path(tempfile.gettempdir()).resolve()
    monkeypatch.setattr(sys, "path", [str(temp)] + sys.path)
    assert not [p for p in read_only_paths(ROOT) if temp.is_relative_to(os.path.realpath(p))]


def test_a_worker_begun_early_imports_before_any_request_and_serves_as_any_other(server, tmp_path):
    """A batch lane begins the next submission's worker while it writes the last one's results."""
    path = tmp_path / "hw6.py"
    path.write_text("print('imported', flush=True)\ndef fine():\n    return 2\n")
    s = WorkerSession(server, path, "hw6")
    try:
        s.begin()
        deadline = time.monotonic() + 60
        while "imported" not in s.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "imported" in s.output(), "begin() did not start the import"
        assert call(s, "fine") == 2
        assert s.output().count("imported") == 1, "the request imported the submission a second time"
    finally:
        s.close()
    broken = tmp_path / "broken" / "hw6.py"
    broken.parent.mkdir()
    broken.write_text("import os\nos._exit(3)\n")
    s = WorkerSession(server, broken, "hw6")
    try:
        s.begin()
        with pytest.raises(StudentFailure, match="exit status 3.*no check could run"):
            call(s, "fine")
    finally:
        s.close()


TRAINS_THEN_CONFIGURES = """
import sys, torch

def train():
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.linspace(-1, 1, 32).reshape(-1, 1)
    for _ in range(20):
        optimizer.zero_grad()
        loss = ((model(x) - 3 * x) ** 2).mean()
        loss.backward()
        optimizer.step()
    return [float(loss), type(sys.modules["torch._dynamo"]).__name__]

def configured():
    import torch._dynamo.config
    return torch._dynamo.config.cache_size_limit > 0
"""


def test_student_code_trains_without_torch_dynamo_and_can_still_import_it(any_session):
    s = any_session(TRAINS_THEN_CONFIGURES)
    loss, kind = call(s, "train", timeout=30)
    assert kind == "_Deferred" and loss < 1
    assert call(s, "configured", timeout=60) is True
