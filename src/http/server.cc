#include "http/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/resource.h>
#include <boost/asio/strand.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/logging.h"

namespace shinrai::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Response JsonResponse(int http_status, std::string json) {
  Response r;
  r.status = http_status;
  r.body = std::move(json);
  return r;
}

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response ErrorResponse(const Status& status) {
  nlohmann::json j = {{"error", {{"code", CodeName(status.code())}, {"message", status.message()}}}};
  Response r = JsonResponse(HttpStatusOf(status.code()), DumpJson(j));
  // Rate limits refill within a second, and storage recovery is retried
  // about as often: clients that honour Retry-After come back then.
  if (r.status == 429 || r.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

int DefaultMaxConnections() {
  constexpr int kStorageReserve = 256;  // RocksDB tables, the key vault, the audit log, logs
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 20'000;
  const int64_t spare = static_cast<int64_t>(lim.rlim_cur) - kStorageReserve;
  return static_cast<int>(std::clamp<int64_t>(spare / 2, 16, 20'000));
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kIdleUnderPressure = std::chrono::seconds(5);

// A connection the server may close while it waits for its next request.
class Sheddable {
 public:
  virtual ~Sheddable() = default;
  // Closes the connection if it has waited for a request since before `cutoff`
  // without receiving a byte of one. Safe from any thread.
  virtual void ShedIfIdleSince(Clock::time_point cutoff) = 0;
};

// Counts open connections; each session holds one slot until it ends. Under
// pressure, connections that sit idle longer than kIdleUnderPressure are shed,
// those opened before the pressure began included.
struct ConnectionGauge {
  std::atomic<int> open{0};
  // Requests read and not yet answered; a stop waits for them (SIGTERM).
  mutable std::atomic<int> in_flight{0};
  // Stopping: each answer closes its connection, so no new request follows it.
  std::atomic<bool> draining{false};
  int max = 0;
  int idle_seconds = 60;
  bool under_pressure() const { return open.load(std::memory_order_relaxed) * 4 > max * 3; }

  std::mutex mu;
  std::vector<std::weak_ptr<Sheddable>> sessions;  // GUARDED_BY(mu)
  void Register(std::weak_ptr<Sheddable> s) {
    std::lock_guard lock(mu);
    sessions.push_back(std::move(s));
  }
  // Forgets ended sessions; under pressure, sheds the idle ones.
  void Sweep() {
    if (under_pressure()) return Shed(Clock::now() - kIdleUnderPressure);
    std::lock_guard lock(mu);
    std::erase_if(sessions, [](const std::weak_ptr<Sheddable>& w) { return w.expired(); });
  }
  // Closes the connections waiting for a request since before `cutoff`.
  void Shed(Clock::time_point cutoff) {
    std::vector<std::shared_ptr<Sheddable>> live;
    {
      std::lock_guard lock(mu);
      std::erase_if(sessions, [](const std::weak_ptr<Sheddable>& w) { return w.expired(); });
      for (const auto& w : sessions)
        if (auto s = w.lock()) live.push_back(std::move(s));
    }
    for (const auto& s : live) s->ShedIfIdleSince(cutoff);
  }
};

class ConnectionSlot {
 public:
  explicit ConnectionSlot(ConnectionGauge* g) : g_(g) { g_->open.fetch_add(1, std::memory_order_relaxed); }
  ~ConnectionSlot() { g_->open.fetch_sub(1, std::memory_order_relaxed); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  const ConnectionGauge& gauge() const { return *g_; }

 private:
  ConnectionGauge* g_;
};

// One connection. kTls: the stream is TLS over TCP, and the session begins
// with the handshake and ends with a TLS shutdown.
template <bool kTls>
class Session : public Sheddable, public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(tcp::socket socket, net::ssl::context* tls, const Handler* handler, size_t max_body, ConnectionGauge* gauge)
      : stream_(MakeStream(std::move(socket), tls)), handler_(handler), max_body_(max_body), slot_(gauge) {}

  void ShedIfIdleSince(Clock::time_point cutoff) override {
    net::post(stream_.get_executor(), [self = shared_from_this(), cutoff] {
      const bool idle = self->waiting_ && self->parser_ && !self->parser_->got_some() && self->buffer_.size() == 0;
      if (idle && self->waiting_since_ < cutoff) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (!ec) self->Read();  // a failed handshake (plain HTTP, bad client) just ends the connection
        });
      } else {
        self->Read();
      }
    });
  }

 private:
  static Stream MakeStream(tcp::socket socket, net::ssl::context* tls) {
    if constexpr (kTls) return Stream(std::move(socket), *tls);
    else return Stream(std::move(socket));
  }
  auto shared_from_this() { return std::enable_shared_from_this<Session<kTls>>::shared_from_this(); }
  tcp::socket& Socket() { return beast::get_lowest_layer(stream_).socket(); }

  void Read() {
    parser_.emplace();
    parser_->body_limit(max_body_);
    parser_->header_limit(16 * 1024);
    // Idle keep-alive connections hold descriptors: they wait less when many are open.
    const auto idle = slot_.gauge().under_pressure() ? kIdleUnderPressure : std::chrono::seconds(slot_.gauge().idle_seconds);
    beast::get_lowest_layer(stream_).expires_after(idle);
    waiting_ = true;
    waiting_since_ = Clock::now();
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    waiting_ = false;
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      return Close();
    }
    if (ec == bhttp::error::body_limit) {
      // The client is likely still sending; after the reply, read and discard
      // the rest so it sees the 413 rather than a reset connection.
      drain_after_send_ = true;
      return Send(ErrorResponse(Status(Code::kPayloadTooLarge, "the body is larger than the limit of " +
                                                                   std::to_string(max_body_) + " bytes")),
                  false);
    }
    if (ec) {
      return Send(ErrorResponse(InvalidArgument("malformed HTTP request: " + ec.message())), false);
    }
    request_ = parser_->release();
    const bool keep_alive = request_.keep_alive();
    slot_.gauge().in_flight.fetch_add(1);
    answering_ = true;
    auto self = shared_from_this();
    auto replied = std::make_shared<std::atomic<bool>>(false);
    Respond respond = [self, keep_alive, replied](Response r) {
      if (replied->exchange(true)) return;  // a handler that threw after answering
      net::post(self->stream_.get_executor(), [self, keep_alive, r = std::move(r)]() mutable {
        self->Send(std::move(r), keep_alive);
      });
    };
    // The last line of defence: no request, whatever its bytes, may end the
    // process. Handlers return errors as values; an exception here is a bug,
    // answered 500 without echoing anything the client sent.
    try {
      (*handler_)(request_, respond);
    } catch (const std::exception& e) {
      respond(ErrorResponse(Internal("the server could not handle this request (an internal error was logged)")));
      LogHandlerFailure(e.what());
    } catch (...) {
      respond(ErrorResponse(Internal("the server could not handle this request (an internal error was logged)")));
      LogHandlerFailure("unknown exception");
    }
  }

  static void LogHandlerFailure(const char* what) {
    logging::Event("handler_exception", {{"what", what}}, logging::Level::kError);
  }

  void Send(Response r, bool keep_alive) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<bhttp::status>(r.status));
    res->set(bhttp::field::server, "shinrai");
    res->set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    if (slot_.gauge().draining) keep_alive = false;
    res->keep_alive(keep_alive);
    res->body() = std::move(r.body);
    res->prepare_payload();
    response_ = res;
    bhttp::async_write(stream_, *res, [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      self->response_.reset();
      if (std::exchange(self->answering_, false)) self->slot_.gauge().in_flight.fetch_sub(1);
      if (!ec && self->drain_after_send_) return self->Drain();
      if (ec || !keep_alive) return self->Close();
      self->Read();
    });
  }

  void Drain() {
    constexpr size_t kMaxDrain = 64 << 20;
    beast::error_code ignored;
    if constexpr (!kTls) Socket().shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kMaxDrain) return;  // the session ends and the socket closes
      self->Drain();
    });
  }

  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      Socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  const Handler* handler_;
  const size_t max_body_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request request_;
  std::shared_ptr<void> response_;
  bool drain_after_send_ = false;
  bool answering_ = false;  // a request of this connection counts in the gauge's in_flight
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
  ConnectionSlot slot_;
  bool waiting_ = false;  // for a request (on the executor only)
  Clock::time_point waiting_since_;
};

