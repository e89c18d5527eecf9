"""`image-review serve`: the local page, its security, and a real browser using it."""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import tomllib
from conftest import EXAMPLES, copy_example, needs_chromium
from make_screenshot import CHROMIUM
from PIL import Image

from image_review.policy import load_policy
from image_review.serve import local_server
from image_review.serve.live import safe_name
from image_review.views import load_profile


class Running:
    """A server of a folder in a thread, and an HTTP client that talks to it."""

    def __init__(self, folder: Path, **policy_changes) -> None:
        import dataclasses

        policy = dataclasses.replace(load_policy(), **policy_changes)
        self.server = local_server(folder, load_profile(), policy)
        parts = urlsplit(self.server.address)
        self.host, self.port = parts.hostname, parts.port
        self.token = parts.query.removeprefix("token=")
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def request(self, method, path, body=None, headers=None, token=True, host=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        sent = {"Host": host or f"127.0.0.1:{self.port}", **(headers or {})}
        if token:
            sent["X-Image-Review-Token"] = self.token
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, data

    def json(self, method, path, body=None, **kwargs):
        status, data = self.request(method, path, body, **kwargs)
        return status, json.loads(data)

    def upload(self, name: str, data: bytes, **kwargs):
        return self.json("POST", f"/api/photos?name={name}", data, **kwargs)

    def assign(self, file: str, view: str):
        body = json.dumps({"file": file, "view": view})
        return self.json("POST", "/api/assign", body, headers={"Content-Type": "application/json"})

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(10)


@pytest.fixture
def running(tmp_path):
    servers = []

    def start(folder: Path | None = None, **policy_changes) -> Running:
        server = Running(folder or tmp_path / "submission", **policy_changes)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _wait_until_listening(server: Running) -> None:
    for _ in range(100):
        try:
            server.request("GET", "/api/state")
            return
        except OSError:
            threading.Event().wait(0.05)


@contextlib.contextmanager
def _browser_page(server: Running, height: int) -> Iterator:
    """A page of Debian's chromium, 1280 px wide, on the server's page, its header drawn."""
    from playwright.sync_api import sync_playwright

    _wait_until_listening(server)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": height})
        page.goto(server.server.address)
        page.wait_for_selector("#header header")
        yield page
        browser.close()


PHOTO = (EXAMPLES / "complete-phone" / "05_front.jpg").read_bytes()


def test_every_request_needs_the_token(running):
    server = running()
    _wait_until_listening(server)
    assert server.request("GET", "/api/state", token=False)[0] == 403
    assert server.request("GET", "/api/state?token=wrong", token=False)[0] == 403
    assert server.request("GET", f"/api/state?token={server.token}", token=False)[0] == 200
    status, _ = server.request("GET", f"/?token={server.token}", token=False)
    assert status == 200
    cookie = {"Cookie": f"image_review_token={server.token}"}
    assert server.request("GET", "/api/state", headers=cookie, token=False)[0] == 200


def test_a_foreign_host_or_origin_is_refused(running):
    server = running()
    _wait_until_listening(server)
    assert server.request("GET", "/api/state", host="attacker.example")[0] == 403  # rebinding
    assert server.request("GET", "/api/state", host=f"localhost:{server.port}")[0] == 200
    foreign = {"Origin": "http://attacker.example"}
    assert server.upload("a.jpg", PHOTO, headers=foreign)[0] == 403
    assert not (Path(server.server.folder) / "a.jpg").exists()
    own = {"Origin": f"http://127.0.0.1:{server.port}"}
    assert server.upload("a.jpg", PHOTO, headers=own)[0] == 200


def test_uploads_are_photos_under_the_cap_and_never_leave_the_folder(running, monkeypatch):
    server = running(max_file_bytes=len(PHOTO) + 10)
    _wait_until_listening(server)
    folder = server.server.folder
    status, body = server.upload("notes.jpg", b"<html>not a photo</html>")
    assert status == 415 and "not a photo" in body["error"]
    status, body = server.upload("big.jpg", PHOTO + bytes(100))
    assert status == 413
    for name in ("../escape.jpg", "..%2Fescape.jpg", "sub/dir/x.jpg", "CON.jpg", "submission.toml"):
        status, body = server.upload(name, PHOTO)
        assert status == 200, body
        assert (folder / body["file"]).is_file() and "/" not in body["file"]
    assert not (folder.parent / "escape.jpg").exists()
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        ["escape.jpg", "escape-2.jpg", "x.jpg", "photo-CON.jpg", "photo-submission.toml"]
    )
    monkeypatch.setattr("image_review.serve.live.MAX_PHOTOS", 5)
    status, body = server.upload("one-more.jpg", PHOTO)
    assert status == 409 and "5 photos" in body["error"]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("IMG_4031.HEIC", "IMG_4031.HEIC"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\front.jpg", "front.jpg"),
        ("a\x00b\x1f.jpg", "ab.jpg"),
        (".hidden.jpg", "hidden.jpg"),
        ("nul", "photo-nul"),
        ("外箱.jpg", "外箱.jpg"),
        ("", "photo"),
    ],
)
def test_names_are_made_safe(name, safe):
    assert safe_name(name) == safe


