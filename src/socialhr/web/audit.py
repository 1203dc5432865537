"""The audit trail of the web app: :class:`socialhr.audit.AuditTrail` (shared with the command line)."""

from ..audit import FILE, AuditTrail

__all__ = ["AuditTrail", "FILE"]
