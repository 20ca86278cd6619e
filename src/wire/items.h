// JSON of dataset items (items.md; datasets.md §9–14; annotations.md §9 exports): the decoders
// of the item routes' bodies into core/items.h requests, and the encoders of their answers.
//
// Item objects are parsed one at a time, so a batch keeps its good objects when one is
// malformed: the request's `rejected` counts it as an upload error. Messages name the object and
// the field, e.g.
//   field "width" of item 3 (reference_id "a.jpg"): must be a non-negative integer, got a string
// Stateless and thread-safe (each call works on its own parsed document).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/items.h"
#include "nucleus/result.h"
#include "wire/json_reader.h"
#include "wire/json_writer.h"
#include "wire/limits.h"

namespace nucleus::wire {

// --- One object ---

// `what` names the object in errors ("item 3"); the reference id is appended when known.
// The location is `image_url`, else `pointcloud_url`, else `url` read as a point cloud when
// `type` is "pointcloud" and as an image otherwise (the scene-frame form). `metadata` absent or
// null reads as {}. The object-level caps of `limits` apply (reference id, URL, metadata and
// camera_params size and depth). Fills `extra_json` (width, height, camera_params as stored) and
// `source_json` (the object as received).
Result<core::ItemInput> ParseItem(JsonValue value, std::string_view what,
                                  const Limits& limits = DefaultLimits());

// {"reference_id": "...", "metadata": {...}, "camera_params": {...}?}
Result<core::MetadataUpdateInput> ParseMetadataUpdate(JsonValue value, std::string_view what,
                                                      const Limits& limits = DefaultLimits());

// --- Request bodies ---

// POST dataset/{ds}/append: {"items": [...], "update": bool}. The whole request fails when the
// body is not an object, `update` is not a boolean, `items` is not an array or holds more than
// max_batch_objects; a malformed item only lands in `rejected`.
Result<core::AppendRequest> DecodeAppendBody(std::string_view body, const Limits& limits);
// The "items" part of a multipart append (items.md §3): a JSON array of items, each with its own
// "update".
Result<core::AppendRequest> DecodeAppendItemsPart(std::string_view part, const Limits& limits);
// `?async=1` item appends: {"requestId": "...", "update": bool}.
Result<core::AsyncUploadRequest> DecodeAsyncUploadBody(std::string_view body);

// POST dataset/{ds}/metadata: {"level": "item"|"scene" (default "item"), "metadata": [...]},
// at most max_batch_objects entries. `async`: the entries are left to the job and `body` holds
// the request, minified; else each entry is parsed (`parsed`, `rejected`).
Result<core::MetadataUpdateRequest> DecodeMetadataUpdateBody(std::string_view body,
                                                             const Limits& limits, bool async);
// The same request read back by the metadataUpdate job (core::JobRequest::body): every entry is
// parsed, the batch cap is not applied again.
Result<core::MetadataUpdateRequest> DecodeMetadataUpdateJob(std::string_view body,
                                                            const Limits& limits);

// POST dataset/{ds}/itemsPage: {"pageToken": null|string, "pageSize": int (default_size)}.
Result<core::PageRequest> DecodePageBody(std::string_view body, int64_t default_size);
// POST dataset/{ds}/exportForTrainingPage: the same, and a non-null `query` is refused (the
// query language is not supported).
Result<core::PageRequest> DecodeExportPageBody(std::string_view body, int64_t default_size);

// One NDJSON line of an async item upload, parsed with `doc` (reused across lines). On failure
// returns nullopt and sets `*job_error` to the job error entry ({"item": ..., "error": ...}).
std::optional<core::ItemInput> DecodeItemLine(JsonDoc& doc, std::string_view line,
                                              std::string_view what, const Limits& limits,
                                              std::string* job_error);

// --- Answers ---

// The item as read back (items.md §1.2): id, reference_id, image_url or pointcloud_url as sent,
// metadata, then the echoed extras (width, height, camera_params).
void WriteItem(JsonWriter& w, const core::Item& item);
std::string EncodeItem(const core::Item& item);
// {"dataset_items": [...]}
std::string EncodeItemList(const std::vector<core::Item>& items);
// {"items": [...], "nextPageToken": null|string}
std::string EncodeItemPage(const core::ItemPage& page);
// loc/iloc/refloc (datasets.md §11–13): {"item": ..., "annotations": {"box": [...], ...}} with
// only the non-empty groups.
std::string EncodeItemWithAnnotations(const core::ItemWithAnnotations& row);
// exportForTraining: {"exportedRows": [row, ...]}; a row (annotations.md §9.1) has the seven
// list keys always present and `segmentation` a single object or null.
std::string EncodeExport(const std::vector<core::ItemWithAnnotations>& rows);
// exportForTrainingPage: {"data": [row, ...], "nextPageToken": null|string}
std::string EncodeExportPage(const core::ExportPage& page);
// {"dataset_id", "new_items", "updated_items", "ignored_items", "upload_errors",
//  "error_payload"?}
std::string EncodeAppendResponse(std::string_view dataset_id, const core::AppendOutcome& out);
// {"dataset_id", "updated_<level>s", "ignored_<level>s", "errors"?}: `malformed` (entries that
// did not parse, counted as ignored) first, then one EncodeUnknownReference per unknown id.
std::string EncodeMetadataUpdateResponse(std::string_view dataset_id, std::string_view level,
                                         const core::MetadataOutcome& out,
                                         const std::vector<std::string>& malformed);
// {"reference_id": ref, "error": "Item with reference id <ref> doesn't exist."} ("Scene ..." for
// level "scene").
std::string EncodeUnknownReference(std::string_view level, std::string_view reference_id);
// A job error entry for an object that could not be applied: {"item": <object>, "error": ...}.
std::string EncodeJobItemError(std::string_view object_json, std::string_view error);

// The merges of item and scene metadata (core::MetadataMerger). A process-wide instance.
const core::MetadataMerger& MetadataMerger();

}  // namespace nucleus::wire
