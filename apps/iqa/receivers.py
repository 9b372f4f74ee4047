"""Receivers of apps/iqa/signals.py (and of the membership changes that move a risk band),
connected in IqaConfig.ready: one module per area."""

from . import receivers_plans, receivers_risk  # noqa: F401
