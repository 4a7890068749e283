#!/usr/bin/env python3
"""Build the showcase site: `python build.py --help` says how."""
import sys

from showcase.cli import main

if __name__ == "__main__":
    sys.exit(main(clean_exit=False))
