// The picture's page: the data as JSON inside a <script> block, with the style and the
// drawing script of visualize_page.cpp around it.
#include "tester/porcupine/visualize.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>

namespace porcupine {

namespace detail {

extern const char kPageStyle[];
extern const char kPageScript[];

int32_t first_blocked_op(const std::vector<int64_t>& calls, const std::vector<int64_t>& returns,
                         const std::vector<int32_t>& linearized) {
  std::vector<bool> done(calls.size(), false);
  for (int32_t op : linearized) {
    if (op >= 0 && static_cast<size_t>(op) < done.size()) done[op] = true;
  }
  int32_t best = -1;
  for (size_t op = 0; op < calls.size(); ++op) {
    if (done[op]) continue;
    if (best < 0 || returns[op] < returns[best]) best = static_cast<int32_t>(op);
  }
  return best;
}

namespace {

// Appends `s` as a JSON string that is also safe inside <script>: <, > and & are escaped,
// and bytes that are not UTF-8 become U+FFFD.
void json_string(std::string& out, const std::string& s) {
  out += '"';
  auto hex = [&](unsigned code) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", code);
    out += buf;
  };
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\t':
          out += "\\t";
          break;
        case '<':
        case '>':
        case '&':
          hex(c);
          break;
        default:
          if (c < 0x20) {
            hex(c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: copy it when well formed.
    const size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (!ok) {
      hex(0xfffd);
      ++i;
      continue;
    }
    const std::string seq = s.substr(i, len);
    if (seq == "\xe2\x80\xa8" || seq == "\xe2\x80\xa9") {  // line separators break old JS
      hex(seq[2] == '\xa8' ? 0x2028 : 0x2029);
    } else {
      out += seq;
    }
    i += len;
  }
  out += '"';
}

std::string to_json(const VisualizationData& data) {
  std::string out;
  out += "{\"result\":";
  json_string(out, to_string(data.result));
  out += ",\"partitions\":[";
  for (size_t p = 0; p < data.partitions.size(); ++p) {
    const VisualPartition& part = data.partitions[p];
    if (p > 0) out += ',';
    out += "{\"title\":";
    json_string(out, part.title);
    out += ",\"result\":";
    json_string(out, to_string(part.result));
    out += ",\"init\":";
    json_string(out, part.init_state);
    out += ",\"ops\":[";
    for (size_t i = 0; i < part.ops.size(); ++i) {
      const VisualOperation& op = part.ops[i];
      if (i > 0) out += ',';
      out += "{\"client\":" + std::to_string(op.client) + ",\"start\":" +
             std::to_string(op.start) + ",\"end\":" + std::to_string(op.end) +
             ",\"description\":";
      json_string(out, op.description);
      out += '}';
    }
    out += "],\"partials\":[";
    for (size_t k = 0; k < part.partials.size(); ++k) {
      const VisualPartial& partial = part.partials[k];
      if (k > 0) out += ',';
      out += "{\"invalid\":" + std::to_string(partial.invalid) + ",\"steps\":[";
      for (size_t s = 0; s < partial.steps.size(); ++s) {
        if (s > 0) out += ',';
        out += "{\"op\":" + std::to_string(partial.steps[s].op) + ",\"state\":";
        json_string(out, partial.steps[s].state);
        out += '}';
      }
      out += "]}";
    }
    out += "],\"largest\":[";
    for (size_t i = 0; i < part.largest.size(); ++i) {
      if (i > 0) out += ',';
      out += std::to_string(part.largest[i]);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

// A partition that is not linearizable but has no partial linearization (its first
// operation already fails) still gets an empty one, so the page can point at the op.
VisualizationData with_empty_partials(VisualizationData data) {
  for (VisualPartition& part : data.partitions) {
    if (part.partials.empty() && part.result != CheckResult::Ok && !part.ops.empty()) {
      std::vector<int64_t> calls, returns;
      for (const VisualOperation& op : part.ops) {
        calls.push_back(op.start);
        returns.push_back(op.end);
      }
      part.partials.push_back({{}, first_blocked_op(calls, returns, {})});
    }
    part.largest.resize(part.ops.size(), -1);
    // The op a partial cannot be extended with shows that partial when hovered.
    for (size_t k = 0; k < part.partials.size(); ++k) {
      const int32_t invalid = part.partials[k].invalid;
      if (invalid >= 0 && static_cast<size_t>(invalid) < part.largest.size() &&
          part.largest[invalid] < 0) {
        part.largest[invalid] = static_cast<int32_t>(k);
      }
    }
  }
  return data;
}

}  // namespace
}  // namespace detail

std::string RenderVisualization(const VisualizationData& data) {
  std::string page;
  page +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Porcupine</title>\n<style>\n";
  page += detail::kPageStyle;
  page += "</style>\n</head>\n<body>\n";
  page +=
      "<header>\n<h1>Porcupine</h1>\n<p id=\"summary\"></p>\n"
      "<div class=\"legend\">\n"
      "<svg class=\"axes\" width=\"96\" height=\"44\" aria-label=\"axes\">"
      "<line x1=\"8\" y1=\"6\" x2=\"8\" y2=\"38\"/><path d=\"M4 32 L8 40 L12 32\"/>"
      "<line x1=\"8\" y1=\"6\" x2=\"52\" y2=\"6\"/><path d=\"M46 2 L54 6 L46 10\"/>"
      "<text x=\"14\" y=\"30\">Clients</text><text x=\"58\" y=\"10\">Time</text></svg>\n"
      "<span class=\"key\"><svg width=\"14\" height=\"22\"><line class=\"lp-valid\" x1=\"7\" "
      "y1=\"2\" x2=\"7\" y2=\"20\"/></svg> Valid LP</span>\n"
      "<span class=\"key\"><svg width=\"14\" height=\"22\"><line class=\"lp-invalid\" x1=\"7\" "
      "y1=\"2\" x2=\"7\" y2=\"20\"/></svg> Invalid LP</span>\n"
      "<a href=\"#\" id=\"jump\">[ jump to first error ]</a>\n"
      "<span class=\"hint\">hover an operation for details, click to pin</span>\n"
      "</div>\n</header>\n<main id=\"canvas\"></main>\n<div id=\"tooltip\" hidden></div>\n";
  page += "<script type=\"application/json\" id=\"porcupine-data\">";
  page += detail::to_json(detail::with_empty_partials(data));
  page += "</script>\n<script>\n";
  page += detail::kPageScript;
  page += "</script>\n</body>\n</html>\n";
  return page;
}

void WriteVisualization(const VisualizationData& data, const std::string& path) {
  const std::string page = RenderVisualization(data);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw std::runtime_error("porcupine: cannot write the picture to " + path);
  file.write(page.data(), static_cast<std::streamsize>(page.size()));
  file.close();
  if (!file) throw std::runtime_error("porcupine: cannot write the picture to " + path);
}

}  // namespace porcupine
