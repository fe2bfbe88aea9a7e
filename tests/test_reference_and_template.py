"""The reference earns every point; the untouched template earns none, without a crash."""
from __future__ import annotations

import torch

from autograder.assignments import ASSIGNMENTS, load, load_reference
from autograder.grading import grade
from autograder.seeds import PRACTICE_SEED
from autograder.template import strip_solutions, template_path, MarkerError
from autograder.assignments import reference_path
from autograder.mutations import apply_mutation
from conftest import ROOT

import pytest


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks(grade_submission, assignment):
    graded = grade_submission(assignment, ROOT / "reference" / f"{assignment}.py")["graded"]
    lost = {r.check.name: r.outcome.message for r in graded.results if not r.passed}
    assert lost == {}
    assert graded.score == load(assignment).total


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("seed", [PRACTICE_SEED, 987_654_321])
def test_reference_scores_full_marks_on_other_seeds(fork_server, assignment, seed):
    """Gradescope grades on a secret seed drawn when its zip is built: any seed must be fair."""
    graded = grade(assignment, ROOT / "reference" / f"{assignment}.py", fork_server, seed=seed)
    assert {r.check.name: r.outcome.message for r in graded.results if not r.passed} == {}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_template_scores_zero_and_says_not_implemented(grade_submission, assignment):
    graded = grade_submission(assignment, ROOT / "student_template" / f"{assignment}.py")["graded"]
    assert graded.score == 0
    assert {r.outcome.diagnosis for r in graded.results} == {"not_implemented"}
    for r in graded.results:
        assert "not implemented yet" in r.outcome.message or "is still None" in r.outcome.message


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_template_matches_a_fresh_generation(assignment):
    fresh = strip_solutions(reference_path(assignment).read_text())
    assert template_path(assignment).read_text() == fresh, f"run: python -m autograder template {assignment}"


def test_template_holds_no_solution():
    text = template_path("hw6").read_text()
    assert "SOLUTION" not in text and "np.linalg.solve" not in text and "nn.ModuleList" not in text
    assert "def draw_double_descent_data" in text  # the givens stay


def test_unbalanced_markers_are_refused():
    with pytest.raises(MarkerError):
        strip_solutions("def f():\n    # BEGIN SOLUTION\n    return 1\n")


def test_reference_counts_match_the_modules_and_course_figures():
    ref = load_reference("hw6")
    assert ref.PARAMS_STM == sum(p.numel() for p in ref.STMConvLayer().parameters()) == 78592
    assert ref.PARAMS_PLAIN == 213504


def test_reference_jacobian_and_gradients_match_autograd():
    import numpy as np
    from autograder.assignments.hw6 import _residual_grads_autograd

    ref = load_reference("hw6")
    rng = np.random.default_rng(1)
    shapes = [(4, 3), (4, 4), (4, 4), (1, 4)]
    As, bs, x = [rng.standard_normal(s) for s in shapes], [rng.standard_normal(s[0]) for s in shapes], rng.standard_normal(3)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    dAs, dbs = ref.residual_param_grads(As, bs, x, sig, lambda z: sig(z) * (1 - sig(z)))
    eA, eb = _residual_grads_autograd(As, bs, x, torch.sigmoid)
    for got, want in zip(dAs + dbs, eA + eb):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_double_descent_mistake_model_without_mistakes_is_the_reference():
    import numpy as np
    from autograder.assignments.hw6 import NUM_PARAMS, _double_descent_variant

    ref = load_reference("hw6")
    for lamda in (0.01, None):
        np.testing.assert_allclose(_double_descent_variant(0, lamda, "1/sqrt(p)", "val"),
                                   ref.double_descent(NUM_PARAMS, lamda, 0), rtol=1e-8)


