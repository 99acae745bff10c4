#include "store/postgres/pg_store.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "store/key_families.h"
#include "store/postgres/pg_connection.h"

namespace shinrai::store {

namespace {

constexpr int kScanPage = 1000;  // rows per round trip of a scan

// The person a key is about, for the distribution column: the id after the
// prefix of a family sealed per person; "" for shared records.
std::string SubjectOf(std::string_view key) {
  for (const KeyFamily& f : kKeyFamilies) {
    if (f.protection != Protection::kSealedBySubject || key.substr(0, f.prefix.size()) != f.prefix) continue;
    std::string_view rest = key.substr(f.prefix.size());
    rest = rest.substr(0, rest.find('/'));
    for (char ch : rest)
      if (!(isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.' || ch == ':')) return "";
    return std::string(rest);
  }
  return "";
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

// A text[] literal of words that need no escaping (hex, and subjects as SubjectOf keeps them).
std::string ArrayLiteral(const std::vector<std::string>& words) {
  std::string out = "{";
  for (size_t i = 0; i < words.size(); ++i) out += (i ? ",\"" : "\"") + words[i] + "\"";
  return out + "}";
}

const std::map<std::string, std::string>& Statements() {
  static const std::map<std::string, std::string> kStatements = {
      {"get", "SELECT v FROM shinrai_kv WHERE k = $1"},
      {"scan_up", "SELECT k, v FROM shinrai_kv WHERE k >= $1 AND k < $2 ORDER BY k LIMIT $3"},
      {"scan_up_open", "SELECT k, v FROM shinrai_kv WHERE k >= $1 ORDER BY k LIMIT $2"},
      {"scan_down", "SELECT k, v FROM shinrai_kv WHERE k >= $1 AND k < $2 ORDER BY k DESC LIMIT $3"},
      {"scan_down_open", "SELECT k, v FROM shinrai_kv WHERE k >= $1 ORDER BY k DESC LIMIT $2"},
      // Multi-row: one statement per batch, whatever its size.
      {"put",
       "INSERT INTO shinrai_kv (k, subject, v) SELECT decode(k, 'hex'), s, decode(v, 'hex') "
       "FROM unnest($1::text[], $2::text[], $3::text[]) AS t(k, s, v) "
       "ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, subject = EXCLUDED.subject"},
      {"delete", "DELETE FROM shinrai_kv WHERE k IN (SELECT decode(x, 'hex') FROM unnest($1::text[]) AS t(x))"},
  };
  return kStatements;
}

class PostgresStore : public Store {
 public:
  explicit PostgresStore(PostgresOptions o) : options_(std::move(o)) {}
  ~PostgresStore() override {
    for (PGconn* c : idle_) PQfinish(c);
  }

  Status Open() {
    for (int i = 0; i < std::max(1, options_.pool_size); ++i) {
      ASSIGN_OR_RETURN(PGconn * c, Connect(options_));
      idle_.push_back(c);
      if (i == 0) {
        ASSIGN_OR_RETURN(int version, SchemaVersion(c));
        if (version == 0)
          return InvalidArgument("the database has no Shinrai tables yet: run `shinrai migrate --store URL` first");
        if (version < kPostgresSchemaVersion)
          return InvalidArgument("the database's Shinrai schema is version " + std::to_string(version) +
                                    ", older than this build's " + std::to_string(kPostgresSchemaVersion) +
                                    ": run `shinrai migrate --store URL`");
        if (version > kPostgresSchemaVersion)
          return InvalidArgument("the database's Shinrai schema is version " + std::to_string(version) +
                                    ", newer than this build's " + std::to_string(kPostgresSchemaVersion) +
                                    ": run the Shinrai that migrated it (or a newer one)");
      }
      RETURN_IF_ERROR(Prepare(c));
    }
    return Status::Ok();
  }

  // A connection fit to go back to the pool: reconnected when the server
  // dropped it (a restart, a failover, an idle timeout), and never left in a
  // transaction. Runs outside the pool's lock: a reconnect may take seconds.
  void Heal(PGconn* c) {
    if (PQstatus(c) == CONNECTION_OK) {
      if (PQtransactionStatus(c) != PQTRANS_IDLE) (void)Exec(c, "ROLLBACK", "roll back");
      if (PQstatus(c) == CONNECTION_OK) return;
    }
    PQreset(c);
    if (PQstatus(c) != CONNECTION_OK) return;  // still down: the next call fails, and heals again
    (void)Prepare(c);  // prepared statements die with the session; the schema is a connection option
  }

  Result<std::optional<std::string>> Get(std::string_view key) override {
    Lease c(*this);
    const char* values[] = {key.data()};
    const int lengths[] = {static_cast<int>(key.size())};
    const int formats[] = {1};
    PgResult r(PQexecPrepared(c.get(), "get", 1, values, lengths, formats, 1));
    if (!r.Ok()) return Failed(c.get(), "read a record");
    if (r.rows() == 0) return std::optional<std::string>();
    return std::optional<std::string>(std::string(r.Bytes(0, 0)));
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    // The last operation on a key is the one that counts, as when applied in order.
    std::map<std::string_view, const WriteBatch::Op*> last;
    for (const auto& op : batch.ops()) last[op.key] = &op;
    std::vector<std::string> put_keys, put_subjects, put_values, deleted;
    for (const auto& [key, op] : last) {
      if (op->kind == WriteBatch::Op::kPut) {
        put_keys.push_back(Hex(key));
        put_subjects.push_back(SubjectOf(key));
        put_values.push_back(Hex(op->value));
      } else {
        deleted.push_back(Hex(key));
      }
    }
    Lease c(*this);
    // Durable when asked, whatever the database's or role's default says.
    RETURN_IF_ERROR(Exec(c.get(), sync ? "BEGIN; SET LOCAL synchronous_commit TO on" : "BEGIN; SET LOCAL synchronous_commit TO off",
                         "begin a write"));
    Status st = CheckFence(c.get());
    if (st.ok()) st = Apply(c.get(), put_keys, put_subjects, put_values, deleted);
    if (st.ok()) st = Exec(c.get(), "COMMIT", "commit a write");
    if (!st.ok()) (void)Exec(c.get(), "ROLLBACK", "roll back a write");
    return st;
  }

  Status Scan(const ScanOptions& o, const ScanVisitor& visit) override {
    const std::string upper = PrefixSuccessor(o.prefix);
    std::string lower = o.prefix, bound = upper;
    size_t seen = 0;
    for (;;) {
      const size_t want = o.limit ? std::min<size_t>(kScanPage, o.limit - seen) : kScanPage;
      const std::string limit = std::to_string(want);
      const bool open = bound.empty();
      const char* name = o.reverse ? (open ? "scan_down_open" : "scan_down") : (open ? "scan_up_open" : "scan_up");
      const char* values[] = {lower.data(), open ? limit.c_str() : bound.data(), limit.c_str()};
      const int lengths[] = {static_cast<int>(lower.size()), open ? 0 : static_cast<int>(bound.size()), 0};
      const int formats[] = {1, open ? 0 : 1, 0};
      std::optional<PgResult> r;
      {
        Lease c(*this);
        r.emplace(PQexecPrepared(c.get(), name, open ? 2 : 3, values, lengths, formats, 1));
        if (!r->Ok()) return Failed(c.get(), "scan records");
      }
      // Visited without holding a connection: a visitor may read the store.
      for (int i = 0; i < r->rows(); ++i) {
        ++seen;
        if (!visit(r->Bytes(i, 0), r->Bytes(i, 1))) return Status::Ok();
      }
      if (r->rows() < static_cast<int>(want) || (o.limit && seen >= o.limit)) return Status::Ok();
      const std::string_view last = r->Bytes(r->rows() - 1, 0);
      if (o.reverse) {
        if (last.empty()) return Status::Ok();  // nothing sorts below the empty key
        bound = std::string(last);  // next page: below the last key seen
      } else {
        lower = std::string(last) + '\0';  // the smallest key after it
      }
    }
  }

  // Deleted rows leave the table's pages at the next vacuum; autovacuum runs
  // it, and the erasure test runs VACUUM FULL before its byte scan.
  Status CompactPrefix(std::string_view) override { return Status::Ok(); }

  Status Recover() override {
    // Leased, so that no request waits on the pool's lock while one reconnects.
    std::vector<std::unique_ptr<Lease>> all;  // every connection at once, each looked at once
    for (int i = 0; i < std::max(1, options_.pool_size); ++i) all.push_back(std::make_unique<Lease>(*this));
    for (const auto& c : all) {
      if (PQstatus(c->get()) != CONNECTION_OK) Heal(c->get());
      if (PQstatus(c->get()) != CONNECTION_OK) return Failed(c->get(), "reconnect");
    }
    return Status::Ok();
  }

  std::string_view Name() const override { return "postgres"; }

 private:
  // A connection of the pool, returned when it goes out of scope.
  class Lease {
   public:
    explicit Lease(PostgresStore& s) : s_(s) {
      std::unique_lock lock(s_.mu_);
      s_.cv_.wait(lock, [&] { return !s_.idle_.empty(); });
      c_ = s_.idle_.back();
      s_.idle_.pop_back();
    }
    ~Lease() {
      s_.Heal(c_);
      {
        std::lock_guard lock(s_.mu_);
        s_.idle_.push_back(c_);
      }
      s_.cv_.notify_one();
    }
    PGconn* get() const { return c_; }

   private:
    PostgresStore& s_;
    PGconn* c_;
  };

  static Status Prepare(PGconn* c) {
    for (const auto& [name, sql] : Statements()) {
      PgResult r(PQprepare(c, name.c_str(), sql.c_str(), 0, nullptr));
      if (!r.Ok()) return Failed(c, "prepare '" + name + "'");
    }
    return Status::Ok();
  }

  // While this node holds the write lease, the lease must still be its own.
  Status CheckFence(PGconn* c) {
    const std::string holder = options_.fence ? options_.fence->Holder() : "";
    if (holder.empty()) return Status::Ok();
    const char* values[] = {holder.c_str()};
    PgResult r(PQexecParams(c, "SELECT 1 FROM shinrai_lease WHERE id = 1 AND holder = $1 FOR SHARE", 1, nullptr,
                            values, nullptr, nullptr, 0));
    if (!r.Ok()) return Failed(c, "check the write lease");
    if (r.rows() == 1) return Status::Ok();
    options_.fence->Lost();
    return Unavailable("this node lost the write lease to another node: nothing was written; retry");
  }

  static Status Apply(PGconn* c, const std::vector<std::string>& keys, const std::vector<std::string>& subjects,
                      const std::vector<std::string>& values, const std::vector<std::string>& deleted) {
    if (!keys.empty()) {
      const std::string k = ArrayLiteral(keys), s = ArrayLiteral(subjects), v = ArrayLiteral(values);
      const char* params[] = {k.c_str(), s.c_str(), v.c_str()};
      PgResult r(PQexecPrepared(c, "put", 3, params, nullptr, nullptr, 0));
      if (!r.Ok()) return Failed(c, "write records");
    }
    if (!deleted.empty()) {
      const std::string d = ArrayLiteral(deleted);
      const char* params[] = {d.c_str()};
      PgResult r(PQexecPrepared(c, "delete", 1, params, nullptr, nullptr, 0));
      if (!r.Ok()) return Failed(c, "delete records");
    }
    return Status::Ok();
  }

  const PostgresOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PGconn*> idle_;  // GUARDED_BY(mu_)
};

}  // namespace

void LeaseFence::Held(std::string me) {
  std::lock_guard lock(mu_);
  holder_ = std::move(me);
}

void LeaseFence::Released() {
  std::lock_guard lock(mu_);
  holder_.clear();
}

std::string LeaseFence::Holder() const {
  std::lock_guard lock(mu_);
  return holder_;
}

void LeaseFence::Lost() {
  std::lock_guard lock(mu_);
  lost_ = true;
  holder_.clear();
}

bool LeaseFence::TakeLost() {
  std::lock_guard lock(mu_);
  return std::exchange(lost_, false);
}

bool IsPostgresUrl(std::string_view text) {
  return text.rfind("postgres://", 0) == 0 || text.rfind("postgresql://", 0) == 0;
}

Result<int> MigratePostgres(const PostgresOptions& o) {
  PostgresOptions plain = o;
  plain.schema.clear();
  ASSIGN_OR_RETURN(PGconn * c, Connect(plain));
  std::unique_ptr<PGconn, decltype(&PQfinish)> owned(c, &PQfinish);
  if (!o.schema.empty() && !ValidSchemaName(o.schema))
    return InvalidArgument("postgres schema: expected lower-case letters, digits and _");
  RETURN_IF_ERROR(Exec(c, "BEGIN", "begin the migration"));
  // Two nodes migrating at once: the second waits, then finds it done.
  RETURN_IF_ERROR(Exec(c, "SELECT pg_advisory_xact_lock(7301452)", "lock the migration"));
  if (!o.schema.empty())
    RETURN_IF_ERROR(Exec(c, "CREATE SCHEMA IF NOT EXISTS " + o.schema + "; SET LOCAL search_path TO " + o.schema,
                         "create the schema"));
  auto before = SchemaVersion(c);
  if (!before.ok()) return before.status();
  if (*before > kPostgresSchemaVersion) {
    (void)Exec(c, "ROLLBACK", "roll back");
    return InvalidArgument("the database's Shinrai schema is version " + std::to_string(*before) +
                              ", newer than this build's " + std::to_string(kPostgresSchemaVersion));
  }
  if (*before < 1) {
    RETURN_IF_ERROR(Exec(c,
                         "CREATE TABLE shinrai_schema (version int NOT NULL);"
                         "CREATE TABLE shinrai_kv (k bytea PRIMARY KEY, subject text NOT NULL, v bytea NOT NULL);"
                         "CREATE INDEX shinrai_kv_subject ON shinrai_kv (subject);"
                         "INSERT INTO shinrai_schema VALUES (1)",
                         "create the tables (version 1)"));
  }
  if (*before < 2) {
    // Version 2: what several nodes share beyond the records (store/cluster.h).
    RETURN_IF_ERROR(Exec(c,
                         "CREATE TABLE shinrai_lease (id int PRIMARY KEY, holder text NOT NULL);"
                         "INSERT INTO shinrai_lease VALUES (1, '');"
                         "CREATE TABLE shinrai_published (name text PRIMARY KEY, version bigint NOT NULL, "
                         "bytes bytea NOT NULL);"
                         "CREATE TABLE shinrai_rate (key_id text PRIMARY KEY, tokens float8 NOT NULL, "
                         "at_us bigint NOT NULL);"
                         "CREATE TABLE shinrai_audit (seq bigint PRIMARY KEY, entry text NOT NULL);"
                         "CREATE TABLE shinrai_audit_head (id int PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL, "
                         "signature text NOT NULL);"
                         "INSERT INTO shinrai_audit_head VALUES (1, 0, repeat('0', 64), '');"
                         "UPDATE shinrai_schema SET version = 2",
                         "create the tables (version 2)"));
  }
  RETURN_IF_ERROR(Exec(c, "COMMIT", "commit the migration"));
  return *before;
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  auto store = std::make_unique<PostgresStore>(options);
  RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace shinrai::store
