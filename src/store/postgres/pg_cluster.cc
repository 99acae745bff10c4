#include "store/postgres/pg_cluster.h"

#include <poll.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "store/postgres/pg_connection.h"

namespace shinrai::store {

namespace {

// A notice is "<sender>\n<topic>\n<payload>"; PostgreSQL caps it near 8000 bytes.
constexpr size_t kMaxNotice = 7900;
// A lease held longer than this by another node (a stuck one) fails the
// section with 503 instead of holding the request for ever.
constexpr const char* kLeaseWait = "SET lock_timeout = '20s'";
constexpr const char* kLeaseLock = "SELECT pg_advisory_lock(hashtext(current_schema()), 7301453)";

PostgresOptions WithFence(PostgresOptions o) {
  if (!o.fence) o.fence = std::make_shared<LeaseFence>();  // a cluster without a store of its own (tests)
  return o;
}

std::string RandomId() {
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 4; ++i) id += std::to_string(rd() % 100000);
  return id;
}

class PostgresCluster : public Cluster {
 public:
  explicit PostgresCluster(PostgresOptions o) : options_(WithFence(std::move(o))), me_(RandomId()) {}
  ~PostgresCluster() override {
    StopListening();
    for (PGconn* c : {lease_, shared_, listen_})
      if (c) PQfinish(c);
  }

  Status Open() {
    ASSIGN_OR_RETURN(lease_, Connect(options_));
    ASSIGN_OR_RETURN(shared_, Connect(options_));
    RETURN_IF_ERROR(Exec(lease_, kLeaseWait, "set the lease's wait"));
    PgResult r(PQexec(shared_, "SELECT current_schema()"));
    if (!r.Ok() || r.rows() != 1) return Failed(shared_, "read the schema's name");
    // Schema names are lower-case letters, digits and _ (ValidSchemaName), so
    // the channel needs no quoting; one per schema keeps tests apart.
    channel_ = "shinrai_" + std::string(r.Bytes(0, 0));
    return Status::Ok();
  }

  Result<bool> AcquireLease() override {
    std::lock_guard lock(lease_mu_);
    Status st = TryAcquire();
    if (!st.ok() && PQstatus(lease_) != CONNECTION_OK) {
      DropSession();  // a database restart ended the session: one more try on a new one
      st = TryAcquire();
    }
    if (!st.ok()) return st;
    // Who wrote last: when another node did, this one's memory may be stale.
    const char* values[] = {me_.c_str()};
    PgResult r(PQexecParams(lease_, "UPDATE shinrai_lease SET holder = $1 WHERE id = 1 AND holder <> $1", 1, nullptr,
                            values, nullptr, nullptr, 0));
    if (!r.Ok()) {
      Status failed = Failed(lease_, "record the write lease's holder");
      DropSession();
      return failed;
    }
    options_.fence->Held(me_);
    return std::string_view(PQcmdTuples(r.get())) != "0";
  }

  bool LeaseLost() override { return options_.fence->TakeLost(); }

  Status ReleaseLease() override {
    std::lock_guard lock(lease_mu_);
    options_.fence->Released();
    PgResult r(PQexec(lease_, "SELECT pg_advisory_unlock_all()"));
    if (r.Ok()) return Status::Ok();
    Status failed = Failed(lease_, "hand the write lease back");
    DropSession();
    return failed;
  }

  Status Notify(std::string_view topic, std::string_view payload) override {
    const std::string notice = me_ + "\n" + std::string(topic) + "\n" + std::string(payload);
    if (notice.size() > kMaxNotice)
      return InvalidArgument("a notice is limited to " + std::to_string(kMaxNotice) + " bytes");
    std::lock_guard lock(shared_mu_);
    const char* values[] = {channel_.c_str(), notice.c_str()};
    return Run(values, 2, "SELECT pg_notify($1, $2)", "send a notice to the other nodes");
  }

