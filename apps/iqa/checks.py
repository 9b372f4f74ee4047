"""What an IQA checks in a sample, and when a sample may be signed. Pure: plain values in, plain
values out (no Django), so the rules have property tests.

A sample answers five VARCS checks (was the assessor right to accept the evidence as valid,
authentic, reliable, current and sufficient?) and the process checks (was the assessment done
as it should be?). Each answer is yes, no or not applicable, with a comment; a "no" needs one,
because the assessor must learn what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

YES, NO, NA = "yes", "no", "na"
ANSWERS: dict[str, str] = {YES: "Yes", NO: "No", NA: "Not applicable"}

AGREE, AGREE_WITH_ADVICE, DISAGREE = "agree", "agree_with_advice", "disagree"  # Sample.Outcome's values
OUTCOMES = (AGREE, AGREE_WITH_ADVICE, DISAGREE)

COMMENT_MAX = 2000


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    question: str
    trainee_only: bool = False  # applies to a trainee's decisions only (else it is "not applicable")


VARCS: tuple[Check, ...] = (
    Check("valid", "Valid", "Does the evidence show what the criteria ask for?"),
    Check("authentic", "Authentic", "Is it clearly the learner's own work (declaration, login, records)?"),
    Check("reliable", "Reliable", "Would another assessor reach the same decision from it?"),
    Check("current", "Current", "Does it show what the learner can do now?"),
    Check("sufficient", "Sufficient", "Is there enough of it to cover every criterion judged met?"),
)
PROCESS: tuple[Check, ...] = (
    Check("planned", "Assessment planned", "Was the assessment planned with the learner?"),
    Check("feedback", "Feedback constructive", "Is the feedback to the learner clear, constructive and not leading?"),
    Check("dates_signatures", "Dates and signatures present", "Are the decisions dated and signed?"),
    Check("declaration", "Declaration signed", "Did the learner sign the authenticity declaration?"),
    Check("countersignature", "Countersignature present", "Is each of the trainee's decisions countersigned?",
          trainee_only=True),
)
GROUPS: dict[str, tuple[Check, ...]] = {"varcs": VARCS, "process": PROCESS}


def parse(raw: Mapping[str, Mapping[str, str]] | None, checks: tuple[Check, ...]) -> dict[str, dict[str, str]]:
    """Answers as stored: only known checks, tidied; a check with neither answer nor comment is left out."""
    out: dict[str, dict[str, str]] = {}
    for check in checks:
        given = (raw or {}).get(check.key) or {}
        answer = str(given.get("answer") or "").strip()
        comment = str(given.get("comment") or "").strip()
        if answer or comment:
            out[check.key] = {"answer": answer, "comment": comment}
    return out


def answer_errors(answers: Mapping[str, Mapping[str, str]], checks: tuple[Check, ...], *, trainee: bool) -> list[str]:
    """What is wrong with these answers, whether or not every check is answered yet."""
    problems = []
    for check in checks:
        given = answers.get(check.key)
        if not given:
            continue
        answer, comment = given.get("answer", ""), given.get("comment", "")
        if answer and answer not in ANSWERS:
            problems.append(f"{check.label}: answer yes, no or not applicable.")
        elif answer == NO and not comment.strip():
            problems.append(f"{check.label}: say what is wrong in the comment: a “no” needs one.")
        elif check.trainee_only and not trainee and answer not in ("", NA):
            problems.append(f"{check.label}: applies only to a trainee assessor's decisions: answer not applicable.")
        if len(comment) > COMMENT_MAX:
            problems.append(f"{check.label}: keep the comment under {COMMENT_MAX} characters.")
    return problems


def unanswered(answers: Mapping[str, Mapping[str, str]], checks: tuple[Check, ...]) -> list[str]:
    return [c.label for c in checks if not (answers.get(c.key) or {}).get("answer")]


def has_no(answers: Mapping[str, Mapping[str, str]]) -> bool:
    return any((a or {}).get("answer") == NO for a in answers.values())


def save_errors(*, varcs: Mapping, process: Mapping, outcome: str, trainee: bool) -> list[str]:
    """What refuses a save (a sample is saved as the IQA goes: unanswered checks are fine)."""
    problems = answer_errors(varcs, VARCS, trainee=trainee) + answer_errors(process, PROCESS, trainee=trainee)
    if outcome and outcome not in OUTCOMES:
        problems.append("Choose agree, agree with advice, or disagree.")
    return problems


def sign_errors(
    *, varcs: Mapping, process: Mapping, outcome: str, feedback: str, trainee: bool, decisions_sampled: int,
    actions: int,
) -> list[str]:
    """Everything that stops a sample being signed, in words (empty: it may be signed)."""
    problems = save_errors(varcs=varcs, process=process, outcome=outcome, trainee=trainee)
    if decisions_sampled < 1:
        problems.append("Tick at least one decision you sampled.")
    if missing := unanswered(varcs, VARCS):
        problems.append(f"Answer every VARCS check: {', '.join(missing)}.")
    if missing := unanswered(process, PROCESS):
        problems.append(f"Answer every process check: {', '.join(missing)}.")
    if not outcome:
        problems.append("Record the outcome: agree, agree with advice, or disagree.")
    elif outcome == AGREE and (has_no(varcs) or has_no(process)):
        problems.append("A check is answered “no”: agree with advice or disagree, or change the answer.")
    if outcome in (AGREE_WITH_ADVICE, DISAGREE) and not feedback.strip():
        problems.append("Write your feedback to the assessor: advice or a disagreement needs words.")
    if outcome == DISAGREE and actions < 1:
        problems.append("Set at least one action for the assessor, with a due date: a disagreement needs one.")
    if outcome == AGREE and actions > 0:
        problems.append("Actions go with advice or a disagreement: choose one of those, or remove the actions.")
    return problems