def test_a_name_clash_never_overwrites(running):
    server = running()
    _wait_until_listening(server)
    other = (EXAMPLES / "complete-phone" / "06_back.jpg").read_bytes()
    assert server.upload("front.jpg", PHOTO)[1]["file"] == "front.jpg"
    assert server.upload("front.jpg", other)[1]["file"] == "front-2.jpg"
    assert (server.server.folder / "front.jpg").read_bytes() == PHOTO


def test_a_photo_that_does_not_decode_shows_its_finding(running):
    server = running()
    _wait_until_listening(server)
    status, added = server.upload("broken.jpg", b"\xff\xd8\xff\xe0" + bytes(2000))
    assert status == 200 and added == {"file": "broken.jpg"}
    state = server.json("GET", "/api/state")[1]
    assert "unreadable" in state["grid"] + state["rest"]


def test_two_tabs_do_not_lose_each_others_assignment(running, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in ("IMG_1.jpg", "IMG_2.jpg"):
        shutil.copy(EXAMPLES / "complete-phone" / "07_left-side.jpg", folder / name)
    shutil.copy(EXAMPLES / "complete-phone" / "08_right-side.jpg", folder / "IMG_2.jpg")
    server = running(folder)
    _wait_until_listening(server)
    first_tab = server.json("GET", "/api/state")[1]
    second_tab = server.json("GET", "/api/state")[1]
    assert first_tab["photos"] == second_tab["photos"]  # both opened before any change
    assert server.assign("IMG_1.jpg", "left")[0] == 200  # in the first tab
    status, state = server.assign("IMG_2.jpg", "right")  # in the second, from its old state
    assert status == 200 and state["photos"] == {"IMG_1.jpg": "left", "IMG_2.jpg": "right"}
    views = tomllib.loads((folder / "submission.toml").read_text("utf-8"))["views"]
    assert views == {"left": "IMG_1.jpg", "right": "IMG_2.jpg"}
    assert server.assign("IMG_1.jpg", "unassigned")[1]["photos"]["IMG_1.jpg"] == "unassigned"
    assert server.assign("IMG_1.jpg", "kitchen")[0] == 400


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    command = [sys.executable, "-m", "image_review", "serve", str(tmp_path / "s"), "--no-browser"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    lines = [process.stdout.readline(), process.stdout.readline()]
    assert "http://127.0.0.1:" in lines[1] and "token=" in lines[1]
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr  # as uvicorn itself: stopping is how it ends
    assert "Traceback" not in stderr


@needs_chromium
def test_a_seller_drops_photos_drags_two_to_their_slots_and_the_verdict_passes(running, tmp_path):
    photos = {}
    for path in sorted((EXAMPLES / "complete-phone").glob("*.jpg")):
        name = {"07_left-side.jpg": "IMG_4031.jpg", "08_right-side.jpg": "IMG_4032.jpg"}.get(
            path.name, path.name
        )
        photos[name] = base64.b64encode(path.read_bytes()).decode("ascii")
    server = running()
    # Tall enough for the whole page: a drag that scrolls would start where the page
    # scrolled to, not on the photo.
    with _browser_page(server, height=3200) as page:
        dropped = page.evaluate_handle(
            """photos => {
                const transfer = new DataTransfer();
                for (const [name, data] of Object.entries(photos)) {
                    const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                    transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
                }
                return transfer;
            }""",
            photos,
        )
        page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
        page.wait_for_function(
            """() => {
                const lines = [...document.querySelectorAll('#progress li')];
                return lines.length === 9 && lines.every(li => /measured/.test(li.textContent));
            }""",
            timeout=60_000,
        )
        page.wait_for_function("document.querySelectorAll('.photo[data-file]').length === 9")
        assert page.get_attribute("body", "data-verdict") == "fail"
        assert page.locator(".row.unassigned .photo").count() == 2
        page.drag_and_drop(
            '.photo[data-file="IMG_4031.jpg"] img',
            'section.slot[data-view="left"]',
        )
        page.wait_for_selector('section.slot[data-view="left"] .photo[data-file="IMG_4031.jpg"]')
        page.select_option('select.view-menu[data-file="IMG_4032.jpg"]', "right")  # keyboard way
        page.wait_for_function("document.body.dataset.verdict === 'pass'", timeout=20_000)
        assert "PASS" in page.inner_text("#header")
    views = tomllib.loads((server.server.folder / "submission.toml").read_text("utf-8"))["views"]
    assert views == {"left": "IMG_4031.jpg", "right": "IMG_4032.jpg"}


@needs_chromium
def test_a_seller_says_the_product_has_no_screen_on_the_page(running, tmp_path):
    """Nothing says whether a kettle has a screen: the page offers yes and no, neither
    chosen, and 'no' settles the screen-unknown warning (the old checkbox could not say
    'no': unticked already meant 'not said')."""
    folder = tmp_path / "kettle"
    copy_example(EXAMPLES / "complete-phone", folder)
    (folder / "09_screen-on.jpg").unlink()
    with _browser_page(running(folder), height=2000) as page:
        assert "screen-unknown" in page.content()
        assert page.locator('input[name="has-screen"]:checked').count() == 0
        page.check('input[name="has-screen"][value="false"]')
        page.wait_for_function("!document.documentElement.innerHTML.includes('screen-unknown')")
        assert page.is_checked('input[name="has-screen"][value="false"]')
    product = tomllib.loads((folder / "submission.toml").read_text("utf-8"))["product"]
    assert product["has_screen"] is False


def _heic_with_gps_set(folder: Path) -> None:
    """The complete phone set, its front photo as an iPhone HEIC that records a position."""
    copy_example(EXAMPLES / "complete-phone", folder)
    front = folder / "05_front.jpg"
    with Image.open(front) as image:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (31.0, 13.0, 48.0), 3: "E", 4: (121.0, 28.0, 12.0)}
        pillow_heif = pytest.importorskip("pillow_heif")
        pillow_heif.register_heif_opener()
        image.save(folder / "05_front.heic", exif=exif.tobytes())
    front.unlink()


def test_a_passing_set_downloads_as_the_upload_ready_zip(running, tmp_path):
    folder = tmp_path / "submission"
    _heic_with_gps_set(folder)
    server = running(folder)
    _wait_until_listening(server)
    status, data = server.request("GET", "/api/export.zip")
    assert status == 200 and data[:2] == b"PK"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert "05-front.jpg" in archive.namelist() and "05-front.heic" not in archive.namelist()
    manifest = json.loads(archive.read("export-manifest.json"))
    front = next(f for f in manifest["files"] if f["view"] == "front")
    assert "converted-from-heic" in front["changes"]
    with Image.open(io.BytesIO(archive.read(front["file"]))) as image:
        assert image.format == "JPEG" and 0x8825 not in image.getexif()  # no GPS left
    # The same files as `export --zip`, byte for byte.
    exported = tmp_path / "exported"
    runner_result = subprocess.run(
        [
            sys.executable,
            "-m",
            "image_review",
            "export",
            str(folder),
            "--to",
            str(exported),
            "--zip",
        ],
        capture_output=True,
        text=True,
    )
    assert runner_result.returncode == 0, runner_result.stderr
    assert (tmp_path / "exported.zip").read_bytes() == data
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    path = "/api/export.zip?product_id=b0abcd1234"
    connection.request(
        "GET",
        path,
        headers={"Host": f"127.0.0.1:{server.port}", "X-Image-Review-Token": server.token},
    )
    response = connection.getresponse()
    named = zipfile.ZipFile(io.BytesIO(response.read())).namelist()
    assert 'filename="B0ABCD1234.zip"' in response.getheader("Content-Disposition")
    assert named[0] == "B0ABCD1234.MAIN.jpg" and "B0ABCD1234.PT08.jpg" in named
    status, body = server.json("GET", "/api/export.zip?product_id=MY-SKU-42")
    assert status == 400 and "A seller SKU cannot be used" in body["error"]


def test_a_set_that_fails_offers_no_download(running, tmp_path):
    folder = tmp_path / "submission"
    copy_example(EXAMPLES / "missing-views", folder)
    server = running(folder)
    _wait_until_listening(server)
    status, body = server.json("GET", "/api/export.zip")
    assert status == 409 and body["error"].startswith("the set does not pass yet: ")
    assert 'id="download"' not in server.json("GET", "/api/state")[1]["header"]


@needs_chromium
def test_a_real_browser_downloads_the_set_named_the_amazon_way(running, tmp_path):
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "submission"
    _heic_with_gps_set(folder)
    server = running(folder)
    _wait_until_listening(server)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1200}, accept_downloads=True)
        page.goto(server.server.address)
        page.wait_for_function("document.body.dataset.verdict === 'pass'", timeout=20_000)
        page.fill("#product-id", "IPHONE-13-BLK")  # a seller SKU: refused, with the reason
        page.click("#download button")
        page.wait_for_function("document.getElementById('download-error').textContent !== ''")
        assert "A seller SKU cannot be used" in page.inner_text("#download-error")
        page.fill("#product-id", "b0abcd1234")
        with page.expect_download() as waiting:
            page.click("#download button")
        download = waiting.value
        assert download.suggested_filename == "B0ABCD1234.zip"
        names = zipfile.ZipFile(download.path()).namelist()
        browser.close()
    assert names[0] == "B0ABCD1234.MAIN.jpg" and names[-1] == "export-manifest.json"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            *(p.name for p in (EXAMPLES / "complete-phone").glob("*.jpg") if p.stem != "05_front"),
            "05_front.heic",
        ]
    )  # the folder is only read


