"""Knowledge base of the 121 interactive segmentation methods reviewed in the thesis."""

from kb.errors import KBValidationError
from kb.loader import KnowledgeBase, load_kb

__all__ = ["KBValidationError", "KnowledgeBase", "load_kb"]
