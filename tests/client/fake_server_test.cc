// Client behaviour that needs answers a real server would not give: retries (503 storms),
// error mapping, auth headers, exact request shapes, batching, multipart, the async path.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "nucleus/nucleus.h"
#include "support/fake_http_server.h"

namespace nucleus {
namespace {

using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

ClientOptions FastOptions(const FakeHttpServer& server) {
  ClientOptions options;
  options.api_key = "secret";
  options.endpoint = server.endpoint();
  options.retry.base_delay_ms = 1;  // [0, 2 ms) instead of [0, 2 s)
  options.job_poll_interval_ms = 1;
  return options;
}

bool HasHeader(const FakeRequest& r, const std::string& line) {
  return r.headers.find(line) != std::string::npos;
}

TEST(RetryTest, ServiceUnavailableIsRetriedThenSucceeds) {
  FakeHttpServer server([](const FakeRequest&, int n) {
    if (n <= 2) return FakeResponse{503, "{\"error\":\"busy\"}"};
    return FakeResponse{200, "{\"dataset_id\":\"ds_1\"}"};
  });
  NucleusClient client(FastOptions(server));
  auto dataset = client.create_dataset("cars");
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  EXPECT_EQ(dataset->id(), "ds_1");
  EXPECT_EQ(server.request_count(), 3);
}

TEST(RetryTest, StormGivesUpAfterFourAttemptsWithStatusAndBody) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{503, "{\"error\":\"overloaded\"}"};
  });
  NucleusClient client(FastOptions(server));
  auto datasets = client.datasets();
  ASSERT_FALSE(datasets.ok());
  EXPECT_EQ(server.request_count(), 4);
  EXPECT_EQ(datasets.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(datasets.status().http_status(), 503);
  EXPECT_EQ(datasets.status().http_body(), "{\"error\":\"overloaded\"}");
  EXPECT_NE(datasets.status().message().find("GET " + server.endpoint() + "/dataset/details"),
            std::string::npos)
      << datasets.status().message();
  EXPECT_NE(datasets.status().message().find("overloaded"), std::string::npos);
}

TEST(RetryTest, EveryRetryableStatusIsRetried) {
  for (int code : {503, 504, 520, 524}) {
    FakeHttpServer server([code](const FakeRequest&, int n) {
      if (n == 1) return FakeResponse{code, "{}"};
      return FakeResponse{200, "[]"};
    });
    NucleusClient client(FastOptions(server));
    auto datasets = client.datasets();
    ASSERT_TRUE(datasets.ok()) << code << ": " << datasets.status().ToString();
    EXPECT_EQ(server.request_count(), 2) << code;
  }
}

TEST(RetryTest, OtherErrorsAreNotRetriedAndMapToCodes) {
  struct Case {
    int http;
    StatusCode code;
  };
  for (Case c : {Case{500, StatusCode::kInternal}, Case{404, StatusCode::kNotFound},
                 Case{400, StatusCode::kInvalidArgument}, Case{401, StatusCode::kUnauthenticated},
                 Case{409, StatusCode::kAlreadyExists}}) {
    FakeHttpServer server([c](const FakeRequest&, int) {
      return FakeResponse{c.http, "{\"error\":\"nope\"}"};
    });
    NucleusClient client(FastOptions(server));
    auto info = client.get_dataset("ds_1").info();
    ASSERT_FALSE(info.ok());
    EXPECT_EQ(server.request_count(), 1) << c.http;
    EXPECT_EQ(info.status().code(), c.code) << c.http;
    EXPECT_EQ(info.status().http_status(), c.http);
  }
}

TEST(RetryTest, BaseDelayScalesTheBackoff) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{503, "{}"}; });
  ClientOptions options = FastOptions(server);
  options.retry.base_delay_ms = 0;
  NucleusClient client(options);
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(client.datasets().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(server.request_count(), 4);
}

TEST(TransportTest, ServerDownIsUnavailableWithoutHttpStatus) {
  int port;
  {
    FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{}; });
    port = server.port();
  }  // closed: nobody listens on `port` any more
  NucleusClient client("secret", "http://127.0.0.1:" + std::to_string(port) + "/v1/nucleus");
  auto datasets = client.datasets();
  ASSERT_FALSE(datasets.ok());
  EXPECT_EQ(datasets.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(datasets.status().http_status(), 0);
  EXPECT_NE(datasets.status().message().find("127.0.0.1"), std::string::npos);
}

