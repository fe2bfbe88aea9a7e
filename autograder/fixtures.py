"""Expected values recorded from the reference: for a student bundle, which has no reference, and for
the Gradescope zip, which should not spend each submission's time recomputing them.

In the grader, checks reach the reference directly: through ``REF``, or in
helpers marked ``@expected`` that compute expected values from it (plain
data in, plain data out). ``bundle`` runs the visible checks once with a
``Recording``: each ``@expected`` call and each ``REF.name`` a check uses
is stored by the digest of its arguments, in a JSON index and an ``.npz``
(no pickle). In the bundle, the checks module's ``REF`` is a ``Replay`` of
those fixtures and the ``@expected`` helpers, whose bodies are left out,
answer from them.

``precompute`` (precompute.py) records every check's ``@expected`` values
for given seeds into ``precomputed/`` (``AUTOGRADER_PRECOMPUTED`` names
another folder); the grader answers from there what it holds for the
same inputs and the same code, and computes the rest (values that depend on
a student's output) as before.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .sandbox import wire

FIXTURE_DIR = Path(__file__).with_name("fixtures")
PRECOMPUTED_DIR = Path(__file__).resolve().parents[1] / "precomputed"
CODE_KEY = "$code"  # in a precomputed index: which code computed it (digests of inputs are hex, never this)
VERSIONS_KEY = "$versions"  # and with which libraries, said to staff when the values cannot be used


class NoFixture(Exception):
    """The bundle has no recorded value for these inputs (they depend on the student's output)."""


class Recording:
    """The values the visible checks took from the reference, while a bundle is built."""

    def __init__(self, plain_only: bool = True) -> None:
        """``plain_only``: a value that is not plain data is an error (a bundle needs it); else it is skipped."""
        self.values: dict[str, Any] = {}
        self.depth = 0  # inside an @expected helper, its own use of the reference is not recorded
        self.plain_only = plain_only

    def record(self, key: str, what: str, value: Any) -> Any:
        if self.depth == 0:
            if not _plain(json.dumps(wire.encode(value, {}))):
                if self.plain_only:
                    raise TypeError(f"{what} gives {type(value).__name__}, not plain data; compute the "
                                    "expected value in an @expected helper instead")
                return value
            self.values[key] = value
        return value

    def save(self, name: str, folder: Path, code: str | None = None) -> list[Path]:
        """``name.json`` (the index) and ``name.npz`` (the arrays) in ``folder``; ``code``: what computed them."""
        arrays: dict[str, np.ndarray] = {}
        index: dict[str, Any] = {CODE_KEY: code, VERSIONS_KEY: versions()} if code else {}
        for i, (key, value) in enumerate(self.values.items()):
            mine: dict[str, np.ndarray] = {}
            index[key] = [i, wire.encode(value, mine)]
            arrays.update({f"e{i}_{n}": a for n, a in mine.items()})
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / f"{name}.npz", **arrays)
        (folder / f"{name}.json").write_text(json.dumps(index))
        return [folder / f"{name}.json", folder / f"{name}.npz"]


def _plain(doc: str) -> bool:
    """Whether an encoded value (JSON text) is plain data, which a file can hold: no opaque object, SymPy
    expression or callable."""
    return not any(tag in doc for tag in ('"$opaque"', '"$sympy"', '"$callable"'))


_recording: Recording | None = None
_replays: dict[str, "Replay"] = {}  # checks module name -> its fixtures, in a bundle only


def start_recording(plain_only: bool = True) -> Recording:
    global _recording
    _recording = Recording(plain_only)
    return _recording


def stop_recording() -> None:
    global _recording
    _recording = None


def _key(what: str, args: tuple, kwargs: dict) -> str:
    return wire.digest([what, list(args), kwargs])


CACHED = 256  # expected values kept per process: a batch lane computes each one once for its whole class
_computed: collections.OrderedDict[str, Any] = collections.OrderedDict()
_precomputed: dict[str, Replay | None] = {}  # checks module name -> its precomputed values, if any


def code_digest(checks_module: str) -> str:
    """What expected values depend on besides their inputs: the checks, the reference and the numerical
    libraries; a precomputed file made by other code is ignored."""
    from .assignments import reference_path

    hashed = hashlib.sha1(f"{np.__version__} {_torch_version()}".encode())
    for path in (Path(sys.modules[checks_module].__file__), reference_path(checks_module.rpartition(".")[2])):
        hashed.update(path.read_bytes())
    return hashed.hexdigest()


def _torch_version() -> str:
    torch = sys.modules.get("torch")
    return torch.__version__ if torch is not None else "-"


def versions() -> str:
    return f"NumPy {np.__version__}, torch {_torch_version()}"


def _precomputed_for(checks_module: str) -> Replay | None:
    if checks_module not in _precomputed:
        folder = Path(os.environ.get("AUTOGRADER_PRECOMPUTED") or PRECOMPUTED_DIR)
        name = checks_module.rpartition(".")[2]
        found = Replay(name, folder) if (folder / f"{name}.json").is_file() else None
        if found is not None and found.code != code_digest(checks_module):
            print(f"note for staff: the precomputed expected values in {folder} were made by other code or "
                  f"libraries ({found.versions}; here: {versions()}) and are not used: every expected value is "
                  "computed, which gives the same grades more slowly", file=sys.stderr)
            found = None
        _precomputed[checks_module] = found
    return _precomputed[checks_module]