WRONG_BODIES = [
    ("[]", 400, "must be a JSON object"),
    ('["05_front.jpg", "front"]', 400, "must be a JSON object"),
    ("null", 400, "must be a JSON object"),
    ("42", 400, "must be a JSON object"),
    ('"front"', 400, "must be a JSON object"),
    ("{", 400, "must be JSON"),
    ("", 400, "must be JSON"),
    (b"\xff\xfe{}", 400, "must be JSON"),
    ("{}", 400, "has no"),
    ("x" * 5000, 413, "limit"),
]


@pytest.mark.parametrize("path", ["/api/assign", "/api/product"])
@pytest.mark.parametrize(("body", "status", "reason"), WRONG_BODIES)
def test_a_change_of_the_wrong_shape_gets_a_4xx_and_a_one_line_reason(
    running, tmp_path, capfd, path, body, status, reason
):
    server = running()
    _wait_until_listening(server)
    json_type = {"Content-Type": "application/json"}
    answer, data = server.json("POST", path, body, headers=json_type)
    assert answer == status and reason in data["error"] and "\n" not in data["error"]
    assert "Traceback" not in capfd.readouterr().err


def test_every_endpoint_refuses_wrong_types_unknown_names_and_huge_bodies(running, capfd):
    server = running(max_file_bytes=len(PHOTO) + 10)
    _wait_until_listening(server)
    assert server.upload("05_front.jpg", PHOTO)[0] == 200
    json_type = {"Content-Type": "application/json"}
    cases = [
        ("POST", "/api/assign", {"file": 5, "view": "front"}, 400, "must be text"),
        ("POST", "/api/assign", {"file": "05_front.jpg", "view": ["front"]}, 400, "must be text"),
        ("POST", "/api/assign", {"file": "05_front.jpg", "view": "lid"}, 400, "not a view"),
        ("POST", "/api/assign", {"file": "nope.jpg", "view": "front"}, 404, "no such photo"),
        ("POST", "/api/assign", {"file": "05_front.jpg"}, 400, "has no view"),
        ("POST", "/api/product", {"has_screen": "yes"}, 400, "true, false or null"),
        ("POST", "/api/product", {"has_screen": 1}, 400, "true, false or null"),
        ("POST", "/api/product", {"screen": True}, 400, "has no has_screen"),
    ]
    for method, path, body, status, reason in cases:
        answer, data = server.json(method, path, json.dumps(body), headers=json_type)
        assert (answer, reason in data["error"]) == (status, True), (path, body, data)
    status, data = server.upload("huge.jpg", PHOTO + bytes(10_000))
    assert status == 413 and "limit" in data["error"]
    status, data = server.json("GET", "/api/export.zip?product_id=" + "9" * 5000)
    assert status in (400, 409)
    assert server.request("GET", "/api/preview?file=nope.jpg")[0] == 404
    assert server.request("GET", "/api/preview")[0] == 404
    assert server.request("GET", "/api/nothing")[0] == 404
    assert server.request("GET", "/api/assign")[0] == 405
    assert server.request("DELETE", "/api/photos")[0] == 405
    assert "Traceback" not in capfd.readouterr().err
    assert json.loads(server.request("GET", "/api/state")[1])["photos"] == {
        "05_front.jpg": "front"
    }  # nothing refused changed the folder


