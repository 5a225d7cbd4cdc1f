"""The chapters' result tables: the right numbers in the right rows, formatted as the book shows them."""

import numpy as np
import pytest

from mnist_helpers.claims.rules import paired_comparison
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


def verdict(difference: float):
    """A paired comparison whose mean difference is `difference` points (two seeds, spread 0.1)."""
    return paired_comparison([90.0 + difference + 0.05, 90.0 + difference - 0.05], [90.0, 90.0], delta=1.0)


def test_seed_readings_give_last_and_best_epoch_and_the_final_models_test_metrics():
    table = tables.seed_readings([run([0.5, 0.9, 0.8]), run([0.6, 0.7], wrong=1)], [3, 7], Y)
    assert list(table.index) == ["seed 3", "seed 7"]
    assert table.loc["seed 3", "last epoch (%)"] == pytest.approx(80.0)
    assert table.loc["seed 3", "best epoch (%), optimistic"] == pytest.approx(90.0)
    assert table.loc["seed 3", "best at epoch"] == 2
    assert table.loc["seed 3", "test loss"] < table.loc["seed 7", "test loss"]  # seed 7 misreads an image
    assert list(table.columns) == [
        "last epoch (%)",
        "best epoch (%), optimistic",
        "best at epoch",
        "test loss",
        "ECE (points)",
    ]


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
    assert table.loc["arm", "verdict"] == verdict(0.25).outcome


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


def test_check_table_gives_the_report_ours_the_one_run_interval_and_the_outcome_per_figure():
    from mnist_helpers.claims.rules import EvalSets, not_checked, single_run_check

    checks = {
        "C5": single_run_check(98.93, [99.10, 99.15, 99.20, 99.12, 99.18], EvalSets.SHARED, delta=0.5),
        "C1": not_checked(99.38, [98.9, 99.0], 6, 60, 0.5),
    }
    table = tables.check_table(checks)
    assert list(table.index) == ["C5", "C1"]
    assert table.loc["C5", "report"] == "98.93%" and table.loc["C5", "ours, mean"] == "99.15% (5 runs)"
    assert table.loc["C5", "outcome"] == "below our runs" and table.loc["C5", "p"] != "—"
    assert table.loc["C1", "one run of ours falls in (95%)"] == "—"
    assert table.loc["C1", "outcome"] == "not checked at 6 epochs"


def test_arm_comparison_table_puts_the_reference_first_and_gives_each_arms_paired_difference_and_cost():
    acc = {"reference": {0: 99.0, 1: 99.2}, "wide": {0: 99.1, 1: 99.4}}
    table = tables.arm_comparison_table(
        acc, {"wide": verdict(0.15)}, {"reference": 20.0, "wide": 31.25}, {"reference": 421642, "wide": 500000}
    )
    assert list(table.index) == ["reference", "wide"]
    assert (table.index.name, table.columns.name) == (None, "arm")  # one header row: "arm" at its left
    assert table.loc["reference", "outcome"] == "reference" and table.loc["wide", "s per epoch"] == "31.2"
    assert table.loc["wide", "− reference (points), 95% interval"].startswith("+0.15 [")
    assert table.loc["wide", "parameters"] == "500,000" and table.loc["wide", "test accuracy (%)"] == "99.25 ± 0.21"


def test_results_html_gives_each_claim_a_coloured_badge_linking_to_its_chapter_and_escapes_text():
    import pandas as pd

    table = pd.DataFrame(
        {
            "report": ["Shah"],
            "the report says": ["98.93% <after 10 epochs>"],
            "ours": ["99.15% (5 runs)"],
            "outcome": ["below our runs"],
            "category": ["not reproduced"],
            "chapter": ["04_cnn"],
        },
        index=pd.Index(["C5"], name="claim"),
    )
    html = tables.results_html(table)
    assert '<a class="verdict verdict-not-reproduced" href="04_cnn.html">below our runs</a>' in html
    assert "&lt;after 10 epochs&gt;" in html and "<th>Verdict</th>" in html


def test_the_summary_figure_has_a_row_per_answer_present_with_every_claim_in_it_and_fits_a_phone():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from mnist_helpers.figures.claim_plots import CATEGORY_COLOURS, summary_figure

    table = pd.DataFrame(
        {"category": ["reproduced", "corrected", "reproduced"], "the report says": ["a", "b", "c"]},
        index=["C1", "C2", "C3"],
    )
    fig = summary_figure(table)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["reproduced (2)", "C1", "C3", "corrected (1)", "C2"]  # answers in CATEGORY_ORDER, ids under each
    assert set(CATEGORY_COLOURS) >= {"reproduced", "corrected"}
    assert fig.get_size_inches()[0] <= 3.8  # shown at 100 px per inch: fits a 420 px screen at full size
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 10
    many = pd.DataFrame({"category": ["could not tell"] * 13}, index=[f"C{i}" for i in range(13)])
    ids = [t for t in summary_figure(many).axes[0].texts if t.get_text().startswith("C")]
    assert len({round(t.get_position()[1], 3) for t in ids}) == 3  # 13 ids wrap onto 3 lines of at most 6


