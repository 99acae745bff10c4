#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/files.h"
#include "core/time_format.h"
#include "crypto/aead.h"

namespace shinrai::audit {

namespace {

constexpr const char* kLogFile = "/audit.jsonl";
constexpr const char* kHeadFile = "/head.json";
const std::string kGenesis(64, '0');

// The last complete line of the file at fd (empty when none).
std::string LastLine(int fd, int64_t size) {
  std::string tail;
  int64_t pos = size;
  while (pos > 0) {
    const int64_t chunk = std::min<int64_t>(4096, pos);
    pos -= chunk;
    std::string buf(chunk, '\0');
    if (::pread(fd, buf.data(), chunk, pos) != chunk) return {};
    tail = buf + tail;
    // The last byte is the final newline; look for the one before it.
    const size_t nl = tail.rfind('\n', tail.size() >= 2 ? tail.size() - 2 : 0);
    if (nl != std::string::npos && nl + 1 < tail.size()) return tail.substr(nl + 1, tail.size() - nl - 2);
  }
  if (!tail.empty() && tail.back() == '\n') tail.pop_back();
  return tail;
}

}  // namespace

bool IsPersonalDataRead(std::string_view action) {
  return action == "profile.read" || action == "consent.read" || action == "recommendations.serve" ||
         action == "rights.export";
}

std::string EntryHash(const std::string& prev_hash, const nlohmann::json& entry_without_hash) {
  return crypto::Sha256Hex(prev_hash + "\n" + entry_without_hash.dump());
}

AuditLog::AuditLog(std::string dir, Env* env) : dir_(std::move(dir)), env_(env) {}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& dir, Env* env) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgument("cannot create the audit directory '" + dir + "': " + ec.message());
  std::unique_ptr<AuditLog> log(new AuditLog(dir, env));
  log->fd_ = ::open((dir + kLogFile).c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log->fd_ < 0) return InvalidArgument("cannot open the audit log in '" + dir + "'");
  log->known_end_ = -1;  // the first append reads the chain's end from the file
  log->flusher_ = std::thread([l = log.get()] { l->FlusherLoop(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  (void)Flush();
  if (fd_ >= 0) ::close(fd_);
}

Status AuditLog::Append(const AuditEntry& e, bool sync) {
  std::lock_guard lock(mu_);
  if (::flock(fd_, LOCK_EX) != 0) return Internal("cannot lock the audit log");
  struct Unlock {
    int fd;
    ~Unlock() { ::flock(fd, LOCK_UN); }
  } unlock{fd_};
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Internal("cannot read the audit log's size");
  if (st.st_size != known_end_) {
    // Another process appended (or this is our first append): continue from its last entry.
    seq_ = 0;
    last_hash_ = kGenesis;
    if (st.st_size > 0) {
      nlohmann::json last = nlohmann::json::parse(LastLine(fd_, st.st_size), nullptr, false);
      if (last.is_discarded() || !last.contains("seq") || !last.contains("hash"))
        return Internal("the audit log's last line is not an entry: run `shinrai audit verify`");
      seq_ = last["seq"].get<int64_t>();
      last_hash_ = last["hash"].get<std::string>();
    }
  }
  nlohmann::json j = {{"seq", seq_ + 1},
                      {"at", FormatIso8601Millis(env_->NowMillis())},
                      {"action", e.action},
                      {"key_id", e.actor.key_id},
                      {"key_name", e.actor.key_name},
                      {"role", e.actor.role},
                      {"subject", e.subject},
                      {"fields", e.fields},
                      {"reason", e.reason},
                      {"detail", e.detail},
                      {"prev", last_hash_}};
  const std::string hash = EntryHash(last_hash_, j);
  j["hash"] = hash;
  const std::string line = j.dump() + "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Internal("cannot append to the audit log");
  seq_ += 1;
  last_hash_ = hash;
  known_end_ = st.st_size + static_cast<int64_t>(line.size());
  dirty_ = true;
  if (sync) {
    if (::fdatasync(fd_) != 0) return Internal("cannot sync the audit log");
    return WriteHeadLocked();
  }
  return Status::Ok();
}

Status AuditLog::WriteHeadLocked() {
  RETURN_IF_ERROR(WriteFileAtomically(dir_ + kHeadFile,
                                      nlohmann::json{{"seq", seq_}, {"hash", last_hash_}}.dump() + "\n",
                                      "the audit head"));
  dirty_ = false;
  return Status::Ok();
}

Status AuditLog::Flush() {
  std::lock_guard lock(mu_);
  if (!dirty_) return Status::Ok();
  if (::flock(fd_, LOCK_EX) != 0) return Internal("cannot lock the audit log");
  struct stat st {};
  Status s = Status::Ok();
  // Only when no other process appended since: otherwise the head would go back.
  if (::fstat(fd_, &st) == 0 && st.st_size == known_end_) {
    if (::fdatasync(fd_) != 0) s = Internal("cannot sync the audit log");
    else s = WriteHeadLocked();
  }
  ::flock(fd_, LOCK_UN);
  return s;
}

void AuditLog::FlusherLoop() {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(200));
    lock.unlock();
    (void)Flush();
    lock.lock();
  }
}