FLOAT32_HW6 = '''

# ---- the same solutions, computed in float32 (tests/test_reference_and_template.py)
_f64 = dict(output_variance=output_variance, residual_jacobian=residual_jacobian,
            residual_param_grads=residual_param_grads, solve_lsqr=solve_lsqr, get_error=get_error,
            random_features=random_features, relu=relu)


def _f32(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_f32(v) for v in value)
    return np.asarray(value, dtype=np.float32) if isinstance(value, np.ndarray) else value


def output_variance(widths):
    return np.float32(_f64["output_variance"](widths))


def residual_jacobian(A, b, y_prev, sigma_prime):
    return _f64["residual_jacobian"](_f32(A), _f32(b), _f32(y_prev), sigma_prime)


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    return _f64["residual_param_grads"](_f32(As), _f32(bs), _f32(x), sigma, sigma_prime)


def solve_lsqr(X, y, lamda):
    return _f64["solve_lsqr"](_f32(X), _f32(y), np.float32(lamda))


def get_error(X, y, theta):
    return _f64["get_error"](_f32(X), _f32(y), _f32(theta))


def random_features(X, W):
    return _f64["random_features"](_f32(X), _f32(W))


def relu(x):
    return _f64["relu"](_f32(x))
'''


def test_correct_solutions_in_float32_earn_every_point_and_are_told_so(grade_submission, tmp_path):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text() + FLOAT32_HW6)
    results = grade_submission("hw6", path)["by_number"]
    assert {n: r.outcome.message for n, r in results.items() if not r.passed} == {}
    for number in ("2.2", "2.3", "6.5", "6.6", "6.7"):  # those that come back as float32 (np.eye upcasts the others)
        assert "compared at float32 precision: your value is float32" in results[number].outcome.message


GROUPED_STM = '''

class STMConvLayer(nn.Module):
    """The 32 branches as grouped convolutions, each branch's output kept apart until the sum."""

    def __init__(self):
        super().__init__()
        self.reduce = nn.Conv2d(256, 128, 1)
        self.transform = nn.Conv2d(128, 128, 3, padding=1, groups=32)
        self.expand = nn.Conv2d(128, 32 * 256, 1, groups=32)

    def forward(self, x):
        h = torch.relu(self.transform(torch.relu(self.reduce(x))))
        return torch.relu(self.expand(h)).view(x.shape[0], 32, 256, *x.shape[2:]).sum(1)
'''
STACKED_STM = '''

import torch.nn.functional as F


class STMConvLayer(nn.Module):
    """The branches' weights stacked in parameters of their own, used through F.conv2d."""

    def __init__(self):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(torch.randn(32, 4, 256, 1, 1)), nn.Parameter(torch.zeros(32, 4))
        self.w2, self.b2 = nn.Parameter(torch.randn(32, 4, 4, 3, 3)), nn.Parameter(torch.zeros(32, 4))
        self.w3, self.b3 = nn.Parameter(torch.randn(32, 256, 4, 1, 1)), nn.Parameter(torch.zeros(32, 256))

    def forward(self, x):
        out = 0
        for b in range(32):
            h = F.relu(F.conv2d(x, self.w1[b], self.b1[b]))
            h = F.relu(F.conv2d(h, self.w2[b], self.b2[b], padding=1))
            out = out + F.relu(F.conv2d(h, self.w3[b], self.b3[b]))
        return out
'''
EINSUM_STM = '''

import torch.nn.functional as F


class STMConvLayer(nn.Module):
    """1x1 kernels as stacked matrices applied with einsum, the 3x3 ones as one grouped convolution."""

    def __init__(self):
        super().__init__()
        self.w1, self.b1 = nn.Parameter(torch.randn(32, 4, 256) / 16), nn.Parameter(torch.zeros(32, 4))
        self.w2, self.b2 = nn.Parameter(torch.randn(32, 4, 4, 3, 3) / 6), nn.Parameter(torch.zeros(32, 4))
        self.w3, self.b3 = nn.Parameter(torch.randn(32, 256, 4) / 2), nn.Parameter(torch.zeros(32, 256))

    def forward(self, x):
        n, _, h, w = x.shape
        z = F.relu(torch.einsum("nchw,gkc->ngkhw", x, self.w1) + self.b1[None, :, :, None, None])
        z = F.conv2d(z.reshape(n, 128, h, w), self.w2.reshape(128, 4, 3, 3), self.b2.reshape(128), padding=1,
                     groups=32)
        z = F.relu(z).reshape(n, 32, 4, h, w)
        return F.relu(torch.einsum("ngkhw,gck->ngchw", z, self.w3) + self.b3[None, :, :, None, None]).sum(1)
'''
# both 1x1 stages stored (32, 256, 4): the first as (in, out), the third as (out, in); biases shaped to broadcast
TRANSPOSED_STM = EINSUM_STM.replace("torch.randn(32, 4, 256) / 16", "torch.randn(32, 256, 4) / 16").replace(
    '"nchw,gkc->ngkhw"', '"nchw,gck->ngkhw"').replace("torch.zeros(32, 4))\n        self.w2", "torch.zeros(1, 32, 4, 1, 1))\n        self.w2").replace(
    "self.b1[None, :, :, None, None]", "self.b1")