  void Listen(NoticeHandler handler) override {
    handler_ = std::move(handler);
    listener_ = std::thread([this] { ListenLoop(); });
  }

  void StopListening() override {
    stopping_ = true;
    if (listener_.joinable()) listener_.join();
  }

  Status Publish(std::string_view name, int64_t version, std::string_view bytes) override {
    const std::string v = std::to_string(version);
    const std::string n(name);
    const char* values[] = {n.c_str(), v.c_str(), bytes.data()};
    const int lengths[] = {0, 0, static_cast<int>(bytes.size())};
    const int formats[] = {0, 0, 1};
    std::lock_guard lock(shared_mu_);
    PgResult r(
        ExecShared("INSERT INTO shinrai_published (name, version, bytes) VALUES ($1, $2, $3) "
                   "ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version, bytes = EXCLUDED.bytes "
                   "WHERE shinrai_published.version < EXCLUDED.version",
                   3, values, lengths, formats, 0));
    if (r.Ok()) return Status::Ok();
    return Failed(shared_, "publish " + n);
  }

  Result<std::optional<Published>> Fetch(std::string_view name) override {
    const std::string n(name);
    const char* values[] = {n.c_str()};
    std::lock_guard lock(shared_mu_);
    PgResult r(ExecShared("SELECT version::text, bytes FROM shinrai_published WHERE name = $1", 1, values, nullptr,
                          nullptr, 1));
    if (!r.Ok()) {
      return Failed(shared_, "fetch " + n);
    }
    if (r.rows() == 0) return std::optional<Published>();
    Published p;
    p.version = std::stoll(std::string(r.Bytes(0, 0)));
    p.bytes = std::string(r.Bytes(0, 1));
    return std::optional<Published>(std::move(p));
  }

  Result<std::optional<double>> TakeToken(std::string_view key_id, double rate, double* short_of) override {
    const std::string key(key_id), r = std::to_string(rate);
    const char* values[] = {key.c_str(), r.c_str()};
    std::lock_guard lock(shared_mu_);
    // One statement: the bucket refilled by the database's clock (the nodes'
    // may differ) and taken from only when a whole token is there.
    PgResult taken(ExecShared(

        "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint AS us) "
        "INSERT INTO shinrai_rate AS b (key_id, tokens, at_us) SELECT $1, $2::float8 - 1, us FROM now "
        "ON CONFLICT (key_id) DO UPDATE SET "
        "tokens = least($2::float8, b.tokens + $2::float8 * (EXCLUDED.at_us - b.at_us) / 1e6) - 1, at_us = "
        "EXCLUDED.at_us "
        "WHERE least($2::float8, b.tokens + $2::float8 * (EXCLUDED.at_us - b.at_us) / 1e6) >= 1 "
        "RETURNING tokens",
        2, values, nullptr, nullptr, 0));
    if (!taken.Ok()) {
      return Failed(shared_, "take from the rate limit");
    }
    if (taken.rows() == 1) return std::optional<double>(std::stod(std::string(taken.Bytes(0, 0))));
    PgResult left(
        ExecShared("SELECT least($2::float8, tokens + $2::float8 * ((extract(epoch FROM clock_timestamp()) "
                   "* 1e6)::bigint - at_us) / 1e6) FROM shinrai_rate WHERE key_id = $1",
                   2, values, nullptr, nullptr, 0));
    *short_of = left.Ok() && left.rows() == 1 ? std::stod(std::string(left.Bytes(0, 0))) : 0;
    return std::optional<double>();
  }

  Result<int64_t> PublishedVersion(std::string_view name) override {
    const std::string n(name);
    const char* values[] = {n.c_str()};
    std::lock_guard lock(shared_mu_);
    PgResult r(ExecShared("SELECT version FROM shinrai_published WHERE name = $1", 1, values, nullptr, nullptr, 0));
    if (!r.Ok()) {
      return Failed(shared_, "read the version of " + n);
    }
    return r.rows() == 0 ? int64_t{0} : std::stoll(std::string(r.Bytes(0, 0)));
  }

