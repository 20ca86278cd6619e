#include "api/evaluations.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>
#include <unordered_set>

#include "api/slices.h"
#include "core/ids.h"
#include "eval/coco_eval.h"
#include "eval/metrics.h"
#include "store/annotations.h"
#include "store/datasets.h"
#include "store/models.h"
#include "store/predictions.h"

namespace nucleus::api {
namespace {

constexpr double kExampleIouThreshold = 0.5;
constexpr const char* kBackground = "background";

Result<int64_t> ParseToken(const std::string& token) {
  if (token.empty()) return int64_t{0};
  int64_t v = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || end != token.data() + token.size() || v < 0) {
    return InvalidArgument("pageToken \"" + token + "\" was not issued by this server");
  }
  return v;
}

// Largest page of queryObjectsPage; a larger pageSize is served in pages of this size.
constexpr int64_t kMaxObjectsPageSize = 100000;

// offset + limit for non-negative operands, saturated at INT64_MAX (no signed overflow).
int64_t EndOfPage(int64_t offset, int64_t limit) {
  return limit > std::numeric_limits<int64_t>::max() - offset ? std::numeric_limits<int64_t>::max()
                                                              : offset + limit;
}

// Stops a streaming read early (never leaves this file).
Status StopSignal() { return Status(StatusCode::kAlreadyExists, "stop"); }
bool IsStop(const Status& s) { return s.code() == StatusCode::kAlreadyExists && s.message() == "stop"; }

Result<store::ModelRun> RunOfDataset(store::Tx& tx, const std::string& owner,
                                     const std::string& run_id, const std::string& dataset_id) {
  NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
  if (run.dataset_id != dataset_id) {
    return NotFound("model run " + run_id + " not found on dataset " + dataset_id);
  }
  return run;
}

bool Listed(const std::vector<std::string>& labels, const std::string& label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

// Applies the filters to one row, in place; false when nothing of it is left. A prediction that
// fails a prediction filter (confidence, label) leaves its row, so its ground truth becomes a
// false negative; likewise a ground truth failing gtLabels turns its prediction into a false
// positive. Pair filters (iouRange, labelEquality) keep or drop whole pairs; labelEquality also
// drops unpaired rows.
bool Filter(store::MatchRow& r, const MatchFilters& f) {
  bool has_gt = r.annotation_rowid != 0, has_pred = r.prediction_rowid != 0;
  if (has_gt && has_pred) {
    if (f.iou && !f.iou->Contains(r.iou)) return false;
    if (f.label_equality && (r.gt_label == r.pred_label) != *f.label_equality) return false;
  } else if (f.label_equality) {
    return false;
  }
  const bool drop_pred =
      has_pred && ((f.confidence && !f.confidence->Contains(r.confidence.value_or(0.0))) ||
                   (f.pred_labels && !Listed(*f.pred_labels, r.pred_label)));
  const bool drop_gt = has_gt && f.gt_labels && !Listed(*f.gt_labels, r.gt_label);
  if (drop_pred || drop_gt) {
    r.iou = 0;
    r.labels_match = false;
  }
  if (drop_pred) {
    r.prediction_rowid = 0;
    r.pred_label.clear();
    r.confidence.reset();
    r.pred_box = {};
    r.pred_area = 0;
    has_pred = false;
  }
  if (drop_gt) {
    r.annotation_rowid = 0;
    r.gt_label.clear();
    r.gt_box = {};
    r.gt_area = 0;
    has_gt = false;
  }
  if (!has_gt && !has_pred) return false;
  return !f.has_ground_truth || *f.has_ground_truth == has_gt;
}

// The label a prediction is scored under: the ground truth's when an allowed label match paired
// them (canonical label), else its own.
const std::string& CanonicalPredLabel(const store::MatchRow& r) {
  return r.labels_match && r.annotation_rowid != 0 ? r.gt_label : r.pred_label;
}

eval::MatchRecord Record(const store::MatchRow& r) {
  eval::MatchRecord m;
  m.has_ground_truth = r.annotation_rowid != 0;
  m.has_prediction = r.prediction_rowid != 0;
  m.ground_truth_label = r.gt_label;
  m.prediction_label = CanonicalPredLabel(r);
  m.iou = r.iou;
  m.confidence = r.confidence.value_or(0.0);
  return m;
}

std::optional<double> Defined(double v) {
  if (v < 0) return std::nullopt;
  return v;
}

// Index of `t` among `thresholds` (within 1e-9), or -1.
int ThresholdIndex(const std::vector<double>& thresholds, double t) {
  for (size_t i = 0; i < thresholds.size(); ++i) {
    if (std::abs(thresholds[i] - t) < 1e-9) return static_cast<int>(i);
  }
  return -1;
}

// AP of category k at threshold index t from COCOeval's arrays (area all, last maxDet).
double ApAt(const eval::CocoEvalResult& r, int t, int k) {
  double sum = 0;
  int n = 0;
  for (int i = 0; i < r.num_recall; ++i) {
    const double p = r.Precision(t, i, k, 0, r.num_max_dets - 1);
    if (p > -1) sum += p, ++n;
  }
  return n == 0 ? -1 : sum / n;
}

// The COCO protocol over the box rows: mAP summary, AP by size, per-class AP and PR curve at
// the requested threshold. False when there are no box rows.
bool CocoCharts(const std::vector<store::MatchRow>& rows, double iou_threshold, Charts* out) {
  std::set<int64_t> images;
  std::set<std::string> labels;
  for (const store::MatchRow& r : rows) {
    if (r.type != "box") continue;
    images.insert(r.item_rowid);
    if (r.annotation_rowid != 0) labels.insert(r.gt_label);
    if (r.prediction_rowid != 0) labels.insert(CanonicalPredLabel(r));
  }
  if (images.empty()) return false;
  eval::CocoGroundTruth gt;
  gt.image_ids.assign(images.begin(), images.end());
  gt.image_heights.assign(images.size(), 0);
  gt.image_widths.assign(images.size(), 0);
  std::vector<std::string> label_list(labels.begin(), labels.end());
  for (size_t i = 0; i < label_list.size(); ++i) gt.category_ids.push_back(static_cast<int64_t>(i + 1));
  auto image_index = [&](int64_t item) {
    return static_cast<uint32_t>(std::lower_bound(gt.image_ids.begin(), gt.image_ids.end(), item) -
                                 gt.image_ids.begin());
  };
  auto category_index = [&](const std::string& label) {
    return static_cast<uint32_t>(std::lower_bound(label_list.begin(), label_list.end(), label) -
                                 label_list.begin());
  };
  eval::CocoDetections dt;
  for (const store::MatchRow& r : rows) {
    if (r.type != "box") continue;
    if (r.annotation_rowid != 0) {
      gt.ids.push_back(static_cast<int64_t>(gt.ids.size() + 1));
      gt.image.push_back(image_index(r.item_rowid));
      gt.category.push_back(category_index(r.gt_label));
      gt.boxes.push_back({r.gt_box.x, r.gt_box.y, r.gt_box.width, r.gt_box.height});
      gt.areas.push_back(r.gt_area);
      gt.iscrowd.push_back(0);
    }
    if (r.prediction_rowid != 0) {
      dt.image.push_back(image_index(r.item_rowid));
      dt.category.push_back(category_index(CanonicalPredLabel(r)));
      dt.boxes.push_back({r.pred_box.x, r.pred_box.y, r.pred_box.width, r.pred_box.height});
      dt.areas.push_back(r.pred_area);
      dt.scores.push_back(r.confidence.value_or(0.0));
    }
  }
  const eval::CocoParams params = eval::DefaultCocoParams(eval::IouType::kBbox);
  const eval::CocoEvalResult result = eval::EvaluateCoco(gt, dt, params, 1);
  const std::vector<eval::CocoSummaryLine> stats = eval::SummarizeCoco(result, params);
  out->map50_95 = Defined(stats[0].value);
  out->map50 = Defined(stats[1].value);
  out->map75 = Defined(stats[2].value);
  out->ap_small = Defined(stats[3].value);
  out->ap_medium = Defined(stats[4].value);
  out->ap_large = Defined(stats[5].value);
  for (const eval::CocoSummaryLine& line : stats) {
    out->coco_summary.push_back({eval::FormatSummaryLine(line, params), Defined(line.value)});
  }
  // Per class and PR curve at the requested threshold: one of the ten, or a run of its own.
  const eval::CocoEvalResult* at = &result;
  int t = ThresholdIndex(params.iou_thresholds, iou_threshold);
  eval::CocoEvalResult custom;
  if (t < 0) {
    eval::CocoParams one = params;
    one.iou_thresholds = {iou_threshold};
    custom = eval::EvaluateCoco(gt, dt, one, 1);
    at = &custom;
    t = 0;
  }
  for (size_t k = 0; k < label_list.size(); ++k) {
    const double ap = ApAt(*at, t, static_cast<int>(k));
    if (ap < 0) continue;  // no ground truth of this label
    out->per_class_ap.push_back({label_list[k], ap});
    for (int i = 0; i < at->num_recall; ++i) {
      const double p = at->Precision(t, i, static_cast<int>(k), 0, at->num_max_dets - 1);
      if (p < 0) continue;
      out->pr_curve.push_back({label_list[k], params.recall_thresholds[static_cast<size_t>(i)], p});
    }
  }
  return true;
}

// eval/metrics.h over the matches, for runs without boxes.
void MatchCharts(std::span<const eval::MatchRecord> records, double iou_threshold, Charts* out) {
  const eval::MeanAp mean = eval::ComputeMeanAp(records);
  out->map50 = Defined(mean.map50);
  out->map75 = Defined(mean.map75);
  out->map50_95 = Defined(mean.map50_95);
  std::set<std::string> with_gt;
  for (const eval::MatchRecord& r : records) {
    if (r.has_ground_truth) with_gt.insert(r.ground_truth_label);
  }
  const std::vector<double> samples = eval::NumpyLinspace(0.0, 1.0, 101);
  for (const std::string& label : with_gt) {
    out->per_class_ap.push_back({label, eval::AveragePrecision(records, label, iou_threshold)});
    std::vector<eval::PrPoint> curve = eval::PrecisionRecallCurve(records, label, iou_threshold);
    for (size_t i = curve.size(); i-- > 1;) {
      curve[i - 1].precision = std::max(curve[i - 1].precision, curve[i].precision);
    }
    size_t j = 0;
    for (double s : samples) {
      while (j < curve.size() && curve[j].recall < s) ++j;
      if (j == curve.size()) break;
      out->pr_curve.push_back({label, s, curve[j].precision});
    }
  }
}

ExampleType TypeOf(const store::MatchRow& r) {
  const bool pair = r.annotation_rowid != 0 && r.prediction_rowid != 0;
  if (pair && r.labels_match && r.iou >= kExampleIouThreshold) return ExampleType::kTruePositive;
  return r.prediction_rowid != 0 ? ExampleType::kFalsePositive : ExampleType::kFalseNegative;
}

// The item rows of slice `slice_id`, which must be the owner's and of the evaluation's dataset.
Result<std::unordered_set<int64_t>> SliceMembersOf(store::Tx& tx, const std::string& owner,
                                                   const store::Evaluation& e,
                                                   const std::string& slice_id) {
  NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::Slice> slice, tx.datasets().GetSlice(slice_id));
  if (!slice || !tx.datasets().Get(owner, slice->dataset_id).ok()) {
    return InvalidArgument("field \"sliceId\" of filters: slice " + slice_id + " not found");
  }
  if (slice->dataset_id != e.dataset_id) {
    return InvalidArgument("field \"sliceId\" of filters: slice " + slice_id +
                           " is not of the evaluation's dataset " + e.dataset_id);
  }
  NUCLEUS_ASSIGN_OR_RETURN(std::vector<int64_t> rowids, SliceItemRowidsInTx(tx, *slice));
  return std::unordered_set<int64_t>(rowids.begin(), rowids.end());
}

// The succeeded evaluation's match set, filtered.
Status LoadRows(Context& ctx, const std::string& owner, const std::string& id,
                const MatchFilters& filters, std::vector<store::MatchRow>* rows,
                std::vector<int64_t>* seqs) {
  return ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Evaluation e, tx.evaluations().Get(owner, id));
    if (e.status != "succeeded") {
      return FailedPrecondition("evaluation " + id + " is " + e.status +
                                "; its results are available once it has succeeded");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::MatchSet> set, tx.matches().FindSet(id));
    if (!set) return Internal("evaluation " + id + " has no stored matches");
    std::optional<std::unordered_set<int64_t>> members;
    if (filters.slice_id) {
      NUCLEUS_ASSIGN_OR_RETURN(members, SliceMembersOf(tx, owner, e, *filters.slice_id));
    }
    store::MatchRow row;
    return tx.matches().ForEach(set->rowid, [&](int64_t seq, const store::MatchRow& r) -> Status {
      if (members && members->count(r.item_rowid) == 0) return Status::Ok();
      row = r;
      if (!Filter(row, filters)) return Status::Ok();
      rows->push_back(std::move(row));
      if (seqs) seqs->push_back(seq);
      return Status::Ok();
    });
  });
}

}  // namespace

