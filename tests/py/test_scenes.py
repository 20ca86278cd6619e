"""scenes.md: lidar and video scenes, scene reads/deletes, scene metadata, scene categories,
cuboids on point clouds. Bodies are shaped exactly as the official client sends them."""
import copy
import time
import urllib.parse
import uuid

import pytest
import requests

POINTCLOUD_URL = "https://example.com/pointclouds/frame-0.json"
CAMERA_PARAMS_META = {"position": {"x": 0, "y": 0, "z": 0},
                      "heading": {"w": 0.6, "x": -0.6, "y": 0.3, "z": -0.3},
                      "fx": 1000, "fy": 1000, "cx": 1000, "cy": 500,
                      "camera_model": "brown_conrady", "k1": 0.01, "k2": 0, "p1": 0.002}
CAMERA_PARAMS_TOP = {"position": {"x": 0, "y": 0, "z": 0},
                     "heading": {"x": -0.6, "y": 0.3, "z": -0.3, "w": 0.6},
                     "fx": 1000, "fy": 1000, "cx": 1000, "cy": 500,
                     "k1": 0.01, "p1": 0.002, "camera_model": "brown_conrady"}


def lidar_item(ref, url=POINTCLOUD_URL):
    return {"metadata": {}, "reference_id": ref, "url": url, "type": "pointcloud"}


def camera_item(ref, url="https://example.com/images/airplane.jpeg"):
    return {"metadata": {"camera_params": CAMERA_PARAMS_META, "sensor": "front_cam"},
            "reference_id": ref, "width": 1920, "height": 1080, "url": url, "type": "image",
            "camera_params": CAMERA_PARAMS_TOP}


def lidar_scene(ref="scene_1", prefix="", metadata=None):
    scene = {"reference_id": ref,
             "frames": [{"lidar": lidar_item(prefix + "lidar_frame_1"),
                         "camera": camera_item(prefix + "camera_frame_1")},
                        {"lidar": lidar_item(prefix + "lidar_frame_2")}]}
    if metadata is None:
        metadata = {"test_meta_field": "test_meta_value"}
    if metadata:
        scene["metadata"] = metadata
    return scene


def video_frames_scene(ref="scene_1", prefix=""):
    return {"reference_id": ref, "frame_rate": 15,
            "metadata": {"timestamp": "1234", "weather": "rainy"}, "upload_to_scale": True,
            "frames": [{"metadata": {"time": 123, "foo": "bar"},
                        "reference_id": prefix + "video_frame_0",
                        "url": "https://example.com/images/airplane.jpeg", "type": "image"},
                       {"metadata": {"time": 124, "foo": "bar_2"},
                        "reference_id": prefix + "video_frame_1",
                        "url": "https://example.com/images/arctichare.jpeg", "type": "image"}]}


def video_file_scene(ref="scene_2"):
    # Unreachable on purpose: the server must never fetch it.
    return {"reference_id": ref, "metadata": {"timestamp": "1234", "weather": "rainy"},
            "video_url": "https://unreachable.invalid/videos/video.mp4", "upload_to_scale": True}


def new_scene_dataset(api, name="scenes"):
    r = api.post("dataset/create", {"name": name, "is_scene": True, "use_privacy_mode": False,
                                    "annotation_metadata_schema": None,
                                    "item_metadata_schema": None})
    assert r.status_code == 200, r.text
    return r.json()["dataset_id"]


@pytest.fixture
def scene_ds(api):
    return new_scene_dataset(api)


def put_payload(api, ds, lines):
    request_id = uuid.uuid4().hex
    r = api.get(f"dataset/{ds}/signedUrl/{request_id}")
    assert r.status_code == 200, r.text
    body = "".join(__import__("json").dumps(line) + "\n" for line in lines)
    put = requests.put(r.json()["signed_url"], data=body.encode())  # no credential
    assert put.status_code < 300, put.text
    return request_id


