#include "audit/postgres/pg_audit_log.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "store/postgres/pg_connection.h"

namespace shinrai::audit {

namespace {

using store::Exec;
using store::Failed;
using store::PgResult;

constexpr int kPage = 5000;  // entries per round trip when reading the chain

class PostgresAuditLog final : public AuditLog {
 public:
  PostgresAuditLog(Env* env, std::optional<crypto::SecretKey> head_key) : env_(env), head_key_(std::move(head_key)) {}
  ~PostgresAuditLog() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_.notify_all();
    if (committer_.joinable()) committer_.join();
    if (conn_) PQfinish(conn_);
    if (reader_) PQfinish(reader_);
  }

  Status Open(const store::PostgresOptions& o) {
    ASSIGN_OR_RETURN(conn_, store::Connect(o));
    ASSIGN_OR_RETURN(reader_, store::Connect(o));
    committer_ = std::thread([this] { CommitLoop(); });
    return Status::Ok();
  }

  Status Append(const AuditEntry& e, bool sync) override {
    std::future<Status> done;
    {
      std::lock_guard lock(mu_);
      queue_.push_back({e, env_->NowMillis(), sync, {}});
      done = queue_.back().done.get_future();
    }
    work_.notify_one();
    return done.get();
  }

  // Every Append has returned once committed: nothing is left to flush.
  Status Flush() override { return Status::Ok(); }

  Result<std::vector<nlohmann::json>> Entries() override {
    std::vector<nlohmann::json> out;
    RETURN_IF_ERROR(ReadChain([&](std::string_view entry) {
      nlohmann::json j = nlohmann::json::parse(entry, nullptr, false);
      out.push_back(j.is_discarded() ? nlohmann::json() : std::move(j));
    }));
    return out;
  }

  Result<VerifyReport> Verify() override {
    int64_t head_seq = 0;
    std::string head_hash, signature;
    {
      std::lock_guard lock(reader_mu_);
      PgResult h(PQexec(reader_, "SELECT seq, hash, signature FROM shinrai_audit_head WHERE id = 1"));
      if (!h.Ok() || h.rows() != 1) return Heal(reader_, Failed(reader_, "read the audit head"));
      head_seq = std::stoll(std::string(h.Bytes(0, 0)));
      head_hash = std::string(h.Bytes(0, 1));
      signature = std::string(h.Bytes(0, 2));
    }
    VerifyReport r;
    std::string prev = kGenesisHash;
    int64_t n = 0;
    RETURN_IF_ERROR(ReadChain([&](std::string_view entry) {
      if (!r.ok) return;
      ++n;
      std::string hash;
      if (std::string problem = CheckChainedEntry(entry, n, prev, &hash); !problem.empty()) {
        r.ok = false;
        r.bad_line = n;
        r.problem = problem + " (in the database)";
        return;
      }
      prev = hash;
    }, head_seq));
    if (!r.ok) return r;
    r.entries = n;
    r.head_hash = n ? prev : "";
    auto bad = [&](std::string problem) {
      r.ok = false;
      r.bad_line = n + 1;
      r.problem = std::move(problem);
    };
    if (head_key_ && n > 0 && signature != HeadSignature(*head_key_, head_seq, head_hash))
      bad("the audit head in the database is not signed by this installation's master key: it was rewritten");
    else if (head_seq != n || (n > 0 && head_hash != prev))
      bad("the audit head in the database names entry " + std::to_string(head_seq) + ", but the chain has " +
          std::to_string(n) + ": entries were removed or added around it");
    return r;
  }

 private:
  struct Queued {
    AuditEntry entry;
    int64_t at_ms;
    bool sync;
    std::promise<Status> done;
  };

