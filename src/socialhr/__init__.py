"""socialhr: measure, grow and prove an organization's social capital.

The library is the product; the ``socialhr`` command and the web app are thin
shells over it. Start with :class:`socialhr.workspace.Workspace`.
"""

__version__ = "0.1.0"
