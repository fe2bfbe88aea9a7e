"""Each COURSE.md mistake, in a small buggy submission, gets its verdict and its diagnosis."""
from __future__ import annotations

import pytest


# assignment, file, check, score earned / weight, fragment of the message, diagnosis code
HW6 = [
    ("python_list", "5.1", 0, "use nn.ModuleList", "python_list"),
    ("python_list", "5.4", 0, "registers no parameters", "python_list"),
    ("missing_padding", "5.2", 0, "needs padding=1", "missing_padding"),
    ("missing_padding", "5.1", 1, "", None),
    ("relu_module_call", "5.2", 0, "nn.ReLU(x) builds a ReLU module", "relu_module"),
    ("relu_class", "5.1", 0, "nn.ReLU was passed without ()", "relu_class"),
    ("relu_after_sum", "5.3", 0, "a ReLU after the sum", "relu_after_sum"),
    ("relu_after_sum", "5.2", 1, "", None),
    ("no_branch_end_relu", "5.3", 0, "the branches end without their last ReLU", "missing_branch_relu"),
    ("no_bias", "5.1", 0, "no bias (bias=False)", "no_bias"),
    ("unused_branch", "5.4", 0, "no (or an all-zero) gradient", "unused_parameters"),
    ("counts_without_biases", "4.1", 0, "the biases are left out", "forgot_biases"),
    ("counts_without_biases", "4.2", 0, "the biases are left out", "forgot_biases"),
    ("stm_count_grouped", "4.2", 0, "grouped-convolution form", "grouped_form"),
    ("product_variance", "2.2", 1, "", None),
    ("product_variance", "2.3", 0, "right only for one layer", "product_formula"),
    ("ones_jacobian", "3.1", 0, "all-ones matrix", "ones_not_identity"),
    ("grads_tanh_only", "3.2", 0.5, "4 of 8 cases correct; first failure, depth 3, sigma = sigmoid", None),
    ("column_theta", "6.3", 0, "shape (8, 1), expected (8,)", "column_vector"),
    ("column_theta", "6.1", 1, "", None),
    ("inplace_solve", "6.4", 0, "modified X and y in place", "modified_input"),
    ("double_lamda", "6.1", 0, "not 2*lamda*theta", "lamda_scale"),
    ("repeated_branch", "5.1", 0, "one branch module repeated 32 times", "repeated_branch"),
    ("columns_scaled", "3.1", 0, "scales the columns of A", "columns_scaled"),
    ("jacobian_transposed", "3.1", 0, "your Jacobian is transposed", "transposed"),
    ("lamda_broadcast", "6.1", 0, "adds lamda to every entry; the penalty is lamda times the identity",
     "lamda_broadcast"),
    ("torch_solve", "6.1", 1, "returned a torch.Tensor; converted to a NumPy array", None),
    ("mean_error", "6.5", 0, "the mean squared error", "not_norm"),
    ("sigmoid_commutes", "1.2", 0, "sigmoid(0) = 1/2", "wrong_value"),
    ("sigmoid_commutes", "1.1", 1, "", None),
    ("sigmoid_commutes", "2.1", 0, "we read your answer as 1/2", "wrong_value"),
    ("dd_std_over_p", "6.8", 0, "standard deviation is 1/sqrt(p)", "w_std"),
    ("dd_tuned_on_test", "6.9", 0, "tuned on the test set", "tuned_on_test"),
    ("dd_tuned_on_test", "6.8", 1, "", None),
    # other draws than the docstring's, and std 1/p: told by the curve's shape
    ("dd_randomstate_std_over_p", "6.8", 0, "falls with p and has no peak", "w_std"),
    ("grads_no_identity", "3.2", 0, "drops the skip connection's identity", "missing_identity"),
    ("grads_no_skip", "3.2", 0, "a network without skip connections", "no_skip"),
]


