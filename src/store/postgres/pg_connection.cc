#include "store/postgres/pg_connection.h"

namespace shinrai::store {

Status Failed(PGconn* c, std::string_view what) {
  std::string msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return Unavailable("postgres: " + std::string(what) + ": " + msg);
}

Status Exec(PGconn* c, const std::string& sql, std::string_view what) {
  PgResult r(PQexec(c, sql.c_str()));
  return r.Ok() ? Status::Ok() : Failed(c, what);
}

bool ValidSchemaName(std::string_view s) {
  if (s.empty() || s.size() > 48) return false;
  for (char ch : s)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  return true;
}

// One connection, in the options' schema. The URL is never echoed in an
// error: it may hold a password.
Result<PGconn*> Connect(const PostgresOptions& o) {
  // Parsed first, apart: libpq's parse errors quote the URL, password included.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(o.url.c_str(), &parse_error);
  PQfreemem(parse_error);
  if (!parsed) return InvalidArgument("--store: not a PostgreSQL URL libpq can read (postgres://USER@HOST:PORT/DB)");
  PQconninfoFree(parsed);
  if (!o.schema.empty() && !ValidSchemaName(o.schema))
    return InvalidArgument("postgres schema: expected lower-case letters, digits and _");
  // A database that stops answering (a partition) fails calls within
  // seconds instead of holding every request. The schema is a connection
  // option, so a reconnect (PQreset) keeps it.
  const std::string search_path = "-csearch_path=" + o.schema;
  const char* keys[] = {"dbname", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                        "keepalives_count", o.schema.empty() ? nullptr : "options", nullptr};
  const char* values[] = {o.url.c_str(), "10", "1", "10", "5", "3", search_path.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (PQstatus(c) != CONNECTION_OK) {
    Status st = Failed(c, "cannot connect to the database named by --store");
    PQfinish(c);
    return st;
  }
  return c;
}

Result<int> SchemaVersion(PGconn* c) {
  PgResult exists(PQexec(c, "SELECT to_regclass('shinrai_schema') IS NOT NULL"));
  if (!exists.Ok()) return Failed(c, "read the schema version");
  if (std::string_view(PQgetvalue(exists.get(), 0, 0)) != "t") return 0;
  PgResult v(PQexec(c, "SELECT coalesce(max(version), 0) FROM shinrai_schema"));
  if (!v.Ok()) return Failed(c, "read the schema version");
  return std::stoi(PQgetvalue(v.get(), 0, 0));
}

}  // namespace shinrai::store
