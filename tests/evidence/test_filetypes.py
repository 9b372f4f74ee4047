"""File types are shown as people name them, from the one mapping in `apps.evidence.filetypes`
(issue 11): "Word document", "PDF", "JPEG image", never `application/vnd.openxmlformats-…`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.evidence.filetypes import ALLOWED_TYPES, DOCX, REFUSED_VARIANTS, type_name


@pytest.mark.parametrize("content_type, name", [
    (DOCX, "Word document"),
    ("application/pdf", "PDF"),
    ("image/jpeg", "JPEG image"),
    ("video/mp4", "MP4 video"),
    ("audio/mpeg", "MP3 recording"),
    ("text/plain", "Text file"),
    ("APPLICATION/PDF; charset=binary", "PDF"),
    ("application/vnd.ms-word.document.macroEnabled.12", "Word document with macros"),
    ("image/x-unknown", "Image"),
    ("application/octet-stream", "File"),
    ("", "File"),
])
def test_a_type_is_named_as_people_name_it(content_type, name):
    assert type_name(content_type) == name


def test_every_kept_and_refused_type_has_a_plain_name():
    for content_type in [*ALLOWED_TYPES, *REFUSED_VARIANTS]:
        name = type_name(content_type)
        assert name and "/" not in name and not name[0].islower(), (content_type, name)
        assert not name.startswith(("A ", "An ")), (content_type, name)


@given(st.text(max_size=80))
def test_any_text_gets_a_name_and_never_the_technical_one(content_type):
    name = type_name(content_type)
    assert name and "/" not in name and "vnd." not in name
