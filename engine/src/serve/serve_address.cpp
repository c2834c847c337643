#include "smartcamrt/serve/serve_address.hpp"

#include <arpa/inet.h>

#include <cctype>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

bool all_digits(const std::string& text) {
  if (text.empty() || text.size() > 5) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

ServeAddress parse_serve_address(const std::string& spec) {
  const auto bad = [&spec](const std::string& what) { return Error("--serve '" + spec + "': " + what); };
  ServeAddress address;
  std::string port = spec;
  if (!spec.empty() && spec.front() == '[') {  // [IPv6]:PORT
    const size_t close = spec.find("]:");
    if (close == std::string::npos) throw bad("not [ADDR:]PORT");
    address.host = spec.substr(1, close - 1);
    port = spec.substr(close + 2);
  } else if (const size_t colon = spec.rfind(':'); colon != std::string::npos) {
    address.host = spec.substr(0, colon);
    port = spec.substr(colon + 1);
    // An unbracketed IPv6 address would be ambiguous ("::1:80"): ask for brackets.
    if (address.host.find(':') != std::string::npos) throw bad("write an IPv6 address in brackets, [ADDR]:PORT");
  }
  if (address.host.empty() || !all_digits(port)) throw bad("not [ADDR:]PORT");
  address.port = std::stoi(port);
  if (address.port > 65535) throw bad("port must be 0-65535");
  return address;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

std::string serve_exposure_warning(const ServeAddress& address) {
  if (is_loopback_host(address.host)) return "";
  return "warning: --serve listens on " + address.host +
         ", beyond this machine: the live view has no authentication and no TLS; anyone who can reach the port "
         "sees the stream";
}

std::string serve_url(const std::string& host, int port) {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(port) + "/";
}

}  // namespace smartcamrt
