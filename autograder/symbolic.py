"""Symbolic answers: a whitelist parser and an equivalence test.

Student text is never given to ``eval``, ``sympify`` or ``parse_expr``. It is
NFKC-normalised and must then be ASCII; Python's tokenizer handles ``^`` and
implicit multiplication (``2n`` is ``2*n``); the syntax tree may hold only
numbers, declared symbols, a few named functions, + - * / ** and unary
minus; and the SymPy expression is built from that tree node by node, with
caps on length, size, integer digits and exponents.
"""
from __future__ import annotations

import ast
import io
import signal
import threading
import time
import tokenize
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import sympy

from .answers import Symbols  # noqa: F401 - where the symbols are declared, without SymPy

MAX_LENGTH = 300
MAX_NODES = 200
MAX_DIGITS = 30
MAX_EXPONENT = 100
MAX_RESULT_DIGITS = 1000  # a number built from an answer: 9^99 is fine, (9^99)^99 is not, nor 99^99*98^99*...
MAX_RESULT_BITS = int(MAX_RESULT_DIGITS * 3.33)  # checked on every intermediate result, products included
MAX_EXP_ARGUMENT = 1000  # exp(1000) has 435 digits; exp(exp(20)) would have 200 million
MAX_PERIODIC_ARGUMENT = 10**6  # sin of a huge number needs that number to full precision
EVALUATION_SECONDS = 5.0
FUNCTIONS: dict[str, Callable] = {"sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin,
                                  "cos": sympy.cos, "tanh": sympy.tanh, "Abs": sympy.Abs, "abs": sympy.Abs}
CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
             ast.Div: lambda a, b: a / b}


class AnswerError(ValueError):
    """The answer cannot be read; the message says why, for the student."""


class UnknownName(AnswerError):
    """The answer uses a name it may not; ``name`` says which."""

    def __init__(self, message: str, name: str):
        super().__init__(message)
        self.name = name


def _table(symbols: Symbols) -> dict[str, sympy.Symbol]:
    kind = {"positive": True, "integer": True} if symbols.positive_integers else {"positive": True}
    return {name: sympy.Symbol(name, **kind) for name in symbols.names}


def parse_answer(answer: Any, symbols: Symbols = Symbols()) -> sympy.Expr:
    """A SymPy expression from a student's answer: text, a number, or SymPy's printed form."""
    if isinstance(answer, bool):
        raise AnswerError(f"expected a formula or a number, got the bool {answer}")
    if isinstance(answer, int):
        return sympy.Integer(answer)
    if isinstance(answer, float):
        return sympy.Rational(repr(answer)) if abs(answer) < 1e30 else sympy.Float(answer)
    if not isinstance(answer, str):
        raise AnswerError(f"expected a formula as a string, got {type(answer).__name__}")
    if len(answer) > MAX_LENGTH:
        raise AnswerError(f"the answer is {len(answer)} characters long; the limit is {MAX_LENGTH}")
    text = unicodedata.normalize("NFKC", answer)
    odd = sorted({c for c in text if not c.isascii() or (not c.isprintable() and c not in " \t")})
    if odd:
        raise AnswerError(f"the answer contains {', '.join(repr(c) for c in odd)}; write it in plain ASCII "
                          "(sqrt(2), not \u221a2; n**2 or n^2, not n\u00b2)")
    tree = _syntax_tree(_tokens_to_source(text))
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise AnswerError(f"the answer is too long (more than {MAX_NODES} parts)")
    return _Builder(_table(symbols)).build(tree.body)


