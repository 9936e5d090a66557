"""Median wall time of a function, after warm-up: the one timing rule of every peer script."""
import statistics, time


def timed(fn, warmup, n):
    """Runs fn warmup times, then n timed times; returns the median in seconds."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)