Result<ObjectsPage> QueryObjects(Context& ctx, const std::string& owner, const ObjectsQuery& q) {
  NUCLEUS_ASSIGN_OR_RETURN(int64_t offset, ParseToken(q.page_token));
  if (q.page_size < 1) return InvalidArgument("pageSize must be a positive integer");
  if (q.mode != PatchMode::kGroundTruthOnly && !q.model_run_id) {
    return InvalidArgument("model_run_id is required for every patch_mode but ground_truth_only");
  }
  ObjectsPage page;
  // Clamped so `limit + 1` cannot overflow; `end` saturates so a token near INT64_MAX is an
  // empty page, not signed overflow.
  const int64_t limit = std::min(q.page_size, kMaxObjectsPageSize);
  const int64_t end = EndOfPage(offset, limit);
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().Get(owner, q.dataset_id).status());
    if (q.mode == PatchMode::kGroundTruthOnly) {
      NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::Annotation> all,
                               tx.annotations().ListByDataset(q.dataset_id));
      for (int64_t i = offset; i < static_cast<int64_t>(all.size()) && i < end; ++i) {
        page.objects_json.push_back(std::move(all[static_cast<size_t>(i)].payload_json));
      }
      if (end < static_cast<int64_t>(all.size())) page.next_page_token = std::to_string(end);
      return Status::Ok();
    }
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run,
                             RunOfDataset(tx, owner, *q.model_run_id, q.dataset_id));
    page.model_run_id = run.id;
    if (q.mode == PatchMode::kPredictionsOnly) {
      int64_t index = 0;
      bool more = false;
      Status s = tx.predictions().ForEachInRun(run.rowid, [&](const store::Prediction& p) {
        if (index >= end) {
          more = true;
          return StopSignal();
        }
        if (index++ >= offset) page.objects_json.push_back(p.payload_json);
        return Status::Ok();
      });
      if (!s.ok() && !IsStop(s)) return s;
      if (more) page.next_page_token = std::to_string(end);
      return Status::Ok();
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::MatchSet> set, tx.matches().FindSet(run.id));
    if (!set) {
      return FailedPrecondition("model run " + run.id +
                                " has no matches yet: commit it (POST modelRun/" + run.id +
                                "/commit) and wait for the job");
    }
    const store::MatchKind kind = q.mode == PatchMode::kIou ? store::MatchKind::kPairs
                                  : q.mode == PatchMode::kFalsePositive
                                      ? store::MatchKind::kFalsePositives
                                      : store::MatchKind::kFalseNegatives;
    NUCLEUS_ASSIGN_OR_RETURN(page.matches, tx.matches().Page(set->rowid, kind, offset, limit + 1));
    if (static_cast<int64_t>(page.matches.size()) > limit) {
      page.next_page_token = std::to_string(page.matches.back().seq);
      page.matches.pop_back();
    }
    return Status::Ok();
  }));
  return page;
}

