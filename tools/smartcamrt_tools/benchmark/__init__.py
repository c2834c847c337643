"""Cross-runtime benchmark: the same inputs through every prepared model and available runtime."""

from .runtimes import RuntimeBenchOptions, bench_runtimes

__all__ = ["RuntimeBenchOptions", "bench_runtimes"]
