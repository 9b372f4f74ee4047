"""Reading a CSV of learners exported by a college MIS, and checking each row.

Two steps. `read_csv` turns the file into rows of text (no database): it finds the columns
whatever their case and spacing, and refuses a file it cannot read with a message.
`analyse` checks every row against the rules, the rest of the file and the centre's
learners, and says what importing it would do. It only reads; the import itself is
`services.learner_import_apply`, which analyses again so the decision uses fresh facts.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Q
from django.db.models.functions import Lower

from apps.core.signatures import same_name

from .models import Enrolment, Learner
from .rules import date_of_birth_problem, enrolment_dates_problem, qualification_closed_reason
from .uln import normalise_uln, uln_problem

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# Each field and the headers (compared in lower case, punctuation and spacing ignored)
# that MIS exports use for it.
HEADERS: dict[str, tuple[str, ...]] = {
    "full_name": ("full name", "name", "learner name", "student name", "learner full name"),
    "first_name": ("first name", "first names", "forename", "forenames", "given name", "given names"),
    "last_name": ("last name", "surname", "family name", "family names"),
    "email": ("email", "email address", "e mail", "e mail address", "learner email", "student email"),
    "date_of_birth": ("date of birth", "dob", "d o b", "birth date", "birthdate", "dateofbirth"),
    "uln": ("uln", "unique learner number"),
    "qualification_number": (
        "qualification number", "qualification", "qualification no", "qan", "ofqual number",
        "learning aim", "learning aim reference", "learnaimref", "aim reference",
    ),
    "start_date": ("start date", "learning start date", "learnstartdate", "enrolment start date"),
    "planned_end_date": (
        "planned end date", "expected end date", "learning planned end date", "learnplanenddate", "end date",
    ),
    "registration_number": (
        "registration number", "registration no", "ao registration number",
        "awarding organisation registration number", "awarding body registration number", "candidate number",
    ),
    "mis_reference": (
        "mis reference", "mis ref", "learner reference", "learner ref", "learner reference number",
        "learnrefnumber", "student id", "student number", "student reference",
    ),
}
FIELD_LABELS = {
    "full_name": "full name",
    "first_name": "first name",
    "last_name": "last name",
    "email": "email",
    "date_of_birth": "date of birth",
    "uln": "ULN",
    "qualification_number": "qualification number",
    "start_date": "start date",
    "planned_end_date": "planned end date",
    "registration_number": "registration number",
    "mis_reference": "MIS reference",
}
# What a stored row holds (first and last names are joined into full_name on reading).
ROW_FIELDS = (
    "full_name", "email", "date_of_birth", "uln", "qualification_number", "start_date",
    "planned_end_date", "registration_number", "mis_reference",
)
_ALIASES = {alias: name for name, aliases in HEADERS.items() for alias in aliases}


class CsvProblem(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


def normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.replace("\ufeff", "").lower()).strip()


@dataclass
class ParsedCsv:
    columns: dict[str, str]  # field -> the header as written
    ignored: list[str]
    rows: list[dict]  # {"line": n, "values": {field: text}}


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CsvProblem("This looks like a spreadsheet workbook, not a CSV file: save it as CSV (comma separated) and upload that.")
    if b"\x00" in data[:4096]:
        raise CsvProblem("This is not a text file: save the learners as CSV (comma separated) and upload that.")
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows still writes cp1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvProblem("The file's characters cannot be read: save it as CSV UTF-8 and upload it again.")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes) -> ParsedCsv:
    """The file's rows as text, by field. Raises CsvProblem for a file that cannot be used."""
    if not data.strip():
        raise CsvProblem("The file is empty.")
    if len(data) > MAX_BYTES:
        raise CsvProblem(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files.")
    text = _decode(data).replace("\u00a0", " ")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CsvProblem(f"The file's first line is not a row of column headings ({exc or 'empty'}).") from None
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    for index, heading in enumerate(header):
        name = _ALIASES.get(normalise_header(heading))
        if name is None:
            if heading.strip():
                ignored.append(heading.strip())
            continue
        if name in columns:
            raise CsvProblem(
                f"The columns “{written[name]}” and “{heading.strip()}” both look like the {FIELD_LABELS[name]}: keep one of them."
            )
        columns[name] = index
        written[name] = heading.strip()
    _check_columns(columns)
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise CsvProblem(f"The file has more than {MAX_ROWS} learners: split it into smaller files.")
            rows.append({"line": reader.line_num, "values": _values(cells, columns)})
    except csv.Error as exc:
        raise CsvProblem(f"Line {reader.line_num} cannot be read as CSV ({exc}): check its quotation marks.") from None
    if not rows:
        raise CsvProblem("The file has column headings but no learners.")
    return ParsedCsv(columns=written, ignored=ignored, rows=rows)


def _check_columns(columns: dict[str, int]) -> None:
    expected = "Expected headings include: full name (or first name and last name), email, date of birth, ULN."
    if "email" not in columns:
        raise CsvProblem(f"The file has no email column. {expected}")
    if "full_name" not in columns:
        if "first_name" in columns and "last_name" not in columns:
            raise CsvProblem(f"The file has a first name column but no last name column. {expected}")
        if "last_name" in columns and "first_name" not in columns:
            raise CsvProblem(f"The file has a last name column but no first name column. {expected}")
        if "first_name" not in columns:
            raise CsvProblem(f"The file has no name column. {expected}")


def _values(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    def cell(name: str) -> str:
        index = columns.get(name)
        return " ".join(cells[index].split()) if index is not None and index < len(cells) else ""

    values = {name: cell(name) for name in ROW_FIELDS}
    if not values["full_name"]:
        values["full_name"] = " ".join(part for part in (cell("first_name"), cell("last_name")) if part)
    return values


# --- the values of one row -------------------------------------------------------------

_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})(?: 00:00(?::00)?)?$"),
)


