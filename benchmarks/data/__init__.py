"""Data generators for the benchmarks (large, realistic data sets loaded with COPY)."""