def _tokens_to_source(text: str) -> str:
    """Python source for the answer: ``^`` as ``**``, implicit products made explicit."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                  if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                                    tokenize.DEDENT)]
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise AnswerError(f"could not read the answer: {exc.args[0]}") from None
    parts: list[str] = []
    previous = None
    for tok in tokens:
        piece = "**" if tok.string == "^" else tok.string
        if previous is not None and _implicit_product(previous, tok):
            parts.append("*")
        parts.append(piece)
        previous = tok
    return " ".join(parts)


def _implicit_product(left: tokenize.TokenInfo, right: tokenize.TokenInfo) -> bool:
    ends_value = left.type == tokenize.NUMBER or left.string == ")" or (
        left.type == tokenize.NAME and left.string not in FUNCTIONS)
    starts_value = right.type in (tokenize.NUMBER, tokenize.NAME) or right.string == "("
    return ends_value and starts_value and not (left.type == tokenize.NAME and right.string == "(")


def _syntax_tree(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        message = exc.msg if isinstance(exc, SyntaxError) else "it is nested too deeply"
        raise AnswerError(f"could not read the answer: {message}") from None


class _Builder:
    def __init__(self, table: dict[str, sympy.Symbol]):
        self.table = table

    def build(self, node: ast.AST) -> sympy.Expr:
        value = self._build(node)
        if value.is_Rational and max(abs(value.p).bit_length(), value.q.bit_length()) > MAX_RESULT_BITS:
            raise AnswerError(f"the answer holds a number of more than {MAX_RESULT_DIGITS} digits")
        return value

    def _build(self, node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return self._number(node.value)
        if isinstance(node, ast.Name):
            if node.id in self.table:
                return self.table[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            allowed = ", ".join(self.table) or "no symbols"
            raise UnknownName(f"unknown name {node.id!r} (this answer may use {allowed}; "
                              "write products with *, e.g. n*m, not nm)", node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.build(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return self._power(self.build(node.left), self.build(node.right))
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
            return OPERATORS[type(node.op)](self.build(node.left), self.build(node.right))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise AnswerError(f"only these functions are allowed: {', '.join(sorted(FUNCTIONS))}")
            if node.keywords or len(node.args) != 1:
                raise AnswerError(f"{node.func.id} takes exactly one argument")
            argument = self.build(node.args[0])
            _bound_argument(node.func.id, argument)
            return FUNCTIONS[node.func.id](argument)
        raise AnswerError(f"not allowed in a formula: {_describe_node(node)}")

    @staticmethod
    def _number(value: Any) -> sympy.Expr:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise AnswerError(f"not allowed in a formula: the literal {str(value)[:20]!r}")
        if isinstance(value, int):
            if len(str(value)) > MAX_DIGITS:
                raise AnswerError(f"integers are limited to {MAX_DIGITS} digits")
            return sympy.Integer(value)
        if not abs(value) < 1e30:
            raise AnswerError("numbers must be finite and below 1e30")
        return sympy.Rational(repr(value))

    @staticmethod
    def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
        if exponent.is_number and (not exponent.is_finite or abs(sympy.N(exponent, 15)) > MAX_EXPONENT):
            raise AnswerError(f"exponents are limited to {MAX_EXPONENT} in absolute value")
        if base.is_number and exponent.is_number and base != 0:
            digits = abs(sympy.N(exponent, 15)) * abs(sympy.log(abs(sympy.N(base, 15)), 10).evalf(15))
            if digits > MAX_RESULT_DIGITS:
                raise AnswerError(f"the answer holds a number of about {int(digits)} digits; the limit is "
                                  f"{MAX_RESULT_DIGITS}")
        result = base ** exponent  # SymPy may merge towers: (n^99)^99 becomes n^9801
        _, merged = result.as_base_exp()
        if merged.is_number and abs(sympy.N(merged, 15)) > MAX_EXPONENT:
            raise AnswerError(f"exponents are limited to {MAX_EXPONENT} in absolute value")
        return result


def _bound_argument(function: str, argument: sympy.Expr) -> None:
    """Refuse a numeric argument that makes evaluating the function astronomically expensive."""
    if not argument.is_number:
        return
    size = abs(sympy.N(argument, 15))
    limit = MAX_EXP_ARGUMENT if function == "exp" else MAX_PERIODIC_ARGUMENT if function in ("sin", "cos") else None
    if limit is not None and size.is_finite and size > limit:
        raise AnswerError(f"{function} of a number as large as {sympy.N(size, 3)} is not a plausible answer "
                          f"(the limit is {limit})")


def _describe_node(node: ast.AST) -> str:
    names = {ast.Attribute: "attribute access (.)", ast.Subscript: "indexing ([])", ast.Lambda: "lambda",
             ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.Call: "this call"}
    return names.get(type(node), type(node).__name__)


def shown(expr: sympy.Expr) -> str:
    """How an expression is echoed to a student: 'we read your answer as ...'."""
    return sympy.sstr(expr).replace("**", "^")


class _Expired(BaseException):
    """One time limit's alarm; a BaseException so that SymPy's own ``except Exception`` cannot swallow it."""

    def __init__(self, token: object):
        super().__init__()
        self.token = token


_deadlines: list[tuple[float, object]] = []  # the open time limits, outermost first


def _arm() -> None:
    if _deadlines:
        signal.setitimer(signal.ITIMER_REAL, max(1e-3, min(d for d, _ in _deadlines) - time.monotonic()))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _expire(signum: int, frame: object) -> None:
    expired = [token for deadline, token in _deadlines if deadline <= time.monotonic() + 1e-3]
    if expired:
        raise _Expired(expired[0])
    _arm()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds``; no limit elsewhere, nor on Windows (no
    interval timer: a student checking on their own machine; Gradescope and TAs grade on Linux).

    Limits nest: an outer limit that expires inside an inner one ends both,
    and the inner one's handler never mistakes it for its own.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    token = object()
    entry = (time.monotonic() + seconds, token)
    previous = signal.signal(signal.SIGALRM, _expire) if not _deadlines else None
    _deadlines.append(entry)
    _arm()
    try:
        yield
    except _Expired as alarm:
        if alarm.token is token:
            raise TimeoutError from None
        raise
    finally:
        _deadlines.remove(entry)
        _arm()
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)


SAMPLES = (1, 2, 3, 5, 7, 10, 13, 64, 100, 1000, 4096, 99991)


@dataclass(frozen=True)
class Verdict:
    equivalent: bool
    message: str


def equivalent(student: sympy.Expr, expected: sympy.Expr, *, simplify_seconds: float = 2.0,
               seconds: float = EVALUATION_SECONDS) -> Verdict:
    """Mathematical equivalence under the symbols' assumptions.

    Structural equality, then ``simplify(a - b) == 0`` under a time limit,
    then agreement at sample points (exact where both sides are rational,
    else 30 digits with a relative tolerance); one counterexample decides.
    The whole comparison has a time limit too: an answer whose evaluation
    takes longer is not judged equivalent.
    """
    try:
        with time_limit(seconds):
            return _equivalent(student, expected, simplify_seconds)
    except TimeoutError:
        return Verdict(False, f"your answer could not be evaluated within {seconds:g} s; write it in a simpler form")


def _equivalent(student: sympy.Expr, expected: sympy.Expr, simplify_seconds: float) -> Verdict:
    if student == expected:
        return Verdict(True, "")
    try:
        with time_limit(simplify_seconds):
            if sympy.simplify(student - expected) == 0:
                return Verdict(True, "")
    except TimeoutError:
        pass
    free = sorted(student.free_symbols | expected.free_symbols, key=lambda s: s.name)
    agreed = 0
    for i in range(len(SAMPLES) * 2):
        point = {s: sympy.Integer(SAMPLES[(i * (k + 2) + k) % len(SAMPLES)]) for k, s in enumerate(free)}
        want, got = expected.subs(point), student.subs(point)
        if not (want.is_finite and want.is_real):
            continue
        if not (got.is_finite and got.is_real) or not _same(want, got):
            at = ", ".join(f"{s}={v}" for s, v in point.items())
            return Verdict(False, f"{'at ' + at + ': ' if at else ''}expected {shown(want)}, "
                                  f"your answer gives {shown(got)}")
        agreed += 1
        if not free:
            break
    if agreed:
        return Verdict(True, "")
    return Verdict(False, "could not confirm the answer: the expected formula is undefined at every sample point")


def _same(want: sympy.Expr, got: sympy.Expr) -> bool:
    if want.is_Rational and got.is_Rational:
        return want == got
    a, b = sympy.N(want, 30), sympy.N(got, 30)
    if a == 0:
        return abs(b) < sympy.Float("1e-20")
    return abs(a - b) <= sympy.Float("1e-12") * abs(a)