TEST(TransportTest, MissingKeyFailsWithoutARequest) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{}; });
  unsetenv("NUCLEUS_API_KEY");
  NucleusClient client("", server.endpoint());
  auto datasets = client.datasets();
  ASSERT_FALSE(datasets.ok());
  EXPECT_EQ(datasets.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(server.request_count(), 0);
}

TEST(TransportTest, SendsBasicAuthWithTheKeyAsUserNameAndJsonContentType) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{200, "[]"}; });
  NucleusClient client(FastOptions(server));
  ASSERT_TRUE(client.datasets().ok());
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/v1/nucleus/dataset/details");
  EXPECT_TRUE(HasHeader(requests[0], "Authorization: Basic c2VjcmV0Og=="))  // base64("secret:")
      << requests[0].headers;
  EXPECT_TRUE(HasHeader(requests[0], "Content-Type: application/json"));
}

TEST(TransportTest, LimitedAccessKeyReplacesBasicAuth) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{200, "[]"}; });
  ClientOptions options = FastOptions(server);
  options.api_key.clear();
  options.limited_access_key = "limited";
  NucleusClient client(options);
  ASSERT_TRUE(client.datasets().ok());
  auto r = server.requests().at(0);
  EXPECT_TRUE(HasHeader(r, "x-limited-access-key: limited")) << r.headers;
  EXPECT_FALSE(HasHeader(r, "Authorization:"));
}

TEST(TransportTest, RawPathSegmentsAreHttpEscapedAndReflocIsFullyEncoded) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, "{\"annotations\":{}}"};
  });
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  (void)run.prediction_loc("a b/[c]", "[Pytest] x");
  (void)client.get_dataset("ds_1").refloc("a/b c");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/v1/nucleus/modelRun/run_1/prediction/loc/a%20b/%5Bc%5D/"
                                "%5BPytest%5D%20x");
  EXPECT_EQ(requests[1].target, "/v1/nucleus/dataset/ds_1/refloc/a%2Fb%20c");
}

// ------------------------------------------------------------------------ request shapes

TEST(PredictTest, SendsThePythonClientsBoxPredictionShape) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200,
                        "{\"model_run_id\":\"run_1\",\"predictions_processed\":1,"
                        "\"predictions_ignored\":0,\"errors\":[]}"};
  });
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  auto response = run.predict({BoxPrediction{.label = "car", .x = 0, .y = 0.5, .width = 10,
                                             .height = 10, .reference_id = "img",
                                             .confidence = 0.0,
                                             .class_pdf = {{"car", 0.9}, {"bus", 0.1}}}},
                              {.update = true});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->processed, 1);
  EXPECT_EQ(response->model_run_id, "run_1");
  auto r = server.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/nucleus/modelRun/run_1/predict");
  auto body = Json::parse(r.body);
  ASSERT_TRUE(body.ok()) << r.body;
  EXPECT_EQ(*body->find("update"), Json(true));
  const Json& p = body->find("annotations")->as_array().at(0);
  EXPECT_EQ(p, Json::parse(R"({"label":"car","type":"box",
      "geometry":{"x":0,"y":0.5,"width":10,"height":10},"reference_id":"img",
      "annotation_id":"car-0-0.5-10-10-img","metadata":{},"embedding_vector":null,
      "track_reference_id":null,"task_id":null,"confidence":0.0,
      "class_pdf":{"car":0.9,"bus":0.1}})").value());
  // confidence 0.0 is set and therefore sent.
  EXPECT_TRUE(p.contains("confidence"));
}

TEST(PredictTest, OmitsConfidenceAndClassPdfWhenUnset) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{200, "{}"}; });
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  ASSERT_TRUE(run.predict({CategoryPrediction{.label = "dress", .reference_id = "img"}}).ok());
  auto body = Json::parse(server.requests().at(0).body).value();
  const Json& p = body.find("annotations")->as_array().at(0);
  EXPECT_FALSE(p.contains("confidence"));
  EXPECT_FALSE(p.contains("class_pdf"));
  EXPECT_FALSE(p.contains("annotation_id"));
  EXPECT_FALSE(p.contains("taxonomy_name"));
  EXPECT_EQ(*p.find("type"), Json("category"));
}

