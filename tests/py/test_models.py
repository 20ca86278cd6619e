"""models.md: create, list, get (model or run id), delete, tags, trained slice ids."""
import uuid

from prediction_helpers import add_items, box, create_run, predict, wait_job


def new_ref():
    return "model_" + uuid.uuid4().hex


def create_model(api, ref=None, **extra):
    payload = {"name": "My Model", "reference_id": ref or new_ref(), "metadata": {}}
    payload.update(extra)
    r = api.post("models/add", payload)
    assert r.status_code == 200, r.text
    return r.json()["model_id"], payload


def test_create_returns_prefixed_model_id(api):
    model_id, _ = create_model(api)
    assert model_id.startswith("prj_") and len(model_id) == 24


def test_listed_model_has_every_client_key(api):
    ref = new_ref()
    model_id, _ = create_model(api, ref, metadata={"lr": 0.1, "layers": [1, 2], "x": None},
                               tags=["first_tag"])
    models = api.get("models/").json()["models"]
    mine = [m for m in models if m["ref_id"] == ref]
    assert len(mine) == 1
    assert mine[0] == {"id": model_id, "name": "My Model", "ref_id": ref,
                       "metadata": {"lr": 0.1, "layers": [1, 2], "x": None},
                       "tags": ["first_tag"], "trained_slice_ids": []}


def test_get_by_model_id_and_by_run_id(api, dataset):
    ref = new_ref()
    model_id, _ = create_model(api, ref)
    run = api.post(f"dataset/{dataset}/modelRun/create",
                   {"name": "run", "reference_id": ref}).json()
    assert run["model_id"] == model_id
    by_model = api.get(f"model/{model_id}").json()
    by_run = api.get(f"model/{run['model_run_id']}").json()
    assert by_model == by_run
    assert by_model["id"] == model_id and by_model["ref_id"] == ref


def test_duplicate_reference_id_is_409(api):
    ref = new_ref()
    create_model(api, ref)
    r = api.post("models/add", {"name": "again", "reference_id": ref, "metadata": {}})
    assert r.status_code == 409
    assert ref in r.json()["error"]


def test_create_needs_name_and_reference_id(api):
    r = api.post("models/add", {"reference_id": new_ref(), "metadata": {}})
    assert r.status_code == 400 and "name" in r.json()["error"]
    r = api.post("models/add", {"name": "x", "metadata": {}})
    assert r.status_code == 400 and "reference_id" in r.json()["error"]
    r = api.post("models/add", {"name": "x", "reference_id": new_ref(), "metadata": [1]})
    assert r.status_code == 400 and "metadata" in r.json()["error"]


def test_delete_answers_exact_msg_and_model_disappears(api, dataset):
    ref = new_ref()
    model_id, _ = create_model(api, ref)
    run_id = api.post(f"dataset/{dataset}/modelRun/create",
                      {"name": "run", "reference_id": ref}).json()["model_run_id"]
    r = api.delete(f"model/{model_id}")
    assert r.status_code == 200
    assert r.json() == {"msg": "Model deletion running in an async job"}
    assert ref not in [m["ref_id"] for m in api.get("models/").json()["models"]]
    assert api.get(f"model/{model_id}").status_code == 404
    assert api.get(f"modelRun/{run_id}/info").status_code == 404
    assert run_id not in api.get(f"dataset/{dataset}/info").json()["model_run_ids"]


def test_delete_removes_runs_and_predictions_in_a_background_job(api, dataset):
    refs = [f"img_{i}" for i in range(3)]
    add_items(api, dataset, refs)
    model_id, payload = create_model(api)
    run_id = create_run(api, dataset, payload["reference_id"])
    predict(api, run_id, [box(r, f"b{j}", confidence=0.5) for r in refs for j in range(4)])
    assert api.delete(f"model/{model_id}").json() == {
        "msg": "Model deletion running in an async job"}
    # Gone at once from every owner-scoped read, before the job has necessarily run.
    assert api.get(f"modelRun/{run_id}/refloc/img_0").status_code == 404
    assert run_id not in api.get(f"dataset/{dataset}/model_runs").json()
    assert api.delete(f"model/{model_id}").status_code == 404
    jobs = api.post("jobs", {"job_types": ["modelDeletion"], "show_completed": True}).json()
    finished = [wait_job(api, job["job_id"]) for job in jobs]
    mine = [j for j in finished if j["message"]["model_deletion"]["model_id"] == model_id]
    assert len(mine) == 1 and mine[0]["status"] == "Completed", finished
    assert mine[0]["message"] == {"model_deletion": {"model_id": model_id, "model_runs": 1,
                                                     "predictions": 12}}
    # The reference id is free again, and the new model starts empty.
    new_model_id, _ = create_model(api, payload["reference_id"])
    assert new_model_id != model_id
    new_run = create_run(api, dataset, payload["reference_id"])
    assert api.get(f"modelRun/{new_run}/refloc/img_0").json()["annotations"] == {}


def test_tags_add_idempotent_then_remove(api):
    model_id, _ = create_model(api, tags=["first_tag"])
    assert api.post(f"model/{model_id}/tag", {"tags": ["single tag"]}).status_code == 200
    r = api.post(f"model/{model_id}/tag", {"tags": ["tag_a", "tag_b", "single tag"]})
    assert r.json()["tags"] == ["first_tag", "single tag", "tag_a", "tag_b"]
    api.delete(f"model/{model_id}/tag", {"tags": ["tag_a"]})
    r = api.delete(f"model/{model_id}/tag", {"tags": ["first_tag", "tag_b", "missing"]})
    assert r.status_code == 200
    assert api.get(f"model/{model_id}").json()["tags"] == ["single tag"]


def test_removing_only_unknown_tags_is_400_with_exact_compact_body(api):
    model_id, _ = create_model(api)
    api.post(f"model/{model_id}/tag", {"tags": ["single tag"]})
    r = api.delete(f"model/{model_id}/tag", {"tags": ["tag_a"]})
    assert r.status_code == 400
    assert ('{"error":"Deleted 0 tags from model. The specified tag(s) were not found."}'
            in r.text)
    assert api.get(f"model/{model_id}").json()["tags"] == ["single tag"]


def test_trained_slice_ids_add_and_remove(api):
    model_id, _ = create_model(api, trained_slice_ids=["slc_a"])
    api.post(f"model/{model_id}/trainedSliceId", {"trained_slice_ids": ["slc_b", "slc_a"]})
    assert api.get(f"model/{model_id}").json()["trained_slice_ids"] == ["slc_a", "slc_b"]
    r = api.delete(f"model/{model_id}/trainedSliceId", {"trained_slice_ids": ["slc_a"]})
    assert r.status_code == 200
    assert api.get(f"model/{model_id}").json()["trained_slice_ids"] == ["slc_b"]


def test_other_owner_sees_404(api, other_api):
    model_id, _ = create_model(api)
    assert other_api.get(f"model/{model_id}").status_code == 404
    assert other_api.delete(f"model/{model_id}").status_code == 404
    assert other_api.post(f"model/{model_id}/tag", {"tags": ["x"]}).status_code == 404
    assert model_id not in [m["id"] for m in other_api.get("models/").json()["models"]]
    assert api.get(f"model/{model_id}").status_code == 200


def test_unknown_model_is_404(api):
    assert api.get("model/prj_doesnotexist00000000").status_code == 404
    assert api.get("model/run_doesnotexist00000000").status_code == 404
