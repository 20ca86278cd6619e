#include "api/dashboard.h"

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>

#include "api/evaluations.h"

namespace nucleus::api {
namespace {

// Results by (evaluation id, IoU threshold, min confidence). A succeeded evaluation's match set
// never changes (a new commit or a changed run gets a new evaluation; a deleted one fails the
// ownership read before the cache is looked at), so an entry stays right for as long as it is
// kept: the run page of a large run is computed once per evaluation, not per visit. At most
// kMaxEntries, oldest out first. Thread-safe.
template <typename T>
class ResultCache {
 public:
  using Key = std::tuple<std::string, double, double>;
  std::shared_ptr<const T> Find(const Key& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : it->second;
  }
  void Put(const Key& key, std::shared_ptr<const T> value) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!entries_.emplace(key, std::move(value)).second) return;
    order_.push_back(key);
    if (order_.size() > kMaxEntries) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
  }

 private:
  static constexpr size_t kMaxEntries = 256;
  std::mutex mu_;
  std::map<Key, std::shared_ptr<const T>> entries_;
  std::deque<Key> order_;
};

core::OperatingPoint PointOf(const core::Charts& charts, double min_confidence) {
  return {.min_confidence = min_confidence,
          .tp = charts.tp,
          .fp = charts.fp,
          .fn = charts.fn,
          .precision = charts.precision,
          .recall = charts.recall,
          .f1 = charts.f1};
}

ResultCache<core::Charts>& ChartsCache() {
  static ResultCache<core::Charts> cache;
  return cache;
}

// EvaluationCharts over all the matches, through the cache.
Result<std::shared_ptr<const core::Charts>> AllCharts(Context& ctx, const std::string& owner,
                                                      const std::string& id, double iou) {
  ResultCache<core::Charts>& cache = ChartsCache();
  const ResultCache<core::Charts>::Key key{id, iou, 0.0};
  if (auto hit = cache.Find(key)) return hit;
  core::ChartsQuery query;
  query.iou_threshold = iou;
  NUCLEUS_ASSIGN_OR_RETURN(core::Charts charts, EvaluationCharts(ctx, owner, id, query));
  auto shared = std::make_shared<const core::Charts>(std::move(charts));
  cache.Put(key, shared);
  return shared;
}

// The counts at a confidence: EvaluationCharts with the charts route's confidenceRange filter.
Result<core::OperatingPoint> PointAt(Context& ctx, const std::string& owner, const std::string& id,
                                     double iou, double min_confidence) {
  static ResultCache<core::OperatingPoint> cache;
  const ResultCache<core::OperatingPoint>::Key key{id, iou, min_confidence};
  if (auto hit = cache.Find(key)) return *hit;
  core::ChartsQuery query;
  query.iou_threshold = iou;
  query.filters.confidence = core::Range{.min = min_confidence};
  NUCLEUS_ASSIGN_OR_RETURN(core::Charts charts, EvaluationCharts(ctx, owner, id, query));
  const core::OperatingPoint point = PointOf(charts, min_confidence);
  cache.Put(key, std::make_shared<const core::OperatingPoint>(point));
  return point;
}

}  // namespace

Result<core::DashboardEvaluation> DashboardEvaluationSummary(
    Context& ctx, const std::string& owner, const std::string& evaluation_id,
    const core::DashboardEvaluationQuery& query) {
  // Ownership and state first: a cached answer is only ever given to its owner, and only for an
  // evaluation that has succeeded (EvaluationCharts says why otherwise).
  NUCLEUS_ASSIGN_OR_RETURN(store::Evaluation evaluation, GetEvaluation(ctx, owner, evaluation_id));
  if (evaluation.status != "succeeded") {
    return EvaluationCharts(ctx, owner, evaluation_id, {}).status();
  }
  NUCLEUS_ASSIGN_OR_RETURN(std::shared_ptr<const core::Charts> charts,
                           AllCharts(ctx, owner, evaluation_id, query.iou_threshold));
  core::DashboardEvaluation out;
  out.charts = *charts;
  out.coco_summary = charts->coco_summary;
  if (query.min_confidence > 0) {
    NUCLEUS_ASSIGN_OR_RETURN(
        out.at, PointAt(ctx, owner, evaluation_id, query.iou_threshold, query.min_confidence));
  } else {
    out.at = PointOf(*charts, 0);
  }
  return out;
}

Status RunEvaluationJobWarmingDashboard(JobRun& job) {
  NUCLEUS_RETURN_IF_ERROR(RunEvaluationJob(job));
  const std::string& id = job.request().evaluation_id;
  // Deleted meanwhile or failed: the summary says so and nothing is cached.
  (void)DashboardEvaluationSummary(job.ctx(), job.job().owner, id, {});
  return Status::Ok();
}

bool DashboardEvaluationCached(const std::string& evaluation_id, double iou_threshold) {
  return ChartsCache().Find({evaluation_id, iou_threshold, 0.0}) != nullptr;
}

}  // namespace nucleus::api
