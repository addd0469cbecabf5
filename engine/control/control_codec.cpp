#include "engine/control/control_codec.hpp"

#include <msgpack.hpp>

namespace herald::control {

namespace {

constexpr uint32_t kVersion = 1;

// Kinds on the wire; never renumber (nodes of different versions share a cluster).
enum class Kind : uint32_t {
  subscribe = 1,
  unsubscribe = 2,
  disconnect = 3,
  refresh = 4,
  alive = 5,
  survey_request = 6,
  survey_reply = 7,
};

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack(Packer& p, const std::string& s) { p.pack(s); }
void pack(Packer& p, const ConnectionFilter& f) {
  p.pack_array(4);
  p.pack(f.user);
  p.pack(f.client);
  p.pack(f.session);
  p.pack(f.whitelist);
}

/// Reads msgpack objects with type checks; the first mismatch makes `ok` false.
class Reader {
 public:
  Reader(const msgpack::object& array, uint32_t from) : array_(array), i_(from) {
    ok = array.type == msgpack::type::ARRAY;
  }
  bool ok;

  const msgpack::object* next() {
    if (!ok || i_ >= array_.via.array.size) {
      ok = false;
      return nullptr;
    }
    return &array_.via.array.ptr[i_++];
  }
  template <class T>
  T as() {
    T out{};
    const msgpack::object* o = next();
    if (!o) return out;
    try {
      o->convert(out);
    } catch (const std::exception&) {
      ok = false;
    }
    return out;
  }
  ConnectionFilter filter() {
    ConnectionFilter f;
    const msgpack::object* o = next();
    if (!o) return f;
    Reader r(*o, 0);
    f.user = r.as<std::string>();
    f.client = r.as<std::string>();
    f.session = r.as<std::string>();
    f.whitelist = r.as<std::vector<std::string>>();
    ok = ok && r.ok;
    return f;
  }

 private:
  const msgpack::object& array_;
  uint32_t i_;
};

struct BodyPacker {
  Packer& p;
  void operator()(const Subscribe& b) const {
    const auto& r = b.request;
    p.pack(static_cast<uint32_t>(Kind::subscribe));
    pack(p, b.filter);
    p.pack(r.channel);
    p.pack(r.expire_at);
    p.pack(r.info);
    p.pack(r.data);
    p.pack(r.recover_since.has_value());
    p.pack(r.recover_since ? r.recover_since->offset : 0);
    p.pack(r.recover_since ? r.recover_since->epoch : std::string());
    p.pack(r.override);
  }
  void operator()(const Unsubscribe& b) const {
    p.pack(static_cast<uint32_t>(Kind::unsubscribe));
    pack(p, b.filter);
    p.pack(b.channel);
  }
  void operator()(const Disconnect& b) const {
    p.pack(static_cast<uint32_t>(Kind::disconnect));
    pack(p, b.filter);
    p.pack(b.code);
    p.pack(b.reason);
  }
  void operator()(const Refresh& b) const {
    p.pack(static_cast<uint32_t>(Kind::refresh));
    pack(p, b.filter);
    p.pack(b.request.expired);
    p.pack(b.request.expire_at);
    p.pack(b.request.info);
  }
  void operator()(const Alive& b) const {
    const auto& n = b.node;
    p.pack(static_cast<uint32_t>(Kind::alive));
    p.pack(n.uid);
    p.pack(n.name);
    p.pack(n.version);
    p.pack(n.num_clients);
    p.pack(n.num_users);
    p.pack(n.num_channels);
    p.pack(n.num_subs);
    p.pack(n.uptime_s);
  }
  void operator()(const SurveyRequest& b) const {
    p.pack(static_cast<uint32_t>(Kind::survey_request));
    p.pack(b.id);
    p.pack(b.op);
  }
  void operator()(const SurveyReply& b) const {
    p.pack(static_cast<uint32_t>(Kind::survey_reply));
    p.pack(b.id);
    p.pack(b.channels);
  }
};

/// Fields after [version, from, to] per kind (the kind included).
uint32_t field_count(const ControlMessage::Body& body) {
  return std::visit(
      [](const auto& b) -> uint32_t {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, Subscribe>) return 10;
        if constexpr (std::is_same_v<T, Unsubscribe>) return 3;
        if constexpr (std::is_same_v<T, Disconnect>) return 4;
        if constexpr (std::is_same_v<T, Refresh>) return 5;
        if constexpr (std::is_same_v<T, Alive>) return 9;
        if constexpr (std::is_same_v<T, SurveyRequest>) return 3;
        return 3;  // SurveyReply
      },
      body);
}

std::optional<ControlMessage::Body> read_body(Kind kind, Reader& r) {
  switch (kind) {
    case Kind::subscribe: {
      Subscribe b;
      b.filter = r.filter();
      b.request.channel = r.as<std::string>();
      b.request.expire_at = r.as<int64_t>();
      b.request.info = r.as<std::string>();
      b.request.data = r.as<std::string>();
      const bool recover = r.as<bool>();
      StreamPosition since{r.as<uint64_t>(), r.as<std::string>()};
      if (recover) b.request.recover_since = since;
      b.request.override = r.as<std::map<std::string, bool>>();
      return b;
    }
    case Kind::unsubscribe: {
      Unsubscribe b;
      b.filter = r.filter();
      b.channel = r.as<std::string>();
      return b;
    }
    case Kind::disconnect: {
      Disconnect b;
      b.filter = r.filter();
      b.code = r.as<uint32_t>();
      b.reason = r.as<std::string>();
      return b;
    }
    case Kind::refresh: {
      Refresh b;
      b.filter = r.filter();
      b.request.expired = r.as<bool>();
      b.request.expire_at = r.as<int64_t>();
      b.request.info = r.as<std::string>();
      return b;
    }
    case Kind::alive: {
      Alive b;
      auto& n = b.node;
      n.uid = r.as<std::string>();
      n.name = r.as<std::string>();
      n.version = r.as<std::string>();
      n.num_clients = r.as<uint32_t>();
      n.num_users = r.as<uint32_t>();
      n.num_channels = r.as<uint32_t>();
      n.num_subs = r.as<uint32_t>();
      n.uptime_s = r.as<uint64_t>();
      return b;
    }
    case Kind::survey_request: {
      SurveyRequest b;
      b.id = r.as<uint64_t>();
      b.op = r.as<std::string>();
      return b;
    }
    case Kind::survey_reply: {
      SurveyReply b;
      b.id = r.as<uint64_t>();
      b.channels = r.as<ChannelCounts>();
      return b;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string encode(const ControlMessage& message) {
  msgpack::sbuffer buf;
  Packer p(buf);
  p.pack_array(3 + field_count(message.body));
  p.pack(kVersion);
  p.pack(message.from);
  p.pack(message.to);
  std::visit(BodyPacker{p}, message.body);
  return std::string(buf.data(), buf.size());
}

std::optional<ControlMessage> decode(std::string_view bytes) {
  try {
    msgpack::object_handle oh = msgpack::unpack(bytes.data(), bytes.size());
    const msgpack::object& root = oh.get();
    Reader r(root, 0);
    if (r.as<uint32_t>() != kVersion || !r.ok) return std::nullopt;
    ControlMessage m;
    m.from = r.as<std::string>();
    m.to = r.as<std::string>();
    const auto kind = static_cast<Kind>(r.as<uint32_t>());
    if (!r.ok) return std::nullopt;
    auto body = read_body(kind, r);
    if (!body || !r.ok) return std::nullopt;
    m.body = std::move(*body);
    return m;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace herald::control
