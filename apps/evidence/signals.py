"""What the evidence app tells the apps above it, without knowing them."""

from django.dispatch import Signal

# The learner opened one of their own pieces of evidence (sent with evidence=, user=): the
# assessment app records that its feedback has been read.
evidence_opened_by_learner = Signal()
