// See history_file.hpp.
#include "tester/porcupine/history_file.hpp"

#include "tester/porcupine/adapters.hpp"
#include "tester/porcupine/jepsen_log.hpp"
#include "tester/porcupine/json_history.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace porcupine {

namespace {

// JSON starts with an array or an object whose first member is a "name"; EDN's maps
// start {:keyword.
bool looks_like_json(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return false;
  if (s[first] == '[') return true;
  const size_t second = s.find_first_not_of(" \t\r\n", first + 1);
  return s[first] == '{' && second != std::string::npos && s[second] == '"';
}

std::string model_for(const RecordedHistory& history) {
  bool kv = false, cas = false;
  for (const RecordedOp& op : history.ops) {
    kv = kv || op.f == "get" || op.f == "put" || op.f == "append";
    cas = cas || op.f == "cas";
  }
  return kv ? "kv" : cas ? "cas" : "register";
}

}  // namespace

bool IsModelName(const std::string& name) {
  return name == "kv" || name == "kv-digest" || name == "register" || name == "cas";
}

HistoryFile ReadHistoryFile(const std::string& path, const std::string& format,
                            const std::string& model) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw BadHistory(path + ": a folder, not a history file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadHistory(path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  const bool json = format.empty() ? looks_like_json(text.str()) : format == "json";

  HistoryFile file;
  file.path = path;
  RecordedHistory history;
  if (json) {
    JsonHistory j = ReadJsonHistory(text, path);
    if (!j.model.empty() && !IsModelName(j.model)) {
      throw BadHistory(path + ": unknown \"model\" '" + j.model + "' (expected " + kModelNames + ")");
    }
    history = std::move(j.history);
    file.model = j.model;
  } else {
    history = ReadJepsenLog(text, path);
  }
  if (!model.empty()) file.model = model;
  if (file.model.empty()) file.model = model_for(history);
  if (file.model == "kv" || file.model == "kv-digest") {
    file.kv = ToKvHistory(history);
  } else {
    file.registers = ToRegisterHistory(history, file.model == "cas");
  }
  return file;
}

}  // namespace porcupine