TEST(PredictTest, BatchesAreSentConcurrentlyAndCountsMerged) {
  FakeHttpServer server([](const FakeRequest& r, int) {
    auto body = Json::parse(r.body).value();
    size_t n = body.find("annotations")->size();
    return FakeResponse{200, "{\"model_run_id\":\"run_1\",\"predictions_processed\":" +
                                 std::to_string(n) +
                                 ",\"predictions_ignored\":1,\"errors\":[\"e\"]}"};
  });
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  std::vector<Prediction> predictions;
  for (int i = 0; i < 12; ++i) {
    predictions.push_back(BoxPrediction{.label = "car", .x = double(i), .width = 1, .height = 1,
                                        .reference_id = "img"});
  }
  std::mutex mu;
  std::vector<Progress> seen;
  auto response = run.predict(predictions, {.batch_size = 5, .concurrency = 3,
                                            .progress = [&](const Progress& p) {
                                              std::lock_guard<std::mutex> lock(mu);
                                              seen.push_back(p);
                                            }});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(server.request_count(), 3);
  EXPECT_EQ(response->processed, 12);
  EXPECT_EQ(response->ignored, 3);
  EXPECT_EQ(response->errors.size(), 3u);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen.back().done, 3u);
  EXPECT_EQ(seen.back().total, 3u);
}

TEST(PredictTest, DuplicateIdentitiesAreRejectedBeforeSending) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{}; });
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  BoxPrediction box{.label = "car", .width = 1, .height = 1, .reference_id = "img"};
  auto response = run.predict({box, box});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(response.status().message().find("Duplicate"), std::string::npos);
  EXPECT_EQ(server.request_count(), 0);
}

TEST(PredictTest, FailedBatchFailsTheCallWithTheServersError) {
  FakeHttpServer server([](const FakeRequest&, int n) {
    if (n == 2) return FakeResponse{400, "{\"error\":\"bad batch\"}"};
    return FakeResponse{200, "{\"predictions_processed\":1}"};
  });
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  std::vector<Prediction> predictions;
  for (int i = 0; i < 3; ++i) {
    predictions.push_back(BoxPrediction{.label = "car", .x = double(i), .reference_id = "img"});
  }
  auto response = run.predict(predictions, {.batch_size = 1, .concurrency = 1});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().http_status(), 400);
  EXPECT_EQ(server.request_count(), 2);  // no new batch starts after a failure
}

std::string WriteTempFile(const std::string& name, const std::string& bytes) {
  std::string path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(MultipartTest, LocalMaskStormIsRetriedFiveTimesThenAdvisesSmallerBatches) {
  std::string mask = WriteTempFile("nucleus_sdk_test_mask.png", "\x89PNG fake");
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{503, "busy"}; });
  NucleusClient client(FastOptions(server));
  auto response = client.get_dataset("ds_1").annotate(
      {SegmentationAnnotation{.mask_url = mask,
                              .annotations = {{.label = "grass", .index = 1}},
                              .reference_id = "img"}});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(server.request_count(), 5);
  EXPECT_EQ(response.status().http_status(), 503);
  EXPECT_NE(response.status().message().find("local_files_per_upload_request"),
            std::string::npos);
  auto r = server.requests().at(0);
  EXPECT_NE(r.headers.find("multipart/form-data"), std::string::npos);
  EXPECT_NE(r.body.find("name=\"serialized_request\""), std::string::npos);
  EXPECT_NE(r.body.find("filename=\"" + std::string("%2Ftmp%2Fnucleus_sdk_test_mask.png")),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\x89PNG fake"), std::string::npos);
  std::filesystem::remove(mask);
}

TEST(MultipartTest, LocalItemsGoAsMultipartAndRemoteAsJson) {
  std::string image = WriteTempFile("nucleus_sdk_test_image.jpg", "JPEGBYTES");
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, "{\"dataset_id\":\"ds_1\",\"new_items\":1}"};
  });
  NucleusClient client(FastOptions(server));
  auto response = client.get_dataset("ds_1").append(
      {DatasetItem{.image_location = image, .reference_id = "local"},
       DatasetItem{.image_location = "https://example.com/a.jpg", .reference_id = "remote"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->new_items, 2);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].body.find("name=\"items\""), std::string::npos);
  EXPECT_NE(requests[0].body.find("\"update\":false"), std::string::npos);
  EXPECT_NE(requests[0].body.find("Content-Type: image/jpg"), std::string::npos);
  EXPECT_NE(requests[0].body.find("JPEGBYTES"), std::string::npos);
  auto remote = Json::parse(requests[1].body).value();
  EXPECT_EQ(remote, Json::parse(R"({"items":[{"metadata":{},"reference_id":"remote",
      "image_url":"https://example.com/a.jpg"}],"update":false})").value());
  std::filesystem::remove(image);
}

