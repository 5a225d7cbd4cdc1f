"""Batched, seeded augmentation (Shah's transforms, Dutta's rotation), PIL-exact resampling and chapter 2's draws."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "showcase": (
            "TRANSFORMS",
            "angle_ranges",
            "draw_rows",
            "ink_lost_summary",
            "keras_sampled_angles",
            "throughput",
            "throughput_table",
        ),
        "transforms": (
            "AUTHOR_FACTOR",
            "DUTTA_FACTOR",
            "SHAH_MODES",
            "hflip",
            "keras_factor_to_degrees",
            "rot180",
            "shah_augment",
            "shah_augmentation",
            "vflip",
        ),
    },
)
