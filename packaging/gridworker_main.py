"""The bundle's entry point: the same ``main`` as the ``gridworker`` gui-script."""

from __future__ import annotations

import multiprocessing
import sys

from gridworker.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless; keeps a frozen child process from re-running main
    sys.exit(main())
