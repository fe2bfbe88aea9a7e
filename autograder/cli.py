"""Command line: grade, check, batch, build, bundle, precompute, template, list, and Gradescope's entry point."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .assignments import ASSIGNMENTS

EXIT_CODES = """exit status: 0 graded (whatever the score); 2 a usage error (unknown assignment, missing folder,
two submissions for one student); 3 refused, student code could not be confined; 4 nothing could be
graded (no submission found, or it could not even be imported); 130 interrupted (batch: reports written)"""
UNCONFINED_HELP = ("grade even where student code cannot be confined (no namespaces, not root): it then runs as "
                   "you and can read and change what you can; see SECURITY.md")
EXIT_USAGE, EXIT_REFUSED, EXIT_UNGRADABLE = 2, 3, 4
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by Ctrl-C
UNGRADABLE = {"no_submission", "import_failed"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__, epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one submission and print the score table")
    grade.add_argument("assignment", choices=ASSIGNMENTS)
    grade.add_argument("path", type=Path, help="a .py or .ipynb file, or a folder holding one")
    grade.add_argument("--json", metavar="OUT", help="also write Gradescope's results.json to OUT ('-': standard "
                                                     "output, with the table on standard error)")
    grade.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    grade.add_argument("--details", action="store_true", help="print every lost point's full message")
    grade.add_argument("--unsafe-in-process", action="store_true",
                       help="run student code inside the grader, unisolated (benchmarking only)")
    grade.add_argument("--unconfined", action="store_true", help=UNCONFINED_HELP)

    check = commands.add_parser("check", help="students: run the visible checks on your own work")
    check.add_argument("assignment", choices=ASSIGNMENTS)
    check.add_argument("path", type=Path, nargs="?", default=Path("."),
                       help="your .py or .ipynb, or the folder holding it (default: here)")
    check.add_argument("--name", action="append", metavar="NAME",
                       help="only the checks of NAME, e.g. STMConvLayer (repeatable)")
    check.add_argument("--details", action="store_true", help="print every lost point's full message")
    check.add_argument("--compact", action="store_true", help="a short table (what check() prints in a notebook)")

    batch = commands.add_parser("batch", help="grade every submission in a folder (TAs)")
    batch.add_argument("assignment", choices=ASSIGNMENTS)
    batch.add_argument("folder", type=Path, help="a flat folder of files, or Gradescope's Export Submissions folder")
    batch.add_argument("-j", "--jobs", type=int, default=None, help="submissions graded at once (default: all cores)")
    batch.add_argument("-o", "--out", type=Path, default=None, help="where results go (default: FOLDER-graded)")
    batch.add_argument("--only-failed", action="store_true",
                       help="regrade only the submissions whose result in OUT is missing or a failure of the grader")
    batch.add_argument("--only", action="append", metavar="ID",
                       help="regrade only this submission (repeatable); the reports still cover everyone")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.add_argument("--format", choices=("plain", "canvas"), default="plain",
                       help="canvas: also write canvas.csv, in Canvas's gradebook import layout")
    batch.add_argument("--unconfined", action="store_true", help=UNCONFINED_HELP)

    build = commands.add_parser("build", help="write the Gradescope autograder zip")
    build.add_argument("assignment", choices=ASSIGNMENTS)
    build.add_argument("-o", "--out", type=Path, default=Path("dist"))

    bundle = commands.add_parser("bundle", help="write the student bundle: template, handout, visible checks")
    bundle.add_argument("assignment", choices=ASSIGNMENTS)
    bundle.add_argument("-o", "--out", type=Path, default=Path("dist"))

    precompute = commands.add_parser("precompute", help="record the reference's expected values at given seeds, "
                                                         "so that grading at those seeds need not compute them")
    precompute.add_argument("assignment", choices=ASSIGNMENTS)
    precompute.add_argument("--seed", type=int, action="append", required=True, help="a seed (repeatable)")
    precompute.add_argument("-o", "--out", type=Path, default=None, help="default: precomputed/ in the grader")

    template = commands.add_parser("template", help="regenerate student_template/<assignment>.py")
    template.add_argument("assignment", choices=ASSIGNMENTS)

    listing = commands.add_parser("list", help="the assignments and their points, or one assignment's checks")
    listing.add_argument("assignment", nargs="?", choices=ASSIGNMENTS)

    gradescope = commands.add_parser("gradescope", help="Gradescope's entry point (run_autograder calls it)")
    gradescope.add_argument("assignment", choices=ASSIGNMENTS)
    gradescope.add_argument("--root", type=Path, default=Path("/autograder"))

    args = parser.parse_args(argv)
    from .sandbox.containment import ContainmentError
    try:
        return COMMANDS[args.command](args)
    except ContainmentError as refusal:
        print(refusal, file=sys.stderr)
        return EXIT_REFUSED
    except UsageError as mistake:
        print(f"{parser.prog} {args.command}: {mistake}", file=sys.stderr)
        return EXIT_USAGE


def _grade(args: argparse.Namespace) -> int:
    from .grading import grade, start_server
    from .report import details, table
    from .results import graded_document, validate, write_atomically

    server = None if args.unsafe_in_process else start_server(args.assignment, [args.path],
                                                              unconfined=args.unconfined)[0]
    graded = grade(args.assignment, args.path, server, seed=args.seed)
    if server is not None:
        server.close()
    shown = sys.stderr if args.json == "-" else sys.stdout
    print(table(graded), file=shown)
    if args.details and details(graded):
        print("\n" + details(graded), file=shown)
    if args.json:
        document = graded_document(graded)
        validate(document)
        if args.json == "-":
            print(json.dumps(document, indent=1))
        else:
            write_atomically(document, Path(args.json))
    return EXIT_UNGRADABLE if {r.outcome.diagnosis for r in graded.results} <= UNGRADABLE else 0


def _check(args: argparse.Namespace) -> int:
    from .assignments import load
    from .grading import PRACTICE_SEED, grade, start_server
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
        return 2
    graded = grade(args.assignment, args.path, server, seed=PRACTICE_SEED,
                   select=lambda c: c.visibility == "visible" and (not names or any(c.concerns(n) for n in names)))
    server.close()
    print(compact(graded) if args.compact else table(graded))
    if args.details and details(graded):
        print("\n" + details(graded))
    print(hidden_line(assignment))
    return 0


def _batch(args: argparse.Namespace) -> int:
    from .batch import run_batch
    from .batch.inputs import DuplicateIds, UnknownIds
    from .safe_text import for_terminal

    if not args.folder.is_dir():
        raise UsageError(f"{args.folder} is not a folder of submissions")
    out = args.out or args.folder.with_name(args.folder.name + "-graded")
    try:
        summary, interrupted = run_batch(args.assignment, args.folder, out, jobs=args.jobs,
                                         only_failed=args.only_failed, only=args.only,
                                         progress=not args.no_progress, unconfined=args.unconfined,
                                         canvas=args.format == "canvas")
    except (DuplicateIds, UnknownIds) as mistake:
        raise UsageError(str(mistake)) from None
    print(for_terminal(summary.read_text()))
    print(f"wrote {out / 'grades.csv'}, {summary} and one results.json per submission in {out / 'results'}")
    if interrupted:
        print(f"interrupted: the reports cover the submissions graded so far; to grade the rest, run\n"
              f"  python -m autograder batch {args.assignment} {args.folder} -o {out} --only-failed",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import build_zip
    print(build_zip(args.assignment, args.out))
    return 0


def _bundle(args: argparse.Namespace) -> int:
    from .bundle import build_bundle
    print(build_bundle(args.assignment, args.out))
    return 0


def _precompute(args: argparse.Namespace) -> int:
    from .fixtures import PRECOMPUTED_DIR
    from .precompute import precompute
    print("\n".join(map(str, precompute(args.assignment, args.seed, args.out or PRECOMPUTED_DIR))))
    return 0


def _template(args: argparse.Namespace) -> int:
    from .template import write_template
    print(write_template(args.assignment))
    return 0


def _list(args: argparse.Namespace) -> int:
    from .assignments import load
    if args.assignment:
        assignment = load(args.assignment)
        for c in assignment.checks:
            print(f"{c.number:5} {c.weight:>3g}  {c.visibility:15} {c.title}")
        print(f"{len(assignment.checks)} checks, {assignment.total:g} points")
        return 0
    for name in ASSIGNMENTS:
        assignment = load(name)
        print(f"{name:10} {len(assignment.checks):3} checks  {assignment.total:g} points")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from .gradescope import run
    return run(args.assignment, args.root)


class UsageError(ValueError):
    """A mistake in how the command was called: said in one line, with no traceback."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("mathdnn-autograder")
    except PackageNotFoundError:  # run from a bundle or a checkout that was not installed
        return "(not installed)"


COMMANDS = {"grade": _grade, "check": _check, "batch": _batch, "build": _build, "bundle": _bundle,
            "precompute": _precompute, "template": _template, "list": _list, "gradescope": _gradescope}

if __name__ == "__main__":
    sys.exit(main())
