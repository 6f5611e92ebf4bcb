#include "ncsn/score_record.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "ncsn/atomic_file.hpp"
#include "ncsn/errors.hpp"

namespace ncsn {
namespace {

namespace fs = std::filesystem;

std::string samples_path(const std::string& record) { return record + ".samples"; }

bool same_entry(const nlohmann::json& entry, const std::string& checkpoint, const nlohmann::json& settings) {
  return entry.value("checkpoint", std::string()) == checkpoint && entry.value("settings", nlohmann::json()) == settings;
}

nlohmann::json read_record(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nlohmann::json::object();
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  const auto valid = [](const nlohmann::json& list) {
    return list.is_array() && std::all_of(list.begin(), list.end(), [](const nlohmann::json& e) {
             return e.is_object() && e.contains("checkpoint") && e["checkpoint"].is_string() && e.contains("fd_cls") &&
                    e["fd_cls"].is_number();
           });
  };
  if (j.is_discarded() || !j.is_object() || !valid(j.value("checkpoints", nlohmann::json::array())) ||
      !valid(j.value("kept", nlohmann::json::array())))
    throw DataError(path + " is not a score record (damaged or written by something else); move it away to score the checkpoints afresh");
  return j;
}

}  // namespace

std::optional<nlohmann::json> ScoreRecord::identify(const std::string& checkpoint) {
  struct stat st {};
  if (::stat(checkpoint.c_str(), &st) != 0) return std::nullopt;
  // UTC to the nanosecond: readable in the record, and exact enough to notice a rewrite.
  std::tm utc{};
  ::gmtime_r(&st.st_mtim.tv_sec, &utc);
  char when[40];
  const size_t n = std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(when + n, sizeof when - n, ".%09ldZ", static_cast<long>(st.st_mtim.tv_nsec));
  return nlohmann::json{{"size", static_cast<uint64_t>(st.st_size)}, {"modified", when}};
}

ScoreRecord::ScoreRecord(std::string path) : path_(std::move(path)) {
  const auto j = read_record(path_);
  settings_ = j.value("settings", nlohmann::json());
  // The samples of an interrupted measurement are a cache: an unreadable note of them is ignored.
  if (j.contains("partial") && j["partial"].is_object()) partial_ = j["partial"];
  for (const char* key : {"checkpoints", "kept"})
    for (const auto& e : j.value(key, nlohmann::json::array())) entries_.push_back(e);
}

std::optional<nlohmann::json> ScoreRecord::find(const std::string& checkpoint, const nlohmann::json& settings) const {
  const auto identity = identify(checkpoint);
  if (!identity) return std::nullopt;
  for (const auto& e : entries_)
    if (same_entry(e, checkpoint, settings) && e.value("file", nlohmann::json()) == *identity) return e;
  return std::nullopt;
}

void ScoreRecord::put(nlohmann::json entry, const nlohmann::json& settings, const std::vector<std::string>& pass) {
  const auto checkpoint = entry.at("checkpoint").get<std::string>();
  entry["settings"] = settings;
  if (!entry.contains("file"))
    if (const auto identity = identify(checkpoint)) entry["file"] = *identity;
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const nlohmann::json& e) { return same_entry(e, checkpoint, settings); }),
                 entries_.end());
  entries_.push_back(std::move(entry));
  settings_ = settings;
  const bool finishes_partial = partial_.is_object() && same_entry(partial_, checkpoint, settings);
  if (finishes_partial) partial_ = nullptr;
  write(pass, settings);
  std::error_code ignored;  // a leftover samples file is never read without its partial entry
  if (finishes_partial) fs::remove(samples_path(path_), ignored);
}

torch::Tensor ScoreRecord::partial_samples(const std::string& checkpoint, const nlohmann::json& settings,
                                           const nlohmann::json& file) const {
  if (!partial_.is_object() || !same_entry(partial_, checkpoint, settings) || partial_.value("file", nlohmann::json()) != file)
    return {};
  const auto shape = partial_.value("shape", nlohmann::json());
  if (!shape.is_array() || shape.size() != 4 ||
      !std::all_of(shape.begin(), shape.end(), [](const nlohmann::json& d) { return d.is_number_unsigned(); }))
    return {};
  // Whole, and nothing more: a file of another measurement is not these samples. (In double: the
  // note may claim any size; what matches a real file is well below 2^53 bytes.)
  double expected = sizeof(float);
  for (const auto& d : shape) expected *= d.get<double>();
  std::error_code ec;
  const auto bytes = fs::file_size(samples_path(path_), ec);
  if (ec || static_cast<double>(bytes) != expected) return {};
  const auto dims = shape.get<std::vector<int64_t>>();
  auto samples = torch::empty(dims, torch::kFloat);
  std::ifstream in(samples_path(path_), std::ios::binary);
  in.read(static_cast<char*>(samples.data_ptr()), static_cast<std::streamsize>(samples.nbytes()));
  return in.gcount() == static_cast<std::streamsize>(samples.nbytes()) ? samples : torch::Tensor();
}

void ScoreRecord::keep_partial_samples(const std::string& checkpoint, const nlohmann::json& settings, const nlohmann::json& file,
                                       const torch::Tensor& samples, const std::vector<std::string>& pass) {
  const auto data = samples.to(torch::kCPU, torch::kFloat).contiguous();
  // The samples first: the record names them only once they are whole.
  write_file_atomically(samples_path(path_), std::string_view(static_cast<const char*>(data.data_ptr()), data.nbytes()));
  partial_ = {{"checkpoint", checkpoint}, {"settings", settings}, {"file", file}, {"shape", data.sizes().vec()}};
  write(pass, settings);
}

nlohmann::json ScoreRecord::summary(const std::vector<std::string>& pass, const nlohmann::json& settings) const {
  nlohmann::json scored = nlohmann::json::array();
  double best_fd = std::numeric_limits<double>::infinity();
  nlohmann::json summary = {{"metric", "fd_cls"}, {"settings", settings}};
  for (const auto& checkpoint : pass)
    for (const auto& e : entries_)
      if (same_entry(e, checkpoint, settings)) {
        if (e["fd_cls"].get<double>() < best_fd) best_fd = e["fd_cls"].get<double>(), summary["best"] = checkpoint;
        scored.push_back(e);
      }
  summary["checkpoints"] = std::move(scored);
  return summary;
}

void ScoreRecord::write(const std::vector<std::string>& pass, const nlohmann::json& settings) const {
  auto j = summary(pass, settings);
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& e : entries_) {
    const bool in_pass = std::any_of(pass.begin(), pass.end(), [&](const std::string& c) { return same_entry(e, c, settings); });
    if (!in_pass) kept.push_back(e);
  }
  // Scores of other checkpoints, or under other settings, stay for a later pass.
  if (!kept.empty()) j["kept"] = std::move(kept);
  if (!partial_.is_null()) j["partial"] = partial_;
  write_file_atomically(path_, j.dump(2) + "\n");
}

std::string score_record_path(const std::string& run_folder) { return (fs::path(run_folder) / "scores.json").string(); }

}  // namespace ncsn
