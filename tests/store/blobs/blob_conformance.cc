#include "blobs/blob_conformance.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

namespace nucleus::store::blobs_conformance {

namespace fs = std::filesystem;

void BlobStoreConformanceTest::SetUp() {
  std::random_device rd;
  dir_ = (fs::temp_directory_path() /
          ("nucleus-blobconf-" + std::to_string(rd()) + std::to_string(rd())))
             .string();
  fs::create_directories(dir_);
  blobs_ = GetParam().open(dir_);
  ASSERT_NE(blobs_, nullptr);
}

void BlobStoreConformanceTest::TearDown() {
  blobs_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void BlobStoreConformanceTest::Reopen() {
  blobs_.reset();
  blobs_ = GetParam().open(dir_);
  ASSERT_NE(blobs_, nullptr);
}

std::vector<std::string> BlobStoreConformanceTest::Lines(const std::string& name,
                                                         Status* status) {
  std::vector<std::string> lines;
  *status = blobs_->ForEachLine(name, [&](std::string_view line) {
    lines.emplace_back(line);
    return Status::Ok();
  });
  return lines;
}

std::vector<std::pair<std::string, int64_t>> BlobStoreConformanceTest::Listed() {
  std::vector<std::pair<std::string, int64_t>> listed;
  Status status = blobs_->ForEach(
      [&](const std::string& name, int64_t written_at_ms) { listed.emplace_back(name, written_at_ms); });
  EXPECT_TRUE(status.ok()) << status.ToString();
  return listed;
}

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(BlobStoreConformanceTest, PutGivesNewNamesAndKeepsBytesExactly) {
  const std::string bytes("\x89PNG\r\n\0\x01\xff", 9);
  std::set<std::string> names;
  for (int i = 0; i < 20; ++i) {
    Result<std::string> name = blobs_->Put(bytes, ".png");
    ASSERT_TRUE(name.ok()) << name.status().ToString();
    EXPECT_EQ(name->substr(name->size() - 4), ".png");
    names.insert(*name);
  }
  EXPECT_EQ(names.size(), 20u);
  Result<std::string> got = blobs_->Get(*names.begin());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, bytes);
  EXPECT_EQ(blobs_->Get("blob_missing.png").status().code(), StatusCode::kNotFound);
  // An empty blob exists, with no bytes.
  Result<std::string> empty = blobs_->Put("", ".bin");
  ASSERT_TRUE(empty.ok());
  Result<std::string> got_empty = blobs_->Get(*empty);
  ASSERT_TRUE(got_empty.ok()) << got_empty.status().ToString();
  EXPECT_EQ(*got_empty, "");
}

TEST_P(BlobStoreConformanceTest, CreatedBlobIsVisibleOnlyAfterCommit) {
  Result<std::unique_ptr<BlobWriter>> writer = blobs_->Create("uploads/ds_1/req.ndjson");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE((*writer)->Append("first\n").ok());
  ASSERT_TRUE((*writer)->Append("second").ok());
  EXPECT_EQ((*writer)->size(), 12);
  EXPECT_EQ(blobs_->Get("uploads/ds_1/req.ndjson").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE((*writer)->Commit().ok());
  Result<std::string> got = blobs_->Get("uploads/ds_1/req.ndjson");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "first\nsecond");

  {
    Result<std::unique_ptr<BlobWriter>> abandoned = blobs_->Create("uploads/ds_1/gone.ndjson");
    ASSERT_TRUE(abandoned.ok());
    ASSERT_TRUE((*abandoned)->Append("never committed").ok());
  }
  EXPECT_EQ(blobs_->Get("uploads/ds_1/gone.ndjson").status().code(), StatusCode::kNotFound);
  // Nothing of the abandoned write is left to collect.
  std::vector<std::pair<std::string, int64_t>> listed = Listed();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first, "uploads/ds_1/req.ndjson");
}

TEST_P(BlobStoreConformanceTest, CommittedBlobsSurviveReopening) {
  Result<std::string> name = blobs_->Put("kept", ".bin");
  ASSERT_TRUE(name.ok());
  Reopen();
  Result<std::string> got = blobs_->Get(*name);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "kept");
}

TEST_P(BlobStoreConformanceTest, NamesOutsideTheRootAreRefused) {
  for (const char* name : {"", "../escape.bin", "a/../../escape.bin", "/etc/passwd"}) {
    Result<std::unique_ptr<BlobWriter>> writer = blobs_->Create(name);
    ASSERT_FALSE(writer.ok()) << name;
    EXPECT_EQ(writer.status().code(), StatusCode::kInvalidArgument) << name;
  }
}

TEST_P(BlobStoreConformanceTest, ForEachLineSplitsOnNewlinesAndStopsEarly) {
  Result<std::string> name = blobs_->Put("a\n\nb\r\nlast without newline", ".ndjson");
  ASSERT_TRUE(name.ok());
  Status status;
  std::vector<std::string> lines = Lines(*name, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "", "b", "last without newline"}));

  Result<std::string> ends = blobs_->Put("x\ny\n", ".ndjson");
  ASSERT_TRUE(ends.ok());
  EXPECT_EQ(Lines(*ends, &status), (std::vector<std::string>{"x", "y"}));

  int calls = 0;
  status = blobs_->ForEachLine(*name, [&](std::string_view) {
    return ++calls == 2 ? InvalidArgument("line 2 is bad") : Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "line 2 is bad");
  EXPECT_EQ(calls, 2);

  Lines("missing.ndjson", &status);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
}

