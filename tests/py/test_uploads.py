"""items.md §4.1–4.2: signed upload URLs served by our own server."""
import hashlib
import hmac
import time
import urllib.parse
import uuid

import requests

from conftest import signing_key


def signed_url(api, ds, request_id=None):
    request_id = request_id or uuid.uuid4().hex
    r = api.get(f"dataset/{ds}/signedUrl/{request_id}")
    assert r.status_code == 200, r.text
    return request_id, r.json()["signed_url"]


def test_signed_url_is_absolute_and_points_at_our_server(api, dataset, server):
    request_id, url = signed_url(api, dataset)
    parsed = urllib.parse.urlparse(url)
    assert parsed.scheme == "http" and parsed.netloc == f"127.0.0.1:{server.port}"
    assert parsed.path == f"/v1/nucleus/upload/{dataset}/{request_id}"
    query = urllib.parse.parse_qs(parsed.query)
    assert set(query) == {"expires", "sig"}
    assert int(query["expires"][0]) > time.time()


def test_s3_endpoint_query_is_ignored(api, dataset):
    r = api.get(f"dataset/{dataset}/signedUrl/{uuid.uuid4().hex}?s3Endpoint=http%3A//minio:9000")
    assert r.status_code == 200
    assert "/upload/" in r.json()["signed_url"]


def test_put_without_credentials_or_content_type_is_accepted_once(api, dataset):
    _, url = signed_url(api, dataset)
    # Exactly what the client sends: a plain PUT, no auth, no content type.
    first = requests.put(url, data=b'{"a": 1}\n')
    assert first.status_code == 200, first.text
    assert first.json() == {}
    second = requests.put(url, data=b'{"a": 2}\n')
    assert second.status_code == 409
    assert "error" in second.json()


def test_put_with_bad_signature_is_refused(api, dataset):
    _, url = signed_url(api, dataset)
    parsed = urllib.parse.urlparse(url)
    query = urllib.parse.parse_qs(parsed.query)
    bad_sig = ("0" if query["sig"][0][0] != "0" else "1") + query["sig"][0][1:]
    tampered = parsed._replace(query=f"expires={query['expires'][0]}&sig={bad_sig}").geturl()
    r = requests.put(tampered, data=b"{}\n")
    assert r.status_code == 403
    assert "signature" in r.json()["error"]
    # Extending the expiry invalidates the signature too.
    later = parsed._replace(
        query=f"expires={int(query['expires'][0]) + 10}&sig={query['sig'][0]}").geturl()
    assert requests.put(later, data=b"{}\n").status_code == 403
    # Missing query.
    assert requests.put(parsed._replace(query="").geturl(), data=b"{}\n").status_code == 403
    # The genuine URL still works afterwards.
    assert requests.put(url, data=b"{}\n").status_code == 200


def test_put_after_expiry_is_refused(api, dataset, server):
    request_id, url = signed_url(api, dataset)
    key = signing_key(server.data_dir)
    expires = str(int(time.time()) - 10)
    sig = hmac.new(key.encode(), f"{dataset}\n{request_id}\n{expires}".encode(),
                   hashlib.sha256).hexdigest()
    parsed = urllib.parse.urlparse(url)
    expired = parsed._replace(query=f"expires={expires}&sig={sig}").geturl()
    r = requests.put(expired, data=b"{}\n")
    assert r.status_code == 403
    assert "expired" in r.json()["error"]


def test_put_to_a_url_for_another_dataset_is_refused(api, dataset):
    other = api.post("dataset/create", {"name": "other"}).json()["dataset_id"]
    _, url = signed_url(api, dataset)
    r = requests.put(url.replace(f"/upload/{dataset}/", f"/upload/{other}/"), data=b"{}\n")
    assert r.status_code == 403


def test_signed_url_needs_credentials_and_owner(api, other_api, dataset):
    rid = uuid.uuid4().hex
    assert requests.get(f"{api.base}/dataset/{dataset}/signedUrl/{rid}").status_code == 401
    assert other_api.get(f"dataset/{dataset}/signedUrl/{rid}").status_code == 404
    assert api.get(f"dataset/ds_missing/signedUrl/{rid}").status_code == 404


def test_request_id_must_be_plain(api, dataset):
    r = api.get(f"dataset/{dataset}/signedUrl/a%2F..%2Fb")
    assert r.status_code == 400
    assert "request id" in r.json()["error"]


def test_async_call_with_unknown_or_unuploaded_request_id_is_400(api, dataset):
    r = api.post(f"dataset/{dataset}/append?async=1", {"requestId": uuid.uuid4().hex,
                                                        "update": False})
    assert r.status_code == 400
    assert "requestId" in r.json()["error"]
    # Asked for a URL but never uploaded.
    rid, _ = signed_url(api, dataset)
    r = api.post(f"dataset/{dataset}/append?async=1", {"requestId": rid, "update": False})
    assert r.status_code == 400


def test_uploaded_payload_is_private_to_its_owner(api, other_api, dataset):
    rid, url = signed_url(api, dataset)
    assert requests.put(url, data=b'{"reference_id": "a", "image_url": "s3://b/a.jpg"}\n').ok
    r = other_api.post(f"dataset/{dataset}/append?async=1", {"requestId": rid, "update": False})
    assert r.status_code == 404
