"""Measuring trained models: classification metrics, comparisons of groups of runs, compression and rate-distortion,
and the FLOPs a model costs."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "compare": (
            "discordant_share",
            "epochs_to_reach",
            "flip_over_seeds",
            "heldout_accuracy_pct",
            "heldout_pct_per_seed",
            "pair_confusion_pct",
            "paired_gaps",
            "paired_mcnemar",
        ),
        "compress": ("project_2d",),
        "flops": ("forward_flops", "matmul_gflops", "train_step_flops"),
        "metrics": (
            "accuracy",
            "confusion",
            "evaluate_classifier",
            "expected_calibration_error",
            "fmt_pct",
            "format_interval",
            "format_mean_std",
            "mean_interval",
            "misclassified",
            "most_confused_pairs",
            "pair_overlap",
            "pair_ranking_stability",
            "per_class_report",
            "pooled_pair_ranking",
            "reliability_bins",
            "summarize_runs",
        ),
        "rate_distortion": (
            "compression_phrase",
            "compression_table",
            "over_seeds",
            "pca_reconstructions",
            "records",
            "seed_values",
        ),
    },
)
