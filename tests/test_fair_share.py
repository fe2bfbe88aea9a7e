"""One submission cannot take the machine from the others: control groups, sweeps, and timeouts that a busy
machine does not turn into the student's."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import StudentFailure, WorkerSession
from autograder.sandbox.cgroups import PREFIX, _hierarchies
from autograder.sandbox.confine import sweep_dead_servers
from conftest import killed_graders_folder

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="control groups and the sandbox account need root")


def start(server, tmp_path: Path, source: str, timeout: float = 10) -> WorkerSession:
    path = tmp_path / "hw6.py"
    path.write_text(textwrap.dedent(source))
    return WorkerSession(server, path, "hw6", import_timeout=timeout)


def call(session: WorkerSession, name: str, *args, timeout: float = 10.0):
    return session.request({"probe": "call", "name": name, "args": list(args)}, timeout, name).value["value"]


def groups_of(server_pid: int) -> list[Path]:
    return [where / f"{PREFIX}{server_pid}" for where in set(_hierarchies().values())
            if (where / f"{PREFIX}{server_pid}").exists()]


@root_only
def test_a_workers_processes_share_one_cpu_a_process_cap_and_a_memory_cap(fork_server, tmp_path):
    if not fork_server.containment["cgroups"]:
        pytest.skip("no writable cgroup hierarchy here")
    s = start(fork_server, tmp_path, """
        def groups():
            return open("/proc/self/cgroup").read()
        """)
    try:
        listed = call(s, "groups")
        folders = groups_of(fork_server.pid)
        worker_groups = [g for folder in folders for g in folder.iterdir() if g.is_dir()]
        assert worker_groups and all(f"/{PREFIX}{fork_server.pid}/{g.name}" in listed for g in worker_groups)
        settings = {f.name: f.read_text().split() for g in worker_groups for f in g.iterdir()
                    if f.name in ("pids.max", "cpu.max", "cpu.cfs_quota_us", "cpu.cfs_period_us")}
        assert settings["pids.max"] == ["256"]
        assert settings.get("cpu.max", settings.get("cpu.cfs_quota_us", []) + settings.get("cpu.cfs_period_us", [])) \
            == ["100000", "100000"]
    finally:
        s.close()
    assert not [g for folder in groups_of(fork_server.pid) for g in folder.iterdir() if g.is_dir()], \
        "a worker's groups outlive it"


@root_only
def test_what_a_grader_killed_with_sigkill_left_running_is_swept_by_the_next(tmp_path):
    """Without namespaces (as on Gradescope, and in a batch lane killed at its deadline), a process the
    student detached survives its fork server; the next grader's start kills it and removes the groups."""
    (tmp_path / "hw6.py").write_text(textwrap.dedent("""
        import os, time
        def detach():
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(600)
                os._exit(0)
            time.sleep(0.5)
            return [p for p in os.listdir("/proc") if p.isdigit() and os.stat("/proc/" + p).st_uid == os.getuid()]
        """))
    grader = textwrap.dedent(f"""
        import os, sys, time
        from pathlib import Path
        from autograder.sandbox import WorkerSession
        from autograder.sandbox.forkserver import ForkServer
        server = ForkServer()
        session = WorkerSession(server, Path({str(tmp_path / 'hw6.py')!r}), "hw6")
        pids = session.request({{"probe": "call", "name": "detach", "args": []}}, 10, "detach").value["value"]
        print(server.pid, *pids, flush=True)
        time.sleep(600)
        """)
    with killed_graders_folder() as temporary:
        process = subprocess.Popen([sys.executable, "-c", grader], stdout=subprocess.PIPE, text=True,
                                   env={**os.environ, "AUTOGRADER_NAMESPACES": "0", "TMPDIR": str(temporary)})
        try:
            server_pid, *pids = [int(p) for p in process.stdout.readline().split()]
            assert len([p for p in pids if os.path.exists(f"/proc/{p}")]) >= 2  # the worker and what it detached
        finally:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 10  # the fork server and its worker die with the grader (PR_SET_PDEATHSIG)
    while os.path.exists(f"/proc/{server_pid}") and Path(f"/proc/{server_pid}/stat").read_text().split()[2] != "Z" \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    # what outlived them goes at the next sweep: this one, or that of any grader the suite starts meanwhile
    sweep_dead_servers()
    assert not [p for p in pids if os.path.exists(f"/proc/{p}") and Path(f"/proc/{p}/stat").read_text().split()[2] != "Z"]
    assert not groups_of(server_pid)


SLOW_ONCE = """
    import time
    IMPORTED = time.monotonic()
    def slow_once():  # slow in a worker started long ago, at once in the fresh one of a second try
        if time.monotonic() - IMPORTED > 5:
            time.sleep(60)
        return 1
    def slow():
        time.sleep(60)
    def fine():
        return 0
    """


def test_a_timeout_while_the_machine_was_busy_is_run_again_once(fork_server, tmp_path, monkeypatch):
    waits = iter(range(0, 10_000, 100))
    monkeypatch.setattr(WorkerSession, "_waited", lambda self: next(waits))  # every wait reads as contended
    s = start(fork_server, tmp_path, SLOW_ONCE)
    try:
        assert call(s, "fine") == 0
        time.sleep(6)
        assert call(s, "slow_once", timeout=1) == 1
        with pytest.raises(StudentFailure) as failure:
            call(s, "slow", timeout=1)
        assert s.contended == ["slow_once", "slow"]
        assert failure.value.kind == "timeout" and "second try" in failure.value.message
    finally:
        s.close()


def test_a_timeout_on_a_quiet_machine_is_the_students_and_is_not_run_again(fork_server, tmp_path):
    s = start(fork_server, tmp_path, SLOW_ONCE)
    try:
        with pytest.raises(StudentFailure) as failure:
            call(s, "slow", timeout=1)
        assert failure.value.kind == "timeout" and "second try" not in failure.value.message
        assert s.contended == []  # sleeping is not waiting for a CPU
    finally:
        s.close()


def test_a_worker_starved_of_cpu_is_seen_to_wait(fork_server, tmp_path):
    """The measurement itself: a worker whose main thread competes with a crowd for the CPU (here its own
    crowd: another lane's would sit beside it in a group of its own) times out as the machine's fault."""
    s = start(fork_server, tmp_path, f"""
        import os
        def spin():
            for _ in range({4 * (os.cpu_count() or 1)}):
                if os.fork() == 0:
                    while True:
                        pass
            while True:
                pass
        """)
    try:
        with pytest.raises(StudentFailure) as failure:
            call(s, "spin", timeout=2)
        assert s.contended == ["spin"] and "second try" in failure.value.message
    finally:
        s.close()


def test_no_cgroup_hierarchy_means_no_groups_and_no_failure(monkeypatch):
    """Gradescope's containers: /sys/fs/cgroup read-only or without the controllers; the fork server goes on
    with the per-account limits alone."""
    from autograder.sandbox import cgroups

    monkeypatch.setattr(cgroups, "_hierarchies", lambda: {})
    assert cgroups.WorkerGroups.create(os.getpid()) is None
