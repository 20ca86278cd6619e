#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/ids.h"
#include "store/blobs.h"

namespace nucleus::store {
namespace {

namespace fs = std::filesystem;

// Orders a writer's rename into place against the sweeper's check-then-delete of the same name.
std::mutex& RenameMutex() {
  static std::mutex mu;
  return mu;
}

// Last modification time in Unix ms, or -1 when the file is gone.
int64_t WrittenAtMs(const fs::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(fs::path final_path, fs::path tmp_path, int fd)
      : final_path_(std::move(final_path)), tmp_path_(std::move(tmp_path)), fd_(fd) {}
  ~LocalBlobWriter() override {
    if (fd_ >= 0) {
      ::close(fd_);
      std::error_code ec;
      fs::remove(tmp_path_, ec);
    }
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) return Internal("blob write failed: " + tmp_path_.string());
      data.remove_prefix(static_cast<size_t>(n));
      size_ += n;
    }
    return Status::Ok();
  }

  Status Commit() override {
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
      fd_ = -1;
      return Internal("blob sync failed: " + tmp_path_.string());
    }
    fd_ = -1;
    std::error_code ec;
    {
      std::lock_guard<std::mutex> lock(RenameMutex());
      fs::rename(tmp_path_, final_path_, ec);
    }
    if (ec) return Internal("blob rename failed: " + ec.message());
    return Status::Ok();
  }

  int64_t size() const override { return size_; }

 private:
  fs::path final_path_;
  fs::path tmp_path_;
  int fd_;
  int64_t size_ = 0;
};

class LocalBlobStore final : public BlobStore {
 public:
  explicit LocalBlobStore(fs::path root) : root_(std::move(root)) {}

  Result<std::string> Put(std::string_view data, std::string_view extension) override {
    std::string name = core::NewId("blob") + std::string(extension);
    NUCLEUS_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, Create(name));
    NUCLEUS_RETURN_IF_ERROR(writer->Append(data));
    NUCLEUS_RETURN_IF_ERROR(writer->Commit());
    return name;
  }

  Result<std::unique_ptr<BlobWriter>> Create(const std::string& name) override {
    if (name.empty() || name.find("..") != std::string::npos || name[0] == '/') {
      return InvalidArgument("bad blob name: " + name);
    }
    fs::path final_path = root_ / name;
    std::error_code ec;
    fs::create_directories(final_path.parent_path(), ec);
    if (ec) return Internal("cannot create blob folder: " + ec.message());
    fs::path tmp = final_path;
    tmp += ".tmp-" + core::RandomHex(4);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Internal("cannot create blob " + tmp.string());
    return std::unique_ptr<BlobWriter>(new LocalBlobWriter(final_path, tmp, fd));
  }

  Result<std::string> Get(const std::string& name) override {
    std::ifstream in(root_ / name, std::ios::binary);
    if (!in) return NotFound("blob " + name + " not found");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  Status ForEachPiece(const std::string& name,
                      const std::function<Status(std::string_view piece)>& fn) override {
    std::FILE* f = std::fopen((root_ / name).c_str(), "rb");
    if (f == nullptr) return NotFound("blob " + name + " not found");
    std::string buffer(1 << 20, '\0');
    Status status;
    size_t n;
    while (status.ok() && (n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
      status = fn(std::string_view(buffer.data(), n));
    }
    if (status.ok() && std::ferror(f)) status = Internal("cannot read blob " + name);
    std::fclose(f);
    return status;
  }

  Status ForEachLine(const std::string& name,
                     const std::function<Status(std::string_view line)>& fn) override {
    std::FILE* f = std::fopen((root_ / name).c_str(), "rb");
    if (f == nullptr) return NotFound("blob " + name + " not found");
    char* line = nullptr;
    size_t cap = 0;
    Status status;
    ssize_t n;
    while ((n = ::getline(&line, &cap, f)) >= 0) {
      std::string_view view(line, static_cast<size_t>(n));
      if (!view.empty() && view.back() == '\n') view.remove_suffix(1);
      if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
      status = fn(view);
      if (!status.ok()) break;
    }
    std::free(line);
    std::fclose(f);
    return status;
  }

  Status ForEach(
      const std::function<void(const std::string& name, int64_t written_at_ms)>& fn) override {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      // A file renamed or deleted while we walk is skipped, not an error of the walk.
      std::error_code file_ec;
      if (!it->is_regular_file(file_ec)) continue;
      int64_t written = WrittenAtMs(it->path());
      if (written >= 0) fn(it->path().lexically_relative(root_).string(), written);
    }
    if (ec) return Internal("cannot list blobs: " + ec.message());
    return Status::Ok();
  }

  Result<bool> RemoveIfWrittenBefore(const std::string& name, int64_t cutoff_ms) override {
    if (name.empty() || name.find("..") != std::string::npos || name[0] == '/') {
      return InvalidArgument("bad blob name: " + name);
    }
    fs::path path = root_ / name;
    std::lock_guard<std::mutex> lock(RenameMutex());
    int64_t written = WrittenAtMs(path);
    if (written < 0 || written >= cutoff_ms) return false;
    std::error_code ec;
    bool removed = fs::remove(path, ec);
    if (ec) return Internal("cannot delete blob " + name + ": " + ec.message());
    return removed;
  }

 private:
  fs::path root_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenLocalBlobStore(const std::string& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Internal("cannot create blob folder " + root + ": " + ec.message());
  return std::unique_ptr<BlobStore>(new LocalBlobStore(root));
}

}  // namespace nucleus::store
