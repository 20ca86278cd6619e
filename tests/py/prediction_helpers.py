"""Shared helpers of test_model_runs.py and test_predictions.py: datasets with items, models,
runs, prediction objects exactly as the official client sends them, job polling."""
import json
import time
import uuid

import requests


def new_ref(prefix="model"):
    return f"{prefix}_{uuid.uuid4().hex}"


def add_items(api, ds, refs):
    items = [{"metadata": {}, "reference_id": r, "image_url": f"https://example.com/{r}"}
             for r in refs]
    for start in range(0, len(items), 5000):
        r = api.post(f"dataset/{ds}/append", {"items": items[start:start + 5000],
                                              "update": False})
        assert r.status_code == 200, r.text


def create_model(api, ref=None):
    ref = ref or new_ref()
    r = api.post("models/add", {"name": "model " + ref, "reference_id": ref, "metadata": {}})
    assert r.status_code == 200, r.text
    return r.json()["model_id"], ref


def create_run(api, ds, model_ref=None, name="run", **extra):
    if model_ref is None:
        _, model_ref = create_model(api)
    body = {"name": name, "reference_id": model_ref, "metadata": {}}
    body.update(extra)
    r = api.post(f"dataset/{ds}/modelRun/create", body)
    assert r.status_code == 200, r.text
    return r.json()["model_run_id"]


def box(ref, ann_id, label="car", x=0, y=0, w=10, h=20, confidence=None, class_pdf=None,
        metadata=None):
    obj = {"label": label, "type": "box",
           "geometry": {"x": x, "y": y, "width": w, "height": h},
           "reference_id": ref, "annotation_id": ann_id, "metadata": metadata or {},
           "embedding_vector": None, "track_reference_id": None, "task_id": None}
    if confidence is not None:
        obj["confidence"] = confidence
    if class_pdf is not None:
        obj["class_pdf"] = class_pdf
    return obj


def predict(api, run_id, objects, update=False, key="annotations", expect=200):
    r = api.post(f"modelRun/{run_id}/predict", {"update": update, key: objects})
    assert r.status_code == expect, r.text
    return r.json()


def upload_ndjson(api, ds, objects):
    request_id = uuid.uuid4().hex
    r = api.get(f"dataset/{ds}/signedUrl/{request_id}")
    assert r.status_code == 200, r.text
    body = "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objects)
    put = requests.put(r.json()["signed_url"], data=body.encode(),
                       headers={"Content-Type": "application/json"})
    assert put.status_code < 300, put.text
    return request_id


def wait_job(api, job_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = api.get(f"job/{job_id}").json()
        if status["status"] != "Running":
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")
