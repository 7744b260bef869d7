"""Golden questions as CSV: export, and an all-or-nothing import.

Columns: question, must_contain, must_not_contain, expected_document. A cell lists several
phrases separated by " | ". Files must be UTF-8 (a byte order mark is accepted, as written by
spreadsheet programs that save "CSV UTF-8").
"""

import csv
import io

from charset_normalizer import from_bytes
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import GoldenQuestion

COLUMNS = ["question", "must_contain", "must_not_contain", "expected_document"]
PHRASE_SEPARATOR = "|"
MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 500
MAX_QUESTION_CHARS = 4000
MAX_PHRASE_CHARS = 300
EXPECTED_DOCUMENT_MAX_CHARS = GoldenQuestion._meta.get_field("expected_document").max_length


class GoldenImportError(Exception):
    """A CSV file that cannot be imported; the message names the problem and the fix."""


def split_phrases(cell: str) -> list[str]:
    """Return the non-empty phrases of a cell, stripped, in order and without duplicates."""
    phrases = []
    for phrase in (cell or "").split(PHRASE_SEPARATOR):
        phrase = phrase.strip()
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return phrases


def join_phrases(phrases) -> str:
    return f" {PHRASE_SEPARATOR} ".join(phrases)


def export_csv(questions) -> str:
    """Return questions as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for question in questions:
        writer.writerow(
            [
                question.question,
                join_phrases(question.must_contain),
                join_phrases(question.must_not_contain),
                question.expected_document,
            ]
        )
    return buffer.getvalue()


def decode(data: bytes) -> str:
    """Return data decoded as UTF-8, or raise GoldenImportError naming the likely encoding."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        guess = from_bytes(data).best()
        detected = guess.encoding if guess is not None else _("unknown")
        raise GoldenImportError(
            _(
                "The file is not valid UTF-8 (invalid byte at position %(position)d; it looks like "
                "%(encoding)s). Save it as “CSV UTF-8” and import it again."
            )
            % {"position": error.start, "encoding": detected}
        ) from error


def parse_rows(text: str) -> list[dict]:
    """Return the validated rows of a CSV text, or raise GoldenImportError for the first problem."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise GoldenImportError(
            _("The CSV header is missing the column(s) %(missing)s. The first row must be: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ",".join(COLUMNS)}
        )
    reader.fieldnames = header

    rows = []
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                raise GoldenImportError(
                    _("Line %(line)d has more cells than the header has columns: quote cells that contain commas.")
                    % {"line": line}
                )
            if not any((value or "").strip() for value in record.values()):
                continue
            rows.append(validate_row(record, line))
            if len(rows) > MAX_IMPORT_ROWS:
                raise GoldenImportError(
                    _("The file has more than %(max)d questions: split it into several files.") % {"max": MAX_IMPORT_ROWS}
                )
    except csv.Error as error:
        raise GoldenImportError(
            _("The file is not valid CSV near line %(line)d (%(error)s).") % {"line": reader.line_num, "error": error}
        ) from error
    if not rows:
        raise GoldenImportError(_("The file has a header but no questions."))
    return rows


def validate_row(record: dict, line: int) -> dict:
    question = (record.get("question") or "").strip()
    if not question:
        raise GoldenImportError(_("Line %(line)d has an empty question: fill it in or delete the line.") % {"line": line})
    if len(question) > MAX_QUESTION_CHARS:
        raise GoldenImportError(
            _("The question on line %(line)d has %(length)d characters; the maximum is %(max)d.")
            % {"line": line, "length": len(question), "max": MAX_QUESTION_CHARS}
        )
    must_contain = split_phrases(record.get("must_contain"))
    must_not_contain = split_phrases(record.get("must_not_contain"))
    for phrase in must_contain + must_not_contain:
        if len(phrase) > MAX_PHRASE_CHARS:
            raise GoldenImportError(
                _("A phrase on line %(line)d has %(length)d characters; the maximum is %(max)d.")
                % {"line": line, "length": len(phrase), "max": MAX_PHRASE_CHARS}
            )
    overlap = {phrase.lower() for phrase in must_contain} & {phrase.lower() for phrase in must_not_contain}
    if overlap:
        raise GoldenImportError(
            _("Line %(line)d lists “%(phrase)s” both as required and as forbidden: keep it in one column.")
            % {"line": line, "phrase": sorted(overlap)[0]}
        )
    expected_document = (record.get("expected_document") or "").strip()
    if len(expected_document) > EXPECTED_DOCUMENT_MAX_CHARS:
        raise GoldenImportError(
            _("The expected document on line %(line)d is longer than %(max)d characters.")
            % {"line": line, "max": EXPECTED_DOCUMENT_MAX_CHARS}
        )
    return {
        "question": question,
        "must_contain": must_contain,
        "must_not_contain": must_not_contain,
        "expected_document": expected_document,
    }


def import_csv(organization, family_id, data: bytes) -> tuple[int, int]:
    """Add the questions of a CSV file to a family; return (created, skipped as duplicates).

    Every row is validated before anything is stored, so a bad file imports nothing.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise GoldenImportError(
            _("The file has %(size)d bytes; the maximum is %(max)d. Split it into several files.")
            % {"size": len(data), "max": MAX_IMPORT_BYTES}
        )
    rows = parse_rows(decode(data))

    existing = set(
        GoldenQuestion.objects.filter(organization=organization, family_id=family_id).values_list("question", flat=True)
    )
    new_questions = []
    for row in rows:
        if row["question"] in existing:
            continue
        existing.add(row["question"])
        new_questions.append(GoldenQuestion(organization=organization, family_id=family_id, **row))
    with transaction.atomic():
        GoldenQuestion.objects.bulk_create(new_questions)
    return len(new_questions), len(rows) - len(new_questions)
