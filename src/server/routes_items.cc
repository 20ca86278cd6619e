// Routes of dataset items (items.md; datasets.md §9–14, §16–18; annotations.md §9 exports; the
// README appendix's list_autotags stub), and the unauthenticated GET serving local images that
// multipart appends stored (blob/img/{sha256}.{ext}: content-addressed, so the URL names the bytes
// and is only known to whoever uploaded them or can read the item).
#include <charconv>

#include "api/dataset_runs.h"
#include "api/datasets.h"
#include "api/items.h"
#include "api/slices.h"
#include "core/clock.h"
#include "core/strings.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/items.h"

namespace nucleus::server {

namespace {

// Group keys of `annotations` in loc/iloc/refloc answers and export rows (datasets.md §11–13).
constexpr const char* kListTypes[] = {"box",    "line",     "polygon",      "keypoints",
                                      "cuboid", "category", "multicategory"};

// {"box": [...], ..., "segmentation": [...]} with only the non-empty groups; scene categories
// and unknown types are not item ground truth and are left out.
void WriteAnnotationGroups(wire::JsonWriter& w, const std::vector<store::Annotation>& anns) {
  w.BeginObject();
  auto write_group = [&](std::string_view type) {
    bool open = false;
    for (const store::Annotation& a : anns) {
      if (a.type != type) continue;
      if (!open) w.Key(type).BeginArray();
      open = true;
      w.Raw(a.payload_json);
    }
    if (open) w.EndArray();
  };
  for (const char* type : kListTypes) write_group(type);
  write_group("segmentation");
  w.EndObject();
}

void WriteItemWithAnnotations(wire::JsonWriter& w, const api::ItemWithAnnotations& row) {
  w.BeginObject().Key("item");
  api::WriteItemJson(w, row.item);
  w.Key("annotations");
  WriteAnnotationGroups(w, row.annotations);
  w.EndObject();
}

// An export row (annotations.md §9.1): the seven list keys always present, `segmentation` a
// single object or null.
void WriteExportRow(wire::JsonWriter& w, const api::ItemWithAnnotations& row) {
  w.BeginObject().Key("item");
  api::WriteItemJson(w, row.item);
  for (const char* type : kListTypes) {
    w.Key(type).BeginArray();
    for (const store::Annotation& a : row.annotations) {
      if (a.type == type) w.Raw(a.payload_json);
    }
    w.EndArray();
  }
  const std::string* segmentation = nullptr;
  for (const store::Annotation& a : row.annotations) {
    if (a.type == "segmentation") segmentation = &a.payload_json;
  }
  w.Key("segmentation");
  if (segmentation) {
    w.Raw(*segmentation);
  } else {
    w.Null();
  }
  w.EndObject();
}

void WriteAppendResponse(Response& res, const std::string& dataset_id,
                         const api::AppendOutcome& out) {
  wire::JsonWriter w;
  w.BeginObject().Key("dataset_id").String(dataset_id);
  w.Key("new_items").Int(out.counts.new_items);
  w.Key("updated_items").Int(out.counts.updated_items);
  w.Key("ignored_items").Int(out.counts.ignored_items);
  w.Key("upload_errors").Int(out.counts.upload_errors);
  if (!out.error_payload.empty()) {
    w.Key("error_payload").BeginArray();
    for (const std::string& item : out.error_payload) w.Raw(item);
    w.EndArray();
  }
  res.Json(w.EndObject().Take());
}

// Parses `array` item by item: good ones into `items`, bad ones counted with their JSON kept.
// `keep_slots` keeps a placeholder (nullopt) for bad ones so multipart can pair by position.
void ParseItems(wire::JsonArray array, const wire::Limits& limits,
                std::vector<std::optional<core::ItemInput>>* items, api::AppendOutcome* rejected) {
  size_t index = 0;
  for (wire::JsonValue value : array) {
    Result<core::ItemInput> item =
        wire::ParseItem(value, "item " + std::to_string(index++), limits);
    if (item.ok()) {
      items->push_back(std::move(item).value());
    } else {
      items->push_back(std::nullopt);
      ++rejected->counts.upload_errors;
      rejected->error_payload.push_back(wire::Minify(value));
    }
  }
}

void Merge(const api::AppendOutcome& from, api::AppendOutcome* into) {
  into->counts.new_items += from.counts.new_items;
  into->counts.updated_items += from.counts.updated_items;
  into->counts.ignored_items += from.counts.ignored_items;
  into->counts.upload_errors += from.counts.upload_errors;
  into->error_payload.insert(into->error_payload.end(), from.error_payload.begin(),
                             from.error_payload.end());
}

void AppendJson(api::Context& ctx, Request& req, Response& res) {
  wire::JsonDoc doc;
  wire::JsonObject body;
  if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
  bool update = false;
  if (AnsweredError(wire::OptBool(body, "update", "request body", &update), res)) return;
  wire::JsonArray array;
  if (AnsweredError(wire::GetArray(body, "items", "request body", &array), res)) return;
  if (AnsweredError(CheckBatchSize("items", array.size(), ctx.limits), res)) return;
  std::vector<std::optional<core::ItemInput>> parsed;
  api::AppendOutcome out;
  ParseItems(array, ctx.limits, &parsed, &out);
  std::vector<core::ItemInput> items;
  for (auto& item : parsed) {
    if (item) items.push_back(std::move(*item));
  }
  auto stored = api::AppendItems(ctx, req.owner, req.Param("ds"), std::move(items), update);
  if (AnsweredError(stored, res)) return;
  Merge(*stored, &out);
  WriteAppendResponse(res, req.Param("ds"), out);
}

// items.md §3: part "items" (a JSON array, each element with its own "update"), then one "image"
// part per element in the same order, filename = the element's image_url percent-encoded.
void AppendMultipart(api::Context& ctx, Request& req, Response& res) {
  const FormPart* items_part = nullptr;
  std::vector<const FormPart*> images;
  for (const FormPart& part : req.parts) {
    if (part.name == "items" && items_part == nullptr) items_part = &part;
    if (part.name == "image") images.push_back(&part);
  }
  if (items_part == nullptr) {
    return res.Error(InvalidArgument("multipart append needs a part named \"items\""));
  }
  wire::JsonDoc doc;
  wire::JsonArray array;
  if (AnsweredError(doc.Parse(items_part->content, "part \"items\""), res)) return;
  if (AnsweredError(wire::AsArray(doc.root(), "part \"items\"", &array), res)) return;
  if (AnsweredError(CheckBatchSize("items", array.size(), ctx.limits), res)) return;
  std::vector<std::optional<core::ItemInput>> parsed;
  api::AppendOutcome out;
  ParseItems(array, ctx.limits, &parsed, &out);

  std::vector<std::string> filenames;
  for (const FormPart* part : images) {
    std::string decoded;
    if (!core::PercentDecode(part->filename, &decoded)) decoded = part->filename;
    filenames.push_back(std::move(decoded));
  }
  std::vector<api::LocalItem> locals;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (!parsed[i]) continue;
    // The i-th image belongs to the i-th item; if that pairing is off, take the image whose
    // filename is the item's path.
    const FormPart* image = nullptr;
    if (i < images.size() && filenames[i] == parsed[i]->image_url) image = images[i];
    for (size_t j = 0; image == nullptr && j < images.size(); ++j) {
      if (filenames[j] == parsed[i]->image_url) image = images[j];
    }
    if (image == nullptr && i < images.size()) image = images[i];
    if (image == nullptr) {
      ++out.counts.upload_errors;
      out.error_payload.push_back(parsed[i]->source_json);
      continue;
    }
    locals.push_back(api::LocalItem{std::move(*parsed[i]), image->content});
  }
  auto stored = api::AppendLocalItems(ctx, req.owner, req.Param("ds"), std::move(locals),
                                      /*update=*/false, req.base_url + "/blob/");
  if (AnsweredError(stored, res)) return;
  Merge(*stored, &out);
  WriteAppendResponse(res, req.Param("ds"), out);
}

void AppendAsync(api::Context& ctx, Request& req, Response& res) {
  wire::JsonDoc doc;
  wire::JsonObject body;
  if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
  std::string request_id;
  bool update = false;
  if (AnsweredError(wire::GetString(body, "requestId", "request body", &request_id), res)) return;
  if (AnsweredError(wire::OptBool(body, "update", "request body", &update), res)) return;
  RespondJobSubmitted(res,
                      api::SubmitItemUpload(ctx, req.owner, req.Param("ds"), request_id, update));
}

void UpdateMetadata(api::Context& ctx, Request& req, Response& res) {
  wire::JsonDoc doc;
  wire::JsonObject body;
  if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
  std::string level = "item";
  if (AnsweredError(wire::OptString(body, "level", "request body", &level), res)) return;
  wire::JsonArray array;
  if (AnsweredError(wire::GetArray(body, "metadata", "request body", &array), res)) return;
  if (AnsweredError(CheckBatchSize("metadata", array.size(), ctx.limits), res)) return;
  if (req.QueryFlag("async")) {
    return RespondJobSubmitted(
        res, api::SubmitMetadataUpdate(ctx, req.owner, req.Param("ds"), wire::Minify(doc.root())));
  }
  std::vector<core::MetadataUpdateInput> entries;
  std::vector<std::string> errors;  // malformed entries first, then unknown reference ids
  size_t index = 0;
  for (wire::JsonValue value : array) {
    auto entry =
        wire::ParseMetadataUpdate(value, "metadata entry " + std::to_string(index++), ctx.limits);
    if (entry.ok()) {
      entries.push_back(std::move(entry).value());
    } else {
      errors.push_back(entry.status().message());
    }
  }
  const int64_t malformed = static_cast<int64_t>(errors.size());
  auto out = api::UpdateMetadata(ctx, req.owner, req.Param("ds"), level, entries);
  if (AnsweredError(out, res)) return;
  errors.insert(errors.end(), out->errors.begin(), out->errors.end());
  // "updated_items"/"ignored_items" for level "item", "updated_scenes"/... for "scene".
  wire::JsonWriter w;
  w.BeginObject().Key("dataset_id").String(req.Param("ds"));
  w.Key("updated_" + level + "s").Int(out->updated_items);
  w.Key("ignored_" + level + "s").Int(out->ignored_items + malformed);
  if (!errors.empty()) {
    w.Key("errors");
    WriteStringArray(w, errors);
  }
  res.Json(w.EndObject().Take());
}

// {"pageToken": null|string, "pageSize": int}
Status ReadPaging(const Request& req, wire::JsonDoc* doc, std::optional<std::string>* token,
                  int64_t* page_size, int64_t default_size) {
  wire::JsonObject body;
  NUCLEUS_RETURN_IF_ERROR(ParseBodyObject(req, doc, &body));
  NUCLEUS_RETURN_IF_ERROR(wire::OptString(body, "pageToken", "request body", token));
  *page_size = default_size;
  return wire::OptInt(body, "pageSize", "request body", page_size);
}

void WriteSlice(wire::JsonWriter& w, const store::Slice& s) {
  w.BeginObject().Key("id").String(s.id).Key("name").String(s.name);
  w.Key("dataset_id").String(s.dataset_id).Key("type").String(s.type);
  w.Key("created_at").String(core::FormatIso8601(core::FromUnixMillis(s.created_at_ms)));
  w.Key("pending_job_count").Int(0).EndObject();
}

}  // namespace

