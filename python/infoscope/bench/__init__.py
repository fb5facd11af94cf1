"""Known-truth tasks for checking estimators; the runner comes later."""

from __future__ import annotations

from .processes import LinearGaussianVAR

__all__ = ["LinearGaussianVAR"]
