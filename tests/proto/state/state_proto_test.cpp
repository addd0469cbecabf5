#include "proto/state/state_proto.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <gtest/gtest.h>

#include <memory>

#include "tests/proto/state/sample_events.hpp"

namespace herald::state {
namespace {

ChannelStateBatch sample() { return test::occupied_then_vacated("presence_expired", 7); }

TEST(StateProto, FieldsAndNumbers) {
  proxypb::NotifyChannelStateRequest req;
  to_proto(sample(), req);
  ASSERT_EQ(req.events_size(), 2);
  EXPECT_EQ(req.events(0).channel(), "chat:index");
  EXPECT_EQ(req.events(0).type(), "occupied");
  EXPECT_EQ(req.events(0).time_ms(), 1697206286533);
  EXPECT_EQ(req.events(0).gen(), 1u);
  EXPECT_EQ(req.events(0).id(), "7-1");
  EXPECT_EQ(req.events(0).reason(), "");
  EXPECT_EQ(req.events(1).type(), "vacated");
  EXPECT_EQ(req.events(1).reason(), "presence_expired");

  // Centrifugo's three fields keep their numbers (1 time_ms, 2 channel, 3 type); Herald's
  // are 4 gen, 5 id, 6 reason.
  const auto* d = proxypb::ChannelEvent::descriptor();
  EXPECT_EQ(d->FindFieldByName("time_ms")->number(), 1);
  EXPECT_EQ(d->FindFieldByName("channel")->number(), 2);
  EXPECT_EQ(d->FindFieldByName("type")->number(), 3);
  EXPECT_EQ(d->FindFieldByName("gen")->number(), 4);
  EXPECT_EQ(d->FindFieldByName("id")->number(), 5);
  EXPECT_EQ(d->FindFieldByName("reason")->number(), 6);
}

TEST(StateProto, ReasonIsNotSentOnOccupied) {
  auto b = sample();
  b[0].reason = "disconnect";
  proxypb::NotifyChannelStateRequest req;
  to_proto(b, req);
  EXPECT_FALSE(req.events(0).reason().size());
}

TEST(StateProto, RoundTripThroughBytes) {
  proxypb::NotifyChannelStateRequest req;
  to_proto(sample(), req);
  proxypb::NotifyChannelStateRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(req.SerializeAsString()));
  EXPECT_EQ(from_proto(parsed), sample());
}

TEST(StateProto, OldReceiverSkipsTheExtensions) {
  // A receiver built from Centrifugo's schema knows ChannelEvent fields 1-3 only: build that
  // schema at run time and decode Herald's bytes with it.
  google::protobuf::FileDescriptorProto file;
  file.set_name("old_proxy.proto");
  file.set_package("old");
  file.set_syntax("proto3");
  auto* ev = file.add_message_type();
  ev->set_name("ChannelEvent");
  auto field = [&](const char* name, int number, google::protobuf::FieldDescriptorProto::Type t) {
    auto* f = ev->add_field();
    f->set_name(name);
    f->set_number(number);
    f->set_type(t);
    f->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  };
  field("time_ms", 1, google::protobuf::FieldDescriptorProto::TYPE_INT64);
  field("channel", 2, google::protobuf::FieldDescriptorProto::TYPE_STRING);
  field("type", 3, google::protobuf::FieldDescriptorProto::TYPE_STRING);
  google::protobuf::DescriptorPool pool;
  const auto* fd = pool.BuildFile(file);
  ASSERT_NE(fd, nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> old(
      factory.GetPrototype(fd->FindMessageTypeByName("ChannelEvent"))->New());

  proxypb::NotifyChannelStateRequest req;
  to_proto(sample(), req);
  ASSERT_TRUE(old->ParseFromString(req.events(1).SerializeAsString()));
  const auto* refl = old->GetReflection();
  const auto* d = old->GetDescriptor();
  EXPECT_EQ(refl->GetInt64(*old, d->FindFieldByName("time_ms")), 1697206291533);
  EXPECT_EQ(refl->GetString(*old, d->FindFieldByName("channel")), "chat:index");
  EXPECT_EQ(refl->GetString(*old, d->FindFieldByName("type")), "vacated");
  EXPECT_EQ(refl->GetUnknownFields(*old).field_count(), 3);  // gen, id, reason: skipped
}

TEST(StateProto, ToProtoClearsWhatWasThere) {
  proxypb::NotifyChannelStateRequest req;
  to_proto(sample(), req);
  to_proto({}, req);
  EXPECT_EQ(req.events_size(), 0);
}

TEST(StateProto, AnswerRule) {
  proxypb::NotifyChannelStateResponse ok_answer;
  ok_answer.mutable_result();
  EXPECT_TRUE(judge_grpc_answer(0, "", ok_answer).ok);
  EXPECT_TRUE(judge_grpc_answer(0, "", proxypb::NotifyChannelStateResponse{}).ok);

  auto r = judge_grpc_answer(14, "failed to connect", ok_answer);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "gRPC status 14: failed to connect");

  proxypb::NotifyChannelStateResponse with_error;
  with_error.mutable_result();
  with_error.mutable_error()->set_code(1000);
  with_error.mutable_error()->set_message("backend busy");
  r = judge_grpc_answer(0, "", with_error);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "error 1000: backend busy");

  proxypb::NotifyChannelStateResponse empty_error;
  empty_error.mutable_error();
  EXPECT_FALSE(judge_grpc_answer(0, "", empty_error).ok);
}

}  // namespace
}  // namespace herald::state
