#include "broker/core/controller/controller_command.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "storage/base/prng.h"

namespace mq::broker {
namespace {

using protocol::QueueOffset;

std::vector<ControllerCommand> SampleCommands() {
  protocol::SubGroupConfig group;
  group.name = "orders-consumers";
  group.mode = protocol::ConsumeMode::kBroadcasting;
  group.subscriptions = {{"orders", "a || b"}, {"payments", "*"}};
  group.max_retries = 3;
  group.retry_backoff_ms = {1000, 5000};
  group.fifo = true;
  return {
      protocol::CreateTopicRequest{.name = "orders",
                                   .queue_count = 8,
                                   .message_type = protocol::MessageType::kTransaction,
                                   .retention_ms = 86400000,
                                   .retention_bytes = 1ull << 40},
      protocol::DeleteTopicRequest{.name = "orders"},
      protocol::UpdateSubGroupRequest{.config = group},
      protocol::UpdateSubGroupRequest{.config = {.name = "plain"}},
      protocol::DeleteSubGroupRequest{.name = "orders-consumers"},
      AllocateProducerIdCommand{},
      CommitOffsetsCommand{.group = "g",
                           .instance = "host-1@42",
                           .offsets = {{"orders", 0, 17}, {"orders", 7, UINT64_MAX - 1}}},
      CommitOffsetsCommand{.group = "g", .instance = "", .offsets = {}},
  };
}

TEST(ControllerCommandTest, EveryCommandRoundTrips) {
  for (const ControllerCommand& command : SampleCommands()) {
    const std::string bytes = EncodeControllerCommand(command);
    absl::StatusOr<ControllerCommand> decoded = DecodeControllerCommand(bytes);
    ASSERT_TRUE(decoded.ok()) << ControllerCommandName(command) << ": " << decoded.status();
    EXPECT_EQ(*decoded, command) << ControllerCommandName(command);
    EXPECT_EQ(EncodeControllerCommand(*decoded), bytes);
  }
}

TEST(ControllerCommandTest, SpecificEncodersMatchTheGenericOne) {
  protocol::CreateTopicRequest create{.name = "t", .queue_count = 4};
  EXPECT_EQ(EncodeCreateTopic(create), EncodeControllerCommand(create));
  EXPECT_EQ(EncodeDeleteTopic({.name = "t"}),
            EncodeControllerCommand(protocol::DeleteTopicRequest{.name = "t"}));
  EXPECT_EQ(EncodeDeleteSubGroup({.name = "g"}),
            EncodeControllerCommand(protocol::DeleteSubGroupRequest{.name = "g"}));
  EXPECT_EQ(EncodeAllocateProducerId(), EncodeControllerCommand(AllocateProducerIdCommand{}));
  const std::vector<QueueOffset> offsets = {{"t", 1, 2}};
  EXPECT_EQ(EncodeCommitOffsets("g", "", offsets),
            EncodeControllerCommand(CommitOffsetsCommand{"g", "", offsets}));
  EXPECT_EQ(EncodeAllocateProducerId(), std::string("\x05\x01", 2));
}

TEST(ControllerCommandTest, Names) {
  const std::vector<ControllerCommand> commands = SampleCommands();
  EXPECT_EQ(ControllerCommandName(commands[0]), "CreateTopic");
  EXPECT_EQ(ControllerCommandName(commands[5]), "AllocateProducerId");
  EXPECT_EQ(ControllerCommandName(commands[6]), "CommitOffsets");
}

TEST(ControllerCommandTest, EveryTruncationFailsAndTrailingBytesFail) {
  for (const ControllerCommand& command : SampleCommands()) {
    const std::string bytes = EncodeControllerCommand(command);
    for (size_t size = 0; size < bytes.size(); ++size) {
      absl::StatusOr<ControllerCommand> d = DecodeControllerCommand(bytes.substr(0, size));
      ASSERT_FALSE(d.ok()) << ControllerCommandName(command) << " cut at " << size;
      EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    }
    absl::StatusOr<ControllerCommand> d = DecodeControllerCommand(bytes + "x");
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.status().message().find("trailing"), absl::string_view::npos) << d.status();
  }
}

TEST(ControllerCommandTest, RejectsUnknownTypesVersionsAndEnums) {
  EXPECT_FALSE(DecodeControllerCommand(std::string("\x00\x01", 2)).ok());
  EXPECT_FALSE(DecodeControllerCommand(std::string("\x07\x01", 2)).ok());
  absl::StatusOr<ControllerCommand> v2 = DecodeControllerCommand(std::string("\x05\x02", 2));
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.status().message().find("version 2"), absl::string_view::npos) << v2.status();

  std::string create = EncodeCreateTopic({.name = "t", .queue_count = 1});
  create[2 + 4 + 1] = 4;  // message type after the name
  EXPECT_FALSE(DecodeControllerCommand(create).ok());

  protocol::UpdateSubGroupRequest update{.config = {.name = "g"}};
  std::string bad_mode = EncodeUpdateSubGroup(update);
  bad_mode[2 + 4 + 1] = 2;  // mode after the name
  EXPECT_FALSE(DecodeControllerCommand(bad_mode).ok());
  std::string bad_fifo = EncodeUpdateSubGroup(update);
  bad_fifo.back() = 2;
  EXPECT_FALSE(DecodeControllerCommand(bad_fifo).ok());
}

TEST(ControllerCommandTest, RejectsOversizedFieldsAndForgedCounts) {
  EXPECT_FALSE(DecodeControllerCommand(
                   EncodeDeleteTopic({.name = std::string(kCommandNameBytesMax + 1, 'a')}))
                   .ok());
  EXPECT_TRUE(
      DecodeControllerCommand(EncodeDeleteTopic({.name = std::string(kCommandNameBytesMax, 'a')}))
          .ok());
  // A commit claiming 2^18 offsets in a few bytes: refused before allocating.
  std::string forged = EncodeCommitOffsets("g", "", {});
  EncodeFixed32(forged.data() + forged.size() - 4, 1u << 18);
  absl::StatusOr<ControllerCommand> d = DecodeControllerCommand(forged);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("cannot fit"), absl::string_view::npos) << d.status();
  EncodeFixed32(forged.data() + forged.size() - 4, (1u << 18) + 1);
  EXPECT_FALSE(DecodeControllerCommand(forged).ok());
  protocol::UpdateSubGroupRequest update{.config = {.name = "g"}};
  update.config.retry_backoff_ms.assign(kCommandRetryBackoffStepsMax + 1, 1);
  EXPECT_FALSE(DecodeControllerCommand(EncodeUpdateSubGroup(update)).ok());
  update.config.retry_backoff_ms.assign(kCommandRetryBackoffStepsMax, 1);
  EXPECT_TRUE(DecodeControllerCommand(EncodeUpdateSubGroup(update)).ok());
}

TEST(ControllerCommandTest, RandomGarbageNeverCrashes) {
  Prng prng(7);
  const std::vector<ControllerCommand> samples = SampleCommands();
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = EncodeControllerCommand(samples[prng.Uniform(samples.size())]);
    const int edits = static_cast<int>(prng.Range(1, 4));
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      bytes[prng.Uniform(bytes.size())] = static_cast<char>(prng.Uniform(256));
    }
    absl::StatusOr<ControllerCommand> d = DecodeControllerCommand(bytes);
    if (d.ok()) {
      EXPECT_EQ(EncodeControllerCommand(*d), bytes) << "decoding is canonical, seed 7 iter " << i;
    } else {
      EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace mq::broker
