#pragma once

// What the protocol's decoders accept: frames, request and response payloads, record batches.
//
// One struct for the whole protocol, so a broker configures its client port in one place. The
// defaults suit a broker's client port and its peer port alike; tighten them for fuzzing or for
// untrusted networks. Every decoder checks sizes against these BEFORE allocating, and a value
// above a limit is InvalidArgument naming the limit. A sender must stay within the receiver's
// limits: a broker states its frame and batch limits in HelloResponse.

#include <cstdint>

namespace mq::protocol {

struct ProtocolLimits {
  // --- Frames (client/protocol/frame.h) -------------------------------------------------------
  // A whole frame, header included. Peers carry Raft batches on the same framing, so this must
  // admit raft::wire::DecodeLimits::batch_bytes_max (64 MiB) plus room.
  uint64_t frame_bytes_max = 72ull << 20;

  // --- Payload verification (client/protocol/codec.h) -----------------------------------------
  // Tables the FlatBuffers Verifier may visit, and how deep they may nest (the schema needs 4).
  // Together with the decoder's sharing budget this bounds the memory a payload decodes into
  // (at most a few hundred bytes per table): a metadata response for 10,000 queues needs
  // about 15,000 tables.
  uint64_t tables_per_payload_max = 1ull << 18;
  uint64_t table_depth_max = 16;
  // Elements of any one list in a request or response (topics, queues, offsets, ...).
  uint64_t items_per_list_max = 1ull << 18;
  // Topic, consumer group, producer group and cluster names.
  uint64_t name_bytes_max = 127;
  // Client ids, member ids, instance names, software strings.
  uint64_t client_id_bytes_max = 255;
  // host:port strings.
  uint64_t address_bytes_max = 255;
  // The human-readable message of a ResponseHeader.
  uint64_t error_message_bytes_max = 4096;
  uint64_t tag_expression_bytes_max = 4096;
  // Each of Auth's mechanism, username and secret.
  uint64_t auth_bytes_max = 4096;
  uint64_t queues_per_topic_max = 1024;
  // FetchRequest bounds.
  uint64_t fetch_messages_max = 65536;
  uint64_t fetch_bytes_max = 32ull << 20;
  uint64_t fetch_wait_ms_max = 5 * 60 * 1000;
  // ProduceRequest.timeout_ms and JoinGroupRequest.session_timeout_ms.
  uint64_t request_timeout_ms_max = 10 * 60 * 1000;
  // SubGroupConfig bounds.
  uint64_t max_retries_max = 64;
  uint64_t retry_backoff_steps_max = 64;

  // --- Record batches (client/protocol/record_batch.h) ----------------------------------------
  // A batch as sent and stored (header and message section, compressed or not).
  uint64_t batch_bytes_max = 4ull << 20;
  // The message section once decompressed; checked before allocating.
  uint64_t batch_uncompressed_bytes_max = 16ull << 20;
  uint64_t messages_per_batch_max = 8192;
  // Per message. The format's own cap for each string below is 65535 bytes (a u16 length).
  uint64_t tag_bytes_max = 255;
  uint64_t keys_per_message_max = 64;
  uint64_t key_bytes_max = 255;
  uint64_t message_group_bytes_max = 255;
  uint64_t properties_per_message_max = 128;
  // All of one message's properties: names and values together.
  uint64_t property_bytes_max = 32ull << 10;
};

}  // namespace mq::protocol
