"""The dashboard in a real browser: sign-in, owner isolation, every page without console errors
or failed requests, the datasets' counts as the API gives them, overlays where they belong
(pixel probes on a screenshot) and keyboard navigation in the item view."""
import json
import urllib.parse

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def Wait(browser, seconds):  # noqa: N802 (reads like the WebDriverWait it wraps)
    """A WebDriverWait that looks again when an element it found was drawn anew meanwhile (the
    pages redraw as their reads arrive; dashboard_site failed once on it under the full ctest
    load)."""
    return WebDriverWait(browser.driver, seconds,
                         ignored_exceptions=(StaleElementReferenceException,))

from conftest import decode_png, png

GRAY = (128, 128, 128)
GT_BOX = {"x": 20, "y": 30, "width": 100, "height": 60}
PRED_BOX = {"x": 130, "y": 80, "width": 50, "height": 50}
# Item 1: a polygon (a rectangle given by its vertices) and keypoints, one of them invisible.
POLYGON = [{"x": 30, "y": 20}, {"x": 90, "y": 20}, {"x": 90, "y": 70}, {"x": 30, "y": 70}]
KEYPOINTS = [{"x": 150, "y": 110, "visible": True}, {"x": 170, "y": 40, "visible": True},
             {"x": 120, "y": 130, "visible": False}]


def append_image(api, ds, ref):
    items = [{"metadata": {}, "reference_id": ref, "image_url": ref, "update": False}]
    parts = [("items", (None, json.dumps(items), "application/json")),
             ("image", (urllib.parse.quote(ref, safe=""), png(200, 150, GRAY), "image/png"))]
    r = requests.post(f"{api.base}/dataset/{ds}/append", files=parts, headers=api.auth)
    assert r.status_code == 200 and r.json()["new_items"] == 1, r.text


@pytest.fixture(scope="session")
def data(api):
    """One dataset of 3 uploaded 200x150 gray images; item 0 has a ground-truth box and, in one
    run, a predicted box of confidence 0.7."""
    ds = api.post("dataset/create", {"name": "cars", "is_scene": False})["dataset_id"]
    for i in range(3):
        append_image(api, ds, f"img{i}.png")
    # Item 2: a segmentation whose mask is index 1 in the rectangle x 40..99, y 50..89.
    mask = png(200, 150, (0, 0, 0), rect=(40, 50, 60, 40, (1, 1, 1)))
    seg = {"type": "mask", "mask_url": "masks/m.png", "annotation_id": "seg2",
           "annotations": [{"label": "grass", "index": 1}], "reference_id": "img2.png"}
    parts = [("serialized_request", (None, json.dumps({"segmentations": [seg], "update": False}),
                                     "application/json")),
             ("mask", ("masks%2Fm.png", mask, "image/png"))]
    r = requests.post(f"{api.base}/dataset/{ds}/annotate", files=parts, headers=api.auth)
    assert r.status_code == 200 and r.json()["annotations_processed"] == 1, r.text
    api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": [
        {"type": "box", "label": "car", "reference_id": "img0.png", "annotation_id": "gt0",
         "geometry": GT_BOX, "metadata": {}},
        {"type": "polygon", "label": "road", "reference_id": "img1.png", "annotation_id": "poly1",
         "geometry": {"vertices": POLYGON}, "metadata": {}},
        {"type": "keypoints", "label": "person", "reference_id": "img1.png",
         "annotation_id": "kp1", "metadata": {},
         "geometry": {"keypoints": KEYPOINTS, "names": ["a", "b", "c"], "skeleton": []}}]})
    api.post("models/add", {"name": "det", "reference_id": "det", "metadata": {}})
    run = api.post(f"dataset/{ds}/modelRun/create",
                   {"name": "det run", "reference_id": "det", "metadata": {}})["model_run_id"]
    api.post(f"modelRun/{run}/predict", {"update": False, "annotations": [
        {"type": "box", "label": "car", "reference_id": "img0.png", "annotation_id": "p0",
         "confidence": 0.7, "geometry": PRED_BOX, "metadata": {}}]})
    return {"ds": ds, "run": run}