// Past the cap: a short 503 and the connection closes (TLS ones just close:
// there is no session to answer in).
void TurnAway(tcp::socket socket, bool tls) {
  static const std::string kBusy = [] {
    const std::string body =
        R"({"error":{"code":"unavailable","message":"the server has too many open connections; retry shortly"}})";
    return "HTTP/1.1 503 Service Unavailable\r\nServer: shinrai\r\nRetry-After: 1\r\n"
           "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  auto close = [s] {
    beast::error_code ec;
    s->shutdown(tcp::socket::shutdown_both, ec);
    s->close(ec);
  };
  if (tls) return close();
  net::async_write(*s, net::buffer(kBusy), [s, close](beast::error_code, std::size_t) { close(); });
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  net::io_context ioc;
  std::unique_ptr<net::ssl::context> tls;  // set when a certificate is configured
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::condition_variable stopped_cv;
  bool stopped = false;
  ConnectionGauge gauge;
  net::steady_timer accept_backoff{ioc};
  net::steady_timer sweep_timer{ioc};
  std::atomic<bool> accepting{true};  // false once a stop begins: the acceptor closes
  // Keeps the I/O threads running while no I/O is pending. Once a stop
  // closes the acceptor, a session waiting for its write to commit has no
  // operation pending; without this, run() would return and its answer,
  // posted later, would never be sent.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> keep_running;

  void SweepEverySecond() {
    sweep_timer.expires_after(std::chrono::seconds(1));
    sweep_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      gauge.Sweep();
      SweepEverySecond();
    });
  }
  std::chrono::milliseconds backoff{0};

  template <class S>
  void Begin(std::shared_ptr<S> session) {
    gauge.Register(session);
    session->Start();
  }

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !accepting) return;
      if (ec) {
        // Out of descriptors (EMFILE/ENFILE) or the like: retrying at once
        // spins a core and fails again. Wait, longer each time, up to 1 s.
        backoff = std::min<std::chrono::milliseconds>(std::max(backoff * 2, std::chrono::milliseconds(10)),
                                                      std::chrono::milliseconds(1000));
        accept_backoff.expires_after(backoff);
        accept_backoff.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) Accept();
        });
        return;
      }
      backoff = std::chrono::milliseconds(0);
      if (gauge.open.load(std::memory_order_relaxed) >= gauge.max) {
        TurnAway(std::move(socket), tls != nullptr);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        if (tls) Begin(std::make_shared<Session<true>>(std::move(socket), tls.get(), &handler, options.max_body_bytes, &gauge));
        else Begin(std::make_shared<Session<false>>(std::move(socket), nullptr, &handler, options.max_body_bytes, &gauge));
      }
      Accept();
    });
  }
};

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

