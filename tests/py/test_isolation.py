"""Two keys, two owners: the other owner's dataset answers 404 on every dataset, item and
annotation route (issue 2 acceptance), and listings show only the caller's objects."""
import pytest

BOX = {"label": "car", "type": "box", "geometry": {"x": 1, "y": 2, "width": 3, "height": 4},
       "reference_id": "img-1", "annotation_id": "box-1", "metadata": {},
       "embedding_vector": None, "track_reference_id": None, "task_id": None}


@pytest.fixture(scope="module")
def owned(api):
    ds = api.post("dataset/create", {"name": "private"}).json()["dataset_id"]
    r = api.post(f"dataset/{ds}/append", {"items": [
        {"metadata": {}, "reference_id": "img-1", "image_url": "s3://b/1.jpg"},
        {"metadata": {}, "reference_id": "img-2", "image_url": "s3://b/2.jpg"}],
        "update": False})
    assert r.status_code == 200, r.text
    r = api.post(f"dataset/{ds}/annotate", {"annotations": [BOX], "update": False})
    assert r.status_code == 200 and r.json()["annotations_processed"] == 1, r.text
    r = api.post(f"dataset/{ds}/add_taxonomy", {"taxonomy_name": "t", "type": "category",
                                                "labels": ["a"], "update": False})
    assert r.status_code == 200, r.text
    item_id = api.get(f"dataset/{ds}/iloc/0").json()["item"]["id"]
    return ds, item_id


ROUTES = [
    ("GET", "dataset/{ds}/name", None),
    ("GET", "dataset/{ds}/is_scene", None),
    ("GET", "dataset/{ds}/use_privacy_mode", None),
    ("GET", "dataset/{ds}/info", None),
    ("GET", "dataset/{ds}/size", None),
    ("GET", "dataset/{ds}/datasetItems", None),
    ("POST", "dataset/{ds}/itemsPage", {"pageToken": None, "pageSize": 10}),
    ("GET", "dataset/{ds}/iloc/0", None),
    ("GET", "dataset/{ds}/refloc/img-1", None),
    ("GET", "dataset/{ds}/loc/{di}", None),
    ("GET", "dataset/{ds}/model_runs", None),
    ("GET", "dataset/{ds}/slices", None),
    ("POST", "dataset/{ds}/create_slice", {"name": "s", "reference_ids": ["img-1"]}),
    ("GET", "dataset/{ds}/tags", None),
    ("POST", "dataset/{ds}/tags", {"tags": ["x"]}),
    ("DELETE", "dataset/{ds}/tags", {"tags": ["x"]}),
    ("POST", "dataset/{ds}/append", {"items": [{"metadata": {}, "reference_id": "evil",
                                                "image_url": "s3://b/e.jpg"}],
                                     "update": True}),
    ("GET", "dataset/{ds}/signedUrl/0123456789abcdef0123456789abcdef", None),
    ("POST", "dataset/{ds}/append?async=1", {"requestId": "0123456789abcdef0123456789abcdef",
                                             "update": False}),
    ("POST", "dataset/{ds}/metadata?async=0", {"metadata": [{"reference_id": "img-1",
                                                             "metadata": {"x": 1}}],
                                               "level": "item"}),
    ("POST", "dataset/{ds}/annotate", {"annotations": [BOX], "update": True}),
    ("POST", "dataset/{ds}/annotate?async=1", {"requestId": "0123456789abcdef0123456789abcdef",
                                               "update": False}),
    ("GET", "dataset/{ds}/groundTruth/loc/img-1/box-1", None),
    ("DELETE", "annotation/{ds}", {"reference_ids": ["img-1"]}),
    ("POST", "dataset/{ds}/add_taxonomy", {"taxonomy_name": "t2", "type": "category",
                                           "labels": ["b"], "update": False}),
    ("DELETE", "dataset/{ds}/taxonomy/t", {}),
    ("GET", "dataset/{ds}/class_labels", None),
    ("GET", "dataset/{ds}/exportForTraining", None),
    ("POST", "dataset/{ds}/exportForTrainingPage", {"pageToken": None, "pageSize": 10}),
    ("GET", "dataset/{ds}/scenes_list", None),
    ("DELETE", "dataset/{ds}/refloc/img-2", {}),
    ("DELETE", "dataset/{ds}", {}),
]


@pytest.mark.parametrize("method,route,body", ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_other_owner_gets_404(other_api, owned, method, route, body):
    ds, di = owned
    path = route.format(ds=ds, di=di)
    if method == "GET":
        r = other_api.get(path)
    elif method == "POST":
        r = other_api.post(path, body)
    else:
        r = other_api.delete(path, body)
    assert r.status_code == 404, (path, r.status_code, r.text)
    assert "error" in r.json()


def test_owner_still_sees_everything_unchanged(api, other_api, owned):
    ds, _ = owned
    assert api.get(f"dataset/{ds}/size").json() == {"count": 2}
    item = api.get(f"dataset/{ds}/refloc/img-1").json()
    assert item["item"]["metadata"] == {}
    assert item["annotations"]["box"][0]["annotation_id"] == "box-1"
    assert api.get(f"dataset/{ds}/info").json()["tags"] == []
    assert ds not in [d["id"] for d in other_api.get("dataset/details").json()]
    assert ds not in other_api.get("dataset/").json()["dataset_ids"]
