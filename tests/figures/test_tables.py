"""The chapters' result tables: the right numbers in the right rows, formatted as the book shows them."""

import numpy as np
import pytest

from mnist_helpers.claims.verdicts import Verdict
from mnist_helpers.figures import tables
from mnist_helpers.recipes.saved import Trained
from mnist_helpers.training.history import History

Y = np.array([0, 1, 2, 3])


def run(test_accs: list[float], wrong: int = 0) -> Trained:
    """A fake trained classifier: a history with these per-epoch test accuracies (fractions), and one-hot outputs
    on Y with the first `wrong` images misread."""
    history = History()
    for epoch, acc in enumerate(test_accs, start=1):
        history.append(epoch=epoch, train_loss=1.0, train_acc=acc, test_loss=1.0, test_acc=acc, lr=1e-3, seconds=0.1)
    pred = Y.copy()
    pred[:wrong] = (pred[:wrong] + 1) % 4
    probs = np.full((len(Y), 10), 0.01)
    probs[np.arange(len(Y)), pred] = 0.91
    return Trained("fake", None, history, probs, reused=False)


def verdict(difference: float) -> Verdict:
    return Verdict("same", difference, difference - 0.5, difference + 0.5, 90.0, 90.0 + difference, 0.1, 2, 1.0)


def test_seed_readings_give_last_and_best_epoch_and_the_final_models_test_metrics():
    table = tables.seed_readings([run([0.5, 0.9, 0.8]), run([0.6, 0.7], wrong=1)], [3, 7], Y)
    assert list(table.index) == ["seed 3", "seed 7"]
    assert table.loc["seed 3", "last epoch (%)"] == pytest.approx(80.0)
    assert table.loc["seed 3", "best epoch (%), optimistic"] == pytest.approx(90.0)
    assert table.loc["seed 3", "best at epoch"] == 2
    assert table.loc["seed 3", "test loss"] < table.loc["seed 7", "test loss"]  # seed 7 misreads an image
    assert list(table.columns) == ["last epoch (%)", "best epoch (%), optimistic", "best at epoch", "test loss", "ECE"]


def test_formatted_writes_percent_columns_as_text_and_rounds_the_rest():
    table = tables.formatted(tables.seed_readings([run([0.5, 0.98765])], [0], Y), digits=2)
    assert table.loc["seed 0", "last epoch (%)"] == "98.77%"
    assert table.loc["seed 0", "test loss"] == round(table.loc["seed 0", "test loss"], 2)
    assert table.loc["seed 0", "best at epoch"] == 2


def test_arm_accuracies_read_the_headline_at_the_epoch_and_each_arm_at_its_last():
    headline = [run([0.5, 0.6, 0.9]), run([0.55, 0.65, 0.95])]
    arm_runs = [run([0.7]), run([0.72]), run([0.8]), run([0.82])]  # arm by arm, two seeds each
    accs = tables.arm_accuracies("headline", headline, ["a", "b"], arm_runs, epoch=2)
    assert list(accs) == ["headline", "a", "b"]
    assert accs["headline"] == pytest.approx([60.0, 65.0]) and accs["b"] == pytest.approx([80.0, 82.0])
    with pytest.raises(ValueError, match="pass 2 per arm"):
        tables.arm_accuracies("headline", headline, ["a", "b"], arm_runs[:3], epoch=2)


def test_ablation_table_marks_the_reference_and_gives_each_arms_difference_and_verdict():
    accs = {"headline": [90.0, 92.0], "arm": [91.0, 91.5]}
    table = tables.ablation_table(accs, {"arm": verdict(0.25)}, "reading (2 epochs, 2 seeds)")
    assert table.index.name == "reading (2 epochs, 2 seeds)" and list(table.index) == ["headline", "arm"]
    assert table.loc["headline"].tolist() == ["91.00 ± 1.41", "90.00%, 92.00%", "—", "reference"]
    assert table.loc["arm", "− headline (points), 95% interval"].startswith("+0.25 ")
    assert table.loc["arm", "verdict"] == "same"


def test_optimizer_seed_table_has_a_row_per_optimizer_and_seed_with_the_official_test_beside():
    runs = {"adam": [run([0.9]), run([0.8])], "rmsprop": [run([0.7]), run([0.6])]}
    test_pct = {"adam": [91.0, 81.0], "rmsprop": [71.0, 61.0]}
    table = tables.optimizer_seed_table(runs, [0, 1], test_pct)
    assert list(table.index) == ["adam, seed 0", "adam, seed 1", "rmsprop, seed 0", "rmsprop, seed 1"]
    assert table["official test (%)"].tolist() == ["91.00%", "81.00%", "71.00%", "61.00%"]
    assert table.loc["rmsprop, seed 1", "last epoch (%)"] == "60.00%"


def test_optimizer_summary_table_gives_mean_sd_per_optimizer_beside_the_authors_figure():
    table = tables.optimizer_summary_table(
        {"adam": [90.0, 92.0]}, {"adam": [91.0, 93.0]}, {"adam": [89.0, 89.0]}, {"adam": 97.5}
    )
    assert table.loc["adam"].tolist() == ["91.00 ± 1.41", "92.00 ± 1.41", "89.00 ± 0.00", "97.50%"]