def wait_job(api, job_id, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = api.get(f"job/{job_id}").json()
        if status["status"] != "Running":
            return status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")


def async_upload(api, ds, route, scenes, update=False):
    request_id = put_payload(api, ds, scenes)
    r = api.post(f"{ds}/{route}?async=1", {"requestId": request_id, "update": update})
    assert r.status_code == 200, r.text
    job = r.json()
    return job, wait_job(api, job["job_id"])


def sync_upload(api, ds, route, scenes, update=False):
    r = api.post(f"{ds}/{route}", {"scenes": scenes, "update": update})
    assert r.status_code == 200, r.text
    return r.json()


def scene_list(api, ds):
    r = api.get(f"dataset/{ds}/scenes_list")
    assert r.status_code == 200, r.text
    return r.json()["scenes"]


def get_scene(api, ds, ref):
    r = api.get(f"dataset/{ds}/scene/{ref}")
    assert r.status_code == 200, r.text
    return r.json()


# --- §2.2 async uploads and §2.5 jobs -----------------------------------------------------------

def test_async_lidar_upload_without_dataset_prefix_reports_job_type_and_counts(api, scene_ds):
    job, status = async_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    assert set(job) >= {"job_id", "job_last_known_status", "job_type", "job_creation_time"}
    assert job["job_type"] == "uploadLidarScene"
    assert job["job_last_known_status"] == "Running"
    assert status["status"] == "Completed"
    assert status["job_type"] == "uploadLidarScene"
    assert status["job_progress"] == "1.00"
    assert status["completed_steps"] == status["total_steps"]
    assert status["message"] == {"scene_upload_progress": {
        "errors": [], "dataset_id": scene_ds, "new_scenes": 1, "ignored_scenes": 0,
        "scenes_errored": 0, "updated_scenes": 0}}
    listed = scene_list(api, scene_ds)
    assert [s["reference_id"] for s in listed] == ["scene_1"]
    assert listed[0]["metadata"] == {"test_meta_field": "test_meta_value"}


def test_async_video_upload_accepts_unreachable_video_file_and_lists_both(api, scene_ds):
    job, status = async_upload(api, scene_ds, "upload_video_scenes",
                               [video_frames_scene(), video_file_scene()])
    assert job["job_type"] == "uploadVideoScene"
    assert status["status"] == "Completed"
    assert status["job_type"] == "uploadVideoScene"
    assert status["completed_steps"] == status["total_steps"] == 2
    assert status["message"]["scene_upload_progress"]["new_scenes"] == 2
    listed = scene_list(api, scene_ds)
    assert [(s["reference_id"], s["type"]) for s in listed] == [("scene_1", "video"),
                                                                ("scene_2", "video")]
    assert all(s["id"].startswith("scn_") for s in listed)
    assert listed[1]["metadata"] == {"timestamp": "1234", "weather": "rainy"}


def test_async_update_true_replaces_metadata_and_counts_updated(api, scene_ds):
    async_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    changed = lidar_scene(metadata={"test_meta_field": "test_meta_value", "new_key": 1})
    _, status = async_upload(api, scene_ds, "upload_scenes", [changed], update=True)
    assert status["status"] == "Completed"
    progress = status["message"]["scene_upload_progress"]
    assert (progress["updated_scenes"], progress["new_scenes"]) == (1, 0)
    assert get_scene(api, scene_ds, "scene_1")["metadata"] == changed["metadata"]


def test_async_upload_on_item_dataset_or_unknown_request_is_400(api, scene_ds, dataset):
    request_id = put_payload(api, dataset, [lidar_scene()])
    r = api.post(f"{dataset}/upload_scenes?async=1", {"requestId": request_id, "update": False})
    assert r.status_code == 400
    assert f"Dataset {dataset} is not a scene dataset" in r.json()["error"]
    r = api.post(f"{scene_ds}/upload_scenes?async=1",
                 {"requestId": uuid.uuid4().hex, "update": False})
    assert r.status_code == 400 and "requestId" in r.json()["error"]


def test_async_bad_scene_is_a_job_error_but_job_completes(api, scene_ds):
    bad = lidar_scene("bad")
    bad["frames"] = []
    _, status = async_upload(api, scene_ds, "upload_scenes", [bad, lidar_scene("good")])
    assert status["status"] == "Completed"
    progress = status["message"]["scene_upload_progress"]
    assert (progress["new_scenes"], progress["scenes_errored"]) == (1, 1)
    errors = api.get(f"job/{status['job_id']}/errors").json()
    assert len(errors) == 1 and "Scene bad" in errors[0] and "no frames" in errors[0]
    assert [s["reference_id"] for s in scene_list(api, scene_ds)] == ["good"]


# --- §2.3 sync uploads and §2.4 semantics --------------------------------------------------------

def test_sync_lidar_upload_counts(api, scene_ds):
    body = sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    assert body == {"dataset_id": scene_ds, "new_scenes": 1, "ignored_scenes": 0,
                    "updated_scenes": 0, "scenes_errored": 0, "errors": []}


def test_sync_update_false_ignores_existing_scene_unchanged(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    before = get_scene(api, scene_ds, "scene_1")
    changed = lidar_scene(metadata={"other": 2})
    changed["frames"][0]["lidar"]["metadata"] = {"changed": True}
    body = sync_upload(api, scene_ds, "upload_scenes", [changed], update=False)
    assert (body["ignored_scenes"], body["new_scenes"], body["updated_scenes"]) == (1, 0, 0)
    assert get_scene(api, scene_ds, "scene_1") == before


def test_sync_update_true_same_structure_replaces_scene_and_items_in_place(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    before = get_scene(api, scene_ds, "scene_1")
    changed = lidar_scene(metadata={})  # absent metadata means {}
    changed["frames"][1]["lidar"]["metadata"] = {"replaced": True}
    changed["frames"][1]["lidar"]["url"] = "https://example.com/pointclouds/frame-9.json"
    body = sync_upload(api, scene_ds, "upload_scenes", [changed], update=True)
    assert body["updated_scenes"] == 1 and body["scenes_errored"] == 0
    after = get_scene(api, scene_ds, "scene_1")
    assert after["id"] == before["id"]
    assert after["metadata"] == {}
    frame = after["frames"][1]["lidar"]
    assert frame["id"] == before["frames"][1]["lidar"]["id"]
    assert frame["metadata"] == {"replaced": True}
    assert frame["pointcloud_url"] == "https://example.com/pointclouds/frame-9.json"


def test_sync_update_true_with_other_structure_is_error_and_changes_nothing(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    before = get_scene(api, scene_ds, "scene_1")
    changed = lidar_scene(metadata={"x": 1})
    del changed["frames"][1]
    body = sync_upload(api, scene_ds, "upload_scenes", [changed], update=True)
    assert body["scenes_errored"] == 1 and body["updated_scenes"] == 0
    assert "scene_1" in body["errors"][0]
    assert get_scene(api, scene_ds, "scene_1") == before


def test_sync_video_update_true_on_unchanged_scenes_counts_updated(api, scene_ds):
    scenes = [video_frames_scene(), video_file_scene()]
    sync_upload(api, scene_ds, "upload_video_scenes", scenes)
    body = sync_upload(api, scene_ds, "upload_video_scenes", scenes, update=True)
    assert (body["updated_scenes"], body["scenes_errored"]) == (2, 0)


@pytest.mark.parametrize("mutate, phrase", [
    (lambda s: s.update(frames=[]), "no frames"),
    (lambda s: s["frames"][0].update(lidar2=lidar_item("extra_pc")), "2 point clouds"),
    (lambda s: s["frames"][1].update(lidar=camera_item("not_a_pc")), "no point cloud"),
    (lambda s: s["frames"][1].update(other=s["frames"][1].pop("lidar")), "one sensor name"),
    (lambda s: s["frames"][1]["lidar"].update(reference_id="lidar_frame_1"),
     "duplicate frame reference id lidar_frame_1"),
    (lambda s: s["frames"][0]["lidar"].pop("url"), "url"),
    (lambda s: s["frames"][0]["lidar"].update(type="mesh"), "type"),
    (lambda s: s.update(frame_rate=10), "video scene"),
])
def test_invalid_lidar_scene_is_rejected_and_others_kept(api, scene_ds, mutate, phrase):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene("stored", prefix="s_")])
    before = get_scene(api, scene_ds, "stored")
    bad = lidar_scene("bad_scene")
    mutate(bad)
    body = sync_upload(api, scene_ds, "upload_scenes",
                       [bad, lidar_scene("good", prefix="g_"),
                        lidar_scene("stored", prefix="s_", metadata={"z": 1})], update=True)
    assert body["scenes_errored"] == 1 and body["new_scenes"] == 1, body
    assert len(body["errors"]) == 1
    assert "Scene bad_scene" in body["errors"][0] and phrase in body["errors"][0], body["errors"]
    assert [s["reference_id"] for s in scene_list(api, scene_ds)] == ["stored", "good"]
    assert get_scene(api, scene_ds, "stored")["frames"] == before["frames"]
    assert api.get(f"dataset/{scene_ds}/scene/bad_scene").status_code == 404


@pytest.mark.parametrize("mutate, phrase", [
    (lambda s: s.update(frames=[]) or s.pop("video_url", None), "no frames"),
    (lambda s: s["frames"].append(dict(s["frames"][0])), "duplicate frame reference id"),
    (lambda s: s["frames"][0].update(type="pointcloud"), "video frames are images"),
    (lambda s: s.pop("frame_rate"), "frame_rate"),
    (lambda s: s.update(frame_rate=0), "frame_rate"),
    (lambda s: s.update(frames=lidar_scene()["frames"]), "lidar scene"),
])
def test_invalid_video_scene_is_rejected(api, scene_ds, mutate, phrase):
    bad = video_frames_scene("bad_video")
    mutate(bad)
    body = sync_upload(api, scene_ds, "upload_video_scenes", [bad, video_file_scene("ok")])
    assert (body["scenes_errored"], body["new_scenes"]) == (1, 1), body
    assert "Scene bad_video" in body["errors"][0] and phrase in body["errors"][0], body["errors"]
    assert [s["reference_id"] for s in scene_list(api, scene_ds)] == ["ok"]


def test_frame_reference_id_of_another_scene_is_rejected(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene("scene_3")])
    body = sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene("scene_1")])
    assert body["scenes_errored"] == 1
    assert "video_frame_0" in body["errors"][0] and "scene_3" in body["errors"][0]
    assert "Duplicate frames found across different videos" in body["errors"][0]
    assert api.get(f"dataset/{scene_ds}/size").json() == {"count": 2}


