#include "audit/file_audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
constexpr const char* kLockFile = "/audit.lock";
constexpr const char* kHeadFile = "/head.json";

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

// Closed segments, oldest first (their names sort by the last sequence number).
std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() == 24 && name.rfind("audit.", 0) == 0 && name.substr(18) == ".jsonl" &&
        name.find_first_not_of("0123456789", 6) == 18) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every file of the log in chain order: the segments, then the current file.
std::vector<std::string> LogFiles(const std::string& dir) {
  std::vector<std::string> files = SegmentFiles(dir);
  files.push_back(dir + kLogFile);
  return files;
}

}  // namespace

crypto::SecretKey HeadKeyFrom(const crypto::SecretKey& master) {
  return crypto::DeriveKey(master, "shinrai audit head v1");
}

FileAuditLog::FileAuditLog(std::string dir, Env* env, int64_t segment_bytes, std::optional<crypto::SecretKey> head_key)
    : dir_(std::move(dir)), env_(env), segment_bytes_(segment_bytes), head_key_(std::move(head_key)) {}

Result<std::unique_ptr<FileAuditLog>> FileAuditLog::Open(const std::string& dir, Env* env, int64_t segment_bytes,
                                                 std::optional<crypto::SecretKey> head_key) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return InvalidArgument("cannot create the audit directory '" + dir + "': " + ec.message());
  std::unique_ptr<FileAuditLog> log(new FileAuditLog(dir, env, segment_bytes, std::move(head_key)));
  log->lock_fd_ = ::open((dir + kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  log->fd_ = ::open((dir + kLogFile).c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log->fd_ < 0 || log->lock_fd_ < 0) return InvalidArgument("cannot open the audit log in '" + dir + "'");
  log->known_end_ = -1;  // the first append reads the chain's end from the file
  // A new log gets its head at once: from then on a missing head means a
  // deleted one.
  if (!std::filesystem::exists(dir + kHeadFile)) {
    struct stat st {};
    if (::fstat(log->fd_, &st) == 0 && st.st_size == 0) {
      std::lock_guard lock(log->mu_);
      log->last_hash_ = kGenesisHash;
      RETURN_IF_ERROR(log->WriteHeadLocked());
    }
  }
  log->flusher_ = std::thread([l = log.get()] { l->FlusherLoop(); });
  return log;
}

FileAuditLog::~FileAuditLog() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  (void)Flush();
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status FileAuditLog::CatchUpLocked(int64_t* size) {
  const std::string path = dir_ + kLogFile;
  struct stat mine {}, current {};
  if (::fstat(fd_, &mine) != 0) return Internal("cannot read the audit log's size");
  if (::stat(path.c_str(), &current) != 0 || current.st_ino != mine.st_ino) {
    // Another process rotated the log: append to the new file.
    ::close(fd_);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return Internal("cannot reopen the audit log");
    known_end_ = -1;
    if (::fstat(fd_, &mine) != 0) return Internal("cannot read the audit log's size");
  }
  *size = mine.st_size;
  if (*size != known_end_) {
    // Another process appended (or this is our first append): continue from
    // the last entry, which is in the newest segment when this file is new.
    seq_ = 0;
    last_hash_ = kGenesisHash;
    std::string last;
    if (*size > 0) {
      last = LastLine(fd_, *size);
    } else if (std::vector<std::string> segments = SegmentFiles(dir_); !segments.empty()) {
      const int seg = ::open(segments.back().c_str(), O_RDONLY | O_CLOEXEC);
      struct stat sst {};
      if (seg >= 0 && ::fstat(seg, &sst) == 0) last = LastLine(seg, sst.st_size);
      if (seg >= 0) ::close(seg);
    }
    if (!last.empty()) {
      nlohmann::json j = nlohmann::json::parse(last, nullptr, false);
      if (j.is_discarded() || !j.contains("seq") || !j.contains("hash"))
        return Internal("the audit log's last line is not an entry: run `shinrai audit verify`");
      seq_ = j["seq"].get<int64_t>();
      last_hash_ = j["hash"].get<std::string>();
    }
  }
  if (*size >= segment_bytes_) {
    char name[64];
    std::snprintf(name, sizeof name, "/audit.%012lld.jsonl", static_cast<long long>(seq_));
    if (::fdatasync(fd_) != 0 || std::rename(path.c_str(), (dir_ + name).c_str()) != 0)
      return Internal("cannot rotate the audit log");
    ::close(fd_);
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return Internal("cannot open a new audit log segment");
    *size = 0;
  }
  return Status::Ok();
}

Status FileAuditLog::Append(const AuditEntry& e, bool sync) {
  std::lock_guard lock(mu_);
  if (::flock(lock_fd_, LOCK_EX) != 0) return Internal("cannot lock the audit log");
  struct Unlock {
    int fd;
    ~Unlock() { ::flock(fd, LOCK_UN); }
  } unlock{lock_fd_};
  int64_t size = 0;
  RETURN_IF_ERROR(CatchUpLocked(&size));
  nlohmann::json j = EntryJson(e, seq_ + 1, env_->NowMillis(), last_hash_);
  const std::string hash = EntryHash(last_hash_, j);
  j["hash"] = hash;
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return Internal("cannot append to the audit log");
  seq_ += 1;
  last_hash_ = hash;
  known_end_ = size + static_cast<int64_t>(line.size());
  dirty_ = true;
  if (sync) {
    if (::fdatasync(fd_) != 0) return Internal("cannot sync the audit log");
    return WriteHeadLocked();
  }
  return Status::Ok();
}

Status FileAuditLog::WriteHeadLocked() {
  nlohmann::json head = {{"seq", seq_}, {"hash", last_hash_}};
  if (head_key_) head["signature"] = HeadSignature(*head_key_, seq_, last_hash_);
  RETURN_IF_ERROR(WriteFileAtomically(dir_ + kHeadFile, head.dump() + "\n", "the audit head"));
  dirty_ = false;
  return Status::Ok();
}

Status FileAuditLog::Flush() {
  std::lock_guard lock(mu_);
  if (!dirty_) return Status::Ok();
  if (::flock(lock_fd_, LOCK_EX) != 0) return Internal("cannot lock the audit log");
  struct stat st {}, current {};
  Status s = Status::Ok();
  // Only when no other process appended or rotated since: otherwise the head would go back.
  if (::fstat(fd_, &st) == 0 && st.st_size == known_end_ && ::stat((dir_ + kLogFile).c_str(), &current) == 0 &&
      current.st_ino == st.st_ino) {
    if (::fdatasync(fd_) != 0) s = Internal("cannot sync the audit log");
    else s = WriteHeadLocked();
  }
  ::flock(lock_fd_, LOCK_UN);
  return s;
}

void FileAuditLog::FlusherLoop() {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(200));
    lock.unlock();
    (void)Flush();
    lock.lock();
  }
}