LINEAR_STM = '''

class _Branch(nn.Module):
    def __init__(self):
        super().__init__()
        self.down, self.mid, self.up = nn.Linear(256, 4), nn.Conv2d(4, 4, 3, padding=1), nn.Linear(4, 256)

    def forward(self, x):  # channels last for the linear layers
        z = torch.relu(self.down(x.permute(0, 2, 3, 1))).permute(0, 3, 1, 2)
        z = torch.relu(self.mid(z))
        return torch.relu(self.up(z.permute(0, 2, 3, 1))).permute(0, 3, 1, 2)


class STMConvLayer(nn.Module):
    """Each 1x1 convolution as an nn.Linear over the channels."""

    def __init__(self):
        super().__init__()
        self.branches = nn.ModuleList(_Branch() for _ in range(32))

    def forward(self, x):
        return sum(b(x) for b in self.branches)
'''
FLAT_STM = STACKED_STM.replace("class STMConvLayer(nn.Module):", "class _Stacked(nn.Module):") + '''

class STMConvLayer(nn.Module):
    """Every weight in one flat vector, cut up at each call: a layout no replay maps."""

    def __init__(self):
        super().__init__()
        self.flat = nn.Parameter(torch.cat([p.detach().reshape(-1) for p in _Stacked().parameters()]))

    def forward(self, x):
        pieces, start = {}, 0
        for name, p in _Stacked().named_parameters():
            pieces[name], start = self.flat[start:start + p.numel()].view(p.shape), start + p.numel()
        out = 0
        for b in range(32):
            h = F.relu(F.conv2d(x, pieces["w1"][b], pieces["b1"][b]))
            h = F.relu(F.conv2d(h, pieces["w2"][b], pieces["b2"][b], padding=1))
            out = out + F.relu(F.conv2d(h, pieces["w3"][b], pieces["b3"][b]))
        return out
'''


@pytest.mark.parametrize("layout", [GROUPED_STM, STACKED_STM, EINSUM_STM, TRANSPOSED_STM, LINEAR_STM],
                         ids=["grouped", "stacked", "einsum", "transposed", "linear"])
def test_unusual_correct_stm_layouts_earn_every_point(grade_submission, tmp_path, layout):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text() + layout)
    results = grade_submission("hw6", path)["by_number"]
    assert {n: r.outcome.message for n, r in results.items() if not r.passed} == {}


@pytest.mark.parametrize("layout", [EINSUM_STM, TRANSPOSED_STM], ids=["einsum", "transposed"])
def test_a_mapped_layout_missing_its_middle_relu_loses_the_output_check(grade_submission, tmp_path, layout):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text() + layout.replace(
        "z = F.relu(z).reshape", "z = z.reshape"))
    results = grade_submission("hw6", path)["by_number"]
    assert {n for n, r in results.items() if not r.passed} == {"5.1", "5.3", "5.4"}
    assert results["5.3"].outcome.diagnosis == "wrong_output"
    assert "output differs from the reference run with the same weights" in results["5.3"].outcome.message


def test_a_correct_block_no_replay_can_map_is_flagged_for_staff(grade_submission, tmp_path):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text() + FLAT_STM)
    results = grade_submission("hw6", path)["by_number"]
    # nothing the grader did not verify earns points: staff give them after a look
    assert results["5.3"].score == 0 and results["5.3"].outcome.diagnosis == "needs_review"
    assert "flagged for the course staff" in results["5.3"].outcome.message
    assert results["5.1"].score == 0  # the count's points need a block that was verified


