"""The content checks run without Django, and say sizes and kinds exactly as the rest of the app does."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.template.defaultfilters import filesizeformat

from apps.evidence import sniffing
from apps.evidence.filetypes import ALLOWED_TYPES
from apps.evidence.models import StoredFile
from tests.evidence import samples


def test_the_content_checks_import_no_django():
    code = (
        "import sys\n"
        "import apps.evidence.filetypes, apps.evidence.sniffing, apps.evidence.http_ranges\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'django'))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


@pytest.mark.parametrize(
    "size",
    [-2048, 0, 1, 2, 1000, 1023, 1024, 1536, 1024**2 - 1, 1024**2, 5 * 1024**2 + 1, 2 * 1024**3, 1024**4,
     1024**5, 3 * 1024**5 + 7],
)
def test_a_size_is_written_as_the_pages_write_it(size):
    assert sniffing.size_in_words(size) == filesizeformat(size)


def test_every_allowed_type_is_of_a_kind_a_stored_file_can_have():
    assert {t.kind for t in ALLOWED_TYPES.values()} <= set(StoredFile.Kind.values)


def test_the_size_limit_is_the_one_given():
    data = samples.pdf()
    assert sniffing.inspect(io.BytesIO(data), "a.pdf", limit=len(data)).size == len(data)
    with pytest.raises(sniffing.Rejected) as caught:
        sniffing.inspect(io.BytesIO(data), "a.pdf", limit=len(data) - 1)
    assert caught.value.code == "too_large"
