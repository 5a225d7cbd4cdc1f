"""Which engine a model belongs to: one test, used wherever torch and Keras models take different paths."""

from __future__ import annotations

import sys
from typing import Any


def is_keras(model: Any) -> bool:
    """True for a Keras model (ours or Keras's own); never imports Keras, which a Keras model has already done."""
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(model, keras.Model)