NYU_HW1 = [
    ("five_relu_slope_one", "2.1", 4 / 6, "f = 5 ReLU has derivative 5 * 1[z > 0]", "five_relu_derivative"),
    ("five_relu_slope_one", "2.2", 2 / 3, "f = 5 ReLU has derivative 5 * 1[z > 0]", "five_relu_derivative"),
    ("mse_without_two", "2.1", 0, "is 2 (y_hat - y), not (y_hat - y)", "mse_factor"),
    ("tanh_slope_unsquared", "2.1", 4 / 6, "tanh'(z) = 1 - tanh(z)^2; the square is missing", "tanh_derivative"),
    ("tanh_slope_unsquared", "2.2", 2 / 3, "tanh'(z) = 1 - tanh(z)^2; the square is missing", "tanh_derivative"),
    ("mse_without_two", "2.2", 1, "", None),
    ("bce_summed", "2.2", 0, "averaged over the K outputs", "bce_not_averaged"),
    # "/ 2" is right where K = 2 only: the checks use several K, n and m
    ("bce_mean_over_two", "2.2", 2 / 3, "is written / 2, which is right for K = 2 only", "bce_fixed_k"),
    # two mistakes: the first failing case shows one, and the other's cause is told as well
    ("slope_one_and_bce_summed", "2.2", 0,
     "also, in f = 'relu', g = 'sigmoid', sizes (5, 6, 3): likely cause: the cross-entropy",
     None),
    ("forward_plain_relu", "1.1", 4 / 6, "f = '5relu' is 5 ReLU(z)", "five_relu_forward"),
    ("updates_params_in_place", "2.3", 0, "modified params['W1'] in place", "modified_input"),
]
DL_HW2 = [
    ("risk_not_squared", "1.1", 0, "that is ||w - w_t||; the risk is its square", "not_squared"),
    ("risk_sampled", "1.1", 0, "a sample average", "sampled"),
    ("one_output_path", "2.1", 3 / 7, "each hidden unit feeds both outputs", "one_output_path"),
    ("one_output_path", "2.2", 9 / 21, "each hidden unit feeds both outputs", "one_output_path"),
    ("bias_not_summed", "2.1", 5 / 7, "the sum over both uses", "bias_not_summed"),
    # the published sample solution's own variant: b2's gradient through one output only
    ("b2_through_one_output", "2.1", 5 / 7, "the sum over both uses", "bias_not_summed"),
    ("b2_through_one_output", "2.2", 15 / 21, "the sum over both uses", "bias_not_summed"),
    ("vgg16_counts", "3.1", 0, "VGG-16 has 16 layers with parameters", "vgg16"),
    ("vgg16_counts", "3.2", 0, "those are VGG-16's numbers", "vgg16"),
    ("vgg_no_biases", "3.1", 3 / 11, "(the biases are left out)", "forgot_biases"),
    ("he_lecun", "4.1", 0, "LeCun's", "lecun"),
]
MIDTERM = [
    ("adam_momentum_kept", "1.1", 0, "beta1 = 0 makes m_t = g_t", "beta1"),
    ("signsgd_with_eps", "1.2", 0, "eps = 0, so that g / sqrt(g^2) = sign(g)", "wrong_value"),
    ("conv_all_channels", "2.2", 0, "only the diagonal of the channel axis", "off_diagonal"),
    ("conv_corner", "2.2", 0, "belongs at the centre (1, 1)", "off_centre"),
    ("conv_loop_from_one", "2.2", 0, "all zero for channel 0", "missing_channel"),
    ("last_weights_move", "3.1", 0, "A_L never moves", "a_l_moves"),
    ("limit_is_sum", "3.2", 0, "that is the sum", "sum"),
    ("he_without_half", "4.2", 0, "the ReLU halves the second moment", "no_half"),
    ("nin_one_based", "2.3", 0, "1-based positions", "one_based"),
    ("nin_floor_pool", "2.3", 2 / 3, "the pools use ceil_mode=True", "floor_pool"),
    ("nin_no_pool", "2.3", 0, "the positions before the block's 3x3 pool", "before_pool"),
]
HW3 = [
    ("relu_not_sigmoid", "1.3", 0, "ReLU instead of sigmoid", "relu"),
    ("layers_without_bias", "1.1", 0, "the layers have no bias", "no_bias"),
    ("layers_without_bias", "2.1", 1, "", None),  # init_weights and train are judged on the handout's MLP
    ("renamed_layers", "1.1", 0, "the right parameters under other names (fc1.weight, fc1.bias", "layer_names"),
    ("renamed_layers", "1.2", 1, "", None),  # the names are check 1.1's: the network's outputs are replayed
    ("renamed_layers", "1.3", 1, "", None),
    ("layers_without_bias", "3.1", 1, "", None),
    ("extra_sigmoid", "1.3", 0, "output differs from the reference run with the same weights", "wrong_output"),
    ("extra_sigmoid", "3.1", 1, "", None),
    ("init_only_l2", "2.2", 0, "default initialisation was left in place for l1", "default_init"),
    ("no_reshape", "1.2", 1 / 3, "mat1 and mat2 shapes cannot be multiplied", "exception"),
    ("no_reshape", "1.3", 1, "", None),
    ("default_init_kept", "2.2", 0, "default initialisation was left in place", "default_init"),
    ("default_init_kept", "2.1", 1, "", None),
    ("no_zero_grad", "3.1", 0, "optimizer.zero_grad() is missing", "no_zero_grad"),
    ("batches_reversed", "3.1", 0, "the batches are taken in the wrong order", "batch_order"),
    ("drop_last_batch", "3.1", 0, "the last, smaller batch of each epoch is left out", "drop_last"),
    ("losses_per_batch", "3.2", 0, "one loss per batch (3 epochs of 4 batches)", "per_batch"),
    ("losses_per_batch", "3.1", 1, "", None),
    ("last_batch_loss", "3.2", 0, "these are the loss of each epoch's last batch", "last_batch_loss"),
    ("epoch_losses_summed", "3.2", 0, "these are the sum of each epoch's batch losses", "losses_summed"),
    ("loss_summed", "3.1", 0, "the loss is summed over each batch (reduction='sum')", "loss_summed"),
    ("loss_summed", "3.2", 0, "the training itself differs from the reference's (check 3.1)", None),
    # the shape costs check 1.2 only: 1.3 compares the values
    ("output_squeezed", "1.2", 0, "expected shape (5, 1)", "wrong_shape"),
    ("output_squeezed", "1.3", 1, "compared after reshaping your output to (7, 1)", None),
    ("batches_shuffled", "3.1", 0, "the batches are shuffled (torch.randperm)", "shuffled"),
    ("dataloader_shuffled", "3.1", 0, "the batches are shuffled (DataLoader(..., shuffle=True))", "shuffled"),
    ("xavier_init", "2.2", 0, "Xavier (Glorot) initialisation", "xavier_init"),
    ("lecun_init", "2.2", 0, "LeCun initialisation", "lecun_init"),
    ("missing_row_sum_back", "5.2", 0, "tanh(z) = 2 sigmoid(2z) - 1", "missing_row_sum"),
    ("same_factor", "5.1", 0, "the same factor at every layer", "same_factor"),
    ("missing_row_sum", "5.1", 0, "the row-sum term is missing", "missing_row_sum"),
    ("lipschitz_one", "6.2", 0, "1 is a valid Lipschitz bound, but not the smallest", "not_smallest"),
]
CASES = ([("hw3", *c) for c in HW3] + [("hw6", *c) for c in HW6] + [("nyu_hw1", *c) for c in NYU_HW1] + [("dl_hw2", *c) for c in DL_HW2]
         + [("midterm", *c) for c in MIDTERM])


@pytest.mark.parametrize("assignment, name, number, fraction, fragment, diagnosis", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_mistake_is_diagnosed(grade_submission, submission_file, assignment, name, number, fraction, fragment,
                              diagnosis):
    result = grade_submission(assignment, submission_file(assignment, name))["by_number"][number]
    assert result.outcome.fraction == pytest.approx(fraction), result.outcome.message
    assert fragment in result.outcome.message
    assert result.outcome.diagnosis == diagnosis, result.outcome.message
