"""apps/iqa/checks.py: what a sample's checks may hold and when a sample may be signed (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from apps.iqa import checks

KEYS = [c.key for c in checks.VARCS + checks.PROCESS]


def all_answered(answer: str = checks.YES) -> tuple[dict, dict]:
    varcs = {c.key: {"answer": answer, "comment": "why"} for c in checks.VARCS}
    process = {c.key: {"answer": checks.NA if c.trainee_only else answer, "comment": "why"} for c in checks.PROCESS}
    return varcs, process


def sign(**kwargs) -> list[str]:
    varcs, process = all_answered()
    values = dict(varcs=varcs, process=process, outcome=checks.AGREE, feedback="", trainee=False, decisions_sampled=1,
                  actions=0)
    return checks.sign_errors(**(values | kwargs))


def test_five_varcs_checks_and_the_process_checks():
    assert [c.label for c in checks.VARCS] == ["Valid", "Authentic", "Reliable", "Current", "Sufficient"]
    assert {c.key for c in checks.PROCESS} == {"planned", "feedback", "dates_signatures", "declaration",
                                               "countersignature"}
    assert [c.key for c in checks.PROCESS if c.trainee_only] == ["countersignature"]


def test_a_complete_agreeing_sample_may_be_signed():
    assert sign() == []


def test_a_no_needs_a_comment():
    varcs, process = all_answered()
    varcs["valid"] = {"answer": "no", "comment": " "}
    assert sign(varcs=varcs, outcome=checks.DISAGREE, feedback="x", actions=1) == [
        "Valid: say what is wrong in the comment: a “no” needs one."
    ]


def test_countersignature_applies_only_to_a_trainees_decisions():
    varcs, process = all_answered()
    process["countersignature"] = {"answer": "yes", "comment": ""}
    assert any("applies only to a trainee" in p for p in sign(process=process))
    assert sign(process=process, trainee=True) == []


def test_disagreeing_needs_feedback_and_an_action_and_agreeing_with_a_no_is_refused():
    assert sorted(sign(outcome=checks.DISAGREE)) == sorted([
        "Write your feedback to the assessor: advice or a disagreement needs words.",
        "Set at least one action for the assessor, with a due date: a disagreement needs one.",
    ])
    varcs, _ = all_answered()
    varcs["current"] = {"answer": "no", "comment": "Two years old"}
    assert sign(varcs=varcs) == ["A check is answered “no”: agree with advice or disagree, or change the answer."]
    assert sign(actions=1) == ["Actions go with advice or a disagreement: choose one of those, or remove the actions."]


def test_unanswered_checks_and_no_decision_are_named():
    problems = sign(varcs={}, decisions_sampled=0, outcome="")
    assert "Tick at least one decision you sampled." in problems
    assert "Answer every VARCS check: Valid, Authentic, Reliable, Current, Sufficient." in problems
    assert "Record the outcome: agree, agree with advice, or disagree." in problems


def test_saving_allows_unanswered_checks_but_not_wrong_ones():
    assert checks.save_errors(varcs={}, process={}, outcome="", trainee=False) == []
    assert checks.save_errors(varcs={"valid": {"answer": "maybe", "comment": ""}}, process={}, outcome="",
                              trainee=False) == ["Valid: answer yes, no or not applicable."]
    assert checks.save_errors(varcs={}, process={}, outcome="perhaps", trainee=False) == [
        "Choose agree, agree with advice, or disagree."
    ]


def test_parse_keeps_only_known_checks_tidied():
    raw = {"valid": {"answer": " yes ", "comment": " fine "}, "bogus": {"answer": "yes"}, "current": {}}
    assert checks.parse(raw, checks.VARCS) == {"valid": {"answer": "yes", "comment": "fine"}}


answer = st.sampled_from(["", "yes", "no", "na", "maybe"])
comment = st.sampled_from(["", "  ", "A reason"])
answers = st.fixed_dictionaries({k: st.fixed_dictionaries({"answer": answer, "comment": comment}) for k in KEYS})


@given(answers, st.sampled_from(["", *checks.OUTCOMES, "other"]), st.sampled_from(["", "Some feedback"]),
       st.booleans(), st.integers(0, 3), st.integers(0, 3))
def test_signing_is_allowed_exactly_when_every_rule_holds(given_answers, outcome, feedback, trainee, sampled, actions):
    varcs = {c.key: given_answers[c.key] for c in checks.VARCS}
    process = {c.key: given_answers[c.key] for c in checks.PROCESS}
    problems = checks.sign_errors(varcs=varcs, process=process, outcome=outcome, feedback=feedback, trainee=trainee,
                                  decisions_sampled=sampled, actions=actions)
    every = list(varcs.items()) + list(process.items())
    expected_ok = (
        all(a["answer"] in checks.ANSWERS for _, a in every)
        and all(a["comment"].strip() for _, a in every if a["answer"] == checks.NO)
        and (trainee or process["countersignature"]["answer"] == checks.NA)
        and sampled >= 1
        and outcome in checks.OUTCOMES
        and not (outcome == checks.AGREE and any(a["answer"] == checks.NO for _, a in every))
        and (outcome == checks.AGREE or feedback.strip())
        and (outcome != checks.DISAGREE or actions >= 1)
        and (outcome != checks.AGREE or actions == 0)
    )
    assert (problems == []) == expected_ok
    # saving never asks for more than signing
    assert set(checks.save_errors(varcs=varcs, process=process, outcome=outcome, trainee=trainee)) <= set(problems)
