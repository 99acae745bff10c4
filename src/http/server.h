// Server: an HTTP/1.1 server on Boost.Beast (asynchronous, keep-alive).
//
// It only moves bytes: every request goes to one Handler, which answers
// through a callback that may run on any thread (collection answers from the
// commit thread once writes are durable); the reply is posted back to the
// connection's executor. Bodies over `max_body_bytes` get 413 before they are
// read whole.
//
// Thread-safety: Start/Stop from one thread; handlers run on the I/O threads.
#pragma once

#include <boost/beast/http.hpp>
#include <nlohmann/json_fwd.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"

namespace shinrai::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&, Respond)>;

struct ServerOptions {
  std::string address = "127.0.0.1";  // Default: loopback only
  int port = 8088;                     // 0 picks a free port
  int threads = 0;                     // Default: 0 = one per core
  size_t max_body_bytes = 512 * 1024;
  // Open connections at most; past it a new one gets 503 with Retry-After and
  // is closed, so clients cannot take the file descriptors storage needs.
  // Default: 0 = half of the descriptors RLIMIT_NOFILE leaves after a reserve
  // for storage, between 16 and 20,000 (see DefaultMaxConnections); a larger
  // value is lowered to that, with a warning.
  int max_connections = 0;
  // How long a keep-alive connection may sit idle between requests; under
  // pressure (over three quarters of max_connections) 5 s.
  int idle_timeout_seconds = 60;
  // Both set: HTTPS only (TLS 1.2+), from PEM files.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// The connection cap derived from the process's open-file limit.
int DefaultMaxConnections();

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();
  // Binds and starts the I/O threads; InvalidArgument/Unavailable when the
  // address cannot be bound.
  Status Start();
  // The bound port (useful with port 0).
  int port() const;
  // Stops accepting, closes connections, joins the threads.
  void Stop();
  // Blocks until Stop() is called from another thread or a signal arrives.
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// JSON text of `j`; bytes that are not UTF-8 (which a client may have sent and
// a message may quote) become U+FFFD instead of throwing.
std::string DumpJson(const nlohmann::json& j);

// {"error": {"code": ..., "message": ...}} with the status's HTTP code.
Response ErrorResponse(const Status& status);
Response JsonResponse(int http_status, std::string json);

}  // namespace shinrai::http
