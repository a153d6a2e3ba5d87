"""Shared by the benchmark scripts."""

from __future__ import annotations

import resource


def peak_rss_mib() -> float:
    """Peak RSS of this process image in MiB. VmHWM, unlike ru_maxrss, is not inherited from
    the parent across fork+exec, so each step run in a child reports its own peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