Result<store::Evaluation> CreateEvaluation(Context& ctx, const std::string& owner,
                                           const std::string& run_id, NewEvaluation input) {
  if (ctx.jobs == nullptr) return Internal("no job service");
  store::Evaluation e;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    e.id = core::NewId("evalv2");
    e.owner = owner;
    e.run_rowid = run.rowid;
    e.model_run_id = run.id;
    e.dataset_id = run.dataset_id;
    e.name = std::move(input.name);
    e.allowed_label_matches_json = std::move(input.allowed_label_matches_json);
    e.allowed_label_matches_id = std::move(input.allowed_label_matches_id);
    e.created_at_ms = core::ToUnixMillis(ctx.clock.Now());
    return tx.evaluations().Insert(&e);
  }));
  // The job carries the label matches typed; the evaluation keeps them as shown.
  core::JobRequest request;
  request.evaluation_id = e.id;
  request.model_run_id = e.model_run_id;
  request.commit.allowed_label_matches = std::move(input.allowed_label_matches);
  request.commit.class_agnostic = request.commit.allowed_label_matches.empty();
  Result<store::Job> job = ctx.jobs->Submit(owner, e.dataset_id, kEvaluationJobType, request);
  if (!job.ok()) {
    e.status = "failed";
    e.error_message = job.status().message();
  } else {
    e.job_id = job->id;
  }
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Evaluation current, tx.evaluations().Get(owner, e.id));
    // The job may already have moved the status on; only the job id is ours to write.
    current.job_id = e.job_id;
    if (!job.ok()) current.status = e.status, current.error_message = e.error_message;
    e = current;
    return tx.evaluations().Update(current);
  }));
  if (!job.ok()) return job.status();
  return e;
}

