"""The organization network: aggregation (engine-portable), metrics, groups, communities, trends.

Start with :func:`socialhr.network.analyze.analyze`; docs/metrics.md defines every figure.
"""