TEST(AppendTest, AnswerForAnotherDatasetIsAnError) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, "{\"dataset_id\":\"ds_other\",\"new_items\":1}"};
  });
  NucleusClient client(FastOptions(server));
  auto response = client.get_dataset("ds_1").append(
      {DatasetItem{.image_location = "https://example.com/a.jpg", .reference_id = "a"}});
  EXPECT_FALSE(response.ok());
}

// ------------------------------------------------------------------------------ async path

TEST(AsyncTest, PredictUploadsNdjsonToTheSignedUrlWithoutCredentials) {
  std::string endpoint;
  FakeHttpServer server([&endpoint](const FakeRequest& r, int) {
    if (r.method == "GET" && r.target.find("/signedUrl/") != std::string::npos) {
      return FakeResponse{200, "{\"signed_url\":\"" + endpoint + "/upload/x?sig=1\"}"};
    }
    if (r.method == "PUT") return FakeResponse{200, ""};
    return FakeResponse{200, "{\"job_id\":\"job_1\",\"job_last_known_status\":\"Running\","
                             "\"job_type\":\"uploadPredictions\","
                             "\"job_creation_time\":\"2026-06-01T12:00:00.000Z\"}"};
  });
  endpoint = server.endpoint();
  NucleusClient client(FastOptions(server));
  ModelRun run = client.get_model_run("run_1", "ds_1");
  auto response = run.predict({BoxPrediction{.label = "a", .reference_id = "r1"},
                               BoxPrediction{.label = "b", .reference_id = "r2"}},
                              {.update = true, .asynchronous = true});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ASSERT_NE(response->job, nullptr);
  EXPECT_EQ(response->job->job_id(), "job_1");
  EXPECT_EQ(response->job->job_type(), "uploadPredictions");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].target.rfind("/v1/nucleus/dataset/ds_1/signedUrl/", 0), 0u)
      << requests[0].target;
  std::string request_id = requests[0].target.substr(requests[0].target.rfind('/') + 1);
  EXPECT_EQ(request_id.size(), 32u);
  EXPECT_EQ(requests[1].method, "PUT");
  EXPECT_EQ(requests[1].target, "/v1/nucleus/upload/x?sig=1");
  EXPECT_FALSE(HasHeader(requests[1], "Authorization:"));
  EXPECT_FALSE(HasHeader(requests[1], "Content-Type:"));
  EXPECT_EQ(std::count(requests[1].body.begin(), requests[1].body.end(), '\n'), 2);
  EXPECT_EQ(requests[2].target, "/v1/nucleus/modelRun/run_1/predict?async=1");
  EXPECT_EQ(Json::parse(requests[2].body).value(),
            Json::object({{"requestId", request_id}, {"update", true}}));
}

TEST(AsyncTest, AsynchronousUploadsRefuseLocalMasks) {
  FakeHttpServer server([](const FakeRequest&, int) { return FakeResponse{}; });
  NucleusClient client(FastOptions(server));
  auto response = client.get_model_run("run_1", "ds_1")
                      .predict({SegmentationPrediction{.mask_url = "local.png",
                                                       .reference_id = "r"}},
                               {.asynchronous = true});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.request_count(), 0);
}

FakeResponse JobAnswer(const FakeRequest& r, int n, const std::string& final_status) {
  if (r.target.ends_with("/info")) {
    return FakeResponse{200, "{\"job_id\":\"job_1\",\"job_last_known_status\":\"Running\","
                             "\"job_type\":\"uploadPredictions\",\"job_creation_time\":\"t\"}"};
  }
  if (r.target.ends_with("/errors")) {
    return FakeResponse{200, R"(["{\\\\\"error\\\\\":\\\\\"bad\\\\\"}"])"};
  }
  std::string status = n <= 3 ? "Running" : final_status;
  return FakeResponse{200, "{\"job_id\":\"job_1\",\"status\":\"" + status +
                               "\",\"message\":{\"x\":1},\"job_progress\":\"1.00\","
                               "\"completed_steps\":1,\"total_steps\":1}"};
}

