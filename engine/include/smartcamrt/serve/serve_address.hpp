#pragma once
// The address of the live web view (`--serve [ADDR:]PORT`). Loopback unless an address is given: the
// view has no authentication and no TLS, so anything wider must be asked for by name (and warns).
#include <string>

namespace smartcamrt {

struct ServeAddress {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = any free port
};

// "8080" -> 127.0.0.1:8080; "0.0.0.0:8080", "localhost:0", "[::1]:8080". Throws Error with a one-line
// message naming the option and the value ("--serve 'abc': not [ADDR:]PORT").
ServeAddress parse_serve_address(const std::string& spec);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

// The one-line warning printed when the view listens beyond this machine; empty for loopback.
std::string serve_exposure_warning(const ServeAddress& address);

// http://HOST:PORT/ (IPv6 hosts in brackets).
std::string serve_url(const std::string& host, int port);

}  // namespace smartcamrt
