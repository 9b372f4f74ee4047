"""Each pre-check a claim must pass, in the words the ready page shows (pure: no database)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from apps.certification import aos, prechecks

TODAY = date(2026, 12, 2)


def checks(**overrides) -> list[prechecks.Problem]:
    values = dict(ao=aos.NCFE, has_centre_number=True, registration="N123", registered_on=date(2026, 1, 5),
                  registered_name="Lena Learner", registered_date_of_birth=date(1990, 5, 17),
                  certification_end_date=None, qualification_number="600/1257/2", today=TODAY)
    return prechecks.learner_checks(**(values | overrides))


def test_a_registered_learner_on_a_live_qualification_passes_every_check():
    assert checks() == []


def test_no_registration_number_is_refused_with_the_ao_s_word_for_it():
    [problem] = checks(registration="  ")
    assert problem.code == "no_registration" and problem.blocking
    assert problem.message == ("No NCFE learner number: the learner must be registered with NCFE before a claim. "
                               "Record it in the learner's registration facts.")
    [pearson] = checks(registration="", ao=aos.PEARSON, registered_on=TODAY - timedelta(days=100))
    assert pearson.message.startswith("No Pearson registration number:")


def test_a_centre_without_its_number_with_the_ao_is_told_where_to_set_it():
    [problem] = checks(has_centre_number=False, ao=aos.CITY_AND_GUILDS)
    assert problem.blocking and problem.code == "no_ao_number"
    assert problem.message == ("The centre has no City & Guilds centre number: set it in the claim settings "
                               "(Claims, then Settings) before claiming from City & Guilds.")


def test_past_the_certification_end_date_is_refused():
    [problem] = checks(ao=aos.SFJ, certification_end_date=date(2023, 9, 30), qualification_number="601/5051/8")
    assert problem.blocking and problem.code == "past_certification_end"
    assert problem.message == ("Past the certification end date: SFJ Awards took claims for 601/5051/8 until "
                               "30 September 2023. It can no longer be claimed.")


def test_the_end_date_itself_is_still_in_time_with_a_warning():
    [problem] = checks(certification_end_date=TODAY)
    assert not problem.blocking and problem.code == "certification_end_soon"
    assert problem.message == "The certification end date of 600/1257/2 is 2 December 2026, today: claim before then."


def test_a_warning_within_ninety_days_of_the_end_date_and_none_before():
    [problem] = checks(certification_end_date=TODAY + timedelta(days=90))
    assert not problem.blocking
    assert problem.message == ("The certification end date of 600/1257/2 is 2 March 2027, in 90 days: "
                               "claim before then.")
    assert checks(certification_end_date=TODAY + timedelta(days=91)) == []


def test_pearson_wants_ten_weeks_between_registration_and_claim():
    [problem] = checks(ao=aos.PEARSON, registered_on=TODAY - timedelta(days=69))
    assert problem.blocking and problem.code == "ten_weeks"
    assert problem.message == ("Fewer than 10 weeks since registration: Pearson takes a claim only 10 weeks after "
                               "registration (registered 24 September 2026; claim from 3 December 2026).")
    assert checks(ao=aos.PEARSON, registered_on=TODAY - timedelta(days=70)) == []


def test_pearson_without_a_registration_date_is_told_why_it_is_needed():
    [problem] = checks(ao=aos.PEARSON, registered_on=None)
    assert problem.blocking and problem.code == "no_registered_on"
    assert problem.message == ("No date of registration with Pearson: Pearson takes a claim only 10 weeks after "
                               "registration, so the date is needed.")


def test_other_aos_ask_for_no_wait_after_registration():
    assert checks(ao=aos.NCFE, registered_on=TODAY) == []
    assert checks(ao=aos.NCFE, registered_on=None) == []


def test_the_name_and_date_of_birth_as_registered_are_needed():
    name, born = checks(registered_name="", registered_date_of_birth=None)
    assert name.blocking and born.blocking
    assert name.message == ("No legal name as registered with NCFE: the claim must carry the learner's name exactly "
                            "as registered.")
    assert born.message == ("No date of birth as registered with NCFE: the claim must carry it exactly as "
                            "registered.")


def test_unit_checks_name_the_unit():
    action = prechecks.iqa_action("2 Handle calls", "Open IQA action (A-4): it must be answered and closed first.")
    assert action.blocking and action.code == "iqa_action"
    assert action.message == "Unit 2 Handle calls: Open IQA action (A-4): it must be answered and closed first."
    waiting = prechecks.awaiting_iqa("3 Log calls", "Awaiting IQA sample: planned in plan P-7.")
    assert waiting.blocking and waiting.code == "awaiting_iqa"
    assert waiting.message == ("Unit 3 Log calls is not cleared by internal quality assurance yet. Awaiting IQA "
                               "sample: planned in plan P-7.")
    prior = prechecks.prior_without_evidence("4 Serve customers", "Credit transfer")
    assert prior.blocking and prior.code == "prior_without_evidence"
    assert "Unit 4 Serve customers: credit transfer without its evidence." in prior.message
    assert "Credit transfer or RPL without its evidence cannot be claimed" in prior.message


def test_every_failing_check_is_listed_at_once():
    found = checks(ao=aos.PEARSON, has_centre_number=False, registration="", registered_on=None, registered_name="",
                   registered_date_of_birth=None, certification_end_date=TODAY - timedelta(days=1))
    assert [p.code for p in found] == ["no_ao_number", "no_registration", "past_certification_end", "no_registered_on",
                                       "no_registered_name", "no_registered_date_of_birth"]


# --- properties over any dates ------------------------------------------------------------------

DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(end=DATES, today=DATES)
def test_the_end_date_refuses_after_it_warns_in_the_ninety_days_before_and_is_silent_otherwise(end, today):
    problem = prechecks.certification_end(end, today, ao=aos.NCFE, qualification_number="600/1257/2")
    left = (end - today).days
    if left < 0:
        assert problem is not None and problem.blocking
    elif left <= prechecks.END_WARNING_DAYS:
        assert problem is not None and not problem.blocking
    else:
        assert problem is None


@given(registered=DATES, today=DATES, ao=st.sampled_from(list(aos.AWARDING_ORGANISATIONS.values())))
def test_only_the_ao_s_own_wait_after_registration_refuses_a_claim(registered, today, ao):
    problem = prechecks.registration_interval(registered, today, ao=ao)
    waited = (today - registered).days
    wait = ao.min_days_registration_to_claim
    assert (problem is not None) == (wait > 0 and waited < wait)
    assert problem is None or problem.blocking