Result<store::Evaluation> GetEvaluation(Context& ctx, const std::string& owner,
                                        const std::string& id) {
  store::Evaluation e;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(e, tx.evaluations().Get(owner, id));
    return Status::Ok();
  }));
  return e;
}

Result<std::vector<store::Evaluation>> ListEvaluations(Context& ctx, const std::string& owner,
                                                       const std::string& run_id) {
  std::vector<store::Evaluation> out;
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::ModelRun run, tx.models().GetRun(owner, run_id));
    NUCLEUS_ASSIGN_OR_RETURN(out, tx.evaluations().ListByRun(run.rowid));
    return Status::Ok();
  }));
  return out;
}

Status DeleteEvaluation(Context& ctx, const std::string& owner, const std::string& id) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(store::Evaluation e, tx.evaluations().Get(owner, id));
    return tx.evaluations().Delete(e.rowid);  // its match set goes by trigger
  });
}

namespace {

// The evaluation's label matches, from its job's request. A job queued by an earlier version
// named only the evaluation, whose stored matches are kept as shown, not typed: such an
// evaluation with label matches fails, asking to be created again.
Status CommitOptionsOf(const core::JobRequest& request, const store::Evaluation& e,
                       CommitOptions* options) {
  *options = request.commit;
  if (request.model_run_id.empty() && e.allowed_label_matches_json != "[]") {
    return FailedPrecondition("evaluation " + e.id +
                              " was queued by an earlier version of the server; create it again");
  }
  return Status::Ok();
}

// Marks the evaluation "computing"; NotFound when it (or its run) was deleted meanwhile.
Status StartEvaluation(Context& ctx, const std::string& owner, const std::string& id,
                       store::Evaluation* e, store::ModelRun* run) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(*e, tx.evaluations().Get(owner, id));
    NUCLEUS_ASSIGN_OR_RETURN(*run, tx.models().GetRun(owner, e->model_run_id));
    e->status = "computing";
    return tx.evaluations().Update(*e);
  });
}

