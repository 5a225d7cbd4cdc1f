"""The reports' claims: their figures, the verdict rules, claim records, the author's logs and published anchors."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "anchors": ("CLASSIFIERS", "autoencoders_beside", "beside"),
        "chapter_record": ("ChapterClaims",),
        "author_logs": ("author_best", "author_figure", "author_history"),
        "flip_test": ("flip_tables",),
        "records": ("accuracy_verdicts", "caps_table", "protocol_texts", "verdict_texts"),
        "sampler_check": ("compare_params", "our_params", "params_verdict", "reference_params"),
        "verdicts": (
            "DELTA_PP",
            "DUTTA_ADAM",
            "DUTTA_EPOCHS",
            "DUTTA_EVAL_SIZE",
            "DUTTA_SECOND",
            "SHAH_ACCURACY",
            "SHAH_CONFUSED",
            "SHAH_EVAL_SIZE",
            "accuracy_verdict",
            "angle_range_verdict",
            "cap",
            "epochs_gate",
            "fact_verdict",
            "flip_verdict",
            "measured_verdict",
            "overlap_verdict",
            "smallest_half_width",
            "verdict_table",
        ),
    },
)