def test_site_is_served_from_the_binary_without_credentials(server):
    r = requests.get(server.url + "/")
    assert r.status_code == 200 and "<title>Nucleus dashboard</title>" in r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
    js = requests.get(server.url + "/js/app.js")
    assert js.status_code == 200 and js.headers["Content-Type"].startswith("text/javascript")
    missing = requests.get(server.url + "/js/nope.js")
    assert missing.status_code == 404 and missing.json() == {"error": "no such file: /js/nope.js"}
    # The API's own port serves no site: its answers are unchanged.
    assert requests.get(server.api_url + "/").status_code == 404
    # The API on the dashboard's port is authenticated as on the API's.
    assert requests.get(server.url + "/v1/nucleus/dataset").status_code == 401


def test_wrong_key_is_refused_and_nothing_is_shown(browser, data):
    browser.sign_in("not-a-key")
    Wait(browser, 10).until(
        lambda d: d.find_element(By.ID, "signin-error").text != "")
    assert browser.text("#signin-error") == "This API key is not valid."
    assert "#/signin" in browser.driver.current_url
    assert browser.driver.execute_script("return sessionStorage.getItem('nucleus.apiKey')") is None
    browser.check(allowed=[r"status of 401"])


def test_pages_need_a_key(browser):
    browser.open("#/datasets")
    browser.wait_for("#signin")
    browser.check()


def test_datasets_list_counts_are_the_apis(browser, server, api, data):
    browser.sign_in(server.keys[0])
    rows = browser.wait_for("#datasets").find_elements(By.CSS_SELECTOR, "tbody tr")
    info = api.get(f"dataset/{data['ds']}/info")
    cells = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    listed = api.get("dataset/details")
    assert [c[1] for c in cells] == [d["id"] for d in listed]  # every dataset of the owner
    assert ["cars", data["ds"], str(info["length"]), str(len(info["model_run_ids"])),
            str(len(info["slice_ids"]))] in cells
    assert info["length"] == 3
    browser.check()


def test_another_owner_sees_none_of_it(browser, server, other_api, data):
    browser.sign_in(server.keys[1])
    browser.wait_for("#no-datasets")
    assert "cars" not in browser.driver.find_element(By.ID, "main").text
    browser.go(f"#/dataset/{data['ds']}")
    Wait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#main .error"))
    assert "cars" not in browser.driver.find_element(By.ID, "main").text
    assert other_api.get("dataset/details") == []
    browser.check(allowed=[r"status of 404"])


def test_every_page_opens_cleanly(browser, server, data):
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    for page, css in [(f"#/dataset/{data['ds']}", "#grid[data-ready]"),
                      (f"#/dataset/{data['ds']}/item/0", "#item-canvas[data-drawn]"),
                      ("#/models", "#runs"), ("#/jobs", "#jobs"), ("#/datasets", "#datasets")]:
        browser.go(page)
        browser.wait_for(css)
        browser.check()


def test_grid_shows_every_item_and_opens_one(browser, server, data):
    browser.sign_in(server.keys[0])
    browser.go(f"#/dataset/{data['ds']}")
    browser.wait_for("#grid[data-ready]")
    cells = browser.driver.find_elements(By.CSS_SELECTOR, "#grid .grid-cell")
    assert [c.text for c in cells] == ["img0.png", "img1.png", "img2.png"]
    cells[1].click()
    browser.wait_for("#item-canvas[data-drawn]")
    assert browser.driver.current_url.endswith(f"#/dataset/{data['ds']}/item/1")
    browser.check()


def canvas_pixels(browser):
    canvas = browser.wait_for("#item-canvas[data-drawn]")
    return decode_png(canvas.screenshot_as_png)


