// See json_history.hpp. A small JSON reader that remembers the line each value starts
// on, so that an error names it.
#include "tester/porcupine/json_history.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace porcupine {

namespace {

struct JsonMember;

struct Json {
  enum class Kind { Null, Bool, Int, Float, String, Array, Object };
  Kind kind = Kind::Null;
  int64_t number = 0;
  std::string text;  // String; Float: as written
  std::vector<Json> items;
  std::vector<JsonMember> members;  // not pairs: a pair needs Json complete (Clang 14)
  int64_t line = 0;
};

struct JsonMember {
  std::string name;
  Json value;
};

class JsonParser {
 public:
  JsonParser(std::string text, std::string source) : text_(std::move(text)), source_(std::move(source)) {}

  Json document() {
    Json v = value();
    space();
    if (pos_ < text_.size()) fail("unexpected text after the JSON value");
    return v;
  }

  [[noreturn]] void fail(const std::string& what) const { fail_at(line_, what); }
  [[noreturn]] void fail_at(int64_t line, const std::string& what) const {
    throw BadHistory(source_ + ":" + std::to_string(line) + ": " + what);
  }

 private:
  void space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++line_;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++pos_;
    }
  }

  Json value() {
    space();
    if (pos_ >= text_.size()) fail("the JSON ends where a value was expected");
    Json v;
    v.line = line_;
    const char c = text_[pos_];
    if (c == '{') {
      v.kind = Json::Kind::Object;
      ++pos_;
      if (close('}')) return v;
      for (;;) {
        space();
        if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a \"name\" in the object");
        std::string name = string();
        space();
        if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':' after \"" + name + "\"");
        ++pos_;
        v.members.push_back(JsonMember{std::move(name), value()});
        if (close('}')) return v;
        expect_comma('}');
      }
    }
    if (c == '[') {
      v.kind = Json::Kind::Array;
      ++pos_;
      if (close(']')) return v;
      for (;;) {
        v.items.push_back(value());
        if (close(']')) return v;
        expect_comma(']');
      }
    }
    if (c == '"') {
      v.kind = Json::Kind::String;
      v.text = string();
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(v);
    struct Literal {
      const char* word;
      Json::Kind kind;
      int truth;
    };
    for (const Literal& l : {Literal{"null", Json::Kind::Null, 0}, Literal{"true", Json::Kind::Bool, 1},
                             Literal{"false", Json::Kind::Bool, 0}}) {
      const size_t n = std::char_traits<char>::length(l.word);
      if (text_.compare(pos_, n, l.word) == 0) {
        pos_ += n;
        v.kind = l.kind;
        v.number = l.truth;
        return v;
      }
    }
    fail(std::string("unexpected '") + c + "'");
  }

  bool close(char c) {
    space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect_comma(char close) {
    space();
    if (pos_ >= text_.size() || text_[pos_] != ',') {
      fail(std::string("expected ',' or '") + close + "'");
    }
    ++pos_;
  }

  std::string string() {
    ++pos_;
    std::string s;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\n') fail("a line break inside a string");
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        c = text_[pos_++];
        switch (c) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case 'b': c = '\b'; break;
          case 'f': c = '\f'; break;
          case 'u': {
            if (pos_ + 4 > text_.size()) fail("a \\u escape needs four hex digits");
            const unsigned code = static_cast<unsigned>(std::strtoul(text_.substr(pos_, 4).c_str(), nullptr, 16));
            pos_ += 4;
            if (code < 0x80) {
              s += static_cast<char>(code);
            } else if (code < 0x800) {
              s += static_cast<char>(0xC0 | (code >> 6));
              s += static_cast<char>(0x80 | (code & 0x3F));
            } else {
              s += static_cast<char>(0xE0 | (code >> 12));
              s += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
              s += static_cast<char>(0x80 | (code & 0x3F));
            }
            continue;
          }
          default: break;  // \" \\ \/
        }
      }
      s += c;
    }
    if (pos_ >= text_.size()) fail("the string is not closed with '\"'");
    ++pos_;
    return s;
  }

  Json number(Json v) {
    const size_t start = pos_;
    bool whole = true;
    ++pos_;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '.' || c == 'e' || c == 'E' || c == '+' || (c == '-' && pos_ > start)) {
        whole = false;
      } else if (c < '0' || c > '9') {
        break;
      }
      ++pos_;
    }
    v.text = text_.substr(start, pos_ - start);
    if (!whole) {
      v.kind = Json::Kind::Float;
      return v;
    }
    errno = 0;
    v.number = std::strtoll(v.text.c_str(), nullptr, 10);
    if (errno == ERANGE || v.text == "-") fail("the number " + v.text + " is not a 64-bit whole number");
    v.kind = Json::Kind::Int;
    return v;
  }

  std::string text_;
  std::string source_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

