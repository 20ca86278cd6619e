// Routes of slices (docs/api/slices.md): create and list per dataset, list per owner, info,
// members (whole and paged), append, delete, the exports and class labels.
//
// Each handler decodes its request with wire/slices.h (item pages and export rows with
// wire/items.h), makes one api call and encodes the answer.
#include <cctype>

#include "api/slices.h"
#include "server/route_helpers.h"
#include "server/routes.h"
#include "wire/items.h"
#include "wire/slices.h"

namespace nucleus::server {
namespace {

// `Dataset.get_slices` sends "slices?name=<raw>&type=<type>" (possibly ending in "?" or "&").
void ListDatasetSlices(api::Context& ctx, Request& req, Response& res) {
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
  res.Json(wire::EncodeSliceList(*slices));
}

void CreateSlice(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeNewSlice(req.body, req.method);
  if (AnsweredError(input, res)) return;
  auto slice = api::CreateSlice(ctx, req.owner, req.Param("ds"), std::move(*input));
  if (AnsweredError(slice, res)) return;
  res.Json(wire::EncodeSliceCreated(*slice));
}

void ListOwnerSlices(api::Context& ctx, Request& req, Response& res) {
  auto slices = api::ListOwnerSlices(ctx, req.owner);
  if (AnsweredError(slices, res)) return;
  res.Json(wire::EncodeSliceList(*slices));
}

void SliceInfo(api::Context& ctx, Request& req, Response& res) {
  auto slice = api::GetSlice(ctx, req.owner, req.Param("slc"));
  if (AnsweredError(slice, res)) return;
  res.Json(wire::EncodeSliceInfo(*slice));
}

void SliceContents(api::Context& ctx, Request& req, Response& res) {
  auto contents = api::GetSliceContents(ctx, req.owner, req.Param("slc"));
  if (AnsweredError(contents, res)) return;
  res.Json(wire::EncodeSliceContents(*contents));
}

void SliceItemsPage(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodePageBody(req.body, /*default_size=*/100000);
  if (AnsweredError(request, res)) return;
  auto page = api::ListSliceItemsPage(ctx, req.owner, req.Param("slc"), *request);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeItemPage(*page));
}

void AppendToSlice(api::Context& ctx, Request& req, Response& res) {
  auto input = wire::DecodeSliceAppend(req.body, req.method);
  if (AnsweredError(input, res)) return;
  auto out = api::AppendToSlice(ctx, req.owner, req.Param("slc"), *input);
  if (AnsweredError(out, res)) return;
  res.Json(wire::EncodeSliceAppendOutcome(*out));
}

void DeleteSlice(api::Context& ctx, Request& req, Response& res) {
  if (AnsweredError(api::DeleteSlice(ctx, req.owner, req.Param("slc")), res)) return;
  res.Json("{}");
}

void ExportSlice(api::Context& ctx, Request& req, Response& res) {
  auto rows = api::ExportSlice(ctx, req.owner, req.Param("slc"));
  if (AnsweredError(rows, res)) return;
  res.Json(wire::EncodeExport(*rows));
}

// `chip` is accepted and changes nothing (no mirrored images are kept).
void ExportSlicePage(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeExportPageBody(req.body, /*default_size=*/10000);
  if (AnsweredError(request, res)) return;
  auto page = api::ExportSlicePage(ctx, req.owner, req.Param("slc"), *request);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeExportPage(*page));
}

// The second segment is the model id: its most recent run on the slice's dataset.
void ExportSlicePredictions(api::Context& ctx, Request& req, Response& res) {
  auto rows = api::ExportSlicePredictions(ctx, req.owner, req.Param("slc"), req.Param("prj"));
  if (AnsweredError(rows, res)) return;
  res.Json(wire::EncodeExport(*rows));
}

void ExportSlicePredictionsPage(api::Context& ctx, Request& req, Response& res) {
  auto request = wire::DecodeExportPageBody(req.body, /*default_size=*/100000);
  if (AnsweredError(request, res)) return;
  auto page = api::ExportSlicePredictionsPage(ctx, req.owner, req.Param("slc"), req.Param("prj"),
                                              *request);
  if (AnsweredError(page, res)) return;
  res.Json(wire::EncodeExportPage(*page));
}

void ExportRawJson(api::Context& ctx, Request& req, Response& res) {
  auto rows = api::ExportSlice(ctx, req.owner, req.Param("slc"));
  if (AnsweredError(rows, res)) return;
  res.Json(wire::EncodeRawExport(*rows));
}

void ExportRawItems(api::Context& ctx, Request& req, Response& res) {
  auto rows = api::ExportSlice(ctx, req.owner, req.Param("slc"));
  if (AnsweredError(rows, res)) return;
  res.Json(wire::EncodeRawItems(*rows));
}

void SliceClassLabels(api::Context& ctx, Request& req, Response& res) {
  auto labels = api::SliceClassLabels(ctx, req.owner, req.Param("slc"));
  if (AnsweredError(labels, res)) return;
  res.Json(wire::EncodeSliceClassLabels(*labels));
}

constexpr RouteRow kSliceRoutes[] = {
    {"GET", "dataset/:ds/slices", ListDatasetSlices},
    {"POST", "dataset/:ds/create_slice", CreateSlice},
    {"GET", "slice", ListOwnerSlices},
    {"GET", "slice/:slc", SliceContents},
    {"DELETE", "slice/:slc", DeleteSlice},
    {"GET", "slice/:slc/info", SliceInfo},
    {"POST", "slice/:slc/itemsPage", SliceItemsPage},
    {"POST", "slice/:slc/append", AppendToSlice},
    {"GET", "slice/:slc/exportForTraining", ExportSlice},
    {"POST", "slice/:slc/exportForTrainingPage", ExportSlicePage},
    {"GET", "slice/:slc/export_raw_json", ExportRawJson},
    {"GET", "slice/:slc/exportRawItems", ExportRawItems},
    {"GET", "slice/:slc/class_labels", SliceClassLabels},
    {"GET", "slice/:slc/:prj/exportForTraining", ExportSlicePredictions},
    {"POST", "slice/:slc/:prj/exportForTrainingPage", ExportSlicePredictionsPage},
};

}  // namespace

void RegisterSliceRoutes(Router& router, api::Context& ctx) { AddRoutes(router, ctx, kSliceRoutes); }

}  // namespace nucleus::server