def test_sync_upload_on_item_dataset_is_400_and_unknown_dataset_404(api, dataset):
    r = api.post(f"{dataset}/upload_video_scenes", {"scenes": [video_file_scene()],
                                                    "update": False})
    assert r.status_code == 400
    assert r.json() == {"error": f"Dataset {dataset} is not a scene dataset"}
    r = api.post("ds_doesnotexist0000000/upload_scenes", {"scenes": [], "update": False})
    assert r.status_code == 404


def test_update_null_counts_as_false(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    body = sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()], update=None)
    assert body["ignored_scenes"] == 1


# --- §2.4 frames as items, §3.4 item routes -----------------------------------------------------

def test_frames_become_items_in_upload_order_and_video_file_adds_none(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    sync_upload(api, scene_ds, "upload_video_scenes",
                [video_file_scene("vf")])  # mixed kinds in one scene dataset are fine
    assert api.get(f"dataset/{scene_ds}/size").json() == {"count": 3}
    assert api.get(f"dataset/{scene_ds}/info").json()["length"] == 3
    scene = get_scene(api, scene_ds, "scene_1")
    ids = [scene["frames"][0]["lidar"]["id"], scene["frames"][0]["camera"]["id"],
           scene["frames"][1]["lidar"]["id"]]
    assert all(i.startswith("di_") for i in ids)
    items = api.get(f"dataset/{scene_ds}/datasetItems").json()["dataset_items"]
    assert [i["reference_id"] for i in items] == ["lidar_frame_1", "camera_frame_1",
                                                  "lidar_frame_2"]


def test_pointcloud_frame_item_reads_back_with_pointcloud_url_only(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    item = api.get(f"dataset/{scene_ds}/refloc/lidar_frame_1").json()["item"]
    assert item["pointcloud_url"] == POINTCLOUD_URL
    assert not {"image_url", "processed_url", "original_image_url"} & set(item)
    camera = api.get(f"dataset/{scene_ds}/refloc/camera_frame_1").json()["item"]
    assert camera["image_url"] == "https://example.com/images/airplane.jpeg"
    assert "pointcloud_url" not in camera
    assert camera["metadata"]["camera_params"] == CAMERA_PARAMS_META


# --- §3.1 list, §3.2 get, §3.3 from_item ---------------------------------------------------------

def test_scenes_list_is_present_when_empty_and_404_for_unknown_dataset(api, scene_ds):
    r = api.get(f"dataset/{scene_ds}/scenes_list")
    assert r.status_code == 200 and r.json() == {"scenes": []}
    assert api.get("dataset/ds_doesnotexist0000000/scenes_list").status_code == 404


def test_get_lidar_scene_has_no_video_keys_and_sensor_keyed_frames(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    scene = get_scene(api, scene_ds, "scene_1")
    assert "frame_rate" not in scene and "video_url" not in scene
    assert scene["id"].startswith("scn_") and scene["reference_id"] == "scene_1"
    assert scene["metadata"] == {"test_meta_field": "test_meta_value"}
    assert scene["length"] == 2 and scene["num_sensors"] == 2
    assert [list(f) for f in scene["frames"]] == [["lidar", "camera"], ["lidar"]]
    lidar = scene["frames"][0]["lidar"]
    assert lidar["pointcloud_url"] == POINTCLOUD_URL and lidar["type"] == "pointcloud"
    assert "url" not in lidar and "image_url" not in lidar
    camera = scene["frames"][0]["camera"]
    assert camera["image_url"] == "https://example.com/images/airplane.jpeg"  # .jpeg: not `url`
    assert "pointcloud_url" not in camera and "url" not in camera
    assert camera["metadata"] == {"camera_params": CAMERA_PARAMS_META, "sensor": "front_cam"}
    assert camera["camera_params"] == CAMERA_PARAMS_TOP
    assert (camera["width"], camera["height"]) == (1920, 1080)
    assert "tracks" not in scene


def test_get_video_scenes_carry_frame_rate_or_video_url(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene(), video_file_scene()])
    frames_scene = get_scene(api, scene_ds, "scene_1")
    assert frames_scene["frame_rate"] == 15 and "video_url" not in frames_scene
    assert frames_scene["upload_to_scale"] is True
    assert [f["reference_id"] for f in frames_scene["frames"]] == ["video_frame_0",
                                                                  "video_frame_1"]
    assert [f["image_url"] for f in frames_scene["frames"]] == [
        "https://example.com/images/airplane.jpeg", "https://example.com/images/arctichare.jpeg"]
    assert frames_scene["frames"][1]["metadata"] == {"time": 124, "foo": "bar_2"}
    file_scene = get_scene(api, scene_ds, "scene_2")
    assert file_scene["video_url"] == "https://unreachable.invalid/videos/video.mp4"
    assert "frame_rate" not in file_scene
    assert file_scene.get("frames", []) == []
    assert file_scene["metadata"] == {"timestamp": "1234", "weather": "rainy"}


def test_get_scene_with_raw_slash_in_reference_id_and_unknown_is_404(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_file_scene("a/b c")])
    assert get_scene(api, scene_ds, "a/b c")["reference_id"] == "a/b c"
    r = api.get(f"dataset/{scene_ds}/scene/nope")
    assert r.status_code == 404
    assert r.json() == {"error": f"Scene nope not found in dataset {scene_ds}"}


def test_get_scene_from_item_reference_id(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    scene = api.get(f"dataset/{scene_ds}/scene/camera_frame_1?from_item=1").json()
    assert scene["reference_id"] == "scene_1" and len(scene["frames"]) == 2
    assert api.get(f"dataset/{scene_ds}/scene/nope?from_item=1").status_code == 404


# --- §3.5 delete ---------------------------------------------------------------------------------

def test_delete_percent_encoded_scene_removes_scene_and_frame_items(api, scene_ds):
    ref = "scene/with space[1]"
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene(ref)])
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene("keep")])
    assert api.get(f"dataset/{scene_ds}/size").json() == {"count": 5}
    r = api.delete(f"dataset/{scene_ds}/scene/{urllib.parse.quote(ref, safe='')}")
    assert r.status_code == 200 and r.json() == {}
    assert [s["reference_id"] for s in scene_list(api, scene_ds)] == ["keep"]
    assert api.get(f"dataset/{scene_ds}/size").json() == {"count": 2}
    assert api.get(f"dataset/{scene_ds}/refloc/lidar_frame_1").status_code == 404
    # The frame reference ids are free again.
    assert sync_upload(api, scene_ds, "upload_scenes", [lidar_scene("again")])["new_scenes"] == 1


