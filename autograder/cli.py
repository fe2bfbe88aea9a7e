"""Command line: the students' commands (check, list), and the staff's where the grader has them.

The student bundle ships this module without ``staff_commands.py``: its
command line offers what students can run, and nothing that would crash there.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from .assignments import assignment_name

EXIT_CODES = """exit status: 0 graded (whatever the score); 2 a usage error (unknown assignment, missing folder,
two submissions for one student, a course secret this account cannot read); 3 refused, student code could not be
confined; 4 nothing could be graded (no submission found, or it could not even be imported); 130 interrupted
(batch: reports written)"""
EXIT_USAGE, EXIT_REFUSED, EXIT_UNGRADABLE = 2, 3, 4
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C
Handler = Callable[[argparse.Namespace], int]


class UsageError(ValueError):
    """A mistake in how the command was called: said in one line, with no traceback."""


try:  # after what it imports from here
    from .staff_commands import add as add_staff_commands
except ModuleNotFoundError as missing:  # the student bundle: the students' commands only
    if missing.name != f"{__package__}.staff_commands":
        raise
    add_staff_commands = None


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a console that cannot show a character gets it escaped, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__.splitlines()[0],
                                     epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    handlers: dict[str, Handler] = {}

    check = commands.add_parser("check", help="students: run the visible checks on your own work")
    check.add_argument("assignment", type=assignment_name)
    check.add_argument("path", type=Path, nargs="?", default=Path("."),
                       help="your .py or .ipynb, or the folder holding it (default: here)")
    check.add_argument("--name", action="append", metavar="NAME",
                       help="only the checks of NAME, e.g. STMConvLayer (repeatable)")
    check.add_argument("--details", action="store_true", help="print every lost point's full message")
    check.add_argument("--compact", action="store_true", help="a short table (what check() prints in a notebook)")
    handlers["check"] = _check

    listing = commands.add_parser("list", help="the assignments and their points, or one assignment's checks")
    listing.add_argument("assignment", nargs="?", type=assignment_name)
    handlers["list"] = _list

    if add_staff_commands is not None:
        add_staff_commands(commands, handlers)
    args = parser.parse_args(argv)
    from .sandbox.containment import ContainmentError
    from .seeds import SecretUnavailable
    try:
        return handlers[args.command](args)
    except ContainmentError as refusal:
        print(refusal, file=sys.stderr)
        return EXIT_REFUSED
    except (UsageError, SecretUnavailable) as mistake:
        print(f"{parser.prog} {args.command}: {mistake}", file=sys.stderr)
        return EXIT_USAGE


def _check(args: argparse.Namespace) -> int:
    from .assignments import load
    from .environment import untested_torch
    from .grading import grade, start_server
    from .seeds import PRACTICE_SEED
    from .report import compact, details, hidden_line, table

    # a student's own code on the student's own machine: confined where possible, never refused
    server = start_server(args.assignment, [args.path], unconfined=True)[0]
    assignment = load(args.assignment)
    names = args.name or []
    unknown = [n for n in names if not any(c.concerns(n) for c in assignment.checks if c.visibility == "visible")]
    if unknown:
        print(f"no visible check is about {', '.join(unknown)}; the visible checks are:")
        print("\n".join(f"  {c.name}" for c in assignment.checks if c.visibility == "visible"))
        server.close()
        return EXIT_USAGE
    graded = grade(args.assignment, args.path, server, seed=PRACTICE_SEED, per_submission=False,
                   select=lambda c: c.visibility == "visible" and (not names or any(c.concerns(n) for n in names)))
    server.close()
    print(compact(graded) if args.compact else table(graded))
    if args.details and details(graded):
        print("\n" + details(graded))
    print(hidden_line(assignment))
    untested = untested_torch(sys.modules["torch"].__version__)
    if untested:
        print(f"note: {untested}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from .assignments import available, load
    from .report import hidden_line

    if args.assignment:
        assignment = load(args.assignment)
        for c in assignment.checks:
            print(f"{c.number:5} {c.weight:>3g}  {c.visibility:15} {c.title}")
        listed = sum(c.weight for c in assignment.checks)
        print(f"{len(assignment.checks)} checks, {listed:g} points")
        if assignment.withheld[0]:  # a student bundle, which does not even name the checks it leaves out
            print(hidden_line(assignment))
        return 0
    for name in available():
        assignment = load(name)
        print(f"{name:10} {len(assignment.checks) + assignment.withheld[0]:3} checks  {assignment.total:g} points")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("mathdnn-autograder")
    except PackageNotFoundError:  # run from a bundle or a checkout that was not installed
        return "(not installed)"


if __name__ == "__main__":
    sys.exit(main())
