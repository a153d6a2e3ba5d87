"""Entry point of the frozen application (PyInstaller): the same main() as the console script."""

import multiprocessing
import sys

from muralstudio.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