def test_delete_unknown_scene_is_404(api, scene_ds):
    r = api.delete(f"dataset/{scene_ds}/scene/nope")
    assert r.status_code == 404 and "nope" in r.json()["error"]


# --- §3.6 scene metadata --------------------------------------------------------------------------

def test_scene_metadata_update_merges_and_leaves_frame_items_alone(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene()])
    r = api.post(f"dataset/{scene_ds}/metadata?async=0",
                 {"metadata": [{"reference_id": "scene_1",
                                "metadata": {"weather": "sunny", "some_new_key": 123}},
                               {"reference_id": "unknown_scene", "metadata": {"a": 1}}],
                  "level": "scene"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dataset_id"] == scene_ds
    assert body["updated_scenes"] == 1 and body["ignored_scenes"] == 1
    scene = get_scene(api, scene_ds, "scene_1")
    assert scene["metadata"] == {"timestamp": "1234", "weather": "sunny", "some_new_key": 123}
    assert scene["frames"][0]["metadata"] == {"time": 123, "foo": "bar"}
    assert scene_list(api, scene_ds)[0]["metadata"] == scene["metadata"]


# --- ownership ----------------------------------------------------------------------------------

def test_other_owner_gets_404_on_every_scene_route(api, other_api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    assert other_api.post(f"{scene_ds}/upload_scenes",
                          {"scenes": [lidar_scene("x", prefix="x")]}).status_code == 404
    assert other_api.post(f"{scene_ds}/upload_video_scenes?async=1",
                          {"requestId": "0" * 32}).status_code == 404
    assert other_api.get(f"dataset/{scene_ds}/scenes_list").status_code == 404
    assert other_api.get(f"dataset/{scene_ds}/scene/scene_1").status_code == 404
    assert other_api.get(
        f"dataset/{scene_ds}/scene/lidar_frame_1?from_item=1").status_code == 404
    assert other_api.delete(f"dataset/{scene_ds}/scene/scene_1").status_code == 404
    assert [s["reference_id"] for s in scene_list(api, scene_ds)] == ["scene_1"]


# --- §4 scene categories, §5 cuboids ------------------------------------------------------------

def scene_category(ref="scene_1", label="[Pytest] Scene Category Label $0"):
    return {"label": label, "type": "category", "geometry": {}, "reference_id": ref,
            "metadata": {"weather": "clear"}, "task_id": None,
            "taxonomy_name": "[Pytest] Scene Category Taxonomy 1"}


def add_scene_taxonomy(api, ds):
    r = api.post(f"dataset/{ds}/add_taxonomy",
                 {"taxonomy_name": "[Pytest] Scene Category Taxonomy 1",
                  "type": "category",
                  "labels": ["[Pytest] Scene Category Label $0", "other"],
                  "update": False})
    assert r.status_code == 200, r.text


def test_scene_category_ground_truth_identity_and_update(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene()])
    add_scene_taxonomy(api, scene_ds)
    r = api.post(f"dataset/{scene_ds}/annotate",
                 {"annotations": [scene_category()], "update": False})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dataset_id"] == scene_ds
    assert (body["annotations_processed"], body["annotations_ignored"]) == (1, 0)
    again = api.post(f"dataset/{scene_ds}/annotate",
                     {"annotations": [scene_category(label="other")], "update": False}).json()
    assert (again["annotations_processed"], again["annotations_ignored"]) == (0, 1)
    replaced = api.post(f"dataset/{scene_ds}/annotate",
                        {"annotations": [scene_category(label="other")], "update": True}).json()
    assert (replaced["annotations_processed"], replaced["annotations_ignored"]) == (1, 0)
    # Not attached to the frame items' reads (§4.3).
    item = api.get(f"dataset/{scene_ds}/refloc/video_frame_0").json()
    assert not item["annotations"].get("category")


def test_scene_category_for_unknown_scene_is_an_error_entry(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene()])
    add_scene_taxonomy(api, scene_ds)
    body = api.post(f"dataset/{scene_ds}/annotate",
                    {"annotations": [scene_category("no_such_scene")], "update": False}).json()
    assert (body["annotations_processed"], body["annotations_ignored"]) == (0, 0)
    assert len(body["errors"]) == 1 and "no_such_scene" in body["errors"][0]


def test_deleting_a_scene_deletes_its_categories(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene()])
    add_scene_taxonomy(api, scene_ds)
    api.post(f"dataset/{scene_ds}/annotate", {"annotations": [scene_category()], "update": False})
    api.delete(f"dataset/{scene_ds}/scene/scene_1")
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene()])
    body = api.post(f"dataset/{scene_ds}/annotate",
                    {"annotations": [scene_category()], "update": False}).json()
    assert (body["annotations_processed"], body["annotations_ignored"]) == (1, 0)


