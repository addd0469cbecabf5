// PresenceRouter: presence of state-tracked namespaces goes to the channel's partition actor
// (removals with their reason), everything else to the engine.
#include "actors/partition/presence_router.hpp"

#include <gtest/gtest.h>

#include "tests/actors/deterministic.hpp"

namespace herald {
namespace {

using test::Probe;

class PresenceRouterTest : public ::testing::Test, public test::DeterministicSystem {
 protected:
  PresenceRouterTest() {
    for (int i = 0; i < 4; ++i) parts_.emplace_back(sys());
    std::vector<partition_actor> handles;
    for (auto& p : parts_) handles.push_back(p.as<partition_actor>());
    router_ = std::make_unique<PresenceRouter>(engine_.as<engine_actor>(), handles);
    tracked_.presence = true;
    tracked_.state_proxy_enabled = true;
    plain_.presence = true;
  }

  Probe engine_{sys()};
  std::vector<Probe> parts_;
  std::unique_ptr<PresenceRouter> router_;
  ChannelOptions tracked_, plain_;
};

TEST_F(PresenceRouterTest, StateTrackedChannelsGoToTheirPartition) {
  const std::string ch = "chat:index";
  const auto p = partition_of(ch, 4);
  EXPECT_TRUE(router_->tracked(&tracked_));
  EXPECT_FALSE(router_->tracked(&plain_));
  EXPECT_FALSE(router_->tracked(nullptr));
  EXPECT_EQ(caf::actor_cast<caf::actor>(router_->target(ch, &tracked_)),
            parts_[p].as<caf::actor>());
  EXPECT_EQ(caf::actor_cast<caf::actor>(router_->target(ch, &plain_)), engine_.as<caf::actor>());

  router_->remove(ch, &tracked_, ClientInfo{"u", "c1", "", ""}, StateReason::disconnect);
  run();
  auto got = parts_[p].take_all<pres_drop_atom>();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].get_as<std::string>(1), ch);
  EXPECT_EQ(got[0].get_as<StateReason>(3), StateReason::disconnect);
  EXPECT_TRUE(engine_.take().empty());

  router_->remove(ch, &plain_, ClientInfo{"u", "c1", "", ""}, StateReason::disconnect);
  run();
  EXPECT_EQ(engine_.take_all<pres_rm_atom>().size(), 1u);
}

TEST_F(PresenceRouterTest, WithoutPartitionsEverythingIsTheEngines) {
  PresenceRouter none(engine_.as<engine_actor>(), {});
  EXPECT_FALSE(none.tracked(&tracked_));
  EXPECT_EQ(caf::actor_cast<caf::actor>(none.target("chat:a", &tracked_)),
            engine_.as<caf::actor>());
}

}  // namespace
}  // namespace herald
