"""Foundations every other room stands on: atomic writes, locks, threads, the device, paths and provenance."""

from mnist_helpers.core.lazy import exports

__getattr__, __dir__, __all__ = exports(
    __name__,
    {
        "paths": ("PROJECT_ROOT",),
        "provenance": ("hardware", "package_versions"),
        "threads": ("configure_threads",),
    },
)
