#include "core/ids.h"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <random>

namespace nucleus::core {
namespace {

constexpr char kBase32Hex[] = "0123456789abcdefghijklmnopqrstuv";

void FillRandom(uint8_t* out, size_t n) {
  static std::mutex mu;
  static std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::lock_guard<std::mutex> lock(mu);
  if (urandom && urandom.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n))) {
    return;
  }
  static std::random_device rd;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(rd());
}

struct ProcessSeed {
  std::array<uint8_t, 5> machine{};
  std::atomic<uint32_t> counter{0};
  ProcessSeed() {
    FillRandom(machine.data(), machine.size());
    uint8_t c[3];
    FillRandom(c, 3);
    counter = (uint32_t{c[0]} << 16) | (uint32_t{c[1]} << 8) | c[2];
  }
};

ProcessSeed& Seed() {
  static ProcessSeed seed;
  return seed;
}

}  // namespace

std::string NewId(std::string_view prefix) {
  ProcessSeed& seed = Seed();
  std::array<uint8_t, 12> raw{};
  auto secs = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  raw[0] = static_cast<uint8_t>(secs >> 24);
  raw[1] = static_cast<uint8_t>(secs >> 16);
  raw[2] = static_cast<uint8_t>(secs >> 8);
  raw[3] = static_cast<uint8_t>(secs);
  for (size_t i = 0; i < 5; ++i) raw[4 + i] = seed.machine[i];
  uint32_t n = seed.counter.fetch_add(1, std::memory_order_relaxed);
  raw[9] = static_cast<uint8_t>(n >> 16);
  raw[10] = static_cast<uint8_t>(n >> 8);
  raw[11] = static_cast<uint8_t>(n);

  std::string out(prefix);
  out.push_back('_');
  // 96 bits -> 20 base32 characters (100 bits, the last padded with zeros).
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : raw) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Hex[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Hex[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  FillRandom(reinterpret_cast<uint8_t*>(raw.data()), bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string_view IdPrefix(std::string_view id) {
  size_t pos = id.find('_');
  return pos == std::string_view::npos ? std::string_view() : id.substr(0, pos);
}

}  // namespace nucleus::core
