"""Insights: what the measurements mean for outcomes, programs and targets.

Every figure here leaves the workspace through the one read path
(:mod:`socialhr.results`), as any other table does.
"""
