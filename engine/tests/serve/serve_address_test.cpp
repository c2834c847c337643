// --serve [ADDR:]PORT: loopback unless an address is named; one-line errors; a warning beyond loopback.
#include "smartcamrt/serve/serve_address.hpp"

#include <gtest/gtest.h>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

std::string error_of(const std::string& spec) {
  try {
    parse_serve_address(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ServeAddress, APortAloneBindsLoopback) {
  const ServeAddress address = parse_serve_address("8080");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 8080);
  EXPECT_EQ(parse_serve_address("0").port, 0) << "0 = any free port";
  EXPECT_EQ(serve_exposure_warning(address), "");
}

TEST(ServeAddress, AnExplicitAddressIsTakenAsGiven) {
  EXPECT_EQ(parse_serve_address("0.0.0.0:9000").host, "0.0.0.0");
  EXPECT_EQ(parse_serve_address("0.0.0.0:9000").port, 9000);
  EXPECT_EQ(parse_serve_address("localhost:0").host, "localhost");
  EXPECT_EQ(parse_serve_address("[::1]:8080").host, "::1");
  EXPECT_EQ(parse_serve_address("[::1]:8080").port, 8080);
}

TEST(ServeAddress, BadSpecsAreOneLineErrorsNamingTheValue) {
  EXPECT_EQ(error_of("abc"), "--serve 'abc': not [ADDR:]PORT");
  EXPECT_EQ(error_of(""), "--serve '': not [ADDR:]PORT");
  EXPECT_EQ(error_of(":8080"), "--serve ':8080': not [ADDR:]PORT");
  EXPECT_EQ(error_of("host:"), "--serve 'host:': not [ADDR:]PORT");
  EXPECT_EQ(error_of("-1"), "--serve '-1': not [ADDR:]PORT");
  EXPECT_EQ(error_of("70000"), "--serve '70000': port must be 0-65535");
  EXPECT_EQ(error_of("::1:80"), "--serve '::1:80': write an IPv6 address in brackets, [ADDR]:PORT");
  EXPECT_EQ(error_of("[::1]80"), "--serve '[::1]80': not [ADDR:]PORT");
}

TEST(ServeAddress, LoopbackIsRecognisedAndAnythingElseWarns) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("192.168.1.10"));
  EXPECT_FALSE(is_loopback_host("camera.local"));
  const std::string warning = serve_exposure_warning(parse_serve_address("0.0.0.0:8080"));
  EXPECT_NE(warning.find("0.0.0.0"), std::string::npos) << warning;
  EXPECT_NE(warning.find("no authentication"), std::string::npos) << warning;
  EXPECT_EQ(warning.find('\n'), std::string::npos) << "one line";
}

TEST(ServeAddress, TheUrlBracketsIpv6) {
  EXPECT_EQ(serve_url("127.0.0.1", 8080), "http://127.0.0.1:8080/");
  EXPECT_EQ(serve_url("::1", 80), "http://[::1]:80/");
}

}  // namespace smartcamrt
