"""What each awarding organisation (AO) in the catalogue asks of a claim, as data.

Pure: no Django. Keyed by the catalogue's name for the AO (`Qualification.awarding_organisation`).
The ready-to-claim checks and the exports read it; a new AO is one more entry here. Where an AO
publishes nothing on a point (SFJ's claim screens), the entry keeps the general rule and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

ISO_DATE = "%Y-%m-%d"
UK_DATE = "%d/%m/%Y"


@dataclass(frozen=True)
class AwardingOrganisation:
    name: str  # as the catalogue spells it
    code: str  # in the generic claim file's ao_code column
    claim_channel: str  # where the centre keys the claim
    centre_number_label: str
    course_code_label: str  # the AO's code for the qualification at this centre
    registration_label: str  # what the AO calls the learner's registration number
    # Days that must pass between registration and a claim (Pearson: ten weeks); 0 for none.
    min_days_registration_to_claim: int = 0
    # A claim of some units (a unit or credit certificate) when the rules are not met.
    unit_claims: bool = True
    full_claim_document: str = "qualification certificate"
    unit_claim_document: str = "credit certificate"
    # Name limits of the AO's screens (None: no published limit) and how it writes dates.
    forenames_max: int | None = None
    surname_max: int | None = None
    date_format: str = ISO_DATE

    @property
    def min_weeks_registration_to_claim(self) -> int:
        return self.min_days_registration_to_claim // 7


NCFE = AwardingOrganisation(
    name="NCFE", code="NCFE", claim_channel="NCFE Portal", centre_number_label="NCFE centre number",
    course_code_label="NCFE product code", registration_label="NCFE learner number",
    full_claim_document="Qualification or Credit Certificate", unit_claim_document="Unit or Credit Certificate",
)
CITY_AND_GUILDS = AwardingOrganisation(
    name="City & Guilds", code="CG", claim_channel="City & Guilds Walled Garden",
    centre_number_label="City & Guilds centre number", course_code_label="City & Guilds complex number",
    registration_label="City & Guilds enrolment number",
)
PEARSON = AwardingOrganisation(
    name="Pearson", code="PEARSON", claim_channel="Pearson Edexcel Online", centre_number_label="Pearson centre number",
    course_code_label="Pearson Award Code", registration_label="Pearson registration number",
    min_days_registration_to_claim=70, full_claim_document="final certificate",
    unit_claim_document="Notification of Performance", forenames_max=20, surname_max=30, date_format=UK_DATE,
)
# SFJ publishes no claim screens: a unit claim is taken as the general rule for credit.
SFJ = AwardingOrganisation(
    name="SFJ Awards", code="SFJ", claim_channel="SFJ Odyssey Online", centre_number_label="SFJ Awards centre number",
    course_code_label="SFJ Awards qualification code", registration_label="SFJ Awards registration number",
)

AWARDING_ORGANISATIONS: dict[str, AwardingOrganisation] = {ao.name: ao for ao in (NCFE, CITY_AND_GUILDS, PEARSON, SFJ)}


def ao_for(name: str) -> AwardingOrganisation:
    """The facts of the AO the catalogue names; an AO missing here gets the general rules."""
    return AWARDING_ORGANISATIONS.get(name) or AwardingOrganisation(
        name=name, code=name.upper().replace(" ", "_"), claim_channel=f"{name}'s claim service",
        centre_number_label=f"{name} centre number", course_code_label=f"{name} qualification code",
        registration_label=f"{name} registration number",
    )
