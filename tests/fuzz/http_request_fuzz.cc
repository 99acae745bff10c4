// libFuzzer target: the HTTP request surface. The input is the raw bytes of a
// keep-alive connection (one or more HTTP/1.1 requests: request line, headers,
// body, any bytes at all). Each request the parser accepts goes, as in
// http/server.cc, to http::Api::Handle over the server's whole stack (memory
// stores, key vault and encryption at rest, audit log, every service, the
// example configuration and its demo keys). Every request must be answered,
// once, without an exception, with a response the server can write: a status
// in 100..599, JSON that parses where the type says JSON, UTF-8 where it says
// UTF-8, no CR/LF in header values, no body with 1xx/204/304, and never a 500
// (nothing on this stack fails for a reason other than a bug). What an input
// allocates must be freed once its stack is torn down (LeakSanitizer).
// Anything else aborts, printing the request.
//
//   scripts/fuzz.sh [SECONDS]              builds it (build-fuzz/) and runs it
//   build-fuzz/http_request_fuzz CRASH     replays one input
//
// Environment: SHINRAI_FUZZ_CONFIG (default examples/shinrai.yaml),
// SHINRAI_FUZZ_RESET_EVERY (inputs per fresh stack; default 1, so that every
// input replays alone; more lets state accumulate across inputs),
// SHINRAI_FUZZ_ALLOW_500=1 (do not treat a 500 as a failure),
// SHINRAI_FUZZ_VERBOSE=1 (service logs, and every request and answer),
// SHINRAI_FUZZ_TMPDIR (where the audit log and models go; default /dev/shm).
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include "app/data_dir.h"
#include "app/services.h"
#include "audit/file_audit_log.h"
#include "core/env.h"
#include "core/utf8.h"
#include "crypto/encrypted_store.h"
#include "crypto/key_vault.h"
#include "crypto/secret_key.h"
#include "http/api.h"
#include "schema/config.h"
#include "access/access.h"
#include "collect/collect_service.h"
#include "privacy/consent_service.h"
#include "transparency/privacy_report.h"
#include "orchestration/profile_service.h"
#include "personalize/recommendation_service.h"
#include "privacy/retention_service.h"
#include "privacy/rights_service.h"
#include "privacy/suppression.h"
#include "store/staged_writer.h"
#include "store/store.h"

#ifndef SHINRAI_FUZZ_DEFAULT_CONFIG
#define SHINRAI_FUZZ_DEFAULT_CONFIG "examples/shinrai.yaml"
#endif

namespace {

namespace bhttp = boost::beast::http;
using namespace shinrai;

constexpr size_t kBodyLimit = 512 * 1024;      // http::ServerOptions::max_body_bytes
constexpr size_t kHeaderLimit = 16 * 1024;     // as http/server.cc
constexpr int kMaxRequestsPerInput = 16;
constexpr auto kAnswerTimeout = std::chrono::seconds(20);

bool verbose = false;
bool allow_500 = false;
int reset_every = 1;
std::string work_root;  // removed at exit
const schema::Config* config = nullptr;
crypto::SecretKey master_key;

[[noreturn]] void Fail(const std::string& what, std::string_view request) {
  std::fprintf(stderr, "\n==== http_request_fuzz: %s\n---- request (%zu bytes, C-escaped):\n", what.c_str(),
               request.size());
  std::string esc;
  for (unsigned char c : request.substr(0, 4096)) {
    if (c == '\\') esc += "\\\\";
    else if (c == '\r') esc += "\\r";
    else if (c == '\n') esc += "\\n\n";
    else if (c >= 0x20 && c < 0x7f) esc += static_cast<char>(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      esc += buf;
    }
  }
  std::fprintf(stderr, "%s\n----\n", esc.c_str());
  std::abort();
}

// The server's stack, wired by app::Services as Serve wires it, over memory
// stores instead of RocksDB.
struct Stack {
  std::string dir;
  FakeEnv env;
  app::OpenedData data;
  std::unique_ptr<audit::AuditLog> audit;
  std::unique_ptr<service::Access> access;
  std::unique_ptr<app::Services> services;  // destroyed first: the writer commits what is staged
  std::unique_ptr<http::Api> api;

