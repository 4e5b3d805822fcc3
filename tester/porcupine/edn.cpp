// See edn.hpp.
#include "tester/porcupine/edn.hpp"

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace porcupine {

namespace {

class Parser {
 public:
  Parser(std::string_view text, size_t pos) : text_(text), pos_(pos) {}
  size_t pos() const { return pos_; }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ';') {  // a comment runs to the end of the line
        pos_ = text_.size();
      } else if (c == ' ' || c == ',' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else {
        break;
      }
    }
  }
  bool at_end() {
    skip_space();
    return pos_ >= text_.size();
  }

  Datum value() {
    skip_space();
    if (pos_ >= text_.size()) fail("a value is missing");
    const char c = text_[pos_];
    switch (c) {
      case '[':
        return Datum::List(sequence(']'));
      case '(':
        return Datum::List(sequence(')'));
      case '{':
        return Datum::List(sequence('}'));
      case '"':
        return Datum::String(string());
      case ':':
        ++pos_;
        return Datum::Keyword(word("a keyword"));
      case '#':
        ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '{') return Datum::List(sequence('}'));
        word("a tag");  // #inst "...": the tagged value stands for itself
        return value();
      case ']':
      case ')':
      case '}':
        fail(std::string("unexpected '") + c + "'");
    }
    if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') && pos_ + 1 < text_.size() &&
                                   text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9')) {
      return number();
    }
    const std::string w = word("a value");
    if (w == "nil") return Datum::Nil();
    if (w == "true") return Datum::Bool(true);
    if (w == "false") return Datum::Bool(false);
    return Datum::String(w);  // a symbol
  }

  EdnMap map() {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != '{') fail("expected a map starting with '{'");
    ++pos_;
    EdnMap m;
    for (;;) {
      skip_space();
      if (pos_ >= text_.size()) fail("the map is not closed with '}'");
      if (text_[pos_] == '}') {
        ++pos_;
        return m;
      }
      const size_t key_at = pos_;
      const Datum key = value();
      if (key.kind != Datum::Kind::Keyword) {
        pos_ = key_at;
        fail("a map key must be a :keyword, not " + key.str());
      }
      skip_space();
      if (pos_ >= text_.size() || text_[pos_] == '}') fail("the key :" + key.text + " has no value");
      m.entries.emplace_back(key.text, value());
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::invalid_argument(what + " (column " + std::to_string(pos_ + 1) + ")");
  }

 private:
  std::vector<Datum> sequence(char close) {
    ++pos_;
    std::vector<Datum> items;
    for (;;) {
      skip_space();
      if (pos_ >= text_.size()) fail(std::string("'") + close + "' is missing");
      if (text_[pos_] == close) {
        ++pos_;
        return items;
      }
      items.push_back(value());
    }
  }

  std::string string() {
    const size_t start = pos_++;
    std::string s;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        c = text_[pos_++];
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
      }
      s += c;
    }
    if (pos_ >= text_.size()) {
      pos_ = start;
      fail("the string is not closed with '\"'");
    }
    ++pos_;
    return s;
  }

  static bool word_char(char c) {
    return !(c == ' ' || c == ',' || c == '\t' || c == '\r' || c == '\n' || c == '[' ||
             c == ']' || c == '(' || c == ')' || c == '{' || c == '}' || c == '"' || c == ';');
  }

  std::string word(const char* what) {
    const size_t start = pos_;
    while (pos_ < text_.size() && word_char(text_[pos_])) ++pos_;
    if (pos_ == start) fail(std::string(what) + " is empty");
    return std::string(text_.substr(start, pos_ - start));
  }

  Datum number() {
    const size_t start = pos_;
    const std::string w = word("a number");
    bool whole = true;
    for (size_t i = 0; i < w.size(); ++i) {
      const char c = w[i];
      if (!((c >= '0' && c <= '9') || (i == 0 && (c == '-' || c == '+')))) whole = false;
    }
    if (!whole) {
      if (w.back() == 'N' || w.back() == 'M') {  // EDN's big integer and decimal marks
        return Datum::String(w.substr(0, w.size() - 1));
      }
      return Datum::String(w);
    }
    errno = 0;
    const long long n = std::strtoll(w.c_str(), nullptr, 10);
    if (errno == ERANGE) {
      pos_ = start;
      fail("the number " + w + " is too large");
    }
    return Datum::Int(n);
  }

  std::string_view text_;
  size_t pos_;
};

}  // namespace

std::string Datum::str() const {
  switch (kind) {
    case Kind::Nil:
      return "nil";
    case Kind::Int:
      return std::to_string(number);
    case Kind::String: {
      std::string s = "\"";
      for (char c : text) {
        if (c == '"' || c == '\\') s += '\\';
        s += c;
      }
      return s + "\"";
    }
    case Kind::Keyword:
      return ":" + text;
    case Kind::Bool:
      return number != 0 ? "true" : "false";
    case Kind::List: {
      std::string s = "[";
      for (size_t i = 0; i < items.size(); ++i) s += (i > 0 ? " " : "") + items[i].str();
      return s + "]";
    }
  }
  return "?";
}

const Datum* EdnMap::find(std::string_view keyword) const {
  for (const auto& [key, value] : entries) {
    if (key == keyword) return &value;
  }
  return nullptr;
}

Datum ParseEdnValue(std::string_view text, size_t& pos) {
  Parser p(text, pos);
  Datum d = p.value();
  pos = p.pos();
  return d;
}

EdnMap ParseEdnMap(std::string_view text) {
  Parser p(text, 0);
  EdnMap m = p.map();
  if (!p.at_end()) p.fail("unexpected text after the map");
  return m;
}

}  // namespace porcupine
