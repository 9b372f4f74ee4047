"""Pages for requests Attest refuses before any view sees them: a NUL byte, a form too big or
with too many fields, anything else Django judges malformed (its "Bad Request (400)").

Each says what was wrong, that nothing was saved, and what to do, in the site's layout. The
layout needs the request's user and centre; should drawing it fail (a request too broken to
have them), a plain page says the same.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("attest.bad_input")

BACK_HINT = "Use your browser's Back button: what you typed is usually still in the form."

NUL_PARAGRAPHS = [
    "The address or form contained a character that cannot be used (a NUL byte), so Attest did nothing "
    "with it and nothing was saved.",
    "It usually comes from text pasted from another program, or from a damaged link. Go back, retype what "
    "you pasted (or open the link again from where you found it), and try again.",
]


def nul_refused(request: HttpRequest) -> HttpResponse:
    logger.warning("Refused a request with a NUL byte: %s %r", request.method, request.path)
    return _page(
        request, "400.html", status=400, title="Character that cannot be used",
        heading="The address or form contained a character that cannot be used",
        paragraphs=[*NUL_PARAGRAPHS, BACK_HINT],
    )


# Django's refusals of too many parts in one request: what was counted, its limit, and the page's words.
TOO_MANY = {
    TooManyFieldsSent: ("fields", "DATA_UPLOAD_MAX_NUMBER_FIELDS", "Too many fields",
                        "The form had too many fields to accept",
                        "Go back and send it in smaller parts: for example, fewer criteria or rows at a time."),
    TooManyFilesSent: ("files", "DATA_UPLOAD_MAX_NUMBER_FILES", "Too many files", "Too many files at once",
                       "Go back and add the files in smaller batches."),
}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: Django's refusals of a malformed or oversized request, in words."""
    if isinstance(exception, RequestDataTooBig):
        return too_big(request)
    for refusal, (noun, setting, title, heading, advice) in TOO_MANY.items():
        if isinstance(exception, refusal):
            limit = getattr(settings, setting)
            return _page(
                request, "413.html", status=413, title=title, heading=heading,
                paragraphs=[
                    f"What you sent had more than {limit:,} {noun}, the most Attest accepts in one go, so "
                    "nothing was saved.",
                    advice,
                    BACK_HINT,
                ],
            )
    return _page(
        request, "400.html", status=400, title="Request not understood",
        heading="Attest could not understand that request",
        paragraphs=[
            "What your browser sent was damaged or incomplete, so Attest did nothing with it and nothing was "
            "saved.",
            "Go back and try again. If it keeps happening, tell your centre admin what you were doing.",
        ],
    )


def too_big(request: HttpRequest) -> HttpResponse:
    limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return _page(
        request, "413.html", status=413, title="Too much text",
        heading="The form was too big to accept",
        paragraphs=[
            f"The text typed into the form adds up to more than {limit}, the most Attest accepts in one form, "
            "so nothing was saved.",
            "Go back and shorten the text. Long writing is better in a document (Word, PDF or plain text) added "
            "under Files: files are not counted in this limit.",
            BACK_HINT,
        ],
    )


def _back(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # a refused Host header is one reason to be here
        return "/"
    if referer and "\x00" not in referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={host}):
        return referer
    return "/"


def _page(request: HttpRequest, template: str, *, status: int, title: str, heading: str,
          paragraphs: list[str]) -> HttpResponse:
    context = {"title": title, "heading": heading, "paragraphs": paragraphs, "back": _back(request)}
    try:
        return HttpResponse(loader.render_to_string(template, context, request=request), status=status)
    except Exception:  # the page about a broken request must not break in turn
        logger.exception("Could not draw the %s page in the site's layout", status)
        body = format_html(
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{} · Attest</title></head>'
            "<body><main><h1>{}</h1>{}<p><a href=\"/\">Back to Attest</a></p></main></body></html>",
            title, heading, format_html_join("", "<p>{}</p>", ((p,) for p in paragraphs)),
        )
        return HttpResponse(body, status=status)