  ~Stack() {
    api.reset();
    services.reset();
    audit.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "http_request_fuzz: cannot set up the stack: %s: %s\n", what, s.ToString().c_str());
    std::exit(2);
  }
}

std::unique_ptr<Stack> BuildStack() {
  static int generation = 0;
  auto s = std::make_unique<Stack>();
  s->dir = work_root + "/" + std::to_string(generation++);
  std::filesystem::create_directories(s->dir);
  app::OpenedData& d = s->data;
  d.paths.audit_dir = s->dir + "/audit";
  d.backend = store::NewMemoryStore();
  d.store = d.backend.get();
  crypto::SecretKey suppression_key;
  if (config->security.encrypt_at_rest) {
    d.vault_store = store::NewMemoryStore();
    auto vault = crypto::KeyVault::Open(d.vault_store.get(), master_key);
    Check(vault.status(), "key vault");
    d.vault = std::move(*vault);
    d.encrypted = crypto::NewEncryptedStore(d.backend.get(), d.vault.get(), app::PersonalDataScheme());
    d.store = d.encrypted.get();
    suppression_key = d.vault->suppression_key();
    d.audit_head_key = audit::HeadKeyFrom(master_key);
  }
  d.suppression = std::make_unique<service::SuppressionList>(suppression_key);
  Check(d.suppression->Load(*d.store), "suppression list");
  auto log = audit::FileAuditLog::Open(d.paths.audit_dir, &s->env, audit::FileAuditLog::kDefaultSegmentBytes, d.audit_head_key);
  Check(log.status(), "audit log");
  s->audit = std::move(*log);
  s->access = std::make_unique<service::Access>(config->keys, s->dir + "/api-keys.json",
                                                config->security.default_rate_limit, &s->env);
  s->services = std::make_unique<app::Services>(app::DepsFor(d, *config, *s->audit, *s->access, &s->env, s->dir + "/models"));
  Check(s->services->Load().status(), "services");
  app::Services& v = *s->services;
  s->api = std::make_unique<http::Api>(http::ApiDeps{config, s->access.get(), &v.collect, &v.profiles, &v.consent,
                                                     [&v] { return v.writer.health(); }, &v.recs, &v.rights,
                                                     &v.report, &v.privacy_center});
  return s;
}

Stack* stack = nullptr;
long inputs_on_stack = 0;

bool HasLineBreakOrNul(std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) != v.npos; }

// What http/server.cc's Session::Send does with a Response, checked.
void CheckResponse(const http::Response& r, std::string_view raw) {
  const std::string head = "the answer (status " + std::to_string(r.status) + ", " + r.content_type + ", body: " +
                           r.body.substr(0, 600) + ")";
  if (r.status < 100 || r.status > 599) Fail(head + " has a status outside 100..599", raw);
  if (r.status == 500 && !allow_500) Fail(head + " is an internal error", raw);
  if (HasLineBreakOrNul(r.content_type)) Fail(head + ": the content type holds CR, LF or NUL", raw);
  for (const auto& [k, v] : r.headers) {
    if (k.empty() || HasLineBreakOrNul(k) || HasLineBreakOrNul(v))
      Fail(head + ": header '" + k + "' has an empty name or holds CR, LF or NUL", raw);
  }
  const bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  if (bodiless && !r.body.empty()) Fail(head + " has a body, which this status forbids", raw);
  if (!bodiless && r.content_type.rfind("application/json", 0) == 0 && !nlohmann::json::accept(r.body))
    Fail(head + " is not JSON although its type says so", raw);
  if (r.content_type.find("charset=utf-8") != std::string::npos && !IsValidUtf8(r.body))
    Fail(head + " is not UTF-8 although its type says so", raw);
  // The server's Send: it must not throw (it runs in a completion handler).
  try {
    bhttp::response<bhttp::string_body> res;
    res.version(11);
    res.result(static_cast<bhttp::status>(r.status));
    res.set(bhttp::field::server, "shinrai");
    res.set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(true);
    res.body() = r.body;
    res.prepare_payload();
    std::ostringstream out;
    out << res;
  } catch (const std::exception& e) {
    Fail(head + " cannot be written: " + e.what(), raw);
  }
}

