#include "smartcamrt/core/sha256.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "smartcamrt/core/error.hpp"

#include "../support/tiny_onnx.hpp"

namespace smartcamrt {

// FIPS 180-4 example vectors, plus lengths on both sides of the one-block padding limit (55/56 bytes).
TEST(Sha256, MatchesTheStandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(55, 'a')), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalUpdatesGiveTheSameDigest) {
  const std::string text(300, 'x');
  Sha256 pieces;
  pieces.update(text.substr(0, 1));
  pieces.update(text.substr(1, 70));
  pieces.update(text.substr(71));
  EXPECT_EQ(pieces.hex(), sha256_hex(text));
}

TEST(Sha256, HashesAFileAndNamesOneItCannotRead) {
  const std::string path = testing::make_temp_dir("sha256") + "/abc.bin";
  std::ofstream(path, std::ios::binary) << "abc";
  EXPECT_EQ(sha256_file(path), sha256_hex("abc"));
  try {
    sha256_file(path + ".missing");
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "'" + path + ".missing': cannot be read to hash it");
  }
}

}  // namespace smartcamrt