// A payload written in small pieces and read back line by line, lines of every length around
// the sizes a backend may cut its storage at (powers of two up to a few MiB).
TEST_P(BlobStoreConformanceTest, StreamedPayloadReadsBackLineByLine) {
  std::vector<std::string> expected;
  Result<std::unique_ptr<BlobWriter>> writer = blobs_->Create("uploads/ds_2/big.ndjson");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::string pending;
  int64_t total = 0;
  std::mt19937 rng(7);
  for (int i = 0; total < (5 << 20); ++i) {
    // Mostly short lines, now and then one longer than a MiB.
    size_t length = i % 97 == 5 ? (1 << 20) + rng() % 5000 : rng() % 3000;
    std::string line(length, static_cast<char>('a' + i % 26));
    line += std::to_string(i);
    expected.push_back(line);
    pending += line;
    pending += '\n';
    total += static_cast<int64_t>(line.size()) + 1;
    while (pending.size() >= 65536) {
      ASSERT_TRUE((*writer)->Append(std::string_view(pending).substr(0, 65536)).ok());
      pending.erase(0, 65536);
    }
  }
  ASSERT_TRUE((*writer)->Append(pending).ok());
  EXPECT_EQ((*writer)->size(), total);
  ASSERT_TRUE((*writer)->Commit().ok());
  Status status;
  std::vector<std::string> lines = Lines("uploads/ds_2/big.ndjson", &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(lines.size(), expected.size());
  EXPECT_TRUE(lines == expected);
  Result<std::string> whole = blobs_->Get("uploads/ds_2/big.ndjson");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(static_cast<int64_t>(whole->size()), total);
  // Piece by piece: the same bytes, in pieces of bounded size.
  std::string pieces;
  size_t largest = 0;
  status = blobs_->ForEachPiece("uploads/ds_2/big.ndjson", [&](std::string_view piece) {
    pieces.append(piece);
    largest = std::max(largest, piece.size());
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(pieces == *whole);
  EXPECT_LE(largest, size_t{2} << 20);
  EXPECT_EQ(blobs_->ForEachPiece("missing.ndjson", [](std::string_view) { return Status::Ok(); })
                .code(),
            StatusCode::kNotFound);
}

// The collector's side: write times, removal only of what was written before the cutoff, and
// a rewrite of a name counting as a fresh write of the same bytes.
TEST_P(BlobStoreConformanceTest, RemoveIfWrittenBeforeHonoursTheWriteTime) {
  const int64_t before = NowMs() - 1000;
  Result<std::string> name = blobs_->Put("old", ".bin");
  ASSERT_TRUE(name.ok());
  std::vector<std::pair<std::string, int64_t>> listed = Listed();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].first, *name);
  EXPECT_GE(listed[0].second, before);
  EXPECT_LE(listed[0].second, NowMs() + 1000);

  Result<bool> kept = blobs_->RemoveIfWrittenBefore(*name, before);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_FALSE(*kept);
  EXPECT_TRUE(blobs_->Get(*name).ok());

  // Written again under its name (content-addressed images are): same bytes, a later time.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const int64_t cutoff = NowMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Result<std::unique_ptr<BlobWriter>> again = blobs_->Create(*name);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Append("old").ok());
  ASSERT_TRUE((*again)->Commit().ok());
  listed = Listed();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_GT(listed[0].second, cutoff);
  Result<bool> fresh = blobs_->RemoveIfWrittenBefore(*name, cutoff);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(*fresh);
  EXPECT_EQ(*blobs_->Get(*name), "old");

  Result<bool> removed = blobs_->RemoveIfWrittenBefore(*name, NowMs() + 1000);
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_EQ(blobs_->Get(*name).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Listed().empty());
  Result<bool> twice = blobs_->RemoveIfWrittenBefore(*name, NowMs() + 1000);
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice);
}

// An unfinished write is listed under a name of its own (as a temporary file is), and removing
// it makes the write fail instead of committing a blob the collector believes gone.
TEST_P(BlobStoreConformanceTest, AnAbandonedWriteIsListedAndRemovable) {
  Result<std::unique_ptr<BlobWriter>> writer = blobs_->Create("uploads/ds_3/slow.ndjson");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("partial\n").ok());
  std::vector<std::pair<std::string, int64_t>> listed = Listed();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_NE(listed[0].first, "uploads/ds_3/slow.ndjson");
  Result<bool> removed = blobs_->RemoveIfWrittenBefore(listed[0].first, NowMs() + 1000);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_TRUE(*removed);
  EXPECT_TRUE(Listed().empty());
  Status appended = (*writer)->Append(std::string(2 << 20, 'x'));
  Status committed = appended.ok() ? (*writer)->Commit() : appended;
  EXPECT_FALSE(committed.ok());
  EXPECT_EQ(blobs_->Get("uploads/ds_3/slow.ndjson").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace nucleus::store::blobs_conformance