// Records how the computation ended ("succeeded", or "failed" with its error), unless the
// evaluation was deleted meanwhile.
Status FinishEvaluation(Context& ctx, const std::string& owner, const std::string& id,
                        const Status& computed) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    Result<store::Evaluation> current = tx.evaluations().Get(owner, id);
    if (!current.ok()) {
      return current.status().code() == StatusCode::kNotFound ? Status::Ok() : current.status();
    }
    current->status = computed.ok() ? "succeeded" : "failed";
    if (!computed.ok()) current->error_message = computed.message();
    return tx.evaluations().Update(*current);
  });
}

}  // namespace

Status RunEvaluationJob(JobRun& job) {
  Context& ctx = job.ctx();
  const std::string& owner = job.job().owner;
  const std::string& id = job.request().evaluation_id;
  if (id.empty()) {
    return InvalidArgument("field \"evaluation_id\" of evaluation request: is required");
  }
  store::Evaluation e;
  store::ModelRun run;
  Status found = StartEvaluation(ctx, owner, id, &e, &run);
  if (found.code() == StatusCode::kNotFound) {
    job.SetMessage(core::JobMessage().String("evaluation", "deleted before it ran"));
    return Status::Ok();  // deleted meanwhile: nothing to do
  }
  NUCLEUS_RETURN_IF_ERROR(found);
  CommitOptions options;
  Status computed = CommitOptionsOf(job.request(), e, &options);
  Result<MatchSummary> summary = MatchSummary{};
  if (computed.ok()) {
    summary = ComputeMatchSet(ctx, run, options, e.id);
    computed = summary.status();
  }
  NUCLEUS_RETURN_IF_ERROR(FinishEvaluation(ctx, owner, id, computed));
  if (!computed.ok()) return computed;
  job.SetMessage(core::JobMessage()
                     .String("evaluation_id", id)
                     .Int("predictions", summary->predictions)
                     .Int("ground_truth", summary->ground_truth)
                     .Int("matches", summary->matches));
  return Status::Ok();
}

