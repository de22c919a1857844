#pragma once

// GroupCoordinator: consumer-group membership and queue assignment for clustering groups.
//
// Lives on the controller leader only, in memory: nothing of it is replicated. When leadership
// moves, the old leader calls Reset() and consumers rejoin at the new leader (their heartbeats
// answer kNotLeader there first). Deterministic: time is the tick count the glue passes to
// Tick(now); session timeouts are in ticks (the glue converts a request's ms).
//
// Clustering groups (the subscription group must exist in the current view, else
// kUnknownGroup):
//   Join      adds the member (a new id "<client_id>-<counter>" when member_id is empty; an
//             unknown non-empty id is taken as is, so members keep their ids across a
//             controller failover) or updates it; subscriptions empty = the group's
//             configured ones. The generation
//             moves (+1) when membership or a member's subscriptions change, and assignments
//             are recomputed then. Answers the member's current generation and assignment.
//   Heartbeat kUnknownMember for a member not in the group; kRebalanceInProgress when the
//             request's generation is not the current one (the member calls SyncGroup);
//             else kOk. Keeps the session alive either way.
//   SyncGroup the current generation and the member's assignment (kUnknownMember if gone).
//   Leave     removes the member (generation + 1); kUnknownMember if not there.
//   Tick(now) expires members not heard from for more than their session timeout
//             (generation + 1 for each group that lost members).
//   CheckGeneration  for CommitOffset: kOk for the current generation of a known member,
//             kUnknownMember for an unknown one, kFenced for any other generation. An empty
//             member id (an administrative commit such as an offset reset) is always kOk.
//   OnViewChanged  new metadata: assignments are recomputed; the generation moves where they
//             changed; groups gone from the view, or now broadcasting, drop their members.
// Assignment (average allocation): the queues of the topics members subscribe to are grouped
// by the exact set of members subscribing to their topic (one set when all members subscribe
// alike); within each set the queues, sorted by (topic, queue), are split among its members,
// sorted by member id, in contiguous shares: member i gets Q / M, and the first Q % M members
// one more. A member's assignment is sorted by (topic, queue).
// Broadcasting groups have no membership: Join answers generation 0 and every queue of the
// subscribed topics, Heartbeat and SyncGroup answer kOk with generation 0, CheckGeneration
// kOk; each instance commits its own offsets.
//
// The answers are the protocol response structs with header.error_code / message / definite
// set (definite = true for every failure: none of these changes anything when it fails). The
// glue fills leader hints and JoinGroupResponse.heartbeat_interval_ms.
// Single-threaded: owned by the controller group's strand.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/controller/cluster_view.h"
#include "client/protocol/messages.h"

namespace mq::broker {

struct GroupCoordinatorLimits {
  // Joins beyond this answer kInvalidArgument.
  size_t members_per_group_max = 4096;
};

// A clustering group's live state, for ConsumerProgress.
struct GroupDescription {
  uint64_t generation = 0;
  std::vector<protocol::MemberInfo> members{};  // by member id, with assignments
};

class GroupCoordinator {
 public:
  explicit GroupCoordinator(std::shared_ptr<const ClusterView> view,
                            GroupCoordinatorLimits limits = {});

  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // `session_timeout_ticks` (at least 1 is used) from request.session_timeout_ms.
  protocol::JoinGroupResponse Join(const protocol::JoinGroupRequest& request,
                                   uint64_t session_timeout_ticks);
  protocol::HeartbeatResponse Heartbeat(const protocol::HeartbeatRequest& request);
  protocol::SyncGroupResponse Sync(const protocol::SyncGroupRequest& request);
  protocol::LeaveGroupResponse Leave(const protocol::LeaveGroupRequest& request);
  protocol::ResponseHeader CheckGeneration(std::string_view group, std::string_view member_id,
                                           uint64_t generation) const;

  // Advances time to `now_ticks` (never backwards) and expires silent members.
  // Returns how many members expired.
  size_t Tick(uint64_t now_ticks);
  void OnViewChanged(std::shared_ptr<const ClusterView> view);
  // Forgets every member (leadership lost). The member id counter keeps counting.
  void Reset();

  // nullopt when the coordinator knows no such clustering group (never joined since Reset).
  std::optional<GroupDescription> Describe(std::string_view group) const;
  uint64_t now_ticks() const { return now_ticks_; }

 private:
  struct Member {
    std::string client_id;
    std::string instance;
    std::vector<protocol::Subscription> subscriptions;  // as joined (may be empty)
    uint64_t session_timeout_ticks = 1;
    uint64_t last_seen_ticks = 0;
    std::vector<protocol::QueueRef> assignment;
  };
  struct Group {
    uint64_t generation = 0;
    std::map<std::string, Member, std::less<>> members;
  };

  static protocol::ResponseHeader Fail(protocol::ErrorCode code, std::string message);
  static protocol::ResponseHeader UnknownGroup(std::string_view group);
  static protocol::ResponseHeader UnknownMember(std::string_view group, std::string_view member_id);
  // The clustering group `name` in the view, or the failure to answer.
  const protocol::SubGroupConfig* FindConfig(std::string_view name) const;
  // What a request naming a group and a member finds: an error (unknown group or member), a
  // broadcasting group (members are not tracked), or the member of a clustering group.
  struct MemberLookup {
    protocol::ResponseHeader error;  // error_code kOk unless the lookup failed
    const protocol::SubGroupConfig* config = nullptr;
    bool broadcasting = false;
    Group* group = nullptr;    // set for a found member
    Member* member = nullptr;  // set for a found member
  };
  MemberLookup FindMember(std::string_view group_name, std::string_view member_id);
  // Recomputes the assignments of `group`; bumps the generation when `membership_changed` or
  // any assignment differs.
  void Rebalance(const protocol::SubGroupConfig& config, Group& group, bool membership_changed);
  // Every queue of the topics in `subscriptions` (the group's own when empty), sorted.
  std::vector<protocol::QueueRef> SubscribedQueues(
      const protocol::SubGroupConfig& config,
      const std::vector<protocol::Subscription>& subscriptions) const;
  std::string NewMemberId(const Group& group, std::string_view client_id);

  std::shared_ptr<const ClusterView> view_;
  GroupCoordinatorLimits limits_;
  std::map<std::string, Group, std::less<>> groups_;
  uint64_t now_ticks_ = 0;
  uint64_t member_counter_ = 0;
};

}  // namespace mq::broker