void RegisterItemRoutes(Router& router, api::Context& ctx) {
  router.Add("POST", "dataset/:ds/append", [&ctx](Request& req, Response& res) {
    if (req.QueryFlag("async")) return AppendAsync(ctx, req, res);
    if (req.is_multipart) return AppendMultipart(ctx, req, res);
    AppendJson(ctx, req, res);
  });

  router.Add("POST", "dataset/:ds/metadata",
             [&ctx](Request& req, Response& res) { UpdateMetadata(ctx, req, res); });

  router.Add("GET", "dataset/:ds/datasetItems", [&ctx](Request& req, Response& res) {
    auto items = api::ListItems(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(items, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("dataset_items").BeginArray();
    for (const store::Item& item : *items) api::WriteItemJson(w, item);
    res.Json(w.EndArray().EndObject().Take());
  });

  router.Add("POST", "dataset/:ds/itemsPage", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    std::optional<std::string> token;
    int64_t page_size = 0;
    if (AnsweredError(ReadPaging(req, &doc, &token, &page_size, 100000), res)) return;
    auto page = api::ListItemsPage(ctx, req.owner, req.Param("ds"), token, page_size);
    if (AnsweredError(page, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("items").BeginArray();
    for (const store::Item& item : page->items) api::WriteItemJson(w, item);
    w.EndArray().Key("nextPageToken");
    w.StringOrNull(page->next_page_token ? &*page->next_page_token : nullptr);
    res.Json(w.EndObject().Take());
  });

  auto answer_item = [](Response& res, const Result<api::ItemWithAnnotations>& found) {
    if (AnsweredError(found, res)) return;
    wire::JsonWriter w;
    WriteItemWithAnnotations(w, *found);
    res.Json(w.Take());
  };

  router.Add("GET", "dataset/:ds/iloc/:i", [&ctx, answer_item](Request& req, Response& res) {
    const std::string& text = req.Param("i");
    int64_t index = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
    if (ec != std::errc() || end != text.data() + text.size() || index < 0) {
      return res.Error(InvalidArgument("index \"" + text + "\" must be a non-negative integer"));
    }
    answer_item(res, api::GetItemByIndex(ctx, req.owner, req.Param("ds"), index));
  });

  router.Add("GET", "dataset/:ds/refloc/:ref", [&ctx, answer_item](Request& req, Response& res) {
    answer_item(res, api::GetItemByRef(ctx, req.owner, req.Param("ds"), req.Param("ref")));
  });

  router.Add("GET", "dataset/:ds/loc/:di", [&ctx, answer_item](Request& req, Response& res) {
    answer_item(res, api::GetItemById(ctx, req.owner, req.Param("ds"), req.Param("di")));
  });

  router.Add("DELETE", "dataset/:ds/refloc/:ref", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::DeleteItem(ctx, req.owner, req.Param("ds"), req.Param("ref")), res)) return;
    res.Json("{}");
  });

  router.Add("GET", "dataset/:ds/exportForTraining", [&ctx](Request& req, Response& res) {
    auto rows = api::ExportItems(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(rows, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("exportedRows").BeginArray();
    for (const api::ItemWithAnnotations& row : *rows) WriteExportRow(w, row);
    res.Json(w.EndArray().EndObject().Take());
  });

  // `query` (the query language) is not supported: a non-null query is refused rather than
  // silently ignored. `chip` and `onlyMostRecentTask` change nothing here.
  router.Add("POST", "dataset/:ds/exportForTrainingPage", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    std::optional<std::string> token;
    int64_t page_size = 0;
    if (AnsweredError(ReadPaging(req, &doc, &token, &page_size, 10000), res)) return;
    wire::JsonObject body;
    wire::JsonValue query;
    if (wire::AsObject(doc.root(), "request body", &body).ok() &&
        wire::Find(body, "query", &query)) {
      return res.Error(wire::FieldError("request body", "query", "is not supported (send null)"));
    }
    auto page = api::ExportItemsPage(ctx, req.owner, req.Param("ds"), token, page_size);
    if (AnsweredError(page, res)) return;
    wire::JsonWriter w;
    w.BeginObject().Key("data").BeginArray();
    for (const api::ItemWithAnnotations& row : page->rows) WriteExportRow(w, row);
    w.EndArray().Key("nextPageToken");
    w.StringOrNull(page->next_page_token ? &*page->next_page_token : nullptr);
    res.Json(w.EndObject().Take());
  });

  router.Add("GET", "dataset/:ds/model_runs", [&ctx](Request& req, Response& res) {
    auto ids = api::ListDatasetModelRunIds(ctx, req.owner, req.Param("ds"));
    if (AnsweredError(ids, res)) return;
    wire::JsonWriter w;
    WriteStringArray(w, *ids);
    res.Json(w.Take());
  });

  // `Dataset.get_slices` sends "slices?name=<raw>&type=<type>" (possibly ending in "?" or "&").
  router.Add("GET", "dataset/:ds/slices", [&ctx](Request& req, Response& res) {
    std::optional<std::string> name, type;
    if (req.HasQuery("name")) name = req.Query("name");
    if (req.HasQuery("type") && !req.Query("type").empty()) {
      std::string t = req.Query("type");
      // An enum rendered as "SliceType.DATASET_ITEM" means "dataset_item".
      if (size_t dot = t.rfind('.'); dot != std::string::npos) t = t.substr(dot + 1);
      for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      type = t;
    }
    auto slices = api::ListSlices(ctx, req.owner, req.Param("ds"), name, type);
    if (AnsweredError(slices, res)) return;
    wire::JsonWriter w;
    w.BeginArray();
    for (const store::Slice& s : *slices) WriteSlice(w, s);
    res.Json(w.EndArray().Take());
  });

  router.Add("POST", "dataset/:ds/create_slice", [&ctx](Request& req, Response& res) {
    wire::JsonDoc doc;
    wire::JsonObject body;
    if (AnsweredError(ParseBodyObject(req, &doc, &body), res)) return;
    api::NewSlice input;
    const char* what = "request body";
    if (AnsweredError(wire::GetString(body, "name", what, &input.name), res)) return;
    if (AnsweredError(ReadStringList(body, "reference_ids", what, &input.reference_ids), res)) return;
    if (AnsweredError(ReadStringList(body, "dataset_item_ids", what, &input.dataset_item_ids), res)) {
      return;
    }
    if (AnsweredError(ReadStringList(body, "scene_ids", what, &input.scene_ids), res)) return;
    if (AnsweredError(ReadStringList(body, "object_ids", what, &input.object_ids), res)) return;
    wire::JsonValue allow;
    if (wire::Find(body, "allow_empty", &allow)) {
      input.allow_empty = (allow.is_bool() && allow.get_bool().value_unsafe()) ||
                          (allow.is_number() && wire::Minify(allow) != "0");
    }
    auto slice = api::CreateSlice(ctx, req.owner, req.Param("ds"), std::move(input));
    if (AnsweredError(slice, res)) return;
    res.Json(wire::JsonWriter().BeginObject().Key("slice_id").String(slice->id).EndObject().Take());
  });

  // Autotags are out of scope: every dataset has none (README appendix).
  router.Add("GET", ":ds/list_autotags", [&ctx](Request& req, Response& res) {
    if (AnsweredError(api::GetDataset(ctx, req.owner, req.Param("ds")), res)) return;
    res.Json("{\"autotags\":[]}");
  });

  router.Add(
      "GET", "blob/img/:file",
      [&ctx](Request& req, Response& res) {
        std::string content_type;
        auto bytes = api::ReadUploadedImage(ctx, req.Param("file"), &content_type);
        if (AnsweredError(bytes, res)) return;
        ServeBlob(res, std::move(bytes).value(), content_type);
      },
      RouteOptions{.requires_auth = false});
}

}  // namespace nucleus::server