Result<Charts> EvaluationCharts(Context& ctx, const std::string& owner, const std::string& id,
                                const ChartsQuery& query) {
  std::vector<store::MatchRow> rows;
  NUCLEUS_RETURN_IF_ERROR(LoadRows(ctx, owner, id, query.filters, &rows, nullptr));
  Charts out;
  out.iou_thresholds = eval::NumpyLinspace(.5, .95, 10);
  std::vector<eval::MatchRecord> records;
  records.reserve(rows.size());
  for (const store::MatchRow& r : rows) records.push_back(Record(r));
  if (!CocoCharts(rows, query.iou_threshold, &out)) {
    MatchCharts(records, query.iou_threshold, &out);
  }
  const eval::ConfusionMatrix cm = eval::ComputeConfusionMatrix(records, query.iou_threshold);
  const size_t n = cm.labels.size();
  for (size_t g = 0; g <= n; ++g) {
    for (size_t p = 0; p <= n; ++p) {
      if (cm.counts[g][p] == 0) continue;
      out.confusion.push_back({g < n ? cm.labels[g] : kBackground,
                               p < n ? cm.labels[p] : kBackground, cm.counts[g][p]});
    }
  }
  out.score_histogram.resize(10);
  for (size_t b = 0; b < 10; ++b) {
    out.score_histogram[b].min = static_cast<double>(b) / 10;
    out.score_histogram[b].max = static_cast<double>(b + 1) / 10;
  }
  for (const store::MatchRow& r : rows) {
    if (r.prediction_rowid == 0 || !r.confidence) continue;
    ++out.preds_with_confidence;
    const double c = *r.confidence;
    const size_t b = c <= 0 ? 0 : c >= 1 ? 9 : static_cast<size_t>(std::min(9.0, c * 10));
    ++out.score_histogram[b].count;
  }
  const eval::PrecisionRecall pr = eval::ComputePrecisionRecall(records, query.iou_threshold);
  out.tp = pr.true_positives;
  out.fp = pr.false_positives;
  out.fn = pr.false_negatives;
  out.precision = pr.precision;
  out.recall = pr.recall;
  out.f1 = pr.f1;
  const eval::TideErrors tide = eval::ComputeTideErrors(records, query.iou_threshold, 0.1);
  out.tide_tp = tide.true_positives;
  out.tide_localization = tide.localization;
  out.tide_classification = tide.classification;
  out.tide_both = tide.both;
  out.tide_background = tide.background;
  out.tide_missed = tide.missed;
  return out;
}

