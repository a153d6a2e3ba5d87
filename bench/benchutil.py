"""Shared by the benchmark scripts."""

from __future__ import annotations

import json
import resource
import subprocess
import sys


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


def run_child(script: str, *args) -> dict:
    """Run ``script --child ARGS…`` in a fresh interpreter (so its peak RSS is its own) and
    return the JSON object it printed last; its stderr is shown if it fails."""
    out = subprocess.run([sys.executable, script, "--child", *map(str, args)],
                         capture_output=True, text=True)
    if out.returncode:
        print(out.stderr[-3000:], file=sys.stderr)
        out.check_returncode()
    return json.loads(out.stdout.strip().splitlines()[-1])
