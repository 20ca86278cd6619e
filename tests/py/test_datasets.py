"""datasets.md: create, list, properties, info, size, delete, tags."""


def test_create_returns_prefixed_id_and_name(api):
    r = api.post("dataset/create", {"name": "cars", "is_scene": False, "use_privacy_mode": False,
                                    "annotation_metadata_schema": None,
                                    "item_metadata_schema": {"weather": {"type": "category",
                                                                         "choices": ["sun"],
                                                                         "description": None}}})
    assert r.status_code == 200
    body = r.json()
    assert body["dataset_id"].startswith("ds_") and len(body["dataset_id"]) == 23
    assert body["name"] == "cars"
    info = api.get(f"dataset/{body['dataset_id']}/info").json()
    assert info["item_metadata_schema"] == {"weather": {"type": "category", "choices": ["sun"],
                                                        "description": None}}
    assert info["annotation_metadata_schema"] is None


def test_details_lists_newest_first_with_is_public(api, dataset):
    listing = api.get("dataset/details").json()
    assert isinstance(listing, list)
    assert listing[0]["id"] == dataset
    assert listing[0]["is_public"] is False
    legacy = api.get("dataset/").json()
    assert dataset in legacy["dataset_ids"]


def test_lazy_properties(api):
    ds = api.post("dataset/create", {"name": "scenes", "is_scene": True,
                                     "use_privacy_mode": True}).json()["dataset_id"]
    assert api.get(f"dataset/{ds}/name").json() == {"name": "scenes"}
    assert api.get(f"dataset/{ds}/is_scene").json() == {"is_scene": True}
    assert api.get(f"dataset/{ds}/use_privacy_mode").json() == {"use_privacy_mode": True}


def test_info_and_size_of_new_dataset(api, dataset):
    info = api.get(f"dataset/{dataset}/info").json()
    assert info["dataset_id"] == dataset
    assert info["length"] == 0
    assert info["model_run_ids"] == [] and info["slice_ids"] == []
    assert api.get(f"dataset/{dataset}/size").json() == {"count": 0}


def test_delete_answers_exact_message_and_dataset_disappears(api, dataset):
    r = api.delete(f"dataset/{dataset}")
    assert r.status_code == 200
    assert r.json() == {"message": "Beginning dataset deletion..."}
    assert dataset not in [d["id"] for d in api.get("dataset/details").json()]
    assert api.get(f"dataset/{dataset}/info").status_code == 404


def test_tags_add_remove_and_show_in_info(api, dataset):
    assert api.post(f"dataset/{dataset}/tags", {"tags": ["a", "b"]}).status_code == 200
    api.post(f"dataset/{dataset}/tags", {"tags": ["b", "c"]})
    assert api.get(f"dataset/{dataset}/info").json()["tags"] == ["a", "b", "c"]
    api.delete(f"dataset/{dataset}/tags", {"tags": ["a"]})
    assert api.get(f"dataset/{dataset}/info").json()["tags"] == ["b", "c"]


def test_trailing_slash_and_double_slash_are_the_same_route(api, dataset):
    assert api.get(f"dataset/{dataset}/size/").json() == {"count": 0}
    assert api.get(f"/dataset/{dataset}/size").json() == {"count": 0}


def test_get_with_empty_json_body_is_accepted(api, dataset):
    r = api.get(f"dataset/{dataset}/size", data="{}")
    assert r.status_code == 200


def test_bad_body_is_400_with_compact_error(api):
    r = api.post("dataset/create", None, data="{not json")
    assert r.status_code == 400
    assert r.text.startswith('{"error":"')
    r = api.post("dataset/create", {"is_scene": False})
    assert r.status_code == 400
    assert "name" in r.json()["error"]
    r = api.post("dataset/create", {"name": 5})
    assert r.status_code == 400 and "name" in r.json()["error"]


def test_unknown_route_and_unknown_dataset_are_404_json(api):
    r = api.get("no/such/route")
    assert r.status_code == 404 and "error" in r.json()
    r = api.get("dataset/ds_doesnotexist0000000000/info")
    assert r.status_code == 404 and "error" in r.json()


def test_missing_or_bad_credential_is_401(api, server):
    import requests
    r = requests.get(f"{server.base}/dataset/details")
    assert r.status_code == 401 and "error" in r.json()
    r = requests.get(f"{server.base}/dataset/details", auth=("nk_wrong", ""))
    assert r.status_code == 401


def test_limited_access_key_header_is_accepted(api, server, dataset):
    import requests
    r = requests.get(f"{server.base}/dataset/{dataset}/size",
                     headers={"x-limited-access-key": api.key})
    assert r.status_code == 200
