"""Explainable petition analysis: rules-as-data keyword classifier, urgency, location, masking.

Pure: no Telegram, no database. `Analyzer.load()` once, then `analyse(text)` per message.
"""

# First: it imports jieba, before any module below does (see nlp/_jieba.py).
from nlp import _jieba  # noqa: F401  # isort: skip
from nlp.analyzer import Analyzer
from nlp.dedup import similarity
from nlp.evaluate import EvalReport, evaluate
from nlp.learn import learn
from nlp.location import parse_location
from nlp.masking import mask_name, mask_personal_data, mask_phone
from nlp.model import Analysis, Decision, Location, Urgency
from nlp.rules import RulesError

__all__ = [
    "Analysis",
    "Analyzer",
    "Decision",
    "EvalReport",
    "Location",
    "RulesError",
    "Urgency",
    "evaluate",
    "learn",
    "mask_name",
    "mask_personal_data",
    "mask_phone",
    "parse_location",
    "similarity",
]