Server::~Server() { Stop(); }

Status Server::Start() {
  beast::error_code ec;
  if (!impl_->options.tls_cert_file.empty()) {
    auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    // TLS 1.2 and later only.
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                     net::ssl::context::single_dh_use);
    ctx->use_certificate_chain_file(impl_->options.tls_cert_file, ec);
    if (ec) return InvalidArgument("cannot use the TLS certificate '" + impl_->options.tls_cert_file + "': " + ec.message());
    ctx->use_private_key_file(impl_->options.tls_key_file, net::ssl::context::pem, ec);
    if (ec) return InvalidArgument("cannot use the TLS key '" + impl_->options.tls_key_file + "': " + ec.message());
    impl_->tls = std::move(ctx);
  }
  auto address = net::ip::make_address(impl_->options.address, ec);
  if (ec) return InvalidArgument("'" + impl_->options.address + "' is not an IP address");
  tcp::endpoint ep(address, static_cast<unsigned short>(impl_->options.port));
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on " + impl_->options.address + ":" + std::to_string(impl_->options.port) +
                       ": " + ec.message());
  }
  impl_->signals.async_wait([this](beast::error_code, int) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopped = true;
    impl_->stopped_cv.notify_all();
  });
  // More connections than the descriptor table leaves room for would let
  // clients starve storage of files (and a store that cannot open a file
  // stops writing): the cap never goes past what the limit supports.
  const int supported = DefaultMaxConnections();
  impl_->gauge.max = impl_->options.max_connections > 0 ? impl_->options.max_connections : supported;
  if (impl_->gauge.max > supported) {
    logging::Event("max_connections_lowered",
                   {{"configured", impl_->gauge.max}, {"using", supported},
                    {"why", "more than the open-file limit supports; raise it (LimitNOFILE=) to allow more"}},
                   logging::Level::kWarn);
    impl_->gauge.max = supported;
  }
  impl_->gauge.idle_seconds = std::max(1, impl_->options.idle_timeout_seconds);
  impl_->Accept();
  impl_->SweepEverySecond();
  int n = impl_->options.threads > 0 ? impl_->options.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (n < 1) n = 1;
  impl_->keep_running.emplace(impl_->ioc.get_executor());
  for (int i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  return Status::Ok();
}

int Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::Wait() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->stopped_cv.wait(lock, [&] { return impl_->stopped; });
}

void Server::Stop() {
  if (impl_->threads.empty()) return;
  // Graceful: no new connection; every request read, or arriving on an open
  // connection, is answered (its write committed first) with
  // "Connection: close", so each client's next request goes elsewhere or
  // waits for a restart. A connection that sends nothing for kDrainGrace is
  // closed: in HTTP/1.1 a request can cross that close on the wire, so a
  // connection in use is never closed under its client, and one idle that
  // long is most likely not about to be used. Bounded, for a handler that
  // never answers.
  constexpr auto kDrainGrace = std::chrono::milliseconds(250);
  impl_->gauge.draining = true;
  impl_->accepting = false;
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_backoff.cancel();
    impl_->sweep_timer.cancel();
    impl_->signals.cancel(ec);
  });
  const auto began = Clock::now();
  const auto deadline = began + std::chrono::seconds(10);
  for (auto now = began; now < deadline && impl_->gauge.open.load() > 0; now = Clock::now()) {
    if (now - began >= kDrainGrace) impl_->gauge.Shed(now - kDrainGrace);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (impl_->gauge.open.load() > 0)
    logging::Event("stop_cut_short", {{"open_connections", impl_->gauge.open.load()},
                                      {"unanswered_requests", impl_->gauge.in_flight.load()},
                                      {"why", "still open after the 10 s drain bound"}},
                   logging::Level::kWarn);
  impl_->keep_running.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->stopped = true;
  impl_->stopped_cv.notify_all();
}

}  // namespace shinrai::http
