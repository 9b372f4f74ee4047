"""The specifications' words: one glossary (apps/qualifications/glossary.py) behind every hint."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils.html import escape

from apps.qualifications import glossary

ROOT = Path(__file__).resolve().parents[2]
USED = re.compile(r"""{%\s*(?:define|term|hint)\s+["']([^"']+)["']""")
# The words issue 11 asks to be explained, and the pages that use them.
REQUIRED = {"credits", "glh", "tqt", "mandatory", "optional", "barred", "rules-of-combination", "level"}
PAGES = ["qualifications/list.html", "qualifications/detail.html", "qualifications/unit.html",
         "learners/plan.html", "learners/enrolment_form.html"]


def test_the_glossary_holds_each_word_once_in_plain_sentences():
    keys = [t.key for t in glossary.TERMS]
    assert len(keys) == len(set(keys)) and REQUIRED <= set(keys)
    for t in glossary.TERMS:
        assert re.fullmatch(r"[a-z-]+", t.key), t.key
        assert t.short.endswith(".") and "  " not in t.short, t.key
        assert not t.more or t.more.endswith("."), t.key


def test_the_glossary_is_plain_data_without_django():
    tree = ast.parse((ROOT / "apps/qualifications/glossary.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(name and name.startswith(("django", "apps")) for name in imported), imported


def test_every_word_a_template_explains_is_in_the_glossary_and_each_page_explains_some():
    used: dict[str, set[str]] = {}
    for path in (ROOT / "templates").rglob("*.html"):
        for key in USED.findall(path.read_text()):
            used.setdefault(key, set()).add(str(path.relative_to(ROOT / "templates")))
    assert set(used) <= set(glossary.BY_KEY), set(used) - set(glossary.BY_KEY)
    assert REQUIRED <= set(used), REQUIRED - set(used)
    for page in PAGES:
        assert any(page in pages for pages in used.values()), page


def test_a_hint_is_the_glossarys_own_words_and_a_word_links_to_its_entry(db):
    html = Template('{% load words %}{% define "glh" %} {% term "glh" "GLH" %} {% hint "glh" %}').render(Context())
    assert html == (
        '<dfn><a class="term" href="/catalogue/glossary/#glh">Guided learning hours</a></dfn> '
        '<a class="term" href="/catalogue/glossary/#glh"><abbr title="Guided learning hours">GLH</abbr></a> '
        + glossary.term("glh").short
    )


def test_a_word_missing_from_the_glossary_fails_the_page():
    with pytest.raises(TemplateSyntaxError, match="not in apps/qualifications/glossary.py"):
        Template('{% load words %}{% hint "qcf" %}').render(Context())


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_glossary_page_is_for_everyone_and_says_each_word_as_the_hints_do(client, member, signed_in):
    if signed_in:
        client.force_login(member(is_learner=True).user)
    response = client.get("/catalogue/glossary/")
    assert response.status_code == 200
    page = response.content.decode()
    for t in glossary.TERMS:
        assert f'id="{t.key}"' in page and f"<dfn>{t.name}</dfn>" in page
        assert escape(t.short) in page, t.key
