#pragma once
// SHA-256 (FIPS 180-4), for the model hashes that the manifests record and that key the device
// profile. Self-contained so that the engine needs no crypto library on a camera box or a Pi.
#include <cstddef>
#include <cstdint>
#include <string>

namespace smartcamrt {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(const std::string& text) { update(text.data(), text.size()); }
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex();

 private:
  void block(const uint8_t* data);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(const std::string& text);
// Throws Error naming the file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace smartcamrt
