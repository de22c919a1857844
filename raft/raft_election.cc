// Elections: pre-vote and vote campaigns, granting votes, counting them (Raft §5.2, §5.4.1;
// thesis §9.6 for pre-vote).

#include <string>

#include "raft/quorum.h"
#include "raft/raft.h"

namespace mq::raft {

void Raft::Hup(CampaignType type) {
  if (role_ == Role::kLeader) return;
  if (!Promotable()) return;  // a learner, a removed node, or one installing a snapshot
  Campaign(type);
}

void Raft::Campaign(CampaignType type) {
  uint64_t vote_term;
  MessageType request;
  if (type == CampaignType::kPreElection) {
    BecomePreCandidate();
    request = MessageType::kPreVote;
    vote_term = term_ + 1;  // asked about the next term, which nobody enters yet
  } else {
    BecomeCandidate();
    request = MessageType::kVote;
    vote_term = term_;
  }
  const MessageType response =
      request == MessageType::kPreVote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  const EntryId last = log_.LastEntryId();
  for (NodeId voter : CurrentConf().voters) {
    Message m;
    m.to = voter;
    m.term = vote_term;
    if (voter == id_) {
      // Our own vote counts only once the new term and vote are durable: it comes back as a
      // message after this Ready is persisted.
      m.type = response;
    } else {
      m.type = request;
      m.index = last.index;
      m.log_term = last.term;
      if (type == CampaignType::kTransfer) m.context = std::string(kTransferContext);
    }
    Send(std::move(m));
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  // We may vote again for the same candidate (a retransmission), vote if we have not voted
  // and know no leader in this term, or pre-vote for a future term.
  const bool can_vote = vote_ == m.from || (vote_ == kNoNode && leader_ == kNoNode) ||
                        (m.type == MessageType::kPreVote && m.term > term_);
  Message resp;
  resp.to = m.from;
  resp.type =
      m.type == MessageType::kVote ? MessageType::kVoteResponse : MessageType::kPreVoteResponse;
  if (can_vote && log_.IsUpToDate(EntryId{m.log_term, m.index})) {
    // Answer with the request's term: a pre-candidate ignores responses from older terms.
    resp.term = m.term;
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  Send(std::move(resp));
}

void Raft::HandleVoteResponse(const Message& m) {
  votes_[m.from] = !m.reject;
  switch (TallyVotes(CurrentConf().voters, votes_)) {
    case VoteResult::kWon:
      if (role_ == Role::kPreCandidate) {
        Campaign(CampaignType::kElection);
      } else {
        BecomeLeader();
      }
      break;
    case VoteResult::kLost:
      // A rejected pre-vote carries a term no newer than ours (newer ones made us a follower
      // in Step); stay in our term.
      BecomeFollower(term_, kNoNode);
      break;
    case VoteResult::kPending:
      break;
  }
}

}  // namespace mq::raft