TEST(AsyncTest, SleepUntilCompletePollsWhileRunning) {
  FakeHttpServer server([](const FakeRequest& r, int n) { return JobAnswer(r, n, "Completed"); });
  NucleusClient client(FastOptions(server));
  auto job = client.get_job("job_1");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->job_last_known_status(), "Running");
  auto final_status = job->sleep_until_complete();
  ASSERT_TRUE(final_status.ok()) << final_status.status().ToString();
  EXPECT_EQ(*final_status->find("status"), Json("Completed"));
  EXPECT_EQ(job->job_last_known_status(), "Completed");
  EXPECT_EQ(server.request_count(), 4);  // info + Running, Running, Completed
  auto errors = job->errors();
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ(errors->at(0), "{\"error\":\"bad\"}");  // \\" replaced as the Python client does
}

TEST(AsyncTest, ErroredJobIsAnErrorCarryingTheMessage) {
  FakeHttpServer server([](const FakeRequest& r, int n) {
    return JobAnswer(r, n, "Errored_Server");
  });
  NucleusClient client(FastOptions(server));
  auto job = client.get_job("job_1");
  ASSERT_TRUE(job.ok());
  auto final_status = job->sleep_until_complete();
  ASSERT_FALSE(final_status.ok());
  EXPECT_NE(final_status.status().message().find("Errored_Server"), std::string::npos);
  EXPECT_NE(final_status.status().message().find("{\"x\":1}"), std::string::npos);
}

TEST(ReadTest, UnknownPredictionGroupIsAnError) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, "{\"annotations\":{\"multicategory\":[]}}"};
  });
  NucleusClient client(FastOptions(server));
  EXPECT_FALSE(client.get_model_run("run_1", "ds_1").iloc(0).ok());
}

TEST(ReadTest, ItemAnswerWithoutAnnotationsIsAnError) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, "{\"item\":{\"reference_id\":\"a\",\"image_url\":\"x.jpg\"}}"};
  });
  NucleusClient client(FastOptions(server));
  EXPECT_FALSE(client.get_dataset("ds_1").iloc(0).ok());
}

TEST(EvaluationV2Test, ChartsQueryIsFormEncodedAndParsed) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, R"({"mapSummary":{"mapAt50":0.62,"mapAt75":null,"mapAt5095":0.39},
      "perClassAp":[{"classLabel":"car","ap":0.7}],
      "confusionMatrix":[{"gtLabel":"car","predLabel":"bus","count":2}],
      "scoreHistogram":[{"bucketMin":0.0,"bucketMax":0.1,"count":3}],
      "computedIouRanges":[0.5,0.55],
      "totalCounts":{"tp":12,"fp":5,"fn":4,"predsWithConfidence":17},
      "apBySize":{"small":null,"medium":0.55,"large":0.71},
      "prCurve":[{"classLabel":"car","recall":0.5,"precision":0.9}],
      "tideAttribution":{"truePositive":12,"localization":1,"classification":2,"both":0,
                         "duplicate":1,"background":1,"missed":4}})"};
  });
  NucleusClient client(FastOptions(server));
  auto charts = client.evaluation_v2_charts(
      "evalv2_1", {.iou_threshold = 0.5,
                   .filters = Json::object({{"predLabels", Json::array({"cat"})}}),
                   .query = "a b"});
  ASSERT_TRUE(charts.ok()) << charts.status().ToString();
  EXPECT_EQ(server.requests().at(0).target,
            "/v1/nucleus/evaluationsV2/evalv2_1/charts?iouThreshold=0.5&filters="
            "%7B%22predLabels%22%3A%5B%22cat%22%5D%7D&query=a+b");
  EXPECT_DOUBLE_EQ(*charts->map_at_50, 0.62);
  EXPECT_FALSE(charts->map_at_75.has_value());
  EXPECT_EQ(charts->tp, 12);
  EXPECT_EQ(charts->confusion_matrix.at(0).pred_label, "bus");
  EXPECT_EQ(charts->tide_missed, 4);
}

TEST(EvaluationV2Test, ListMustBeAnArray) {
  FakeHttpServer server([](const FakeRequest&, int) {
    return FakeResponse{200, "{\"evaluations\":[]}"};
  });
  NucleusClient client(FastOptions(server));
  EXPECT_FALSE(client.list_evaluations_v2("run_1").ok());
}

}  // namespace
}  // namespace nucleus