// One request through Api::Handle; the answer checked.
void HandleOne(bhttp::request<bhttp::string_body>& req, std::string_view raw) {
  struct Answer {
    std::atomic<int> calls{0};
    std::promise<http::Response> promise;
  };
  auto answer = std::make_shared<Answer>();
  auto got = answer->promise.get_future();
  http::Respond respond = [answer](http::Response r) {
    if (answer->calls.fetch_add(1) == 0) {
      answer->promise.set_value(std::move(r));
    } else {
      std::fprintf(stderr, "\n==== http_request_fuzz: a request was answered twice (second: %d %s)\n", r.status,
                   r.body.substr(0, 300).c_str());
      std::abort();
    }
  };
  try {
    stack->api->Handle(req, std::move(respond));
  } catch (const std::exception& e) {
    Fail(std::string("Api::Handle threw: ") + e.what(), raw);
  } catch (...) {
    Fail("Api::Handle threw something that is not a std::exception", raw);
  }
  if (got.wait_for(kAnswerTimeout) != std::future_status::ready)
    Fail("no answer within " + std::to_string(kAnswerTimeout.count()) + " s", raw);
  http::Response r = got.get();
  if (verbose) std::fprintf(stderr, "-> %d %s %s\n", r.status, r.content_type.c_str(), r.body.substr(0, 300).c_str());
  CheckResponse(r, raw);
}

void RemoveWorkRoot() {
  std::error_code ec;
  if (!work_root.empty()) std::filesystem::remove_all(work_root, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  verbose = std::getenv("SHINRAI_FUZZ_VERBOSE") != nullptr;
  allow_500 = std::getenv("SHINRAI_FUZZ_ALLOW_500") != nullptr;
  if (const char* n = std::getenv("SHINRAI_FUZZ_RESET_EVERY")) reset_every = std::max(1, std::atoi(n));
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::off);
  const char* path = std::getenv("SHINRAI_FUZZ_CONFIG");
  auto loaded = schema::LoadConfig(path ? path : SHINRAI_FUZZ_DEFAULT_CONFIG);
  if (!loaded.ok()) {
    std::fprintf(stderr, "http_request_fuzz: %s\n", loaded.status().ToString().c_str());
    std::exit(2);
  }
  config = new schema::Config(std::move(*loaded));
  Check(crypto::InitCrypto(), "libsodium");
  master_key = crypto::SecretKey::Random();
  // The audit log syncs its files: on tmpfs that costs nothing.
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
                                  ? std::filesystem::path("/dev/shm")
                                  : std::filesystem::temp_directory_path();
  if (const char* t = std::getenv("SHINRAI_FUZZ_TMPDIR")) tmp = t;
  std::string tmpl = (tmp / "shinrai-http-fuzz-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("http_request_fuzz: mkdtemp");
    std::exit(2);
  }
  work_root = tmpl;
  std::atexit(RemoveWorkRoot);
  return 0;
}

static void Serve(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!stack) stack = BuildStack().release();
  Serve(data, size);
  // Torn down after the input (by default after every one), so that what it
  // allocated and did not free is reported as a leak.
  if (++inputs_on_stack >= reset_every) {
    delete stack;
    stack = nullptr;
    inputs_on_stack = 0;
  }
  return 0;
}

static void Serve(const uint8_t* data, size_t size) {
  // The bytes a keep-alive connection delivers: requests one after the
  // other, until one fails to parse, is incomplete or closes the connection.
  boost::asio::const_buffer in(data, size);
  for (int i = 0; i < kMaxRequestsPerInput && in.size() > 0; ++i) {
    const char* const start = static_cast<const char*>(in.data());
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(kBodyLimit);
    parser.header_limit(kHeaderLimit);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done() && in.size() > 0) {
      size_t used = parser.put(in, ec);
      in += used;
      if (ec || used == 0) break;
    }
    // An error (the server answers it without the Api), or the peer stopped
    // mid-request (the server waits, then closes): nothing reaches Handle.
    if (ec || !parser.is_done()) return;
    const std::string_view raw(start, static_cast<const char*>(in.data()) - start);
    bhttp::request<bhttp::string_body> req = parser.release();
    const bool keep_alive = req.keep_alive();
    if (verbose) std::fprintf(stderr, "<- %s %s\n", std::string(req.method_string()).c_str(), std::string(req.target()).c_str());
    HandleOne(req, raw);
    stack->env.Advance(1000);  // a millisecond between requests
    if (!keep_alive) break;
  }
}
