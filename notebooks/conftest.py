"""nbval's set-up for the chapter notebooks: relative data folders keep their meaning inside the kernels."""

from __future__ import annotations

import pytest

from mnist_helpers.core.env import absolute_path_envs


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Make a relative $MNIST_DATA_DIR (and the other folder variables) absolute from where pytest was invoked.

    nbval starts each kernel in notebooks/, where `MNIST_DATA_DIR=../shared/data/mnist` would name another folder.
    """
    absolute_path_envs(config.invocation_params.dir)
