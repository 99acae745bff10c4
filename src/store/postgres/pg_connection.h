// What the PostgreSQL store and the cluster share: one libpq connection made
// safely (the URL is never echoed: it may hold a password), results that free
// themselves, and errors that say what failed.
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "core/status.h"
#include "store/postgres/pg_store.h"

namespace shinrai::store {

// Owns one PGresult.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  ~PgResult() { PQclear(r_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PGresult* get() const { return r_; }
  bool Ok() const {
    const ExecStatusType s = PQresultStatus(r_);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  int rows() const { return PQntuples(r_); }
  std::string_view Bytes(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
  }

 private:
  PGresult* r_;
};

// Unavailable, with `what` and the server's message.
Status Failed(PGconn* c, std::string_view what);
Status Exec(PGconn* c, const std::string& sql, std::string_view what);
bool ValidSchemaName(std::string_view s);
// One connection, in the options' schema, with a connect timeout and TCP
// keepalives. The caller PQfinish-es it.
Result<PGconn*> Connect(const PostgresOptions& o);
// The Shinrai schema version of the connection's schema; 0 when none.
Result<int> SchemaVersion(PGconn* c);

}  // namespace shinrai::store
