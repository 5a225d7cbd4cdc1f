"""The book's figures and tables: each function takes data and returns a matplotlib Figure or a DataFrame."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "benchmark_report": ("load_results",),
        "claim_plots": (
            "CATEGORY_COLOURS",
            "check_dots",
            "check_dots_or_note",
            "paired_gap",
            "prediction_bands",
            "summary_figure",
        ),
        "classifier_plots": ("confusion_heatmap", "reliability_diagram"),
        "html": ("figure_html",),
        "plots": (
            "angle_histogram",
            "augmentation_grid",
            "code_scatter",
            "label_counts_bar",
            "learning_curves",
            "mean_images",
            "misclassified_gallery",
            "pixel_histogram",
            "rate_distortion",
            "reconstruction_grid",
            "sample_grid",
        ),
        "stopping_plots": ("validation_curves",),
        "style": ("OKABE_ITO", "use_book_style"),
        "tables": (
            "ablation_table",
            "arm_comparison_table",
            "arm_accuracies",
            "check_table",
            "codec_cost",
            "codec_quality",
            "epochs_by_seed",
            "formatted",
            "optimizer_seed_table",
            "optimizer_summary_table",
            "results_html",
            "seed_readings",
        ),
    },
)
