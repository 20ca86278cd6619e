// Dataset items (items.md): the record as stored and read back, the parsed form of an item as a
// caller supplies it (§1.1), of one metadata-update entry (§5), and the typed requests and results
// of the item use cases. wire/items.h turns JSON into these and back; api/items.h takes and
// returns them. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nucleus/result.h"

namespace nucleus::core {

// A stored item. Each has a position in its dataset's insertion order (`seq`, increasing; gaps
// after deletions), a user reference id unique within the dataset, and a server id "di_...".
struct Item {
  int64_t rowid = 0;  // store-internal key; 0 until inserted
  std::string id;     // "di_..."
  std::string dataset_id;
  int64_t seq = 0;  // insertion order within the dataset (assigned by Insert)
  std::string reference_id;
  std::string image_url;       // user URL, or our blob URL for uploaded files ("" if none)
  std::string pointcloud_url;  // "" if none
  std::string metadata_json = "{}";
  // Other keys echoed on read, as a JSON object's members without braces, e.g.
  // "\"width\":640,\"height\":480" ("" when none).
  std::string extra_json;
  std::string scene_id;  // "" unless the item is a frame of a scene
};

struct ItemInput {
  std::string reference_id;
  // Exactly one of the two locations is non-empty, kept exactly as sent (read back unchanged).
  std::string image_url;
  std::string pointcloud_url;
  std::string metadata_json = "{}";  // compact JSON object, key order and value types as sent
  std::optional<int64_t> width;      // echoed on read when given
  std::optional<int64_t> height;
  std::string camera_params_json;  // compact JSON object; "" when absent (scene frames)
  // width, height and camera_params as stored (Item::extra_json): members without braces.
  std::string extra_json;
  // Multipart uploads carry the update flag on every item; nullopt means "use the request's".
  std::optional<bool> update;
  // The item as received (compact JSON), returned in `error_payload` when it cannot be stored.
  std::string source_json;
};

// One entry of POST dataset/{ds}/metadata: the keys of `metadata_json` overwrite or add to the
// stored metadata of `reference_id` (merge, not replace).
struct MetadataUpdateInput {
  std::string reference_id;
  std::string metadata_json = "{}";  // compact JSON object
  std::string camera_params_json;    // compact JSON object; "" when absent
  std::string source_json;           // the entry as received, for error messages
};

// Keys of the append response (items.md §2); the client sums them over batches.
struct AppendCounts {
  int64_t new_items = 0;
  int64_t updated_items = 0;
  int64_t ignored_items = 0;
  int64_t upload_errors = 0;
};

struct AppendOutcome {
  AppendCounts counts;
  std::vector<std::string> error_payload;  // JSON of each item that was not stored
};

// POST dataset/{ds}/append (JSON body, or the "items" part of a multipart append): the items that
// parsed, and the outcome so far of those that did not (counted as upload errors, their JSON kept).
// `parsed` keeps a slot per item of the request, nullopt for a rejected one, so multipart can pair
// items with their image parts by position.
struct AppendRequest {
  bool update = false;
  std::vector<std::optional<ItemInput>> parsed;
  AppendOutcome rejected;
};

// An async upload (`?async=1`): {"requestId": "...", "update": bool}.
struct AsyncUploadRequest {
  std::string request_id;
  bool update = false;
};

// An object of a batch that could not be decoded: its JSON as received and why.
struct RejectedObject {
  std::string json;
  std::string error;
};

// POST dataset/{ds}/metadata. `parsed` keeps a slot per entry of the request in order, nullopt for
// one that did not parse (its error is the next of `rejected`; such entries count as ignored).
// `body` is the request as sent, minified, for `?async=1`.
struct MetadataUpdateRequest {
  std::string level = "item";
  std::vector<std::optional<MetadataUpdateInput>> parsed;
  std::vector<RejectedObject> rejected;
  std::string body;
};

struct MetadataOutcome {
  int64_t updated = 0;  // items or scenes, by level
  int64_t ignored = 0;  // unknown reference ids
  std::vector<std::string> unknown_reference_ids;
};

// Merges stored JSON objects for the metadata use cases, which never parse JSON themselves:
// implemented by wire/ (wire::MetadataMerger()) and handed to them by the server.
class MetadataMerger {
 public:
  virtual ~MetadataMerger() = default;
  // Item metadata (items.md §5): `base` with the top-level members of `patch` overwriting or
  // added (base's key order first); "" reads as {}. InvalidArgument when either is not an object.
  virtual Result<std::string> MergeItem(std::string_view base, std::string_view patch) const = 0;
  // Scene metadata (scenes.md §3.6): the same, except that a non-object `base` counts as {} and a
  // key repeated in either object is written once.
  virtual Result<std::string> MergeScene(std::string_view base, std::string_view patch) const = 0;
  // `members` (an object's members without braces, like Item::extra_json) with `key` set to
  // `value_json`.
  virtual Result<std::string> SetMember(std::string_view members, std::string_view key,
                                        std::string_view value_json) const = 0;
};

// POST dataset/{ds}/itemsPage and exportForTrainingPage: {"pageToken": null|string, "pageSize"}.
struct PageRequest {
  std::optional<std::string> page_token;  // nullopt for the first page
  int64_t page_size = 0;
};

struct ItemPage {
  std::vector<Item> items;
  std::optional<std::string> next_page_token;  // nullopt on the last page
};

// A ground-truth object of an item as read back: its type ("box", ...) and the stored payload.
struct ItemAnnotation {
  std::string type;
  std::string payload_json;
};

struct ItemWithAnnotations {
  Item item;
  std::vector<ItemAnnotation> annotations;  // ground truth, in insertion order
};

struct ExportPage {
  std::vector<ItemWithAnnotations> rows;
  std::optional<std::string> next_page_token;
};

}  // namespace nucleus::core
