// Cluster: what several `shinrai serve` processes on one database share
// beyond its records (issue 19; the PostgreSQL backend implements it,
// store/postgres/pg_cluster.h). One process on the embedded store has none.
//
// - The write lease: one process at a time runs read-modify-write sections
//   (WriteSerializer holds it across them and until what they wrote is
//   committed), so identity merges, de-duplication, counters and the consent
//   ledger stay as correct as in one process, by the database's lock rather
//   than an in-process mutex.
// - Notices: a message to every process (the database's LISTEN/NOTIFY), for
//   what each keeps in memory (an erasure's people, a new model, the catalogue).
// - Published files: a trained model, put once, fetched by every process.
// - API keys' rate limits, counted once for all processes.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai::store {

class Cluster {
 public:
  virtual ~Cluster() = default;

  // Blocks until this process holds the write lease. True when another
  // process held it since this one last did: what this one keeps in memory
  // about records may be stale and must be read again.
  virtual Result<bool> AcquireLease() = 0;
  // REQUIRES: held, and everything written under it committed.
  virtual Status ReleaseLease() = 0;
  // True once after a write found that another process took the lease over
  // while this one thought it held it (its session died unnoticed): take it
  // again, and reload, before the next section.
  virtual bool LeaseLost() = 0;

  // Sends `payload` under `topic` to every process, this one included.
  virtual Status Notify(std::string_view topic, std::string_view payload) = 0;
  using NoticeHandler = std::function<void(std::string_view topic, std::string_view payload, bool from_here)>;
  // Starts delivering notices to `handler`, on a thread of the cluster's own.
  // REQUIRES: called once, before notices matter.
  virtual void Listen(NoticeHandler handler) = 0;
  // Stops delivering notices (before what the handler calls goes away).
  virtual void StopListening() = 0;

  // Takes one request from `key_id`'s token bucket, shared by every node:
  // it refills at `rate` a second and holds one second's worth. The tokens
  // left (>= 0) when admitted; nullopt when the key is over its rate, with
  // the tokens it has in *short_of (< 1).
  virtual Result<std::optional<double>> TakeToken(std::string_view key_id, double rate, double* short_of) = 0;

  struct Published {
    int64_t version = 0;
    std::string bytes;
  };
  // Keeps `bytes` as the newest `name` at `version` (an older version never
  // replaces a newer one).
  virtual Status Publish(std::string_view name, int64_t version, std::string_view bytes) = 0;
  // The newest `name`, nullopt when none was published.
  virtual Result<std::optional<Published>> Fetch(std::string_view name) = 0;
  virtual Result<int64_t> PublishedVersion(std::string_view name) = 0;  // 0 when none
};

}  // namespace shinrai::store