def test_scene_category_prediction_through_model_run(api, scene_ds):
    sync_upload(api, scene_ds, "upload_video_scenes", [video_frames_scene()])
    add_scene_taxonomy(api, scene_ds)
    model = api.post("models/add", {"name": "scene model", "reference_id": uuid.uuid4().hex,
                                    "metadata": {}})
    assert model.status_code == 200, model.text
    run = api.post(f"dataset/{scene_ds}/modelRun/create",
                   {"reference_id": model.json()["model_id"], "name": "run", "metadata": {}})
    assert run.status_code == 200, run.text
    run_id = run.json()["model_run_id"]
    pred = dict(scene_category(), confidence=0.83, metadata=None)
    r = api.post(f"modelRun/{run_id}/predict", {"annotations": [pred], "update": False})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_run_id"] == run_id
    assert (body["predictions_processed"], body["predictions_ignored"]) == (1, 0)


def test_cuboid_on_pointcloud_frame_round_trips_through_refloc(api, scene_ds):
    sync_upload(api, scene_ds, "upload_scenes", [lidar_scene()])
    cuboid = {"label": "car", "type": "cuboid",
              "geometry": {"position": {"x": 55, "y": 65, "z": 75},
                           "dimensions": {"x": 20, "y": 30, "z": 40}, "yaw": 5},
              "reference_id": "lidar_frame_1", "annotation_id": "car-3d-1",
              "metadata": {"vehicle_color": "green"}, "track_reference_id": "red_car",
              "task_id": "task_123"}
    r = api.post(f"dataset/{scene_ds}/annotate", {"annotations": [cuboid], "update": False})
    assert r.status_code == 200 and r.json()["annotations_processed"] == 1, r.text
    got = api.get(f"dataset/{scene_ds}/refloc/lidar_frame_1").json()["annotations"]["cuboid"]
    assert len(got) == 1
    for key in ("label", "annotation_id", "geometry", "metadata", "track_reference_id",
                "task_id", "reference_id"):
        assert got[0][key] == cuboid[key]
    on_image = dict(copy.deepcopy(cuboid), reference_id="camera_frame_1", annotation_id="c2")
    body = api.post(f"dataset/{scene_ds}/annotate",
                    {"annotations": [on_image], "update": False}).json()
    assert body["annotations_processed"] == 0 and len(body["errors"]) == 1
