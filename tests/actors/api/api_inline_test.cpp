// run_api_inline with a publisher that answers on another thread, as the Redis engine does
// (its answers come on an io thread, maybe before the call that published has returned):
// batches keep their order and answer once, sequential or parallel.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "actors/api/api_actor.hpp"
#include "config/config_loader.hpp"

namespace herald {
namespace {

using nlohmann::json;

/// Answers every publish on its own thread, in the order they came, with the next offset.
class ThreadedPublisher final : public DirectPublisher {
 public:
  ThreadedPublisher() : worker_([this] { loop(); }) {}
  ~ThreadedPublisher() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  void publish(const std::string& channel, Publication, const PublishOptions&,
               Done done) override {
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back(channel, std::move(done));
    }
    cv_.notify_all();
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto [channel, done] = std::move(queue_.front());
      queue_.pop_front();
      PublishOutcome out;
      out.position.offset = ++offsets_[channel];
      out.position.epoch = "e";
      lock.unlock();
      done(Error{}, out);
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, Done>> queue_;
  std::map<std::string, uint64_t> offsets_;
  bool stop_ = false;
  std::thread worker_;
};

class ApiInlineTest : public ::testing::Test {
 protected:
  ApiInlineTest() {
    auto loaded = load_config_json(
        R"({"channel": {"namespaces": [{"name": "chat", "history_size": 10, "history_ttl": "60s"}]}})",
        {});
    EXPECT_TRUE(loaded.config);
    auto config = std::make_shared<const Config>(loaded.config.value_or(Config{}));
    ctx_.config = config;
    ctx_.resolver = std::make_shared<const ChannelResolver>(*config);
    ctx_.publisher = std::make_shared<ThreadedPublisher>();
  }

  /// The answer, once it came (from whichever thread).
  ApiReply call(const std::string& method, const std::string& body) {
    auto answered = std::make_shared<std::promise<ApiReply>>();
    auto count = std::make_shared<std::atomic<int>>(0);
    auto future = answered->get_future();
    EXPECT_TRUE(run_api_inline(ctx_, method, body, [answered, count](ApiReply r) {
      if (++*count == 1) answered->set_value(std::move(r));
      else ADD_FAILURE() << "answered twice";
    }));
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  ApiContext ctx_;
};

std::string batch_of(int n, const std::string& channel, bool parallel) {
  json cmds = json::array();
  for (int i = 0; i < n; ++i)
    cmds.push_back({{"publish", {{"channel", channel}, {"data", i}}}});
  return json{{"commands", cmds}, {"parallel", parallel}}.dump();
}

TEST_F(ApiInlineTest, ASequentialBatchAnswersInOrderWhenAnswersComeOnAnotherThread) {
  for (int round = 0; round < 200; ++round) {
    auto r = call("batch", batch_of(20, "chat:seq", false));
    ASSERT_FALSE(r.error) << r.error.message;
    auto replies = json::parse(r.result_json)["replies"];
    ASSERT_EQ(replies.size(), 20u);
    for (size_t i = 1; i < replies.size(); ++i)
      ASSERT_EQ(replies[i]["publish"]["offset"].get<uint64_t>(),
                replies[i - 1]["publish"]["offset"].get<uint64_t>() + 1)
          << "round " << round;
  }
}

TEST_F(ApiInlineTest, AParallelBatchAndABroadcastAnswerOnceWithEveryReply) {
  for (int round = 0; round < 200; ++round) {
    auto r = call("batch", batch_of(20, "chat:par", true));
    ASSERT_EQ(json::parse(r.result_json)["replies"].size(), 20u);
    auto b = call("broadcast", R"({"channels":["chat:x","chat:y","nope:z"],"data":1})");
    auto responses = json::parse(b.result_json)["responses"];
    ASSERT_EQ(responses.size(), 3u);
    EXPECT_GT(responses[0]["result"]["offset"].get<uint64_t>(), 0u);
    EXPECT_EQ(responses[2]["error"]["code"], 102);
  }
}

TEST_F(ApiInlineTest, MethodsThatNeedAnActorAreLeftToIt) {
  EXPECT_FALSE(run_api_inline(ctx_, "history", R"({"channel":"chat:a"})", [](ApiReply) {
    ADD_FAILURE() << "answered inline";
  }));
  EXPECT_FALSE(run_api_inline(ctx_, "batch", R"({"commands":[{"presence":{"channel":"chat:a"}}]})",
                              [](ApiReply) { ADD_FAILURE() << "answered inline"; }));
  ApiContext without = ctx_;
  without.publisher = nullptr;
  EXPECT_FALSE(run_api_inline(without, "publish", R"({"channel":"chat:a","data":1})",
                              [](ApiReply) { ADD_FAILURE() << "answered inline"; }));
}

}  // namespace
}  // namespace herald