const char* kind_name(Json::Kind k) {
  switch (k) {
    case Json::Kind::Null: return "null";
    case Json::Kind::Bool: return "a boolean";
    case Json::Kind::Int: return "a whole number";
    case Json::Kind::Float: return "a number with a fraction";
    case Json::Kind::String: return "a string";
    case Json::Kind::Array: return "an array";
    case Json::Kind::Object: return "an object";
  }
  return "?";
}

Datum to_datum(const JsonParser& p, const Json& v, const std::string& field) {
  switch (v.kind) {
    case Json::Kind::Null: return Datum::Nil();
    case Json::Kind::Bool: return Datum::Bool(v.number != 0);
    case Json::Kind::Int: return Datum::Int(v.number);
    case Json::Kind::String: return Datum::String(v.text);
    case Json::Kind::Array: {
      std::vector<Datum> items;
      for (const Json& item : v.items) items.push_back(to_datum(p, item, field));
      return Datum::List(std::move(items));
    }
    default:
      p.fail_at(v.line, "\"" + field + "\" holds " + kind_name(v.kind) +
                            "; values are null, whole numbers, strings, booleans or arrays");
  }
}

RecordedOp to_op(const JsonParser& p, const Json& v, const std::string& source) {
  if (v.kind != Json::Kind::Object) p.fail_at(v.line, std::string("an operation must be an object, not ") + kind_name(v.kind));
  RecordedOp op;
  op.where = source + ":" + std::to_string(v.line);
  const Json* ret = nullptr;
  std::string status = "ok";
  std::set<std::string> seen;
  const auto whole = [&](const Json& field, const std::string& name) {
    if (field.kind != Json::Kind::Int) {
      p.fail_at(field.line, "\"" + name + "\" must be a whole number, not " + kind_name(field.kind));
    }
    return field.number;
  };
  for (const auto& [name, field] : v.members) {
    if (!seen.insert(name).second) p.fail_at(field.line, "\"" + name + "\" appears twice");
    if (name == "client") {
      const int64_t c = whole(field, name);
      if (c < 0 || c > INT32_MAX) p.fail_at(field.line, "\"client\" must be from 0 to 2147483647");
      op.client = static_cast<int>(c);
    } else if (name == "f") {
      if (field.kind != Json::Kind::String || field.text.empty()) p.fail_at(field.line, "\"f\" must be a non-empty string");
      op.f = field.text;
    } else if (name == "key") {
      if (field.kind == Json::Kind::String) {
        op.key = field.text;
      } else if (field.kind == Json::Kind::Int) {
        op.key = std::to_string(field.number);
      } else {
        p.fail_at(field.line, std::string("\"key\" must be a string or a whole number, not ") + kind_name(field.kind));
      }
    } else if (name == "input") {
      op.input = to_datum(p, field, name);
    } else if (name == "output") {
      op.output = to_datum(p, field, name);
    } else if (name == "call") {
      op.call = whole(field, name);
    } else if (name == "return") {
      if (field.kind != Json::Kind::Null) ret = &field;
    } else if (name == "status") {
      if (field.kind != Json::Kind::String || (field.text != "ok" && field.text != "fail" && field.text != "info")) {
        p.fail_at(field.line, "\"status\" must be \"ok\", \"fail\" or \"info\"");
      }
      status = field.text;
    } else {
      p.fail_at(field.line, "unknown field \"" + name +
                                "\" (expected client, f, key, input, output, call, return, status)");
    }
  }
  for (const char* required : {"client", "f", "call"}) {
    if (seen.count(required) == 0) p.fail_at(v.line, std::string("the operation has no \"") + required + "\"");
  }
  if (ret != nullptr) {
    op.ret = whole(*ret, "return");
    if (op.ret < op.call) {
      p.fail_at(ret->line, "\"return\" (" + std::to_string(op.ret) + ") is before \"call\" (" +
                               std::to_string(op.call) + ")");
    }
  }
  if (ret == nullptr && status != "info") {
    if (status == "fail") p.fail_at(v.line, "a \"fail\" operation needs its \"return\"");
    status = "info";  // never returned
  }
  op.completion = status == "ok" ? Completion::Ok : status == "fail" ? Completion::Fail : Completion::Info;
  if (op.completion == Completion::Info) op.output = Datum::Nil();
  return op;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_value(const Datum& d) {
  switch (d.kind) {
    case Datum::Kind::Nil: return "null";
    case Datum::Kind::Int: return std::to_string(d.number);
    case Datum::Kind::Bool: return d.number != 0 ? "true" : "false";
    case Datum::Kind::String:
    case Datum::Kind::Keyword: return json_string(d.text);
    case Datum::Kind::List: {
      std::string s = "[";
      for (size_t i = 0; i < d.items.size(); ++i) s += (i > 0 ? ", " : "") + json_value(d.items[i]);
      return s + "]";
    }
  }
  return "null";
}

}  // namespace

