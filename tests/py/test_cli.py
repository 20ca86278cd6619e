"""The `nucleus` client sub-commands (issue 5) against a live server: one clear error line and a
non-zero exit on failure, the right effect on success."""
import json
import os
import subprocess

import pytest

from conftest import NUCLEUS_BIN


def run_cli(server, key, *args, check=True):
    env = dict(os.environ, NUCLEUS_ENDPOINT=server.base, NUCLEUS_API_KEY=key)
    proc = subprocess.run([NUCLEUS_BIN, *args], capture_output=True, text=True, env=env,
                          timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def setup(api):
    ds = api.post("dataset/create", {"name": "cli"}).json()["dataset_id"]
    api.post(f"dataset/{ds}/append", {"items": [
        {"metadata": {}, "reference_id": f"img{i}.jpg", "image_url": f"s3://b/{i}.jpg"}
        for i in range(3)], "update": False})
    api.post(f"dataset/{ds}/annotate", {"annotations": [
        {"label": "car", "type": "box", "geometry": {"x": 0, "y": 0, "width": 10, "height": 10},
         "reference_id": f"img{i}.jpg", "annotation_id": f"gt{i}", "metadata": {}}
        for i in range(3)], "update": False})
    model = api.post("models/add", {"name": "cli model", "reference_id": "cli-model",
                                    "metadata": {}}).json()["model_id"]
    return ds, model


def test_datasets_and_models_list_show_the_callers_objects(server, api, setup):
    ds, model = setup
    assert ds in run_cli(server, api.key, "datasets", "list").stdout
    assert model in run_cli(server, api.key, "models", "list").stdout


def test_upload_ndjson_then_commit_and_export(server, api, setup, tmp_path):
    ds, model = setup
    path = tmp_path / "preds.ndjson"
    with open(path, "w") as f:
        for i in range(3):
            f.write(json.dumps({"label": "car", "type": "box",
                                "geometry": {"x": 1, "y": 1, "width": 10, "height": 10},
                                "reference_id": f"img{i}.jpg", "annotation_id": f"p{i}",
                                "confidence": 0.5 + i / 10, "class_pdf": {"car": 0.9}}) + "\n")
        f.write(json.dumps({"label": "car", "type": "box",
                            "geometry": {"x": 1, "y": 1, "width": 10, "height": 10},
                            "reference_id": "missing.jpg", "annotation_id": "px"}) + "\n")
    out = run_cli(server, api.key, "upload", "predictions", "--dataset", ds, "--model", model,
                  str(path)).stdout
    assert "3 processed" in out and "1 errors" in out and "missing.jpg" in out
    run_id = out.split()[1].rstrip(":")
    assert run_id.startswith("run_")
    again = run_cli(server, api.key, "upload", "predictions", "--dataset", ds, "--model", model,
                    str(path)).stdout
    assert "0 processed, 3 ignored" in again

    commit = run_cli(server, api.key, "runs", "commit", run_id).stdout
    assert "job_id" in commit or "message" in commit

    exported = run_cli(server, api.key, "export", "run", run_id).stdout.strip().splitlines()
    rows = [json.loads(line) for line in exported]
    ids = sorted(p["annotation_id"] for row in rows for p in
                 (row.get("box", []) if isinstance(row, dict) and "box" in row else [row]))
    assert ids == ["p0", "p1", "p2"], exported


def test_bad_file_is_one_line_naming_file_and_line(server, api, setup, tmp_path):
    ds, model = setup
    path = tmp_path / "bad.ndjson"
    path.write_text('{"label": "car", "type": "box", "geometry": {"x": 1}, '
                    '"reference_id": "img0.jpg"}\n')
    proc = run_cli(server, api.key, "upload", "predictions", "--dataset", ds, "--model", model,
                   str(path), check=False)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.ndjson" in lines[0] and "line 1" in lines[0], proc.stderr


def test_unknown_dataset_and_server_down_fail_with_one_line(server, api, setup, tmp_path):
    _, model = setup
    path = tmp_path / "one.ndjson"
    path.write_text(json.dumps({"label": "car", "type": "box",
                                "geometry": {"x": 1, "y": 1, "width": 1, "height": 1},
                                "reference_id": "img0.jpg", "annotation_id": "q"}) + "\n")
    proc = run_cli(server, api.key, "upload", "predictions", "--dataset",
                   "ds_doesnotexist0000000000", "--model", model, str(path), check=False)
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    env = dict(os.environ, NUCLEUS_API_KEY=api.key)
    down = subprocess.run([NUCLEUS_BIN, "datasets", "list", "--endpoint",
                           "http://127.0.0.1:9/v1/nucleus"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert down.returncode != 0 and len(down.stderr.strip().splitlines()) == 1, down.stderr