def _answers(assignment: str) -> set[str]:
    """The constant answers students are asked for, as a title or message could state them: numbers (with
    and without thousands separators), formulas as written, and each item of a set or dict."""
    import ast

    template = ast.parse(template_path(assignment).read_text())
    asked = {t.id for n in template.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
             and n.value.value is None for t in n.targets if isinstance(t, ast.Name)}  # what students answer
    reference = vars(load_reference(assignment))
    # a function of no arguments is an answer too, and so is the total of its numbers (vgg11_param_counts)
    values = [reference[name] for name in asked]
    for node in template.body:
        if isinstance(node, ast.FunctionDef) and not node.args.args:
            numbers = [v for v in _leaves(reference[node.name]()) if isinstance(v, int) and not isinstance(v, bool)]
            values += numbers + [sum(numbers)]
    found = set()
    for value in values:
        if isinstance(value, bool):
            continue  # True and False are words of ordinary sentences
        if isinstance(value, int) and abs(value) >= 10:
            found |= {str(value), f"{value:,}"}
        elif isinstance(value, str) and len(value) > 3:
            found.add(value)
    return found


def _leaves(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_title_states_an_answer(assignment):
    answers = _answers(assignment)
    leaks = [(c.name, a) for c in load(assignment).checks for a in answers if a in c.title]
    assert not leaks


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_visible_message_states_a_constant_answer(grade_submission, assignment):
    """What a student is told at submission time (the template's failures) never gives an answer away."""
    answers = _answers(assignment)
    graded = grade_submission(assignment, ROOT / "student_template" / f"{assignment}.py")["graded"]
    leaks = [(r.check.name, a) for r in graded.results if r.check.visibility == "visible"
             for a in answers if a in r.outcome.message]
    assert not leaks


def test_a_failed_count_does_not_state_the_answer_of_another_check(grade_submission):
    results = grade_submission("hw6", ROOT / "examples" / "hw6.py")["by_number"]
    assert results["5.1"].score == 0 and "78592" not in results["5.1"].outcome.message


UNUSUAL_CORRECT = {
    # counts computed with "/" are floats, and exactly right
    "dl_hw2": "\n_counts = vgg11_param_counts\n\ndef vgg11_param_counts():\n"
              "    return [(name, count * 2 / 2) for name, count in _counts()]\n",
    # a namedtuple is a tuple
    "midterm": "\nfrom collections import namedtuple as _nt\n_Hyper = _nt('AdamHyper', 'beta1 beta2 eps')\n"
               "_signsgd = adam_params_for_signsgd\n\ndef adam_params_for_signsgd():\n"
               "    return _Hyper(*_signsgd())\n",
}


@pytest.mark.parametrize("assignment", UNUSUAL_CORRECT)
def test_unusual_but_correct_answers_earn_every_point(grade_submission, tmp_path, assignment):
    path = tmp_path / f"{assignment}.py"
    path.write_text((ROOT / "reference" / f"{assignment}.py").read_text() + UNUSUAL_CORRECT[assignment])
    results = grade_submission(assignment, path)["by_number"]
    assert {n: r.outcome.message for n, r in results.items() if not r.passed} == {}


CORRECT = sorted((p.parent.name, p) for p in (ROOT / "tests" / "correct").glob("*/*.mutation"))


@pytest.mark.parametrize("assignment, mutation", CORRECT, ids=[f"{a}-{p.stem}" for a, p in CORRECT])
def test_correct_solutions_in_unusual_styles_earn_every_point(grade_submission, tmp_path, assignment, mutation):
    """tests/correct/<assignment>/: the reference rewritten as students write right answers (nn.Sigmoid
    modules, a DataLoader in order, matmuls of transposes, a dict for a list of pairs, a column for a vector,
    lists and tuples for arrays, a torch scalar for a float, NumPy's bool for True)."""
    path = tmp_path / f"{assignment}.py"
    path.write_text(apply_mutation((ROOT / "reference" / f"{assignment}.py").read_text(), mutation.read_text()))
    results = grade_submission(assignment, path)["by_number"]
    assert {n: r.outcome.message for n, r in results.items() if not r.passed} == {}