Result<std::vector<nlohmann::json>> ReadEntries(const std::string& dir) {
  std::ifstream in(dir + kLogFile);
  if (!in) return NotFound("no audit log in '" + dir + "'");
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    out.push_back(j.is_discarded() ? nlohmann::json() : std::move(j));
  }
  return out;
}

Result<VerifyReport> Verify(const std::string& dir) {
  std::ifstream in(dir + kLogFile);
  if (!in) return NotFound("no audit log in '" + dir + "' (expected " + dir + kLogFile + ")");
  VerifyReport r;
  std::string prev = kGenesis;
  std::string line;
  int64_t n = 0;
  auto bad = [&](std::string problem) {
    r.ok = false;
    r.bad_line = n;
    r.problem = std::move(problem);
  };
  while (std::getline(in, line)) {
    ++n;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("hash") || !j.contains("seq") || !j.contains("prev") ||
        !j["hash"].is_string() || !j["seq"].is_number_integer() || !j["prev"].is_string()) {
      bad("entry " + std::to_string(n) + " is not a well-formed audit entry");
      return r;
    }
    const std::string hash = j["hash"];
    const int64_t seq = j["seq"];
    if (seq != n) {
      bad("entry " + std::to_string(n) + " has sequence number " + std::to_string(seq) +
          " (entries were removed, inserted or reordered)");
      return r;
    }
    if (j["prev"] != prev) {
      bad("entry " + std::to_string(n) + " does not follow entry " + std::to_string(n - 1) +
          " (its previous-hash differs: an entry before it was removed, altered or reordered)");
      return r;
    }
    j.erase("hash");
    if (EntryHash(prev, j) != hash) {
      bad("entry " + std::to_string(n) + " (" + j.value("action", std::string("?")) +
          ") was altered: its content does not match its hash");
      return r;
    }
    prev = hash;
  }
  r.entries = n;
  r.head_hash = n ? prev : "";
  std::ifstream head_in(dir + kHeadFile);
  if (head_in) {
    std::stringstream text;
    text << head_in.rdbuf();
    nlohmann::json head = nlohmann::json::parse(text.str(), nullptr, false);
    if (head.is_discarded() || !head.contains("seq") || !head.contains("hash")) {
      ++n;
      bad("the head file " + dir + kHeadFile + " is damaged");
      return r;
    }
    const int64_t head_seq = head["seq"];
    if (head_seq > r.entries) {
      n = r.entries + 1;
      bad("entries " + std::to_string(r.entries + 1) + " to " + std::to_string(head_seq) +
          " are missing: the head says the log had " + std::to_string(head_seq) + " entries");
      return r;
    }
    if (head_seq > 0) {
      // The head may lag the file by the last unflushed appends, never differ.
      std::ifstream again(dir + kLogFile);
      std::string l;
      for (int64_t i = 1; i <= head_seq && std::getline(again, l); ++i) {
        if (i == head_seq) {
          nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
          if (j.is_discarded() || j.value("hash", std::string()) != head["hash"].get<std::string>()) {
            n = head_seq;
            bad("entry " + std::to_string(head_seq) + " differs from the one the head recorded");
            return r;
          }
        }
      }
    }
  }
  return r;
}

}  // namespace shinrai::audit
