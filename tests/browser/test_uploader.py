"""The uploader widget in a real browser: drop several files, watch them arrive, survive a dropped request.

The widget is shown here on a test-only page (this module is its URLconf) holding nothing
but a form with the include, so it is tested apart from the evidence pages that use it.
"""

from __future__ import annotations

import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client
from django.urls import include, path
from playwright.sync_api import expect

from apps.evidence.models import StoredFile
from tests.evidence import samples
from tests.evidence.filefixtures import people, private_storage  # noqa: F401
from tests.factories import MembershipFactory

PAGE = """{% extends "base.html" %}{% block content %}<h1>Add evidence</h1>
{% if posted is not None %}<p id="posted">Posted files: {{ posted|join:", " }}</p>{% endif %}
<form method="post">{% csrf_token %}<fieldset><legend>Files</legend>
{% include "evidence/includes/uploader.html" %}</fieldset>
<button type="submit" class="button">Save draft</button></form>{% endblock %}"""


def uploader_page(request: HttpRequest) -> HttpResponse:
    posted = request.POST.getlist("files") if request.method == "POST" else None
    return HttpResponse(engines["django"].from_string(PAGE).render({"posted": posted}, request))


urlpatterns = [path("uploader-test/", uploader_page), path("", include("config.urls"))]

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner_page(page, live_server, people):  # noqa: F811
    browser = Client()
    browser.force_login(people.learner.user)
    page.context.add_cookies([{"name": "sessionid", "value": browser.cookies["sessionid"].value, "url": live_server.url}])
    page.goto("/uploader-test/")
    return page


def drop(page, files: list[tuple[str, str, bytes]]) -> None:
    """Drag and drop files onto the drop zone, as a person dragging them from their desktop."""
    transfer = page.evaluate_handle(
        """(files) => { const dt = new DataTransfer();
            for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, {type: f.type}));
            return dt; }""",
        [{"name": n, "type": t, "bytes": list(b)} for n, t, b in files],
    )
    page.dispatch_event("[data-uploader-drop]", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("[data-uploader-drop]", "drop", {"dataTransfer": transfer})


def test_dropped_files_upload_with_progress_and_join_the_form(learner_page, assert_accessible, people):  # noqa: F811
    page = learner_page
    assert page.get_by_role("button", name="Take a photo or video").is_visible()
    assert page.get_by_role("button", name="Record audio").is_visible()
    assert page.locator("#uploader-camera").get_attribute("capture") == "environment"
    assert_accessible(page)

    drop(page, [("Workstation.png", "image/png", samples.png()), ("Plan.pdf", "application/pdf", samples.pdf()),
                ("Discussion.mp3", "audio/mpeg", samples.mp3())])
    items = page.locator(".uploader-item")
    expect(page.locator(".uploader-item[data-state=done]")).to_have_count(3)
    assert items.count() == 3
    assert page.get_by_label("Plan.pdf").evaluate("p => p.value") == 100  # the <progress> is labelled by the name
    expect(page.locator("[data-uploader-live]")).to_have_text(re.compile(r"^\S+ uploaded\.$"))  # read out by screen readers
    ids = page.locator("input[type=hidden][name=files]").evaluate_all("inputs => inputs.map(i => i.value)")
    stored = StoredFile.objects.filter(uploaded_by=people.learner.user)
    assert sorted(ids) == sorted(str(pk) for pk in stored.values_list("pk", flat=True))
    assert sorted(stored.values_list("original_name", flat=True)) == ["Discussion.mp3", "Plan.pdf", "Workstation.png"]
    assert_accessible(page)

    page.get_by_role("button", name="Save draft").click()
    assert page.locator("#posted").text_content() == "Posted files: " + ", ".join(ids)


def test_a_refused_file_says_why_beside_it(learner_page, assert_accessible):
    page = learner_page
    page.get_by_label("Add files").set_input_files(
        [{"name": "report.pdf", "mimeType": "application/pdf", "buffer": samples.png()}]
    )
    item = page.locator(".uploader-item")
    expect(item).to_have_attribute("data-state", "failed")
    assert "“report.pdf” is named as a .pdf file, but its content is a PNG image." in item.locator(".uploader-status").text_content()
    assert not item.get_by_role("button", name=re.compile("Try again")).is_visible()
    assert page.locator("input[type=hidden][name=files]").count() == 0
    assert_accessible(page)
    item.get_by_role("button", name=re.compile("Remove")).click()
    assert page.locator(".uploader-item").count() == 0
    assert StoredFile.objects.count() == 0


def test_a_chunk_lost_on_the_way_is_sent_again_and_the_file_arrives_whole(learner_page, people):  # noqa: F811
    page = learner_page
    lost = []

    def lose_the_second_chunk(route):
        if route.request.method == "PATCH" and route.request.headers.get("upload-offset") == str(32 * 1024 * 1024) and not lost:
            lost.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/files/uploads/**", lose_the_second_chunk)
    head = list(samples.mp4())
    page.evaluate(
        """(head) => { const size = 40 * 1024 * 1024; const bytes = new Uint8Array(size); bytes.set(head);
            // a 'free' box covers the rest, so the file is a well-formed MP4 of 40 MiB (two chunks)
            const view = new DataView(bytes.buffer); view.setUint32(head.length, size - head.length);
            bytes.set([102, 114, 101, 101], head.length + 4);
            const dt = new DataTransfer(); dt.items.add(new File([bytes], 'Site visit.mp4', {type: 'video/mp4'}));
            const input = document.querySelector('[data-uploader-input]'); input.files = dt.files;
            input.dispatchEvent(new Event('change')); }""",
        head,
    )
    expect(page.locator(".uploader-item")).to_have_attribute("data-state", "done", timeout=60_000)
    assert lost, "the second chunk was never sent"
    stored = StoredFile.objects.get()
    assert stored.size == 40 * 1024 * 1024 and stored.kind == "video"


def test_a_file_uploaded_in_the_browser_stays_private_to_its_centre(learner_page, live_server):
    page = learner_page
    page.get_by_label("Add files").set_input_files([{"name": "a.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}])
    expect(page.locator(".uploader-item")).to_have_attribute("data-state", "done")
    outsider = MembershipFactory(is_admin=True)
    other = Client()
    other.force_login(outsider.user)
    pk = StoredFile.objects.get().pk
    assert other.get(f"/files/{pk}/").status_code == 404


def test_removing_an_uploaded_file_deletes_it_on_the_server(learner_page):
    page = learner_page
    page.get_by_label("Add files").set_input_files([{"name": "Wrong photo.png", "mimeType": "image/png",
                                                     "buffer": samples.png()}])
    item = page.locator(".uploader-item")
    expect(item).to_have_attribute("data-state", "done")
    assert StoredFile.objects.count() == 1
    with page.expect_response(re.compile(r"/files/\d+/discard/$")) as answer:
        item.get_by_role("button", name=re.compile("Remove")).click()
    assert answer.value.status == 204
    assert page.locator("input[type=hidden][name=files]").count() == 0
    assert StoredFile.objects.count() == 0