def is_green(p):
    return p[1] > 100 and p[0] < 80 and p[2] < 120


def is_red(p):
    return p[0] > 150 and p[1] < 80 and p[2] < 80


def test_overlays_are_drawn_where_the_boxes_are(browser, server, data):
    browser.sign_in(server.keys[0])
    browser.go(f"#/dataset/{data['ds']}/item/0")
    w, h, px = canvas_pixels(browser)
    assert (w, h) == (200, 150)
    x, y, bw, bh = GT_BOX["x"], GT_BOX["y"], GT_BOX["width"], GT_BOX["height"]
    assert is_green(px(x, y + bh // 2)) and is_green(px(x + bw // 2, y + bh))
    assert px(x + bw // 2, y + bh // 2) == GRAY  # inside the box: the image
    assert px(5, 5) == GRAY
    px_pred = (PRED_BOX["x"], PRED_BOX["y"] + PRED_BOX["height"] // 2)
    assert px(*px_pred) == GRAY  # no run chosen: no predictions
    browser.driver.find_element(By.CSS_SELECTOR, f"#run option[value='{data['run']}']").click()
    Wait(browser, 10).until(
        lambda d: d.find_element(By.ID, "item-canvas").get_attribute("data-drawn") == "2")
    _, _, px = canvas_pixels(browser)
    assert is_red(px(*px_pred)) and is_green(px(x, y + bh // 2))
    # A threshold above the prediction's confidence hides it; the ground truth stays.
    browser.driver.execute_script(
        "const t = document.getElementById('threshold'); t.value = '0.71';"
        "t.dispatchEvent(new Event('input'));")
    _, _, px = canvas_pixels(browser)
    assert px(*px_pred) == GRAY and is_green(px(x, y + bh // 2))
    # The label filter hides the ground truth.
    browser.driver.find_element(By.CSS_SELECTOR, "#labels input[data-label='car']").click()
    _, _, px = canvas_pixels(browser)
    assert px(x, y + bh // 2) == GRAY
    browser.check()


def test_polygons_and_keypoints_are_drawn_where_they_are(browser, server, data):
    browser.sign_in(server.keys[0])
    browser.go(f"#/dataset/{data['ds']}/item/1")
    _, _, px = canvas_pixels(browser)
    assert is_green(px(30, 45)) and is_green(px(60, 70))  # the polygon's left and bottom edges
    assert px(60, 45) == GRAY  # its inside
    for k in KEYPOINTS[:2]:
        assert is_green(px(k["x"], k["y"])), k
    assert px(KEYPOINTS[2]["x"], KEYPOINTS[2]["y"]) == GRAY  # not visible: not drawn
    browser.driver.find_element(By.CSS_SELECTOR, "#labels input[data-label='road']").click()
    _, _, px = canvas_pixels(browser)
    assert px(30, 45) == GRAY and is_green(px(150, 110))
    browser.check()


def test_masks_are_drawn_where_their_pixels_are(browser, server, data):
    browser.sign_in(server.keys[0])
    browser.go(f"#/dataset/{data['ds']}/item/2")
    _, _, px = canvas_pixels(browser)
    inside, outside = px(70, 70), px(20, 20)
    assert outside == GRAY
    assert inside != GRAY and inside[1] > inside[0] and inside[1] > inside[2]  # green tint
    assert px(39, 70) == GRAY and px(100, 70) == GRAY  # just left and right of the mask
    browser.check()


def test_arrow_keys_go_to_the_next_and_previous_item(browser, server, data):
    browser.sign_in(server.keys[0])
    base = f"#/dataset/{data['ds']}/item/"
    browser.go(base + "0")
    browser.wait_for("#item-canvas[data-drawn]")
    body = browser.driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.ARROW_RIGHT)
    Wait(browser, 10).until(lambda d: d.current_url.endswith(base + "1"))
    Wait(browser, 10).until(lambda d: "img1.png" in d.find_element(By.TAG_NAME, "h1").text)
    browser.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    Wait(browser, 10).until(lambda d: d.current_url.endswith(base + "2"))
    browser.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)  # the last: stays
    browser.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_LEFT)
    Wait(browser, 10).until(lambda d: d.current_url.endswith(base + "1"))
    browser.check()


@pytest.fixture(scope="session")
def many(api):
    """A dataset of 1,203 items sharing one uploaded image, item 5 deleted (positions are counted
    over the items that exist), and the ids of the rest in order as itemsPage walks them."""
    ds = api.post("dataset/create", {"name": "many", "is_scene": False})["dataset_id"]
    append_image(api, ds, "m0.png")
    url = api.get(f"dataset/{ds}/iloc/0")["item"]["image_url"]
    api.post(f"dataset/{ds}/append", {"items": [
        {"reference_id": f"m{i}.png", "image_url": url, "metadata": {}} for i in range(1, 1204)]})
    r = requests.delete(f"{api.base}/dataset/{ds}/refloc/m5.png", headers=api.auth)
    assert r.status_code == 200, r.text
    walk, token = [], None
    while True:
        page = api.post(f"dataset/{ds}/itemsPage", {"pageToken": token, "pageSize": 500})
        walk += [it["reference_id"] for it in page["items"]]
        token = page["nextPageToken"]
        if not token:
            break
    assert len(walk) == 1203 and "m5.png" not in walk
    return {"ds": ds, "walk": walk}


def test_items_read_from_a_position_are_the_walks_items_from_there(api, other_api, many):
    ds, walk = many["ds"], many["walk"]
    at = lambda q: api.get(f"dashboard/dataset/{ds}/items?{q}")  # noqa: E731
    page = at("index=1000&pageSize=500")
    assert [it["reference_id"] for it in page["items"]] == walk[1000:]
    assert page["nextPageToken"] is None
    page = at("index=4&pageSize=3")  # 4, then 6 and 7: the deleted m5 is no position
    assert [it["reference_id"] for it in page["items"]] == walk[4:7] == ["m4.png", "m6.png", "m7.png"]
    rest = api.post(f"dataset/{ds}/itemsPage", {"pageToken": page["nextPageToken"], "pageSize": 2})
    assert [it["reference_id"] for it in rest["items"]] == walk[7:9]  # itemsPage goes on from it
    assert at("index=1203")["items"] == []
    assert len(at("index=0")["items"]) == 500  # pageSize defaults to the grid's page
    for query, message in [("pageSize=5", 'query parameter "index" is required'),
                           ("index=-1", 'query parameter "index" must be an integer >= 0, got "-1"'),
                           ("index=1&pageSize=0",
                            'query parameter "pageSize" must be an integer >= 1, got "0"')]:
        r = requests.get(f"{api.base}/dashboard/dataset/{ds}/items?{query}", headers=api.auth)
        assert (r.status_code, r.json()) == (400, {"error": message}), r.text
    r = requests.get(f"{other_api.base}/dashboard/dataset/{ds}/items?index=0", headers=other_api.auth)
    assert r.status_code == 404, r.text


def test_grid_jump_to_the_end_reads_one_page(browser, server, many):
    browser.sign_in(server.keys[0])
    browser.go(f"#/dataset/{many['ds']}")
    grid = browser.wait_for("#grid[data-ready]")
    browser.driver.execute_script("arguments[0].scrollTop = arguments[0].scrollHeight", grid)
    last = browser.wait_for("#grid .grid-cell[data-index='1202']")
    assert last.text == many["walk"][1202]
    reads = browser.driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => n.includes('/items?') || n.includes('itemsPage'))")
    assert [r.split("/items?")[1] for r in reads] == ["index=0&pageSize=500",
                                                     "index=1000&pageSize=500"], reads
    browser.check()
