"""The staff's commands: grade, batch, build, bundle, precompute, template, and Gradescope's entry point.

Left out of the student bundle (see ``cli.py``), where they could not run.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import datetime
from pathlib import Path

from .assignments import assignment_name
from .cli import EXIT_INTERRUPTED, EXIT_UNGRADABLE, Handler, UsageError
from .seeds import course_seed

UNCONFINED_HELP = ("grade even where student code cannot be confined (no namespaces, not root): it then runs as "
                   "you and can read and change what you can; see SECURITY.md")
UNGRADABLE = {"no_submission", "import_failed"}


def add(commands: argparse._SubParsersAction, handlers: dict[str, Handler]) -> None:
    """Add the staff's commands to the command line."""
    grade = commands.add_parser("grade", help="grade one submission and print the score table")
    grade.add_argument("assignment", type=assignment_name)
    grade.add_argument("path", type=Path, help="a .py or .ipynb file, or a folder holding one")
    grade.add_argument("--json", metavar="OUT", help="also write Gradescope's results.json to OUT ('-': standard "
                                                     "output, with the table on standard error)")
    grade.add_argument("--seed", type=int, default=None,
                       help="the base seed of the inputs (default: the course's secret, .course-secret)")
    grade.add_argument("--details", action="store_true", help="print every lost point's full message")
    grade.add_argument("--unsafe-in-process", action="store_true",
                       help="run student code inside the grader, unisolated (benchmarking only)")
    grade.add_argument("--unconfined", action="store_true", help=UNCONFINED_HELP)
    handlers["grade"] = _grade

    batch = commands.add_parser("batch", help="grade every submission in a folder (TAs)")
    batch.add_argument("assignment", type=assignment_name)
    batch.add_argument("folder", type=Path, help="a flat folder of files, or Gradescope's Export Submissions folder")
    batch.add_argument("-j", "--jobs", type=_positive, default=None,
                       help="submissions graded at once (default: all cores)")
    batch.add_argument("-o", "--out", type=Path, default=None, help="where results go (default: FOLDER-graded)")
    batch.add_argument("--only-failed", action="store_true",
                       help="regrade only the submissions whose result in OUT is missing or a failure of the grader")
    batch.add_argument("--only", action="append", metavar="ID",
                       help="regrade only this submission (repeatable); the reports still cover everyone")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.add_argument("--format", choices=("plain", "canvas"), default="plain",
                       help="canvas: also write canvas.csv, in Canvas's gradebook import layout")
    batch.add_argument("--canvas-name", metavar="NAME", help="the Canvas assignment's name, as its gradebook shows it")
    batch.add_argument("--canvas-id", metavar="ID", help="the Canvas assignment's id (the number in its address): "
                                                         "with --canvas-name, the import updates that assignment")
    batch.add_argument("--due", type=_time, metavar="TIME",
                       help="the due time (e.g. '2026-11-20 23:59 -0800'), for the late column where the export "
                            "does not give lateness")
    batch.add_argument("--seed", type=int, default=None,
                       help="the base seed of the inputs (default: the course's secret, as the zip's)")
    batch.add_argument("--unconfined", action="store_true", help=UNCONFINED_HELP)
    handlers["batch"] = _batch

    build = commands.add_parser("build", help="write the Gradescope autograder zip")
    build.add_argument("assignment", type=assignment_name)
    build.add_argument("-o", "--out", type=Path, default=Path("dist"))
    handlers["build"] = _build

    bundle = commands.add_parser("bundle", help="write the student bundle: template, handout, visible checks")
    bundle.add_argument("assignment", type=assignment_name)
    bundle.add_argument("-o", "--out", type=Path, default=Path("dist"))
    handlers["bundle"] = _bundle

    precompute = commands.add_parser("precompute", help="record the reference's expected values at given seeds, "
                                                         "so that grading at those seeds need not compute them")
    precompute.add_argument("assignment", type=assignment_name)
    precompute.add_argument("--seed", type=int, action="append", required=True, help="a seed (repeatable)")
    precompute.add_argument("-o", "--out", type=Path, default=None, help="default: precomputed/ in the grader")
    handlers["precompute"] = _precompute

    new = commands.add_parser("new", help="start a new assignment from a worked example (docs/authoring.md)")
    new.add_argument("name", help="its name, e.g. hw7")
    handlers["new"] = _new

    template = commands.add_parser("template", help="regenerate student_template/<assignment>.py")
    template.add_argument("assignment", type=assignment_name)
    handlers["template"] = _template

    gradescope = commands.add_parser("gradescope", help="Gradescope's entry point (run_autograder calls it)")
    gradescope.add_argument("assignment", type=assignment_name)
    gradescope.add_argument("--root", type=Path, default=Path("/autograder"))
    handlers["gradescope"] = _gradescope


def _time(text: str) -> datetime:
    from .batch.inputs import parse_time

    when = parse_time(text)
    if when is None:
        raise argparse.ArgumentTypeError(f"cannot read {text!r} as a time; write e.g. '2026-11-20 23:59 -0800'")
    return when


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _grade(args: argparse.Namespace) -> int:
    from .grading import grade, start_server
    from .report import details, table
    from .results import graded_document, validate, write_atomically

    seed = course_seed() if args.seed is None else args.seed  # before a server: it may refuse
    server = None if args.unsafe_in_process else start_server(args.assignment, [args.path],
                                                              unconfined=args.unconfined)[0]
    graded = grade(args.assignment, args.path, server, seed=seed)
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


def _batch(args: argparse.Namespace) -> int:
    from .batch import run_batch
    from .batch.inputs import BadMetadata, DuplicateIds, UnknownIds
    from .safe_text import markdown_for_terminal

    if not args.folder.is_dir():
        raise UsageError(f"{args.folder} is not a folder of submissions")
    if bool(args.canvas_name) != bool(args.canvas_id):
        raise UsageError("--canvas-name and --canvas-id go together: Canvas matches its column by both")
    column = f"{args.canvas_name} ({args.canvas_id})" if args.canvas_name else None
    out = args.out or args.folder.with_name(args.folder.name + "-graded")
    try:
        summary, interrupted = run_batch(args.assignment, args.folder, out, jobs=args.jobs,
                                         only_failed=args.only_failed, only=args.only,
                                         progress=not args.no_progress, unconfined=args.unconfined,
                                         canvas=args.format == "canvas" or column is not None, canvas_column=column,
                                         due=args.due, seed=course_seed() if args.seed is None else args.seed)
    except (DuplicateIds, UnknownIds, BadMetadata) as mistake:
        raise UsageError(str(mistake)) from None
    print(markdown_for_terminal(summary.read_text()))
    print(f"wrote {out / 'grades.csv'}, {summary} and one results.json per submission in {out / 'results'}")
    if interrupted:
        again = ["python -m autograder batch", args.assignment, shlex.quote(str(args.folder)), "-o",
                 shlex.quote(str(out)), "--only-failed"] + (["-j", str(args.jobs)] if args.jobs else [])
        print(f"interrupted: the reports cover the submissions graded so far; to grade the rest, run\n  "
              f"{' '.join(again)}", file=sys.stderr)
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


def _new(args: argparse.Namespace) -> int:
    from .scaffold import ScaffoldError, new_assignment, next_steps

    try:
        written = new_assignment(args.name)
    except ScaffoldError as mistake:
        raise UsageError(str(mistake)) from None
    print("wrote " + ", ".join(str(p) for p in written))
    print(next_steps(args.name))
    return 0


def _template(args: argparse.Namespace) -> int:
    from .template import write_template
    print(write_template(args.assignment))
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from .gradescope import run
    return run(args.assignment, args.root)