JsonHistory ReadJsonHistory(std::istream& in, const std::string& source) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  JsonParser p(std::move(text), source);
  const Json doc = p.document();
  JsonHistory result;
  const Json* ops = nullptr;
  if (doc.kind == Json::Kind::Array) {
    ops = &doc;
  } else if (doc.kind == Json::Kind::Object) {
    for (const auto& [name, field] : doc.members) {
      if (name == "operations") {
        if (field.kind != Json::Kind::Array) p.fail_at(field.line, "\"operations\" must be an array");
        ops = &field;
      } else if (name == "model") {
        if (field.kind != Json::Kind::String) p.fail_at(field.line, "\"model\" must be a string");
        result.model = field.text;
      } else {
        p.fail_at(field.line, "unknown field \"" + name + "\" (expected model, operations)");
      }
    }
    if (ops == nullptr) p.fail_at(doc.line, "the history has no \"operations\"");
  } else {
    p.fail_at(doc.line, "a history is an object with \"operations\", or an array of operations");
  }
  int64_t last = 0;
  for (const Json& item : ops->items) {
    result.history.ops.push_back(to_op(p, item, source));
    const RecordedOp& op = result.history.ops.back();
    last = std::max(last, op.completion == Completion::Info ? op.call : op.ret);
  }
  for (RecordedOp& op : result.history.ops) {
    if (op.completion == Completion::Info) op.ret = last + 1;  // after every event
  }
  return result;
}

void WriteJsonHistory(std::ostream& out, const RecordedHistory& history, const std::string& model) {
  out << "{";
  if (!model.empty()) out << "\"model\": " << json_string(model) << ",\n ";
  out << "\"operations\": [";
  for (size_t i = 0; i < history.ops.size(); ++i) {
    const RecordedOp& op = history.ops[i];
    out << (i > 0 ? ",\n  " : "\n  ") << "{\"client\": " << op.client << ", \"f\": " << json_string(op.f);
    if (!op.key.empty()) out << ", \"key\": " << json_string(op.key);
    if (!op.input.is_nil()) out << ", \"input\": " << json_value(op.input);
    if (!op.output.is_nil()) out << ", \"output\": " << json_value(op.output);
    out << ", \"call\": " << op.call;
    if (op.completion != Completion::Info) out << ", \"return\": " << op.ret;
    if (op.completion == Completion::Fail) out << ", \"status\": \"fail\"";
    out << "}";
  }
  out << "]}\n";
}

}  // namespace porcupine
