// Routes of dataset items (items.md; datasets.md §9–14, §16; annotations.md §9 exports; the
// README appendix's list_autotags stub; the slice routes of datasets.md §17–18 are in
// routes_slices.cc), and the unauthenticated GET serving local images that
// multipart appends stored (blob/img/{sha256}.{ext}: content-addressed, so the URL names the bytes
// and is only known to whoever uploaded them or can read the item).
//
// Each handler decodes its request with wire/items.h, makes one api call and encodes the answer.
#include <cctype>
#include <charconv>

#include "api/dataset_runs.h"
#include "api/datasets.h"
#include "api/items.h"
#include "core/clock.h"
#include "core/strings.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/items.h"

namespace nucleus::server {
namespace {

void Merge(const core::AppendOutcome& from, core::AppendOutcome* into) {
  into->counts.new_items += from.counts.new_items;
  into->counts.updated_items += from.counts.updated_items;
  into->counts.ignored_items += from.counts.ignored_items;
  into->counts.upload_errors += from.counts.upload_errors;
  into->error_payload.insert(into->error_payload.end(), from.error_payload.begin(),
                             from.error_payload.end());
}

// Answers an append with what was stored merged into what the decoder rejected.
void AnswerAppend(const Request& req, Response& res, const Result<core::AppendOutcome>& stored,
                  core::AppendOutcome* rejected) {
  if (AnsweredError(stored, res)) return;
  Merge(*stored, rejected);
  res.Json(wire::EncodeAppendResponse(req.Param("ds"), *rejected));
}

void AppendJson(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeAppendBody(req.body, ctx.limits);
  if (AnsweredError(request, res)) return;
  std::vector<core::ItemInput> items;
  items.reserve(request->parsed.size());
  for (auto& item : request->parsed) {
    if (item) items.push_back(std::move(*item));
  }
  auto stored =
      api::AppendItems(ctx, req.owner, req.Param("ds"), std::move(items), request->update);
  AnswerAppend(req, res, stored, &request->rejected);
}

// items.md §3: the i-th "image" part belongs to the i-th item; if that pairing is off, the image
// whose filename (percent-decoded) is the item's path. An item without one is an upload error.
std::vector<api::LocalItem> PairImages(const Request& req, core::AppendRequest* request) {
  std::vector<const FormPart*> images;
  std::vector<std::string> filenames;
  for (const FormPart& part : req.parts) {
    if (part.name != "image") continue;
    images.push_back(&part);
    std::string decoded;
    if (!core::PercentDecode(part.filename, &decoded)) decoded = part.filename;
    filenames.push_back(std::move(decoded));
  }
  std::vector<api::LocalItem> locals;
  for (size_t i = 0; i < request->parsed.size(); ++i) {
    std::optional<core::ItemInput>& item = request->parsed[i];
    if (!item) continue;
    const FormPart* image = nullptr;
    if (i < images.size() && filenames[i] == item->image_url) image = images[i];
    for (size_t j = 0; image == nullptr && j < images.size(); ++j) {
      if (filenames[j] == item->image_url) image = images[j];
    }
    if (image == nullptr && i < images.size()) image = images[i];
    if (image == nullptr) {
      ++request->rejected.counts.upload_errors;
      request->rejected.error_payload.push_back(item->source_json);
      continue;
    }
    locals.push_back(api::LocalItem{std::move(*item), image->content});
  }
  return locals;
}

// items.md §3: part "items" (a JSON array, each element with its own "update"), then one "image"
// part per element in the same order, filename = the element's image_url percent-encoded.
void AppendMultipart(api::Context& ctx, Request& req, Response& res) {
  const FormPart* items_part = nullptr;
  for (const FormPart& part : req.parts) {
    if (part.name == "items" && items_part == nullptr) items_part = &part;
  }
  if (items_part == nullptr) {
    return res.Error(InvalidArgument("multipart append needs a part named \"items\""));
  }
  auto request = wire::DecodeAppendItemsPart(items_part->content, ctx.limits);
  if (AnsweredError(request, res)) return;
  std::vector<api::LocalItem> locals = PairImages(req, &*request);
  auto stored = api::AppendLocalItems(ctx, req.owner, req.Param("ds"), std::move(locals),
                                      /*update=*/false, LocalBlobUrlBase());
  AnswerAppend(req, res, stored, &request->rejected);
}

void AppendAsync(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeAsyncUploadBody(req.body);
  if (AnsweredError(request, res)) return;
  RespondJobSubmitted(res, api::SubmitItemUpload(ctx, req.owner, req.Param("ds"), *request));
}

void AppendItems(api::Context& ctx, Request& req, Response& res) {
  if (req.QueryFlag("async")) return AppendAsync(ctx, req, res);
  if (req.is_multipart) return AppendMultipart(ctx, req, res);
  AppendJson(ctx, req, res);
}

void UpdateMetadata(api::Context& ctx, Request& req, Response& res) {
  const bool async = req.QueryFlag("async");
  auto request = wire::DecodeMetadataUpdateBody(req.body, ctx.limits, async);
  if (AnsweredError(request, res)) return;
  if (async) {
    return RespondJobSubmitted(
        res, api::SubmitMetadataUpdate(ctx, req.owner, req.Param("ds"), std::move(request->body)));
  }
  std::vector<core::MetadataUpdateInput> entries;
  for (auto& entry : request->parsed) {
    if (entry) entries.push_back(std::move(*entry));
  }
  std::vector<std::string> malformed;
  for (const core::RejectedObject& r : request->rejected) malformed.push_back(r.error);
  auto out = api::UpdateMetadata(ctx, req.owner, req.Param("ds"), request->level, entries,
                                 wire::MetadataMerger());
  if (AnsweredError(out, res)) return;
  res.Json(wire::EncodeMetadataUpdateResponse(req.Param("ds"), request->level, *out, malformed));
}

void ListItems(api::Context& ctx, Request& req, Response& res) {
  auto items = api::ListItems(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(items, res)) return;
  res.Json(wire::EncodeItemList(*items));
}

void ListItemsPage(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodePageBody(req.body, /*default_size=*/100000);
  if (AnsweredError(request, res)) return;
  auto page = api::ListItemsPage(ctx, req.owner, req.Param("ds"), *request);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeItemPage(*page));
}

void AnswerItem(Response& res, const Result<core::ItemWithAnnotations>& found) {
  if (AnsweredError(found, res)) return;
  res.Json(wire::EncodeItemWithAnnotations(*found));
}

void GetItemByIndex(api::Context& ctx, Request& req, Response& res) {
  const std::string& text = req.Param("i");
  int64_t index = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec != std::errc() || end != text.data() + text.size() || index < 0) {
    return res.Error(InvalidArgument("index \"" + text + "\" must be a non-negative integer"));
  }
  AnswerItem(res, api::GetItemByIndex(ctx, req.owner, req.Param("ds"), index));
}