def _compute(func: Callable, key: str, what: str, args: tuple, kwargs: dict) -> Any:
    """The precomputed value for these inputs, where there is one; else the checkout's cached one; else
    computed now, and cached when that took a while."""
    stored = _precomputed_for(func.__module__)
    if stored is not None:
        try:
            return stored.lookup(key, what)
        except NoFixture:
            pass
    cache = _cache_folder(func.__module__)
    if cache is not None:
        try:
            with np.load(cache / f"{key}.npz", allow_pickle=False) as found:
                return wire.decode(json.loads(str(found["doc"])), lambda n: found[f"a_{n}"], callables={}).value
        except (OSError, KeyError, ValueError, wire.WireError):
            pass  # not there, damaged, or another account's (a shared checkout): computed, and written where it may
    start = time.perf_counter()
    value = func(*args, **kwargs)
    if cache is not None and time.perf_counter() - start >= CACHE_SECONDS:
        _cache(cache, key, value)
    return value


CACHE_DIR = Path(__file__).resolve().parents[1] / ".expected-cache"
CACHE_SECONDS = 0.05  # cheaper values are computed again: most depend on a submission's own inputs


def _cache_folder(checks_module: str) -> Path | None:
    """Where this checkout keeps the costly expected values of the checks' current code, between runs of
    ``grade`` and ``batch`` (the Gradescope zip has them precomputed); None with ``AUTOGRADER_CACHE=0``."""
    if os.environ.get("AUTOGRADER_CACHE", "1") == "0":
        return None
    return CACHE_DIR / f"{checks_module.rpartition('.')[2]}-{code_digest(checks_module)[:16]}"


def _cache(folder: Path, key: str, value: Any) -> None:
    """Keep ``value`` in ``folder``, written whole or not at all (batch lanes write side by side); a value that
    is not plain data, or a folder that cannot be written, is simply not kept."""
    arrays: dict[str, np.ndarray] = {}
    doc = json.dumps(wire.encode(value, arrays))
    if not _plain(doc):
        return
    try:
        if not folder.is_dir():
            for old in CACHE_DIR.glob(f"{folder.name.rpartition('-')[0]}-*"):  # made by other code: never used
                shutil.rmtree(old, ignore_errors=True)
            folder.mkdir(parents=True, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, doc=np.array(doc), **{f"a_{n}": a for n, a in arrays.items()})
        os.replace(tmp, folder / f"{key}.npz")
    except OSError:
        pass


def expected(func: Callable) -> Callable:
    """Mark a helper that computes expected values from the reference: recorded for, and replayed in, bundles,
    and computed once per process for the same inputs (they depend on nothing else; callers never modify them)."""
    what = func.__qualname__

    @functools.wraps(func)
    def helper(*args: Any, **kwargs: Any) -> Any:
        key = _key(what, args, kwargs)
        replay = _replays.get(func.__module__)
        if replay is not None:
            return replay.lookup(key, what)
        if _recording is None:
            if key not in _computed:
                _computed[key] = _compute(func, key, what, args, kwargs)
                if len(_computed) > CACHED:
                    _computed.popitem(last=False)
            _computed.move_to_end(key)
            return _computed[key]
        _recording.depth += 1
        try:
            value = func(*args, **kwargs)
        finally:
            _recording.depth -= 1
        return _recording.record(_key(what, args, kwargs), f"{what}(...)", value)

    return helper


class RecordingReference:
    """Stands for the reference module while a bundle records what the visible checks take from it."""

    def __init__(self, module: types.ModuleType):
        self._module = module

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if _recording is None:
            return value
        if not callable(value):
            return _recording.record(f"REF.{name}", f"REF.{name}", value)

        def call(*args: Any, **kwargs: Any) -> Any:
            return _recording.record(_key(f"REF.{name}", args, kwargs), f"REF.{name}(...)", value(*args, **kwargs))

        return call


class Replay:
    """A bundle's fixtures: answers ``REF.name``, ``REF.name(...)`` and the ``@expected`` helpers."""

    def __init__(self, name: str, folder: Path = FIXTURE_DIR):
        self._index = json.loads((folder / f"{name}.json").read_text())
        self.code = self._index.pop(CODE_KEY, None)
        self.versions = self._index.pop(VERSIONS_KEY, "unknown versions")
        self._arrays = np.load(folder / f"{name}.npz", allow_pickle=False)

    def lookup(self, key: str, what: str) -> Any:
        if key not in self._index:
            raise NoFixture(f"{what} was not precomputed for these inputs")
        i, doc = self._index[key]
        return wire.decode(doc, lambda n: self._arrays[f"e{i}_{n}"], callables={}).value

    def __getattr__(self, name: str) -> Any:
        if f"REF.{name}" in self._index:
            return self.lookup(f"REF.{name}", f"REF.{name}")
        return lambda *args, **kwargs: self.lookup(_key(f"REF.{name}", args, kwargs), f"REF.{name}(...)")


def replay(module_name: str, assignment: str) -> Replay:
    """Install the bundle's fixtures for the checks module ``module_name``; returns its ``REF``."""
    _replays[module_name] = Replay(assignment)
    return _replays[module_name]