def parse_date(text: str, label: str) -> date:
    """dd/mm/yyyy (also with - or .) or ISO yyyy-mm-dd; ValueError with a message otherwise."""
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise ValueError(f"The {label} {text} is not a real date.") from None
    if re.match(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$", text):
        raise ValueError(f"The {label} {text} has a two-digit year: write the year in full (dd/mm/yyyy).")
    raise ValueError(f"The {label} “{text}” is not a date: write it as dd/mm/yyyy or yyyy-mm-dd.")


def normalise_qualification_number(text: str) -> str:
    """600/1257/2 as printed; MIS learning aim references drop the slashes (60012572)."""
    compact = re.sub(r"[\s/]+", "", text).upper()
    if re.fullmatch(r"\d{7}[\dX]", compact):
        return f"{compact[:3]}/{compact[3:7]}/{compact[7]}"
    return text.strip().upper()


@dataclass
class RowCheck:
    """One row of the file and what importing it would do."""

    line: int
    values: dict[str, str]
    full_name: str = ""
    email: str = ""
    uln: str = ""
    date_of_birth: date | None = None
    qualification_number: str = ""
    qualification: object | None = None  # a Qualification
    start_date: date | None = None
    planned_end_date: date | None = None
    problems: list[str] = field(default_factory=list)
    existing: Learner | None = None
    same_as_line: int | None = None  # an earlier row of the file creates this learner
    already_enrolled: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def already_here(self) -> bool:
        return self.ok and self.existing is not None and (self.qualification is None or self.already_enrolled)

    @property
    def creates_learner(self) -> bool:
        return self.ok and self.existing is None and self.same_as_line is None

    @property
    def creates_enrolment(self) -> bool:
        return self.ok and self.qualification is not None and not self.already_enrolled

    @property
    def outcome(self) -> str:
        """What importing this row does, in words for the preview."""
        if not self.ok:
            return "Not imported"
        if self.already_here:
            return "Already here"
        qualification = f" on {self.qualification_number}" if self.qualification is not None else ""
        if self.creates_learner:
            return f"New learner, invited{', enrolled' + qualification if qualification else ''}"
        if self.same_as_line is not None:
            return f"Same learner as line {self.same_as_line}: enrolled{qualification}"
        return f"Already here: enrolled{qualification}"


def check_values(line: int, values: dict[str, str], today: date) -> RowCheck:
    """The checks one row passes or fails on its own (no database, no other rows)."""
    row = RowCheck(line=line, values=values)
    problems = row.problems
    row.full_name = values.get("full_name", "")
    if not row.full_name:
        problems.append("No name: give a full name, or a first name and a last name.")
    row.email = values.get("email", "").lower()
    if not row.email:
        problems.append("No email address.")
    else:
        try:
            validate_email(row.email)
        except ValidationError:
            problems.append(f"“{values['email']}” is not a valid email address.")
    row.uln = normalise_uln(values.get("uln"))
    if row.uln:
        problem = uln_problem(row.uln)
        if problem:
            problems.append(problem)
    row.date_of_birth = _date(values, "date_of_birth", "date of birth", problems)
    problem = date_of_birth_problem(row.date_of_birth, today)
    if problem:
        problems.append(problem)
    row.qualification_number = normalise_qualification_number(values.get("qualification_number", ""))
    row.start_date = _date(values, "start_date", "start date", problems)
    row.planned_end_date = _date(values, "planned_end_date", "planned end date", problems)
    if row.qualification_number:
        if not values.get("start_date"):
            problems.append(f"No start date: one is needed to enrol on {row.qualification_number}.")
        if not values.get("planned_end_date"):
            problems.append(f"No planned end date: one is needed to enrol on {row.qualification_number}.")
        problem = enrolment_dates_problem(row.start_date, row.planned_end_date)
        if problem:
            problems.append(problem)
    elif values.get("start_date") or values.get("planned_end_date") or values.get("registration_number"):
        problems.append("Enrolment details are given but no qualification number: add it, or clear the enrolment columns.")
    return row


def _date(values: dict[str, str], name: str, label: str, problems: list[str]) -> date | None:
    text = values.get(name, "")
    if not text:
        return None
    try:
        return parse_date(text, label)
    except ValueError as exc:
        problems.append(str(exc))
        return None


# --- the rows together, against the centre ----------------------------------------------


def _differences(row: RowCheck, name: str, uln: str | None, born: date | None) -> list[tuple[str, str]]:
    """How a row differs from a learner's details: (field, what the other side has)."""
    out = []
    if not same_name(row.full_name, name):
        out.append(("name", f"name “{name}”"))
    if row.uln and row.uln != (uln or ""):
        out.append(("ULN", f"ULN {uln}" if uln else "no ULN"))
    if row.date_of_birth and row.date_of_birth != born:
        out.append(("date of birth", f"date of birth {born:%d/%m/%Y}" if born else "no date of birth"))
    return out


def analyse(*, centre, rows: Iterable[dict], today: date) -> list[RowCheck]:
    """Every row with its problems and what importing it would do. A fixed number of
    queries whatever the number of rows."""
    from apps.qualifications.models import Qualification

    checks = [check_values(row["line"], row["values"], today) for row in rows]
    _check_within_file(checks)

    numbers = {c.qualification_number for c in checks if c.qualification_number}
    qualifications = {
        q.number: q
        for q in Qualification.objects.filter(is_current=True, number__in=numbers).annotate(unit_count=Count("units"))
    }
    emails = {c.email for c in checks if c.email}
    ulns = {c.uln for c in checks if c.uln}
    existing = list(
        Learner.objects.annotate(email_lower=Lower("email"))
        .filter(Q(email_lower__in=emails) | Q(uln__in=ulns), centre=centre)
    )
    by_email = {learner.email_lower: learner for learner in existing}
    by_uln = {learner.uln: learner for learner in existing if learner.uln}
    enrolled = set(
        Enrolment.objects.filter(learner__in=[learner.pk for learner in existing]).values_list(
            "learner_id", "qualification__number"
        )
    )
    for check in checks:
        if check.qualification_number:
            qualification = qualifications.get(check.qualification_number)
            if qualification is None:
                check.problems.append(f"Qualification {check.qualification_number} is not in the catalogue.")
            else:
                reason = qualification_closed_reason(qualification, today, unit_count=qualification.unit_count)
                if reason:
                    check.problems.append(reason)
                check.qualification = qualification
        learner = by_email.get(check.email)
        if learner is not None:
            differences = _differences(check, learner.full_name, learner.uln, learner.date_of_birth)
            if differences:
                check.problems.append(
                    f"{check.email} is already a learner here with different details: Attest has "
                    f"{', '.join(text for _, text in differences)}. Correct the file or the learner's record first."
                )
            check.existing = learner
            check.already_enrolled = (learner.pk, check.qualification_number) in enrolled
        other = by_uln.get(check.uln) if check.uln else None
        if other is not None and other.email.lower() != check.email:
            check.problems.append(f"The ULN {check.uln} already belongs to {other.full_name} ({other.email}) in this centre.")
    # A learner the file creates once, on its first good row, is the same learner on later rows.
    first_good: dict[str, int] = {}
    for check in checks:
        if check.ok and check.existing is None:
            if check.email in first_good:
                check.same_as_line = first_good[check.email]
            else:
                first_good[check.email] = check.line
    return checks


def _check_within_file(checks: list[RowCheck]) -> None:
    first_by_email: dict[str, RowCheck] = {}
    first_by_uln: dict[str, RowCheck] = {}
    for check in checks:
        if check.email:
            first = first_by_email.setdefault(check.email, check)
            if first is not check:
                differences = _differences(check, first.full_name, first.uln or None, first.date_of_birth)
                if differences:
                    check.problems.append(
                        f"The email {check.email} is also on line {first.line} with a different "
                        f"{' and '.join(label for label, _ in differences)}: one email is one learner."
                    )
                elif check.qualification_number == first.qualification_number or not check.qualification_number:
                    check.problems.append(f"This row repeats line {first.line}.")
        if check.uln:
            first = first_by_uln.setdefault(check.uln, check)
            if first is not check and first.email != check.email:
                check.problems.append(f"The ULN {check.uln} is also on line {first.line}, for another email ({first.email}).")
