"""Use cases, Qt-free: each takes a small serialisable request (a dataclass that round-trips
through JSON) and returns a result with its restoration record. The command line, the window,
the benchmarks and the self-test call these; nothing above this layer re-implements a
pipeline. Layers: ``core`` ← ``engines`` ← ``ops`` ← ``gui`` / ``cli``; ``train`` is reached
from here (and the CLI) only."""