Result<ExamplesPage> EvaluationExamples(Context& ctx, const std::string& owner,
                                        const std::string& id, const ExamplesQuery& query) {
  if (query.limit < 0 || query.offset < 0) {
    return InvalidArgument("limit and offset must be non-negative integers");
  }
  std::vector<store::MatchRow> rows;
  std::vector<int64_t> seqs;
  NUCLEUS_RETURN_IF_ERROR(LoadRows(ctx, owner, id, query.filters, &rows, &seqs));
  struct Pick {
    size_t index;
    ExampleType type;
  };
  std::vector<Pick> picks;
  for (size_t i = 0; i < rows.size(); ++i) {
    const ExampleType type = TypeOf(rows[i]);
    if (!query.match_type) {
      picks.push_back({i, type});
      continue;
    }
    const ExampleType want = *query.match_type;
    const bool ok = want == ExampleType::kTruePositive ? type == want
                    : want == ExampleType::kFalsePositive
                        ? rows[i].prediction_rowid != 0 && type != ExampleType::kTruePositive
                        : rows[i].annotation_rowid != 0 && type != ExampleType::kTruePositive;
    if (ok) picks.push_back({i, want});
  }
  if (query.sort_by == "confidence" || query.sort_by == "iou") {
    const bool by_iou = query.sort_by == "iou";
    auto key = [&](const Pick& p) {
      const store::MatchRow& r = rows[p.index];
      return by_iou ? r.iou : r.confidence.value_or(-1.0);
    };
    std::stable_sort(picks.begin(), picks.end(), [&](const Pick& a, const Pick& b) {
      return query.descending ? key(a) > key(b) : key(a) < key(b);
    });
  }
  ExamplesPage page;
  page.total = static_cast<int64_t>(picks.size());
  std::vector<int64_t> wanted;
  std::vector<ExampleType> types;
  const int64_t end = EndOfPage(query.offset, query.limit);
  for (int64_t i = query.offset; i < page.total && i < end; ++i) {
    wanted.push_back(seqs[picks[static_cast<size_t>(i)].index]);
    types.push_back(picks[static_cast<size_t>(i)].type);
  }
  NUCLEUS_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<store::MatchSet> set, tx.matches().FindSet(id));
    if (!set) return NotFound("evaluation " + id + " not found");
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<store::MatchView> views,
                             tx.matches().ViewsAt(set->rowid, wanted));
    for (size_t i = 0; i < views.size(); ++i) {
      page.rows.push_back({std::move(views[i]), types[i]});
    }
    return Status::Ok();
  }));
  return page;
}

}  // namespace nucleus::api
