#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "store/blobs.h"

namespace nucleus::store {
namespace {

namespace fs = std::filesystem;

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
    fs::rename(tmp_path_, final_path_, ec);
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

  std::string PathOf(const std::string& name) const override { return (root_ / name).string(); }

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
