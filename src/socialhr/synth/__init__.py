"""A synthetic organization with planted, known answers, for demos, tests and benchmarks.

:func:`synthesize` writes ``roster.csv``, ``interactions.csv`` and
``ground_truth.json`` for a company of any size: a CEO, departments led by VPs,
directors, managers and teams; weeks of e-mail, chat and meetings with
homophily; planted brokers and isolated people; new joiners whose networks grow;
and exits whose hazard depends on measured network size with a known ratio.
docs/synthetic-org.md describes the files and every ground-truth field.

Modules: :mod:`.company` (reference data), :mod:`.names`, :mod:`.org` (the
hierarchy), :mod:`.contacts` (who works with whom), :mod:`.activity` (e-mail and
chat), :mod:`.meetings`, :mod:`.attrition`, :mod:`.rows`, :mod:`.writers`,
:mod:`.generator`.
"""

from .generator import FILES, synthesize

__all__ = ["FILES", "synthesize"]
