"""Running the book: chapter parameters, profiles, executing notebooks, scheduling, the runner and run records."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "params": ("validate",),
        "profile_spec": ("profile_table",),
        "run_record": ("Run", "metrics_or_reason", "run_span", "runs_table"),
        "training_cost": ("floor_hours", "profile_models", "profile_training", "training_summary"),
    },
)
