"""C7's check tells our sampler from a wrong one, and accepts it against torchvision-style draws."""

import pandas as pd
import torch

from mnist_helpers.augment.transforms import sample_shah_params
from mnist_helpers.claims.sampler_check import PARAMS, compare_params, our_params, params_match, reference_params

N = 4000  # draws per side: enough to see a 20% change of a range
N_MATCH = 20000  # draws per side for the acceptance test (the C7 notebook default)


def test_our_sampler_matches_torchvision_style_draws():
    table = compare_params(our_params(N_MATCH, seed=1), reference_params(N_MATCH, seed=2))
    assert params_match(table) and list(table.index) == list(PARAMS)


def test_a_sampler_with_wider_rotation_and_shift_is_rejected():
    wrong = sample_shah_params(N, 28, 28, torch.Generator().manual_seed(1), degrees=12.0, translate=(0.15, 0.15))
    table = compare_params(pd.DataFrame({k: getattr(wrong, k).numpy() for k in PARAMS}), reference_params(N, seed=2))
    assert not params_match(table) and table.loc["angle_deg", "rejects"] and table.loc["tx", "rejects"]


def test_reference_draws_leave_torchs_global_generator_as_they_found_it():
    torch.manual_seed(7)
    before = torch.rand(1)
    torch.manual_seed(7)
    reference_params(10)
    assert torch.equal(torch.rand(1), before)


def test_params_verdict_names_the_rejected_parameters():
    from mnist_helpers.claims.sampler_check import params_verdict

    wrong = sample_shah_params(N, 28, 28, torch.Generator().manual_seed(1), degrees=12.0)
    table = compare_params(pd.DataFrame({k: getattr(wrong, k).numpy() for k in PARAMS}), reference_params(N, seed=2))
    verdict = params_verdict(table, N)
    assert verdict.verdict == "corrected" and "angle_deg" in verdict.found
