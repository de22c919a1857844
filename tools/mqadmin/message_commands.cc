// sendMessage, consumeMessage, queryMsgById over mq_client (the flag handling and output
// formats are in message_format.h; the contract is docs/mqadmin.md).

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <memory>

#include "absl/strings/str_format.h"
#include "client/admin.h"
#include "client/producer.h"
#include "client/pull_consumer.h"
#include "client/status.h"
#include "tools/mqadmin/client_flags.h"
#include "tools/mqadmin/commands.h"
#include "tools/mqadmin/message_format.h"

namespace mq::tools::mqadmin {
namespace {

// sendMessage --stdin keeps at most this many results outstanding before it waits for the
// oldest (the producer batches them meanwhile), so memory stays bounded on long inputs.
constexpr size_t kSendsInFlightMax = 4096;

absl::Status RunSendMessage(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<SendSettings> settings = SendSettingsFromFlags(flags);
  if (!settings.ok()) return settings.status();
  absl::StatusOr<client::ClientOptions> options = ClientOptionsFromFlags(flags);
  if (!options.ok()) return options.status();
  client::ProducerOptions producer_options;
  producer_options.client = *options;
  producer_options.producer_group = "mqadmin";
  absl::StatusOr<std::unique_ptr<client::Producer>> producer =
      client::Producer::Create(producer_options);
  if (!producer.ok()) return producer.status();

  const bool json = flags.GetSwitch("json");
  uint64_t messages = 0;
  uint64_t failures = 0;
  absl::Status first_failure;
  const auto report = [&](const absl::StatusOr<client::SendResult>& result) {
    ++messages;
    if (result.ok()) {
      io.out << (json ? SendResultJson(*result) : SendResultText(*result)) << "\n";
      return;
    }
    ++failures;
    if (first_failure.ok()) first_failure = result.status();
    const std::string error(result.status().message());
    const std::string code = client::FailureCodeName(result.status());
    const bool definite = client::IsDefiniteFailure(result.status());
    // Human output of a single --body message: the error line on stderr says it all.
    if (json || settings->from_stdin) {
      io.out << (json ? SendErrorJson(error, code, definite) : SendErrorText(error, code, definite))
             << "\n";
    }
  };

  if (!settings->from_stdin) {
    client::Message message = settings->prototype;
    message.body = settings->body;
    report((*producer)->Send(settings->topic, std::move(message)));
  } else {
    std::deque<std::future<absl::StatusOr<client::SendResult>>> pending;
    const auto ready = [](auto& future) {
      return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };
    std::string line;
    while (std::getline(io.in, line)) {
      client::Message message = settings->prototype;
      message.body = std::move(line);
      pending.push_back((*producer)->SendAsync(settings->topic, std::move(message)));
      while (!pending.empty() && (pending.size() > kSendsInFlightMax || ready(pending.front()))) {
        report(pending.front().get());
        pending.pop_front();
      }
    }
    (*producer)->Flush();
    for (auto& future : pending) report(future.get());
  }
  (*producer)->Close();
  io.out.flush();

  if (failures == 0) return absl::OkStatus();
  if (messages == 1) return first_failure;
  return absl::Status(first_failure.code(),
                      absl::StrFormat("%d of %d messages failed; first: %s", failures, messages,
                                      std::string(first_failure.message())));
}

absl::Status RunConsumeMessage(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<ConsumeSettings> settings = ConsumeSettingsFromFlags(flags);
  if (!settings.ok()) return settings.status();
  absl::StatusOr<client::ClientOptions> options = ClientOptionsFromFlags(flags);
  if (!options.ok()) return options.status();
  settings->consumer.client = *options;
  absl::StatusOr<std::unique_ptr<client::PullConsumer>> consumer =
      client::PullConsumer::Create(settings->consumer);
  if (!consumer.ok()) return consumer.status();
  if (absl::Status status = (*consumer)->Subscribe(settings->topic, settings->tag_filter);
      !status.ok()) {
    return status;
  }

  using Clock = std::chrono::steady_clock;
  const auto idle_timeout = std::chrono::milliseconds(settings->idle_timeout_ms);
  const bool json = flags.GetSwitch("json");
  PrintedOffsets printed;
  uint64_t count = 0;
  absl::Status poll_status;
  Clock::time_point idle_deadline = Clock::now() + idle_timeout;
  bool first_poll = true;
  while (settings->count_max == 0 || count < settings->count_max) {
    const Clock::time_point now = Clock::now();
    if (now >= idle_deadline && !first_poll) break;
    first_poll = false;
    const auto remaining_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(idle_deadline - now).count();
    absl::StatusOr<std::vector<client::ReceivedMessage>> messages =
        (*consumer)->Poll(static_cast<uint32_t>(std::max<int64_t>(remaining_ms, 0)));
    if (!messages.ok()) {
      poll_status = messages.status();
      break;
    }
    if (messages->empty()) continue;
    idle_deadline = Clock::now() + idle_timeout;
    for (const client::ReceivedMessage& message : *messages) {
      if (settings->count_max != 0 && count >= settings->count_max) break;
      io.out << (json ? MessageJson(message) : MessageLine(message)) << "\n";
      printed.Record(message);
      ++count;
    }
    io.out.flush();
  }

  // Commit exactly what was printed, even when a poll failed after some messages.
  absl::Status commit_status;
  for (const auto& [queue, next_offset] : printed.next_offsets()) {
    absl::Status status = (*consumer)->Commit(queue.first, queue.second, next_offset);
    if (!status.ok() && commit_status.ok()) {
      commit_status = absl::Status(
          status.code(), absl::StrFormat("committing %s queue %d offset %d: %s", queue.first,
                                         queue.second, next_offset, std::string(status.message())));
    }
  }
  (*consumer)->Close();
  if (!poll_status.ok()) return poll_status;
  return commit_status;
}

absl::Status RunQueryMsgById(const ParsedFlags& flags, CommandIo& io) {
  absl::StatusOr<protocol::MessageId> id = protocol::ParseMessageId(flags.Get("id"));
  if (!id.ok()) return UsageError("--id: " + std::string(id.status().message()));
  absl::StatusOr<std::unique_ptr<client::Admin>> admin = AdminFromFlags(flags);
  if (!admin.ok()) return admin.status();
  absl::StatusOr<client::ReceivedMessage> message = (*admin)->QueryMessageById(*id);
  if (!message.ok()) return message.status();
  if (flags.GetSwitch("json")) {
    io.out << MessageJson(*message) << "\n";
  } else {
    io.out << MessageDetail(*message);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> MessageCommands() {
  return {
      {.name = "sendMessage",
       .summary = "send one message (--body) or one per input line (--stdin)",
       .description =
           "Sends through one idempotent producer, in input order. With --stdin every line of\n"
           "standard input (without its '\\n') is one message body. Prints one line per message,\n"
           "in input order; --json: {\"msg_id\",\"topic\",\"queue\",\"offset\"} on success, or\n"
           "{\"error\",\"code\",\"definite\"} where definite is true only if the message was\n"
           "certainly not stored. Exit 0 iff every message was sent.",
       .flags = SendMessageFlags(),
       .run = RunSendMessage},
      {.name = "consumeMessage",
       .summary = "consume as a member of a group, print, commit what was printed",
       .description =
           "Joins --group (clustering: gets a share of the queues; broadcasting: reads every\n"
           "queue under --instance) and prints messages of --topic until --count messages were\n"
           "printed or --timeout seconds pass with no new message; then commits, per queue, one\n"
           "past the last printed offset. --from applies to queues the group has no committed\n"
           "offset for. --json: one object per line: {\"msg_id\",\"topic\",\"queue\",\"offset\",\n"
           "\"key\",\"tag\",\"properties\",\"body\",\"born_time_ms\",\"store_time_ms\"}.",
       .flags = ConsumeMessageFlags(),
       .run = RunConsumeMessage},
      {.name = "queryMsgById",
       .summary = "print a message by its id",
       .description =
           "Fetches the message --id names (group, raft index, slot: 32 hex digits) from its data\n"
           "group's leader and prints every field. --json: the consumeMessage object.",
       .flags = QueryMsgByIdFlags(),
       .run = RunQueryMsgById},
  };
}

}  // namespace mq::tools::mqadmin
