// The other nodes of the cluster as this node knows them: each announces itself periodically
// (control::Alive), and one not heard from within `lapse` is dropped. Plain class with the time
// passed in, unit-tested alone.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "engine/control/control.hpp"

namespace herald {

class NodeDirectory {
 public:
  using Clock = std::chrono::steady_clock;

  explicit NodeDirectory(std::chrono::milliseconds lapse) : lapse_(lapse) {}

  /// Records an announcement; returns true when the node was not known before.
  bool heard(const NodeInfo& node, Clock::time_point now) {
    auto [it, added] = nodes_.insert_or_assign(node.uid, Entry{node, now});
    (void)it;
    return added;
  }

  /// Drops nodes not heard from within the lapse; returns their uids.
  std::vector<std::string> prune(Clock::time_point now) {
    std::vector<std::string> gone;
    for (auto it = nodes_.begin(); it != nodes_.end();) {
      if (now - it->second.last_heard > lapse_) {
        gone.push_back(it->first);
        it = nodes_.erase(it);
      } else {
        ++it;
      }
    }
    return gone;
  }

  /// The live nodes, ordered by uid.
  std::vector<NodeInfo> nodes() const {
    std::vector<NodeInfo> out;
    out.reserve(nodes_.size());
    for (const auto& [uid, e] : nodes_) out.push_back(e.info);
    return out;
  }
  size_t size() const { return nodes_.size(); }

 private:
  struct Entry {
    NodeInfo info;
    Clock::time_point last_heard;
  };
  std::chrono::milliseconds lapse_;
  std::map<std::string, Entry> nodes_;
};

}  // namespace herald
