"""The run page against the API: the same 12 COCO stats, per-class AP and confusion counts as the
charts route, and a confidence slider whose precision / recall are the charts route's counts at
that confidence."""
import json
import time

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import png


def box(x, y, w=40, h=40):
    return {"x": x, "y": y, "width": w, "height": h}


@pytest.fixture(scope="module")
def evaluated(api):
    """Four items with cars and people; predictions that hit, miss, shift and confuse them at
    several confidences; a succeeded evaluation of the run."""
    ds = api.post("dataset/create", {"name": "run page", "is_scene": False})["dataset_id"]
    parts = [("items", (None, json.dumps([{"reference_id": "r0", "image_url": "r0.png",
                                           "metadata": {}}]), "application/json")),
             ("image", ("r0.png", png(320, 240, (128, 128, 128)), "image/png"))]
    requests.post(f"{api.base}/dataset/{ds}/append", files=parts,
                  headers=api.auth).raise_for_status()
    url = api.get(f"dataset/{ds}/iloc/0")["item"]["image_url"]
    url = url[url.index("/v1/nucleus"):]  # the stored image, on whichever port reads it
    api.post(f"dataset/{ds}/append", {"items": [
        {"reference_id": f"r{i}", "image_url": url, "metadata": {}} for i in range(1, 4)]})
    gt, preds = [], []
    for i in range(4):
        gt.append({"type": "box", "label": "car", "reference_id": f"r{i}", "annotation_id": f"c{i}",
                   "geometry": box(10, 10), "metadata": {}})
        gt.append({"type": "box", "label": "person", "reference_id": f"r{i}",
                   "annotation_id": f"p{i}", "geometry": box(100, 100, 20, 60), "metadata": {}})
        preds.append({"type": "box", "label": "car", "reference_id": f"r{i}", "annotation_id": f"pc{i}",
                      "confidence": 0.3 + 0.2 * i, "geometry": box(12 + 8 * i, 10), "metadata": {}})
        preds.append({"type": "box", "label": "car" if i == 3 else "person", "reference_id": f"r{i}",
                      "annotation_id": f"pp{i}", "confidence": 0.9 - 0.2 * i,
                      "geometry": box(101, 100, 20, 58), "metadata": {}})
        preds.append({"type": "box", "label": "person", "reference_id": f"r{i}",
                      "annotation_id": f"fp{i}", "confidence": 0.15 * (i + 1),
                      "geometry": box(200, 10), "metadata": {}})
    api.post(f"dataset/{ds}/annotate", {"update": False, "annotations": gt})
    run = api.post(f"dataset/{ds}/modelRun/create",
                   {"name": "two classes", "reference_id": None, "metadata": {}})["model_run_id"]
    api.post(f"modelRun/{run}/predict", {"update": False, "annotations": preds})
    ev = api.post(f"modelRun/{run}/evaluationsV2", {})["evaluation_id"]
    deadline = time.time() + 60
    while api.get(f"evaluationsV2/{ev}")["status"] != "succeeded":
        assert time.time() < deadline
        time.sleep(0.1)
    return {"run": run, "ev": ev}


def charts(api, ev, filters=None):
    route = f"evaluationsV2/{ev}/charts"
    if filters is not None:
        route += "?filters=" + json.dumps(filters)
    return api.get(route)


