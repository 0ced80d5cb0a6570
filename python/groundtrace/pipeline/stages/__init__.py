"""The stages of a dataset job, one class each, in the order a job runs them.

The order and the names come from the one options schema (``run_options.STAGE_NAMES``).
"""

from ..run_options import STAGE_NAMES
from .base import Stage, StageContext
from .build import BuildStage
from .filter import FilterStage
from .select import SelectStage
from .trace import TraceStage
from .translate import TranslateStage

_CLASSES = {cls.name: cls for cls in (FilterStage, TraceStage, SelectStage, TranslateStage, BuildStage)}
assert set(_CLASSES) == set(STAGE_NAMES), 'every stage of the schema has a class, and no other'

# name → stage, in job order
REGISTRY = {name: _CLASSES[name]() for name in STAGE_NAMES}

__all__ = ['REGISTRY', 'Stage', 'StageContext', 'STAGE_NAMES']
