"""`python -m mnist_helpers`: the runner's command line, as the `mnist-reproduce` entry point gives it."""

import sys

from mnist_helpers.reproduce.runner import main

sys.exit(main(prog="python -m mnist_helpers"))
