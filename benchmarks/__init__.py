"""Benchmarks: the training engine against the seeds' own pipelines, side by side (`python -m benchmarks.run`)."""