void GetItemByRef(api::Context& ctx, Request& req, Response& res) {
  AnswerItem(res, api::GetItemByRef(ctx, req.owner, req.Param("ds"), req.Param("ref")));
}

void GetItemById(api::Context& ctx, Request& req, Response& res) {
  AnswerItem(res, api::GetItemById(ctx, req.owner, req.Param("ds"), req.Param("di")));
}

void DeleteItem(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteItem(ctx, req.owner, req.Param("ds"), req.Param("ref")), res)) {
    return;
  }
  res.Json("{}");
}

void ExportItems(api::Context& ctx, Request& req, Response& res) {
  auto rows = api::ExportItems(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(rows, res)) return;
  res.Json(wire::EncodeExport(*rows));
}

// `query` (the query language) is not supported: a non-null query is refused rather than
// silently ignored. `chip` and `onlyMostRecentTask` change nothing here.
void ExportItemsPage(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeExportPageBody(req.body, /*default_size=*/10000);
  if (AnsweredError(request, res)) return;
  auto page = api::ExportItemsPage(ctx, req.owner, req.Param("ds"), *request);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeExportPage(*page));
}

void ListDatasetModelRuns(api::Context& ctx, Request& req, Response& res) {
  auto ids = api::ListDatasetModelRunIds(ctx, req.owner, req.Param("ds"));
  if (AnsweredError(ids, res)) return;
  wire::JsonWriter w;
  WriteStringArray(w, *ids);
  res.Json(w.Take());
}

// Autotags are out of scope: every dataset has none (README appendix).
void ListAutotags(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::GetDataset(ctx, req.owner, req.Param("ds")), res)) return;
  res.Json("{\"autotags\":[]}");
}

void ServeUploadedImage(api::Context& ctx, Request& req, Response& res) {
  std::string content_type;
  auto bytes = api::ReadUploadedImage(ctx, req.Param("file"), &content_type);
  if (AnsweredError(bytes, res)) return;
  ServeBlob(res, std::move(bytes).value(), content_type);
}

constexpr RouteRow kItemRoutes[] = {
    {"POST", "dataset/:ds/append", AppendItems},
    {"POST", "dataset/:ds/metadata", UpdateMetadata},
    {"GET", "dataset/:ds/datasetItems", ListItems},
    {"POST", "dataset/:ds/itemsPage", ListItemsPage},
    {"GET", "dataset/:ds/iloc/:i", GetItemByIndex},
    {"GET", "dataset/:ds/refloc/:ref", GetItemByRef},
    {"GET", "dataset/:ds/loc/:di", GetItemById},
    {"DELETE", "dataset/:ds/refloc/:ref", DeleteItem},
    {"GET", "dataset/:ds/exportForTraining", ExportItems},
    {"POST", "dataset/:ds/exportForTrainingPage", ExportItemsPage},
    {"GET", "dataset/:ds/model_runs", ListDatasetModelRuns},
    {"GET", ":ds/list_autotags", ListAutotags},
    {"GET", "blob/img/:file", ServeUploadedImage, RouteOptions{.requires_auth = false}},
};

}  // namespace

void RegisterItemRoutes(Router& router, api::Context& ctx) { AddRoutes(router, ctx, kItemRoutes); }

}  // namespace nucleus::server
