// Dataset-item use cases (items.md; datasets.md §9–14): append (typed items, local files, async
// from a signed-URL payload), item metadata updates, and the item reads (listing, paging, one item
// with its ground truth, export rows, deletion). Requests and results are core/items.h values:
// the server decodes and encodes them with wire/items.h; metadata is stored JSON text that these
// calls pass through (merges go through the caller's core::MetadataMerger).
//
// Every call is scoped to `owner`: another owner's dataset is NotFound, like a missing one. Each
// write request is one Store::Write, so a failed request leaves nothing behind. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/context.h"
#include "api/jobs.h"
#include "core/items.h"
#include "nucleus/result.h"
#include "store/jobs.h"

namespace nucleus::api {

inline constexpr const char* kItemUploadJobType = "uploadDatasetItems";
inline constexpr const char* kMetadataUpdateJobType = "metadataUpdate";

// Key = reference_id within the dataset: a new one is appended at the end of the insertion order;
// an existing one is replaced wholesale (metadata included) when the item's own `update` (else
// `update`) is true, otherwise left alone. Items are applied in order, so a reference id repeated
// in one call counts as existing the second time. InvalidArgument for a scene dataset.
Result<core::AppendOutcome> AppendItems(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id,
                                        std::vector<core::ItemInput> items, bool update);

// An item of a multipart append with the bytes of its local file.
struct LocalItem {
  core::ItemInput item;    // image_url: the local path as the user wrote it (gives the extension)
  std::string_view image;  // borrowed; must stay valid during the call
};

// Stores each file as a content-addressed blob "img/<sha256>.<ext>" (so one file sent for several
// items is kept once), points the item's image_url at `image_url_prefix` + that name, then appends
// like AppendItems. The server serves those names (ReadUploadedImage).
Result<core::AppendOutcome> AppendLocalItems(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             std::vector<LocalItem> items, bool update,
                                             const std::string& image_url_prefix);

// The bytes and content type of an image stored by AppendLocalItems; `file` is the part after
// "img/". NotFound for anything that is not such a name.
Result<std::string> ReadUploadedImage(Context& ctx, const std::string& file,
                                      std::string* content_type);

// POST dataset/{ds}/append?async=1: checks the dataset and the uploaded payload, then submits a
// kItemUploadJobType job (JobRequest: payload, request_id, update) whose handler (server/) reads
// the NDJSON payload chunk by chunk with the two calls below.
Result<store::Job> SubmitItemUpload(Context& ctx, const std::string& owner,
                                    const std::string& dataset_id,
                                    const core::AsyncUploadRequest& request);
// The job's dataset must still be the owner's and an image dataset.
Status CheckItemUploadTarget(JobRun& run);
// One chunk of the job in one transaction: AppendItems semantics with the request's `update`
// (NDJSON lines carry no update flag of their own), `errors` (the chunk's lines that did not
// decode) appended to the job's errors, and the job's checkpoint as `checkpoint` makes it from
// the chunk's counts (JobRun::CommitChunk), so a takeover resumes after the chunk. Returns the
// chunk's counts.
using ItemChunkCheckpoint = std::function<JobChunk(const core::AppendCounts& chunk_counts)>;
Result<core::AppendCounts> AppendItemUploadChunk(JobRun& run, std::vector<core::ItemInput> items,
                                                 const std::vector<std::string>& errors,
                                                 const ItemChunkCheckpoint& checkpoint);

// POST dataset/{ds}/metadata, dispatched on `level`. "item": merge each entry's metadata into the
// item's (new keys overwrite or add, other keys stay); a `camera_params` entry is stored next to
// the metadata and echoed on read. "scene": merge into the scenes' metadata (scenes.md §3.6).
// Unknown reference ids are skipped and reported. Any other level is InvalidArgument.
Result<core::MetadataOutcome> UpdateMetadata(Context& ctx, const std::string& owner,
                                             const std::string& dataset_id,
                                             const std::string& level,
                                             const std::vector<core::MetadataUpdateInput>& entries,
                                             const core::MetadataMerger& merger);
// `?async=1`: submits a kMetadataUpdateJobType job whose JobRequest::body is `request_body` (the
// request as sent); its handler (server/) decodes it and applies it chunk by chunk with
// UpdateMetadataChunk.
Result<store::Job> SubmitMetadataUpdate(Context& ctx, const std::string& owner,
                                        const std::string& dataset_id, std::string request_body);
// Describes an unknown reference id as a job error entry.
using UnknownReferenceDescriber = std::function<std::string(std::string_view reference_id)>;
// One chunk of the job in one transaction: UpdateMetadata on the job's dataset, then `errors`
// (the chunk's entries that did not decode) and one `unknown_error` per unknown reference id
// appended to the job's errors.
Result<core::MetadataOutcome> UpdateMetadataChunk(
    JobRun& run, const std::string& level, const std::vector<core::MetadataUpdateInput>& entries,
    std::vector<std::string> errors, const core::MetadataMerger& merger,
    const UnknownReferenceDescriber& unknown_error);

// Every item of the dataset, in insertion order.
Result<std::vector<core::Item>> ListItems(Context& ctx, const std::string& owner,
                                          const std::string& dataset_id);

// One page in insertion order. `page_token` is nullopt for the first page, else the previous
// page's token (InvalidArgument when it is not one). `page_size` >= 1.
Result<core::ItemPage> ListItemsPage(Context& ctx, const std::string& owner,
                                     const std::string& dataset_id, const core::PageRequest& page);
// The page of ListItemsPage that starts at 0-based position `index` of the insertion order (the
// iloc position), with the token of the page after it: a reader jumps to item 99,000 without
// reading those before it (one positional lookup, then a keyset read from there). No items past
// the end. InvalidArgument for index < 0 or page_size < 1; NotFound as ListItemsPage.
Result<core::ItemPage> ListItemsPageAt(Context& ctx, const std::string& owner,
                                       const std::string& dataset_id, int64_t index,
                                       int64_t page_size);

// NotFound when there is no such item.
Result<core::ItemWithAnnotations> GetItemByIndex(Context& ctx, const std::string& owner,
                                                 const std::string& dataset_id, int64_t index);
Result<core::ItemWithAnnotations> GetItemByRef(Context& ctx, const std::string& owner,
                                               const std::string& dataset_id,
                                               const std::string& reference_id);
Result<core::ItemWithAnnotations> GetItemById(Context& ctx, const std::string& owner,
                                              const std::string& dataset_id,
                                              const std::string& item_id);
// The 0-based position in the insertion order of the item with this id (what GetItemByIndex
// takes): a view opened from an item id can go to the previous and the next item.
// NotFound when the dataset has no such item (another owner's dataset included).
Result<int64_t> GetItemIndex(Context& ctx, const std::string& owner, const std::string& dataset_id,
                             const std::string& item_id);

// Deletes the item with its annotations (and everything else hanging off it).
Status DeleteItem(Context& ctx, const std::string& owner, const std::string& dataset_id,
                  const std::string& reference_id);

// Export rows (annotations.md §9): every item with its ground truth, in insertion order.
Result<std::vector<core::ItemWithAnnotations>> ExportItems(Context& ctx, const std::string& owner,
                                                           const std::string& dataset_id);
Result<core::ExportPage> ExportItemsPage(Context& ctx, const std::string& owner,
                                         const std::string& dataset_id,
                                         const core::PageRequest& page);

}  // namespace nucleus::api