def cells(table):
    return [[c.text for c in r.find_elements(By.TAG_NAME, "td")]
            for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def test_dashboard_route_answers_the_charts_routes_numbers(api, evaluated):
    ev = evaluated["ev"]
    summary = api.get(f"dashboard/evaluation/{ev}")
    c = charts(api, ev)
    assert len(summary["cocoSummary"]) == 12
    assert summary["cocoSummary"][0]["line"].startswith(
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = ")
    assert [s["value"] for s in summary["cocoSummary"][:3]] == [
        c["mapSummary"]["mapAt5095"], c["mapSummary"]["mapAt50"], c["mapSummary"]["mapAt75"]]
    at = summary["operatingPoint"]
    assert (at["tp"], at["fp"], at["fn"]) == (c["totalCounts"]["tp"], c["totalCounts"]["fp"],
                                              c["totalCounts"]["fn"])
    assert summary["charts"] == c  # the charts route's answer, whole
    assert api.get(f"dashboard/evaluation/{ev}") == summary  # the cached answer is the same
    half = api.get(f"dashboard/evaluation/{ev}?iouThreshold=0.75")
    assert half["charts"] == api.get(f"evaluationsV2/{ev}/charts?iouThreshold=0.75")
    # A bad threshold is refused naming the parameter.
    r = requests.get(f"{api.base}/dashboard/evaluation/{ev}?minConfidence=2", headers=api.auth)
    assert r.status_code == 400
    assert r.json() == {"error": "query parameter \"minConfidence\" must be a number in [0, 1], "
                                 "got \"2\""}


def test_run_page_shows_the_apis_numbers(browser, server, api, evaluated):
    ev = evaluated["ev"]
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go(f"#/run/{evaluated['run']}")
    browser.wait_for("#main[data-ready]", timeout=30)
    summary = api.get(f"dashboard/evaluation/{ev}")
    c = charts(api, ev)
    shown = cells(browser.wait_for("#coco-summary"))
    assert shown == [[s["line"], "-1.000" if s["value"] is None else f"{s['value']:.3f}"]
                     for s in summary["cocoSummary"]]
    assert cells(browser.wait_for("#per-class-ap")) == [
        [a["classLabel"], f"{a['ap']:.3f}"] for a in c["perClassAp"]]
    table = browser.wait_for("#confusion")
    labels = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")][1:]
    assert "background" in labels
    want = {(x["gtLabel"], x["predLabel"]): x["count"] for x in c["confusionMatrix"]}
    for row in cells(table):
        for p, n in zip(labels, row[1:]):
            assert int(n) == want.get((row[0], p), 0), (row[0], p)
    assert sum(want.values()) > 0
    browser.check()


@pytest.mark.parametrize("confidence", ["0.5", "0.85"])
def test_slider_gives_the_apis_precision_and_recall(browser, server, api, evaluated, confidence):
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go(f"#/run/{evaluated['run']}")
    browser.wait_for("#main[data-ready]", timeout=30)
    browser.driver.execute_script(
        "const s = document.getElementById('confidence'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input'));", confidence)
    WebDriverWait(browser.driver, 10).until(
        lambda d: d.find_element(By.ID, "operating-point").get_attribute("data-min-confidence")
        == str(float(confidence)))
    out = browser.driver.find_element(By.ID, "operating-point")
    counts = charts(api, evaluated["ev"], {"confidenceRange": {"min": float(confidence)}})["totalCounts"]
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    assert float(out.get_attribute("data-precision")) == (tp / (tp + fp) if tp + fp else 0.0)
    assert float(out.get_attribute("data-recall")) == (tp / (tp + fn) if tp + fn else 0.0)
    everything = charts(api, evaluated["ev"])["totalCounts"]
    assert (tp, fp) != (everything["tp"], everything["fp"])  # the threshold changed something
    assert f"(TP {tp}, FP {fp}, FN {fn})" in out.text
    browser.check()


def test_compare_shows_the_deltas_of_the_apis_numbers(browser, server, api, evaluated):
    """A second run of the same dataset that drops every person prediction: the page's per-class
    and metric deltas are the differences of the two evaluations' API numbers, and the items
    where the runs differ are listed."""
    ds = api.get(f"modelRun/{evaluated['run']}/info")["dataset_id"]
    run_b = api.post(f"dataset/{ds}/modelRun/create",
                     {"name": "cars only", "reference_id": None, "metadata": {}})["model_run_id"]
    api.post(f"modelRun/{run_b}/predict", {"update": False, "annotations": [
        {"type": "box", "label": "car", "reference_id": f"r{i}", "annotation_id": f"c{i}",
         "confidence": 0.9, "geometry": box(10, 10), "metadata": {}} for i in range(4)]})
    ev_b = api.post(f"modelRun/{run_b}/evaluationsV2", {})["evaluation_id"]
    while api.get(f"evaluationsV2/{ev_b}")["status"] != "succeeded":
        time.sleep(0.1)
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go(f"#/compare/{evaluated['run']}/{run_b}")
    browser.wait_for("#main[data-ready]", timeout=30)
    ap_a = {c["classLabel"]: c["ap"] for c in charts(api, evaluated["ev"])["perClassAp"]}
    ap_b = {c["classLabel"]: c["ap"] for c in charts(api, ev_b)["perClassAp"]}
    def delta(x, y):
        return ("+" if y - x >= 0 else "") + f"{y - x:.3f}"
    assert cells(browser.wait_for("#compare-classes")) == [
        [c, f"{ap_a[c]:.3f}", f"{ap_b[c]:.3f}", delta(ap_a[c], ap_b[c])] for c in sorted(ap_a)]
    sa = api.get(f"dashboard/evaluation/{evaluated['ev']}")["cocoSummary"]
    sb = api.get(f"dashboard/evaluation/{ev_b}")["cocoSummary"]
    metrics = cells(browser.wait_for("#compare-metrics"))
    assert metrics[0][1:] == [f"{sa[0]['value']:.3f}", f"{sb[0]['value']:.3f}",
                              delta(sa[0]["value"], sb[0]["value"])]
    items = cells(browser.wait_for("#compare-items"))
    assert len(items) == 4  # every item lost its person predictions in run B
    browser.check()


def test_another_owner_never_gets_the_cached_summary(api, other_api, evaluated):
    ev = evaluated["ev"]
    api.get(f"dashboard/evaluation/{ev}")  # cached now
    r = requests.get(f"{other_api.base}/dashboard/evaluation/{ev}", headers=other_api.auth)
    assert r.status_code == 404, r.text
    r = requests.get(f"{other_api.base}/dashboard/evaluation/{ev}?minConfidence=0.5",
                     headers=other_api.auth)
    assert r.status_code == 404, r.text


def test_jobs_page_lists_the_apis_jobs_with_their_progress(browser, server, api, evaluated):
    listed = api.post("jobs", {"dataset_id": None, "job_types": [], "from_date": None,
                               "to_date": None, "limit": 500, "show_completed": True})
    for job in listed:  # a job's first status read is "Running" (docs/api/jobs.md §3)
        api.get(f"job/{job['job_id']}")
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go("#/jobs")
    rows = cells(browser.wait_for("#jobs"))
    assert [r[0] for r in rows] == [j["job_id"] for j in listed] and rows
    for row in rows:
        status = api.get(f"job/{row[0]}")
        assert row[1:5] == [status["job_type"], status["status"],
                            f"{status['completed_steps']} / {status['total_steps']}",
                            str(status["job_progress"])]
    browser.check()


def test_example_opens_its_item_with_the_runs_overlay(browser, server, api, evaluated):
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go(f"#/run/{evaluated['run']}")
    browser.wait_for("#main[data-ready]", timeout=30)
    browser.driver.find_element(By.CSS_SELECTOR, "#example-kind option[value='FP']").click()
    # The examples are drawn again when the kind changes: an element found just before may be gone.
    WebDriverWait(browser.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#examples p").text.endswith(" FP"))
    first = browser.driver.find_element(By.CSS_SELECTOR, "#examples tbody tr")
    item_id, pred_label = [c.text for c in first.find_elements(By.TAG_NAME, "td")][:3:2]
    first.find_element(By.TAG_NAME, "a").click()
    browser.wait_for("#item-canvas[data-drawn]")
    assert browser.driver.find_element(By.ID, "run").get_attribute("value") == evaluated["run"]
    ds = api.get(f"modelRun/{evaluated['run']}/info")["dataset_id"]
    want = api.get(f"modelRun/{evaluated['run']}/loc/{item_id}")["annotations"]
    shown = cells(browser.wait_for("#object-table"))
    preds = [r for r in shown if r[0] == "pred"]
    assert len(preds) == sum(len(v) for v in want.values() if isinstance(v, list)) > 0
    assert pred_label in [r[2] for r in preds]
    gt = api.get(f"dataset/{ds}/loc/{item_id}")["annotations"]
    assert len([r for r in shown if r[0] == "GT"]) == sum(
        len(v) for v in gt.values() if isinstance(v, list))
    browser.check()


def test_item_position_route_gives_each_items_iloc_index(api, other_api, evaluated):
    ds = api.get(f"modelRun/{evaluated['run']}/info")["dataset_id"]
    for i in range(4):
        di = api.get(f"dataset/{ds}/iloc/{i}")["item"]["id"]
        assert api.get(f"dashboard/dataset/{ds}/position/{di}") == {"index": i}
        r = requests.get(f"{other_api.base}/dashboard/dataset/{ds}/position/{di}",
                         headers=other_api.auth)
        assert r.status_code == 404, r.text
    r = requests.get(f"{api.base}/dashboard/dataset/{ds}/position/di_nope", headers=api.auth)
    assert (r.status_code, r.json()) == (404, {"error": f"dataset {ds} has no item di_nope"})


def test_example_item_goes_to_the_next_item_with_the_runs_overlay(browser, server, api, evaluated):
    run = evaluated["run"]
    ds = api.get(f"modelRun/{run}/info")["dataset_id"]
    di = api.get(f"dataset/{ds}/iloc/2")["item"]["id"]
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go(f"#/dataset/{ds}/itemid/{di}/run/{run}")
    browser.wait_for("#item-canvas[data-drawn]")
    assert browser.text("h1").endswith("#2 of 4")
    for key, k in [(Keys.ARROW_RIGHT, 3), (Keys.ARROW_LEFT, 2), (Keys.ARROW_LEFT, 1)]:
        browser.driver.find_element(By.TAG_NAME, "body").send_keys(key)
        WebDriverWait(browser.driver, 10).until(
            lambda d: d.current_url.endswith(f"#/dataset/{ds}/item/{k}/run/{run}"))
        WebDriverWait(browser.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: d.find_element(By.TAG_NAME, "h1").text.endswith(f"r{k} #{k} of 4"))
        browser.wait_for("#item-canvas[data-drawn]")
        assert browser.driver.find_element(By.ID, "run").get_attribute("value") == run
        want = api.get(f"modelRun/{run}/iloc/{k}")["annotations"]
        preds = [r for r in cells(browser.wait_for("#object-table")) if r[0] == "pred"]
        assert sorted(r[3] for r in preds) == sorted(
            str(p["confidence"]) for v in want.values() if isinstance(v, list) for p in v)
    browser.check()


@pytest.fixture(scope="module")
def sliced(api, evaluated):
    """A slice of items r0 and r1 of the evaluated dataset."""
    ds = api.get(f"modelRun/{evaluated['run']}/info")["dataset_id"]
    slc = api.post(f"dataset/{ds}/create_slice",
                   {"name": "first two", "reference_ids": ["r0", "r1"]})["slice_id"]
    return {"ds": ds, "slice": slc}


def test_slice_pages_show_its_items_and_the_apis_numbers_on_it(browser, server, api, evaluated,
                                                               sliced):
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go(f"#/dataset/{sliced['ds']}/slices")
    rows = cells(browser.wait_for("#slices"))
    assert [r[:3] for r in rows] == [["first two", sliced["slice"], "dataset_item"]]
    browser.driver.find_element(By.CSS_SELECTOR, "#slices a").click()
    browser.wait_for("#main[data-ready] #slice-items", timeout=30)  # the slice's page, complete
    items = browser.driver.find_elements(By.CSS_SELECTOR, "#slice-items .grid-cell")
    assert [c.text for c in items] == ["r0", "r1"]
    shown = cells(browser.wait_for("#slice-runs"))
    assert shown
    filters = json.dumps({"sliceId": sliced["slice"]})
    for row in shown:
        run, ev = row[0], row[1]
        newest = next(e for e in api.get(f"modelRun/{run}/evaluationsV2") if e["status"] == "succeeded")
        assert ev == newest["id"]
        c = charts(api, ev, {"sliceId": sliced["slice"]})
        assert c == api.get(f"evaluationsV2/{ev}/charts?iouThreshold=0.5&filters={filters}")
        m, n = c["mapSummary"], c["totalCounts"]
        assert row[2:] == [f"{m['mapAt5095']:.3f}", f"{m['mapAt50']:.3f}",
                           str(n["tp"]), str(n["fp"]), str(n["fn"])]
        assert n["tp"] + n["fn"] == 4  # the slice's ground truth only: 2 items x 2 boxes
    items[1].click()  # a slice's item opens by id, with its position
    WebDriverWait(browser.driver, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.TAG_NAME, "h1").text.endswith("r1 #1 of 4"))
    browser.wait_for("#item-canvas[data-drawn]")
    browser.check()


def test_model_ci_page_shows_tests_metrics_thresholds_and_history(browser, server, api, sliced):
    """A model whose run finds the cars of r0 and r1 but not their people: recall 0.5 fails a
    0.9 threshold, precision 1.0 passes none (no threshold: pass)."""
    ds, slc = sliced["ds"], sliced["slice"]
    model = api.post("models/add", {"name": "ci model", "reference_id": "cim", "metadata": {}})["model_id"]
    run = api.post(f"dataset/{ds}/modelRun/create",
                   {"name": "ci run", "reference_id": "cim", "metadata": {}})["model_run_id"]
    api.post(f"modelRun/{run}/predict", {"update": False, "annotations": [
        {"type": "box", "label": "car", "reference_id": f"r{i}", "annotation_id": f"ci{i}",
         "confidence": 0.9, "geometry": box(10, 10), "metadata": {}} for i in range(2)]})
    fns = {f["name"]: f["id"] for f in api.get("validate/eval_fn")["eval_functions"]}
    ut = api.post("validate/scenario_test", {"name": "cars of the first two", "slice_id": slc,
                                             "evaluation_functions": [
                                                 {"id": fns["bbox_recall"], "eval_func_arguments": {}},
                                                 {"id": fns["bbox_precision"], "eval_func_arguments": {}}]}
                  )["scenario_test_id"]
    api.post(f"validate/metric/set_threshold/{ut}/{fns['bbox_recall']}", {"threshold": 0.9})
    job = api.post(f"validate/{model}/evaluate", {"test_names": ["cars of the first two"]})["job_id"]
    deadline = time.time() + 60
    while api.get(f"job/{job}")["status"] != "Completed":
        assert time.time() < deadline
        time.sleep(0.1)
    history = api.get(f"validate/scenario_test/{ut}/eval_history/details")
    assert len(history) == 2 and all(e["status"] == "completed" for e in history)
    browser.sign_in(server.keys[0])
    browser.wait_for("#datasets")
    browser.go("#/ci")
    browser.wait_for("#main[data-ready] section.ci-test", timeout=30)
    section = browser.wait_for(f"section[data-test='{ut}']")
    names = {v: k for k, v in fns.items()}
    metrics = api.get(f"validate/scenario_test/{ut}/metrics")["scenario_test_metrics"]
    assert cells(section.find_element(By.CSS_SELECTOR, ".ci-metrics")) == [
        [names[m["eval_function_id"]], json.dumps(m["eval_func_arguments"]),
         "—" if m["threshold"] is None else str(m["threshold"]), m["threshold_comparison"]]
        for m in metrics]
    shown = cells(section.find_element(By.CSS_SELECTOR, ".ci-history"))
    assert [r[:4] + r[5:6] for r in shown] == [
        ["ci model", names[e["eval_function_id"]], f"{float(e['result']):.3f}",
         "—" if e["threshold"] is None else str(e["threshold"]),
         "pass" if e["pass"] else "fail"] for e in history]
    verdict = {names[e["eval_function_id"]]: e["pass"] for e in history}
    assert verdict == {"bbox_recall": False, "bbox_precision": True}
    browser.check()