Result<std::vector<nlohmann::json>> FileAuditLog::Entries() {
  std::lock_guard lock(mu_);
  return ReadEntries(dir_);
}

Result<VerifyReport> FileAuditLog::Verify() {
  RETURN_IF_ERROR(Flush());
  return audit::Verify(dir_, head_key_);
}

Result<std::vector<nlohmann::json>> ReadEntries(const std::string& dir) {
  if (!std::filesystem::exists(dir + kLogFile)) return NotFound("no audit log in '" + dir + "'");
  std::vector<nlohmann::json> out;
  for (const std::string& file : LogFiles(dir)) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      out.push_back(j.is_discarded() ? nlohmann::json() : std::move(j));
    }
  }
  return out;
}

Result<VerifyReport> Verify(const std::string& dir, std::optional<crypto::SecretKey> head_key) {
  if (!std::filesystem::exists(dir + kLogFile))
    return NotFound("no audit log in '" + dir + "' (expected " + dir + kLogFile + ")");
  // The head, if any, names the last entry the log had when it was synced.
  int64_t head_seq = 0;
  std::string head_hash;
  bool head_damaged = false;
  bool head_missing = true;
  bool head_forged = false;
  if (std::ifstream head_in(dir + kHeadFile); head_in) {
    head_missing = false;
    std::stringstream text;
    text << head_in.rdbuf();
    nlohmann::json head = nlohmann::json::parse(text.str(), nullptr, false);
    if (head.is_discarded() || !head.contains("seq") || !head.contains("hash") || !head["seq"].is_number_integer() ||
        !head["hash"].is_string()) {
      head_damaged = true;
    } else {
      head_seq = head["seq"];
      head_hash = head["hash"];
      if (head_key) {
        const std::string sig = head.value("signature", "");
        head_forged = sig != HeadSignature(*head_key, head_seq, head_hash);
      }
    }
  }
  VerifyReport r;
  std::string prev = kGenesisHash;
  std::string hash_at_head;
  int64_t n = 0;
  auto bad = [&](std::string problem) {
    r.ok = false;
    r.bad_line = n;
    r.problem = std::move(problem);
  };
  for (const std::string& file : LogFiles(dir)) {
    std::ifstream in(file);
    const std::string where = " (in " + std::filesystem::path(file).filename().string() + ")";
    std::string line;
    while (std::getline(in, line)) {
      ++n;
      std::string hash;
      if (std::string problem = CheckChainedEntry(line, n, prev, &hash); !problem.empty()) {
        bad(problem + where);
        return r;
      }
      if (n == head_seq) hash_at_head = hash;
      prev = hash;
    }
  }
  r.entries = n;
  r.head_hash = n ? prev : "";
  if (head_missing) {
    n = r.entries + 1;
    bad("the head file " + dir + kHeadFile + " is missing: entries may have been cut off the end of the log");
  } else if (head_damaged) {
    n = r.entries + 1;
    bad("the head file " + dir + kHeadFile + " is damaged");
  } else if (head_forged) {
    n = r.entries + 1;
    bad("the head file " + dir + kHeadFile + " is not signed by this installation's master key: it was rewritten");
  } else if (head_seq > r.entries) {
    n = r.entries + 1;
    bad("entries " + std::to_string(r.entries + 1) + " to " + std::to_string(head_seq) +
        " are missing: the head says the log had " + std::to_string(head_seq) + " entries");
  } else if (head_seq > 0 && hash_at_head != head_hash) {
    // The head may lag the file by the last unsynced appends, never differ.
    n = head_seq;
    bad("entry " + std::to_string(head_seq) + " differs from the one the head recorded");
  }
  return r;
}

}  // namespace shinrai::audit