def codec_seed_table(psnr: float, with_pca: bool):
    """One seed's `measure.compression_table`: a conv autoencoder (code 8) whose PSNR is `psnr` and MSE psnr/1000,
    and, for the first seed only, PCA at the same code size with no throughput."""
    from mnist_helpers.measure.compress import rate_distortion_table

    rows = [
        {"method": "conv autoencoder", "code_size": 8, "mse": psnr / 1000, "psnr": psnr, "ssim": 0.9, "params": 25872}
    ]
    if with_pca:
        rows.append({"method": "PCA", "code_size": 8, "mse": 0.05, "psnr": 15.0, "ssim": 0.5, "params": 7056})
    table = rate_distortion_table(rows)
    table["encode img/s"] = [1234.6 if m != "PCA" else np.nan for m in table["method"]]
    table["decode img/s"] = [98765.4 if m != "PCA" else np.nan for m in table["method"]]
    return table


def test_codec_quality_names_rows_by_model_and_code_size_and_gives_each_mean_with_its_interval():
    from mnist_helpers.measure import over_seeds

    # conv PSNR over seeds: 20, 21, 22, so mean 21 and t half-width 4.302653 / sqrt(3) = 2.484138
    table = over_seeds([codec_seed_table(20.0, True), codec_seed_table(21.0, False), codec_seed_table(22.0, False)])
    shown = tables.codec_quality(table)
    nb = tables.NBSP
    assert list(shown.index.names) == ["model", "code size"] and list(shown.index) == [
        ("PCA", 8),
        ("conv autoencoder", 8),
    ]
    assert list(shown.columns) == ["compression (×): numbers / bits", "MSE × 1,000", "PSNR (dB)", "SSIM"]
    conv, pca = shown.loc[("conv autoencoder", 8)], shown.loc[("PCA", 8)]
    assert conv["PSNR (dB)"] == f"21.00{nb}±{nb}2.48" and conv["MSE × 1,000"] == f"21.00{nb}±{nb}2.48"
    assert conv["SSIM"] == f"0.900{nb}±{nb}0.000" and conv["compression (×): numbers / bits"] == f"98.0{nb}/{nb}24.50"
    assert pca["PSNR (dB)"] == "15.00" and pca["MSE × 1,000"] == "50.00"  # one fit: the mean alone, no interval
    assert "<th>0</th>" not in shown.to_html() and "code_size" not in shown.to_html()


def test_codec_quality_of_a_single_seeds_table_shows_means_alone():
    shown = tables.codec_quality(codec_seed_table(20.0, True))  # no *_half columns at all
    assert shown.loc[("conv autoencoder", 8), "PSNR (dB)"] == "20.00"


def test_codec_cost_gives_parameters_and_throughput_with_separators_and_a_dash_where_none_applies():
    from mnist_helpers.measure import over_seeds

    shown = tables.codec_cost(over_seeds([codec_seed_table(20.0, True), codec_seed_table(21.0, False)]))
    assert list(shown.columns) == ["decoder parameters", "encode (images/s)", "decode (images/s)"]
    assert list(shown.loc[("conv autoencoder", 8)]) == ["25,872", "1,235", "98,765"]
    assert list(shown.loc[("PCA", 8)]) == ["7,056", "—", "—"]


def test_epochs_by_seed_gives_one_row_per_model_and_a_best_of_trained_cell_per_seed():
    import pandas as pd

    index = pd.MultiIndex.from_tuples(
        [(0, "conv", 8), (0, "dense", 8), (1, "conv", 8), (1, "dense", 8)], names=["seed", "model", "code size"]
    )
    taken = pd.DataFrame(
        {
            "stopped by": ["patience", "epoch limit", "patience", "epoch limit"],
            "best epoch (weights kept)": [31, 40, 28, 39],
            "last gain at epoch": [31, 40, 28, 39],
            "stopped after epoch": [37, 40, 34, 40],
            "learning-rate cuts": [2, 0, 0, 1],
            "best validation MSE": [0.01, 0.02, 0.01, 0.02],
        },
        index=index,
    )
    table = tables.epochs_by_seed(taken)
    assert list(table.columns) == ["seed 0", "seed 1"] and list(table.index) == [("conv", 8), ("dense", 8)]
    assert table.loc[("conv", 8), "seed 0"] == "31 / 37 (2 lr cuts)"
    assert table.loc[("dense", 8), "seed 0"] == "40 / 40 (limit)"
    assert table.loc[("dense", 8), "seed 1"] == "39 / 40 (limit, 1 lr cut)"
    assert table.loc[("conv", 8), "seed 1"] == "28 / 34"
