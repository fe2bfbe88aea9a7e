"""The MathDNN autograder; in a notebook, ``from autograder import check``."""
from .selfcheck import check

__all__ = ["check"]
