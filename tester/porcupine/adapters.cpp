// See adapters.hpp.
#include "tester/porcupine/adapters.hpp"

namespace porcupine {

namespace {

[[noreturn]] void bad(const RecordedOp& op, const std::string& what) {
  throw BadHistory(op.where + ": " + what);
}

std::string text_of(const RecordedOp& op, const Datum& d, const char* what) {
  if (d.kind == Datum::Kind::String) return d.text;
  if (d.kind == Datum::Kind::Int) return std::to_string(d.number);
  if (d.is_nil()) return "";
  bad(op, std::string(what) + " must be a string, not " + d.str());
}

int64_t whole(const RecordedOp& op, const Datum& d, const char* what) {
  if (d.kind != Datum::Kind::Int) bad(op, std::string(what) + " must be a whole number, not " + d.str());
  return d.number;
}

}  // namespace

std::vector<KvOperation> ToKvHistory(const RecordedHistory& history) {
  std::vector<KvOperation> ops;
  ops.reserve(history.ops.size());
  for (const RecordedOp& r : history.ops) {
    KvOperation op;
    if (r.f == "get") {
      op.Input.Op = 0;
    } else if (r.f == "put") {
      op.Input.Op = 1;
    } else if (r.f == "append") {
      op.Input.Op = 2;
    } else {
      bad(r, "the kv model has no :f :" + r.f + " (expected get, put or append)");
    }
    if (r.completion == Completion::Fail) continue;                      // did not happen
    if (r.completion == Completion::Info && op.Input.Op == 0) continue;  // saw nothing known
    op.ClientId = r.client;
    op.Input.Key = r.key;
    if (op.Input.Op != 0) op.Input.Value = text_of(r, r.input, "a put's or append's value");
    if (op.Input.Op == 0) op.Output.Value = text_of(r, r.output, "a get's result");
    op.Call = r.call;
    op.Return = r.ret;
    ops.push_back(std::move(op));
  }
  return ops;
}

std::vector<RegisterOperation> ToRegisterHistory(const RecordedHistory& history, bool with_cas) {
  std::vector<RegisterOperation> ops;
  ops.reserve(history.ops.size());
  for (const RecordedOp& r : history.ops) {
    RegisterOperation op;
    op.ClientId = r.client;
    op.Input.Key = r.key;
    op.Call = r.call;
    op.Return = r.ret;
    op.Output.known = r.completion != Completion::Info;
    if (r.f == "read") {
      if (r.completion != Completion::Ok) continue;  // it saw nothing known
      op.Input.op = RegisterInput::Read;
      if (op.Output.known && !r.output.is_nil()) op.Output.value = whole(r, r.output, "a read's result");
    } else if (r.f == "write") {
      if (r.completion == Completion::Fail) continue;
      op.Input.op = RegisterInput::Write;
      op.Input.value = whole(r, r.input, "a write's value");
    } else if (r.f == "cas" && with_cas) {
      op.Input.op = RegisterInput::Cas;
      if (r.input.kind != Datum::Kind::List || r.input.items.size() != 2) {
        bad(r, "a cas takes [from to], not " + r.input.str());
      }
      op.Input.value = whole(r, r.input.items[0], "a cas's from");
      op.Input.to = whole(r, r.input.items[1], "a cas's to");
      op.Output.ok = r.completion == Completion::Ok &&
                     !(r.output.kind == Datum::Kind::Bool && r.output.number == 0);
    } else {
      bad(r, std::string("the ") + (with_cas ? "cas" : "register") + " model has no :f :" +
                 r.f + (with_cas ? " (expected read, write or cas)" : " (expected read or write; --model cas has cas)"));
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

RecordedHistory FromRegisterHistory(const std::vector<RegisterOperation>& history) {
  RecordedHistory recorded;
  for (const RegisterOperation& op : history) {
    RecordedOp r;
    r.client = op.ClientId;
    r.key = op.Input.Key;
    r.call = op.Call;
    r.ret = op.Return;
    r.completion = op.Output.known ? Completion::Ok : Completion::Info;
    switch (op.Input.op) {
      case RegisterInput::Read:
        r.f = "read";
        if (op.Output.known && op.Output.value) r.output = Datum::Int(*op.Output.value);
        break;
      case RegisterInput::Write:
        r.f = "write";
        r.input = Datum::Int(op.Input.value);
        break;
      case RegisterInput::Cas:
        r.f = "cas";
        r.input = Datum::List({Datum::Int(op.Input.value), Datum::Int(op.Input.to)});
        if (op.Output.known && !op.Output.ok) r.completion = Completion::Fail;
        break;
    }
    recorded.ops.push_back(std::move(r));
  }
  return recorded;
}

}  // namespace porcupine
