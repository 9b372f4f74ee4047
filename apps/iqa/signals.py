"""What happens in one part of quality assurance that another part follows, without the two
importing each other: a plan regenerates when an assessor's band changes or a referral is raised."""

from django.dispatch import Signal

# sender=AssessorProfile; profile, from_band, to_band. Sent inside the transaction of the change.
band_changed = Signal()
# sender=Sample; sample (a signed, disagreeing sample). Sent inside the transaction of the signing.
referral_raised = Signal()
# sender=Sample or Action; centre_id, assessor_id, reason. Something that bears on an assessor's
# risk band happened (a sample signed, an action set, answered, closed or gone overdue).
quality_facts_changed = Signal()
# sender=AssessorProfile; profile, why. What plans know of an assessor changed other than the band
# (a trainee qualified: no longer every first decision sampled, even if the band stays).
assessor_changed = Signal()
