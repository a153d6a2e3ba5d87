"""Arguments that several commands share (not a command: it has no ``run``)."""

from __future__ import annotations


def add_server_argument(parser) -> None:
    """``--server``: run the command's model on a shared compute server (``ops.remote``)."""
    parser.add_argument("--server", metavar="tcp://HOST:8786", default=None,
                        help="run on a compute server (a Dask scheduler with GPU workers, see the README) "
                             "instead of this computer; the pixels travel, the outputs are written here")