 private:
  Status TryAcquire() {
    PgResult r(PQexec(lease_, kLeaseLock));
    return r.Ok() ? Status::Ok() : Failed(lease_, "take the write lease (another node may hold it)");
  }

  // The lease is the session's: ending the session is the one sure way to
  // hand it back when a call on it failed half-way.
  void DropSession() {
    options_.fence->Released();
    Reconnect(lease_);
    if (PQstatus(lease_) == CONNECTION_OK) (void)Exec(lease_, kLeaseWait, "set the lease's wait");
  }

  static void Reconnect(PGconn* c) { PQreset(c); }

  // PQexecParams on the shared connection, once more on a new session when
  // the server dropped this one (a restart or failover since the last call).
  // REQUIRES: shared_mu_ held.
  PGresult* ExecShared(const char* sql, int n, const char* const* values, const int* lengths, const int* formats,
                       int result_format) {
    PGresult* r = PQexecParams(shared_, sql, n, nullptr, values, lengths, formats, result_format);
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || PQstatus(shared_) == CONNECTION_OK) return r;
    PQclear(r);
    Reconnect(shared_);
    return PQexecParams(shared_, sql, n, nullptr, values, lengths, formats, result_format);
  }

  // REQUIRES: shared_mu_ held.
  Status Run(const char* const* values, int n, const char* sql, std::string_view what) {
    PgResult r(ExecShared(sql, n, values, nullptr, nullptr, 0));
    if (r.Ok()) return Status::Ok();
    return Failed(shared_, what);
  }

  void ListenLoop() {
    bool listening = false;
    while (!stopping_) {
      if (!listening) {
        listening = StartListening();
        if (!listening) {
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
      }
      pollfd p{PQsocket(listen_), POLLIN, 0};
      if (poll(&p, 1, 200) < 0 || (p.revents & POLLIN && !PQconsumeInput(listen_)) ||
          PQstatus(listen_) != CONNECTION_OK) {
        listening = false;
        continue;
      }
      while (PGnotify* n = PQnotifies(listen_)) {
        Deliver(n->extra);
        PQfreemem(n);
      }
    }
  }

  // (Re)connects the listening session. Notices sent while it was away are
  // lost, so the handler hears "resync": read again whatever notices keep fresh.
  bool StartListening() {
    if (!listen_) {
      auto c = Connect(options_);
      if (!c.ok()) return false;
      listen_ = *c;
    } else {
      Reconnect(listen_);
      if (PQstatus(listen_) != CONNECTION_OK) return false;
    }
    if (!Exec(listen_, "LISTEN " + channel_, "listen for notices").ok()) return false;
    if (started_listening_) handler_("resync", "", false);
    started_listening_ = true;
    return true;
  }

  void Deliver(std::string_view notice) {
    const size_t a = notice.find('\n');
    if (a == std::string_view::npos) return;
    const size_t b = notice.find('\n', a + 1);
    if (b == std::string_view::npos) return;
    handler_(notice.substr(a + 1, b - a - 1), notice.substr(b + 1), notice.substr(0, a) == me_);
  }

  const PostgresOptions options_;
  const std::string me_;
  std::string channel_;
  std::mutex lease_mu_;
  PGconn* lease_ = nullptr;  // GUARDED_BY(lease_mu_): holds the advisory lock
  std::mutex shared_mu_;
  PGconn* shared_ = nullptr;  // GUARDED_BY(shared_mu_)
  PGconn* listen_ = nullptr;  // the listener thread's own
  NoticeHandler handler_;
  bool started_listening_ = false;
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace

Result<std::unique_ptr<Cluster>> OpenPostgresCluster(const PostgresOptions& options) {
  auto cluster = std::make_unique<PostgresCluster>(options);
  RETURN_IF_ERROR(cluster->Open());
  return std::unique_ptr<Cluster>(std::move(cluster));
}

}  // namespace shinrai::store
