// Reads a history file for the command-line tools (lincheck, porcupine_bench --log): in
// the format named, or guessed (json when the file starts with '[' or '{"', else
// Jepsen's, which reads porcupine's kv logs too); for the model named, or the one a JSON
// file names, or else the one its operations call for (get/put/append: kv; any cas:
// cas; read/write: register); typed for that model (adapters.hpp).
//
// Pure function plus one file read; safe from any task.
#pragma once

#include "tester/porcupine/history.hpp"
#include "tester/porcupine/kv.hpp"
#include "tester/porcupine/register.hpp"

#include <string>
#include <vector>

namespace porcupine {

struct HistoryFile {
  std::string path;
  std::string model;                          // kv, kv-digest, register or cas
  std::vector<KvOperation> kv;                // kv and kv-digest
  std::vector<RegisterOperation> registers;  // register and cas
  size_t size() const { return kv.size() + registers.size(); }
};

// The model names, and whether `name` is one.
inline constexpr const char* kModelNames = "kv, kv-digest, register or cas";
bool IsModelName(const std::string& name);

// `format`: "" (guess), kv, edn or json; `model`: "" (from the file) or a model name.
// Throws BadHistory: "PATH: cannot be read", "PATH: a folder, not a history file", or
// "PATH:LINE: problem" for what the reader or the model cannot take.
HistoryFile ReadHistoryFile(const std::string& path, const std::string& format,
                            const std::string& model);

}  // namespace porcupine