  void CommitLoop() {
    for (;;) {
      std::deque<Queued> batch;
      {
        std::unique_lock lock(mu_);
        work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      const Status st = Commit(batch);
      for (auto& q : batch) q.done.set_value(st);
    }
  }

  // One transaction: the head locked, the entries chained on from it and
  // inserted, the head moved and signed.
  Status Commit(const std::deque<Queued>& batch) {
    std::string last_hash;
    Status st = CommitOnce(batch, &last_hash);
    // A database restart dropped the connection since the last batch: once
    // more on a new one, so that no read fails for it; unless the first try
    // did commit before the connection went (the head then ends with it).
    if (!st.ok() && PQstatus(conn_) != CONNECTION_OK) {
      PQreset(conn_);
      PgResult h(PQexec(conn_, "SELECT hash FROM shinrai_audit_head WHERE id = 1"));
      if (h.Ok() && h.rows() == 1 && !last_hash.empty() && h.Bytes(0, 0) == last_hash) return Status::Ok();
      st = CommitOnce(batch, &last_hash);
    }
    return Heal(conn_, st);
  }

  Status CommitOnce(const std::deque<Queued>& batch, std::string* last_hash) {
    bool sync = false;
    for (const auto& q : batch) sync = sync || q.sync;
    RETURN_IF_ERROR(
        Exec(conn_, sync ? "BEGIN; SET LOCAL synchronous_commit TO on" : "BEGIN; SET LOCAL synchronous_commit TO off",
             "begin an audit append"));
    Status st = Chain(batch, last_hash);
    if (st.ok()) st = Exec(conn_, "COMMIT", "commit audit entries");
    if (!st.ok()) (void)Exec(conn_, "ROLLBACK", "roll back audit entries");
    return st;
  }

  Status Chain(const std::deque<Queued>& batch, std::string* last_hash) {
    PgResult h(PQexec(conn_, "SELECT seq, hash FROM shinrai_audit_head WHERE id = 1 FOR UPDATE"));
    if (!h.Ok() || h.rows() != 1) return Failed(conn_, "lock the audit head");
    int64_t seq = std::stoll(std::string(h.Bytes(0, 0)));
    std::string last = std::string(h.Bytes(0, 1));
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& q : batch) {
      nlohmann::json j = EntryJson(q.entry, ++seq, q.at_ms, last);
      last = EntryHash(last, j);
      j["hash"] = last;
      rows.push_back({{"seq", seq}, {"entry", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}});
    }
    *last_hash = last;
    const std::string rows_text = rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const std::string seq_text = std::to_string(seq);
    const std::string signature = head_key_ ? HeadSignature(*head_key_, seq, last) : "";
    const char* values[] = {rows_text.c_str(), seq_text.c_str(), last.c_str(), signature.c_str()};
    PgResult r(PQexecParams(conn_,
                            "WITH added AS (INSERT INTO shinrai_audit (seq, entry) "
                            "SELECT (e->>'seq')::bigint, e->>'entry' FROM jsonb_array_elements($1::jsonb) e) "
                            "UPDATE shinrai_audit_head SET seq = $2::bigint, hash = $3, signature = $4 WHERE id = 1",
                            4, nullptr, values, nullptr, nullptr, 0));
    return r.Ok() ? Status::Ok() : Failed(conn_, "append audit entries");
  }

  // Every entry, in order, a page at a time.
  // Up to entry `upto` (Verify: the head it read first, so that entries
  // appended meanwhile are not taken for ones the head lacks).
  Status ReadChain(const std::function<void(std::string_view)>& visit, int64_t upto = INT64_MAX) {
    std::lock_guard lock(reader_mu_);
    int64_t after = 0;
    const std::string last = std::to_string(upto);
    for (;;) {
      const std::string from = std::to_string(after), limit = std::to_string(kPage);
      const char* values[] = {from.c_str(), limit.c_str(), last.c_str()};
      PgResult r(PQexecParams(reader_,
                              "SELECT seq, entry FROM shinrai_audit WHERE seq > $1::bigint AND seq <= $3::bigint "
                              "ORDER BY seq LIMIT $2::int",
                              3, nullptr, values, nullptr, nullptr, 0));
      if (!r.Ok()) return Heal(reader_, Failed(reader_, "read the audit chain"));
      for (int i = 0; i < r.rows(); ++i) visit(r.Bytes(i, 1));
      if (r.rows() < kPage) return Status::Ok();
      after = std::stoll(std::string(r.Bytes(r.rows() - 1, 0)));
    }
  }

  // After a failure, a connection the server dropped is made again for the
  // next call. Each thread heals only the connection it holds.
  static Status Heal(PGconn* c, Status st) {
    if (PQstatus(c) != CONNECTION_OK) PQreset(c);
    return st;
  }

  Env* const env_;
  const std::optional<crypto::SecretKey> head_key_;
  PGconn* conn_ = nullptr;  // the committer's
  std::mutex reader_mu_;
  PGconn* reader_ = nullptr;  // GUARDED_BY(reader_mu_)
  std::mutex mu_;
  std::condition_variable work_;
  std::deque<Queued> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;     // GUARDED_BY(mu_)
  std::thread committer_;
};

}  // namespace

Result<std::unique_ptr<AuditLog>> OpenPostgresAuditLog(const store::PostgresOptions& options, Env* env,
                                                       std::optional<crypto::SecretKey> head_key) {
  auto log = std::make_unique<PostgresAuditLog>(env, std::move(head_key));
  RETURN_IF_ERROR(log->Open(options));
  return std::unique_ptr<AuditLog>(std::move(log));
}

}  // namespace shinrai::audit
