// WriteSerializer: the one lock around read-modify-write of people's records.
//
// Collection and consent changes both read a person's profile and consent
// state and write them back through the same StagedWriter; holding this lock
// from Begin() to Submit() makes those sequences atomic with respect to each
// other. Commits (the slow, synced part) happen outside it.
#pragma once

#include <mutex>

namespace shinrai::store {

class WriteSerializer {
 public:
  std::unique_lock<std::mutex> Lock() { return std::unique_lock<std::mutex>(mu_); }

 private:
  std::mutex mu_;
};

}  // namespace shinrai::store
