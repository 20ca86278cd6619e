// Helpers for the cli/ tests: temporary files, running the built `nucleus` binary with its exit
// status and both output streams, and parsing a command line in-process with CLI11.
#pragma once

#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace nucleus::cli::testing {

// A directory removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("nucleus-cli-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to `name` in the directory and returns its path.
  std::string Write(const std::string& name, const std::string& text) const {
    std::string path = (path_ / name).string();
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path;
  }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the binary with `args` (each single-quoted for the shell; none may contain a quote),
// stdin from /dev/null, with a 120 s limit.
inline Run RunBinary(const std::string& binary, const std::vector<std::string>& args,
                     const TempDir& scratch, const std::string& env = "") {
  std::string command = env + " timeout 120 '" + binary + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  std::string out = scratch.Path("stdout.txt");
  std::string err = scratch.Path("stderr.txt");
  command += " </dev/null >'" + out + "' 2>'" + err + "'";
  int status = std::system(command.c_str());
  Run run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadFile(out);
  run.err = ReadFile(err);
  return run;
}

// Parses `args` (without the program name) on `app`, as main() does, running the chosen
// command's callback; returns the name of the CLI11 error thrown ("RequiredError",
// "ValidationError", "RuntimeError" with exit code 1 from a failed command, ...) or "" when the
// command ran and succeeded.
inline std::string ParseIn(CLI::App& app, std::vector<std::string> args) {
  std::vector<std::string> storage = {"nucleus"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const std::string& s : storage) argv.push_back(s.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return e.get_name() +
           (e.get_name() == "RuntimeError" ? "(" + std::to_string(e.get_exit_code()) + ")" : "");
  }
  return "";
}

}  // namespace nucleus::cli::testing
