"""Command line: grade, build, template, list, and Gradescope's entry point."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .assignments import ASSIGNMENTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one submission and print the score table")
    grade.add_argument("assignment", choices=ASSIGNMENTS)
    grade.add_argument("path", type=Path, help="a .py or .ipynb file, or a folder holding one")
    grade.add_argument("--json", type=Path, metavar="OUT", help="also write Gradescope's results.json here")
    grade.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    grade.add_argument("--details", action="store_true", help="print every lost point's full message")
    grade.add_argument("--unsafe-in-process", action="store_true",
                       help="run student code inside the grader, unisolated (benchmarking only)")

    build = commands.add_parser("build", help="write the Gradescope autograder zip")
    build.add_argument("assignment", choices=ASSIGNMENTS)
    build.add_argument("-o", "--out", type=Path, default=Path("dist"))

    template = commands.add_parser("template", help="regenerate student_template/<assignment>.py")
    template.add_argument("assignment", choices=ASSIGNMENTS)

    commands.add_parser("list", help="the assignments and their points")

    gradescope = commands.add_parser("gradescope", help="Gradescope's entry point (run_autograder calls it)")
    gradescope.add_argument("assignment", choices=ASSIGNMENTS)
    gradescope.add_argument("--root", type=Path, default=Path("/autograder"))

    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def _grade(args: argparse.Namespace) -> int:
    from .assignments import SHARED_IMPORTS
    from .grading import grade
    from .report import details, table
    from .results import gradescope_document, validate, write_atomically
    from .sandbox import ForkServer

    # before any reference is loaded
    server = None if args.unsafe_in_process else ForkServer(SHARED_IMPORTS.get(args.assignment, ()))
    graded = grade(args.assignment, args.path, server, seed=args.seed)
    print(table(graded))
    if args.details and details(graded):
        print("\n" + details(graded))
    if args.json:
        document = gradescope_document(graded.results, execution_time=graded.seconds,
                                       output="\n".join(graded.notes))
        validate(document)
        write_atomically(document, args.json)
    if server is not None:
        server.close()
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import build_zip
    print(build_zip(args.assignment, args.out))
    return 0


def _template(args: argparse.Namespace) -> int:
    from .template import write_template
    print(write_template(args.assignment))
    return 0


def _list(args: argparse.Namespace) -> int:
    from .assignments import load
    for name in ASSIGNMENTS:
        assignment = load(name)
        print(f"{name:10} {len(assignment.checks):3} checks  {assignment.total:g} points")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from .gradescope import run
    return run(args.assignment, args.root)


COMMANDS = {"grade": _grade, "build": _build, "template": _template, "list": _list, "gradescope": _gradescope}

if __name__ == "__main__":
    sys.exit(main())
