// Dataset-item use cases (items.md; datasets.md §9–14): append (JSON, local files, async from a
// signed-URL payload), item metadata updates, and the item reads (listing, paging, one item with
// its ground truth, export rows, deletion).
//
// Every call is scoped to `owner`: another owner's dataset is NotFound, like a missing one. Each
// write request is one Store::Write, so a failed request leaves nothing behind. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "core/items.h"
#include "nucleus/result.h"
#include "store/annotations.h"
#include "store/items.h"
#include "store/jobs.h"
#include "wire/json_writer.h"

namespace nucleus::api {

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

// Key = reference_id within the dataset: a new one is appended at the end of the insertion order;
// an existing one is replaced wholesale (metadata included) when the item's own `update` (else
// `update`) is true, otherwise left alone. Items are applied in order, so a reference id repeated
// in one call counts as existing the second time. InvalidArgument for a scene dataset.
Result<AppendOutcome> AppendItems(Context& ctx, const std::string& owner,
                                  const std::string& dataset_id, std::vector<core::ItemInput> items,
                                  bool update);

// An item of a multipart append with the bytes of its local file.
struct LocalItem {
  core::ItemInput item;    // image_url: the local path as the user wrote it (gives the extension)
  std::string_view image;  // borrowed; must stay valid during the call
};

// Stores each file as a content-addressed blob "img/<sha256>.<ext>" (so one file sent for several
// items is kept once), points the item's image_url at `image_url_prefix` + that name, then appends
// like AppendItems. The server serves those names (ReadUploadedImage).
Result<AppendOutcome> AppendLocalItems(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, std::vector<LocalItem> items,
                                       bool update, const std::string& image_url_prefix);

// The bytes and content type of an image stored by AppendLocalItems; `file` is the part after
// "img/". NotFound for anything that is not such a name.
Result<std::string> ReadUploadedImage(Context& ctx, const std::string& file,
                                      std::string* content_type);

// POST dataset/{ds}/append?async=1: checks the dataset and the uploaded payload, then submits an
// "uploadDatasetItems" job that applies the NDJSON payload with AppendItems semantics.
Result<store::Job> SubmitItemUpload(Context& ctx, const std::string& owner,
                                    const std::string& dataset_id, const std::string& request_id,
                                    bool update);
// The handler of "uploadDatasetItems" jobs: one transaction and one progress step per chunk of
// lines; unparsable lines become job errors; message {"upload_progress": {counts}}.
Status RunItemUploadJob(JobRun& run);

struct MetadataOutcome {
  int64_t updated_items = 0;
  int64_t ignored_items = 0;        // unknown reference ids
  std::vector<std::string> errors;  // one per ignored entry
};

// POST dataset/{ds}/metadata, dispatched on `level`. "item": merge each entry's metadata into the
// item's (new keys overwrite or add, other keys stay); a `camera_params` entry is stored next to
// the metadata and echoed on read. Unknown reference ids are skipped and reported. Any other
// level is InvalidArgument (scene-level updates are added beside "item" by scenes.md's area).
Result<MetadataOutcome> UpdateMetadata(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, const std::string& level,
                                       const std::vector<core::MetadataUpdateInput>& entries);
// `?async=1`: submits a "metadataUpdate" job over `request_json` (the request body, which holds
// "level" and "metadata").
Result<store::Job> SubmitMetadataUpdate(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id, std::string request_json);
Status RunMetadataUpdateJob(JobRun& run);

// Every item of the dataset, in insertion order.
Result<std::vector<store::Item>> ListItems(Context& ctx, const std::string& owner,
                                           const std::string& dataset_id);

struct ItemPage {
  std::vector<store::Item> items;
  std::optional<std::string> next_page_token;  // nullopt on the last page
};
// One page in insertion order. `page_token` is nullopt for the first page, else the previous
// page's token (InvalidArgument when it is not one). `page_size` >= 1.
Result<ItemPage> ListItemsPage(Context& ctx, const std::string& owner,
                               const std::string& dataset_id,
                               const std::optional<std::string>& page_token, int64_t page_size);

struct ItemWithAnnotations {
  store::Item item;
  std::vector<store::Annotation> annotations;  // ground truth, in insertion order
};

// NotFound when there is no such item.
Result<ItemWithAnnotations> GetItemByIndex(Context& ctx, const std::string& owner,
                                           const std::string& dataset_id, int64_t index);
Result<ItemWithAnnotations> GetItemByRef(Context& ctx, const std::string& owner,
                                         const std::string& dataset_id,
                                         const std::string& reference_id);
Result<ItemWithAnnotations> GetItemById(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id, const std::string& item_id);

// Deletes the item with its annotations (and everything else hanging off it).
Status DeleteItem(Context& ctx, const std::string& owner, const std::string& dataset_id,
                  const std::string& reference_id);

// Export rows (annotations.md §9): every item with its ground truth, in insertion order.
Result<std::vector<ItemWithAnnotations>> ExportItems(Context& ctx, const std::string& owner,
                                                     const std::string& dataset_id);
struct ExportPage {
  std::vector<ItemWithAnnotations> rows;
  std::optional<std::string> next_page_token;
};
Result<ExportPage> ExportItemsPage(Context& ctx, const std::string& owner,
                                   const std::string& dataset_id,
                                   const std::optional<std::string>& page_token,
                                   int64_t page_size);

// The item as read back (items.md §1.2): id, reference_id, image_url or pointcloud_url as sent,
// metadata, then the echoed extras (width, height, camera_params).
std::string ItemJson(const store::Item& item);
inline void WriteItemJson(wire::JsonWriter& w, const store::Item& item) { w.Raw(ItemJson(item)); }

}  // namespace nucleus::api
