"""Each COURSE.md mistake, in a small buggy submission, gets its verdict and its diagnosis."""
from __future__ import annotations

import pytest

from conftest import SUBMISSIONS

# file, check, score earned / weight, fragment of the message, diagnosis code
CASES = [
    ("python_list", "5.1", 0, "use nn.ModuleList", "python_list"),
    ("python_list", "5.4", 0, "registers no parameters", "python_list"),
    ("missing_padding", "5.2", 0, "needs padding=1", "missing_padding"),
    ("missing_padding", "5.1", 1, "", None),
    ("relu_module_call", "5.2", 0, "nn.ReLU(x) builds a ReLU module", "relu_module"),
    ("relu_class", "5.1", 0, "nn.ReLU was passed without ()", "relu_class"),
    ("relu_after_sum", "5.3", 0, "a ReLU after the sum", "relu_after_sum"),
    ("relu_after_sum", "5.2", 1, "", None),
    ("no_bias", "5.1", 0, "no bias (bias=False)", "no_bias"),
    ("unused_branch", "5.4", 0, "no (or an all-zero) gradient", "unused_parameters"),
    ("counts_without_biases", "4.1", 0, "the biases are left out", "forgot_biases"),
    ("counts_without_biases", "4.2", 0, "the biases are left out", "forgot_biases"),
    ("stm_count_grouped", "4.2", 0, "grouped-convolution form", "grouped_form"),
    ("product_variance", "2.2", 1, "", None),
    ("product_variance", "2.3", 0, "right only for one layer", "product_formula"),
    ("ones_jacobian", "3.1", 0, "all-ones matrix", "ones_not_identity"),
    ("grads_tanh_only", "3.2", 0.5, "4 of 8 networks correct", None),
    ("column_theta", "6.3", 0, "shape (8, 1), expected (8,)", "column_vector"),
    ("column_theta", "6.1", 1, "", None),
    ("inplace_solve", "6.4", 0, "modified X and y in place", "modified_input"),
    ("double_lamda", "6.1", 0, "not 2*lamda*theta", "lamda_scale"),
    ("torch_solve", "6.1", 1, "returned a torch.Tensor; converted to a NumPy array", None),
    ("mean_error", "6.5", 0, "the mean squared error", "not_norm"),
    ("sigmoid_commutes", "1.2", 0, "sigmoid(0) = 1/2", "wrong_value"),
    ("sigmoid_commutes", "1.1", 1, "", None),
    ("sigmoid_commutes", "2.1", 0, "we read your answer as 1/2", "wrong_value"),
    ("dd_std_over_p", "6.8", 0, "standard deviation is 1/sqrt(p)", "w_std"),
    ("dd_tuned_on_test", "6.9", 0, "tuned on the test set", "tuned_on_test"),
    ("dd_tuned_on_test", "6.8", 1, "", None),
]


@pytest.mark.parametrize("name, number, fraction, fragment, diagnosis", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_mistake_is_diagnosed(grade_hw6, name, number, fraction, fragment, diagnosis):
    result = grade_hw6(SUBMISSIONS / "hw6" / f"{name}.py")["by_number"][number]
    assert result.outcome.fraction == pytest.approx(fraction), result.outcome.message
    assert fragment in result.outcome.message
    assert result.outcome.diagnosis == diagnosis, result.outcome.message