def test_the_page_has_an_icon_and_its_next_step_points_below(running, tmp_path):
    folder = tmp_path / "submission"
    copy_example(EXAMPLES / "complete-phone", folder)
    server = running(folder, recommended_long_side=5000)  # every photo gets a warning
    _wait_until_listening(server)
    status, icon = server.request("GET", "/favicon.ico")
    assert status == 200 and icon.startswith(b"<svg")
    header = server.json("GET", "/api/state")[1]["header"]
    assert "PASS" in header and "read the warnings below" in header and "above" not in header


@needs_chromium
def test_a_real_browser_gets_no_error_answer_and_reads_the_next_step_above_the_warnings(
    running, tmp_path
):
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "submission"
    copy_example(EXAMPLES / "complete-phone", folder)
    server = running(folder, recommended_long_side=5000)  # every photo gets a warning
    _wait_until_listening(server)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1200})
        answers = []
        page.on("response", lambda response: answers.append((response.status, response.url)))
        page.goto(server.server.address)
        page.wait_for_function("document.body.dataset.verdict === 'pass'", timeout=20_000)
        icon = page.evaluate(
            "fetch('/favicon.ico').then(r => [r.status, r.headers.get('content-type')])"
        )
        next_top = page.locator("p.next").bounding_box()["y"]
        warning_top = page.locator(".badge.warning").first.bounding_box()["y"]
        step = page.inner_text("p.next")
        browser.close()
    assert icon == [200, "image/svg+xml"]
    assert [answer for answer in answers if answer[0] >= 400] == []
    assert "read the warnings below" in step and next_top < warning_top


def test_a_folder_with_a_chinese_name_downloads_under_a_name_every_browser_takes(running, tmp_path):
    folder = tmp_path / '华为 "P40"'
    copy_example(EXAMPLES / "complete-phone", folder)
    server = running(folder)
    _wait_until_listening(server)
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    headers = {"Host": f"127.0.0.1:{server.port}", "X-Image-Review-Token": server.token}
    connection.request("GET", "/api/export.zip", headers=headers)
    response = connection.getresponse()
    assert response.status == 200 and response.read()[:2] == b"PK"
    disposition = response.getheader("Content-Disposition")
    assert 'filename="upload.zip"' in disposition  # the ASCII fallback
    assert "filename*=UTF-8''%E5%8D%8E%E4%B8%BA%20%22P40%22-upload.zip" in disposition
