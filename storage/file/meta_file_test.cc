#include "storage/file/meta_file.h"

#include <optional>

#include "gtest/gtest.h"
#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/base/prng.h"
#include "storage/file/cutoff_filesystem.h"
#include "storage/file/test_seeds.h"
#include "storage/fs/posix_filesystem.h"
#include "storage/fs/sim_filesystem.h"
#include "storage/fs/temp_dir.h"

namespace mq::storage {
namespace {

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

class MetaFilePosixTest : public ::testing::Test {
 protected:
  std::unique_ptr<MetaFile> OpenMeta() {
    auto meta = MetaFile::Open(fs_, path_);
    EXPECT_TRUE(meta.ok()) << meta.status();
    return meta.ok() ? *std::move(meta) : nullptr;
  }

  std::string RawBytes() {
    auto file = fs_.Open(path_, OpenMode::kReadOnly);
    std::string bytes(*(*file)->Size(), '\0');
    EXPECT_TRUE((*file)->ReadAt(0, bytes.data(), bytes.size()).ok());
    return bytes;
  }

  void Overwrite(uint64_t offset, std::string_view bytes) {
    auto file = fs_.Open(path_, OpenMode::kReadWrite);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(offset, bytes).ok());
  }

  void FlipByte(uint64_t offset) {
    const std::string bytes = RawBytes();
    ASSERT_LT(offset, bytes.size());
    Overwrite(offset, std::string(1, static_cast<char>(bytes[offset] ^ 0x40)));
  }

  // The sequence stored in slot `slot` (read independently of MetaFile).
  uint64_t SlotSequence(int slot) {
    return DecodeFixed64(RawBytes().data() + slot * MetaFile::kSlotBytes + 8);
  }

  PosixFilesystem& fs_ = PosixFilesystem::Get();
  TempDir dir_;
  std::string path_ = JoinPath(dir_.path(), "hard_state");
};

TEST_F(MetaFilePosixTest, NewFileHoldsNoStateYet) {
  auto meta = OpenMeta();
  EXPECT_EQ(RawBytes().size(), MetaFile::kFileBytes);
  EXPECT_EQ(meta->sequence(), 0u);
  const auto read = meta->Read();
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(read.status(), path_)) << read.status();
  EXPECT_FALSE(*fs_.Exists(path_ + ".tmp"));
}

TEST_F(MetaFilePosixTest, WritesAlternateSlotsAndTheNewestWins) {
  auto meta = OpenMeta();
  ASSERT_TRUE(meta->Write("term=1").ok());
  EXPECT_EQ(*meta->Read(), "term=1");
  EXPECT_EQ(SlotSequence(1), 1u);  // slot 0 held the initial state
  ASSERT_TRUE(meta->Write("term=2").ok());
  EXPECT_EQ(SlotSequence(0), 2u);
  EXPECT_EQ(SlotSequence(1), 1u);
  ASSERT_TRUE(meta->Write("term=3").ok());
  EXPECT_EQ(SlotSequence(1), 3u);
  EXPECT_EQ(*meta->Read(), "term=3");
  EXPECT_EQ(meta->sequence(), 3u);
  meta.reset();

  auto reopened = OpenMeta();
  EXPECT_EQ(reopened->sequence(), 3u);
  EXPECT_EQ(*reopened->Read(), "term=3");
  ASSERT_TRUE(reopened->Write("term=4").ok());  // goes to the older slot, 0
  EXPECT_EQ(SlotSequence(0), 4u);
  EXPECT_EQ(*reopened->Read(), "term=4");
}

TEST_F(MetaFilePosixTest, EmptyPayloadIsAState) {
  auto meta = OpenMeta();
  ASSERT_TRUE(meta->Write("").ok());
  const auto read = meta->Read();
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "");
}

TEST_F(MetaFilePosixTest, PayloadLimitIsEnforced) {
  auto meta = OpenMeta();
  const std::string largest(MetaFile::kPayloadBytesMax, 'p');
  ASSERT_TRUE(meta->Write(largest).ok());
  EXPECT_EQ(*meta->Read(), largest);
  const absl::Status too_big = meta->Write(std::string(MetaFile::kPayloadBytesMax + 1, 'q'));
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(too_big, "4073 bytes")) << too_big;
  EXPECT_EQ(*meta->Read(), largest);
  EXPECT_EQ(meta->sequence(), 1u);
}

// Damaging the newest slot anywhere (header, payload, checksum) falls back to the previous
// state; damaging the older slot changes nothing.
TEST_F(MetaFilePosixTest, DamagedSlotFallsBackToTheOtherOne) {
  // Offsets inside a slot holding the 5-byte payload: magic, version, sequence, length,
  // payload, crc.
  for (const uint64_t offset : {0, 5, 9, 17, 20, 24, 25}) {
    SCOPED_TRACE(testing::Message() << "offset " << offset);
    ASSERT_TRUE(fs_.Remove(path_).ok() || !*fs_.Exists(path_));
    auto meta = OpenMeta();
    ASSERT_TRUE(meta->Write("old-1").ok());  // slot 1
    ASSERT_TRUE(meta->Write("new-2").ok());  // slot 0
    FlipByte(0 * MetaFile::kSlotBytes + offset);
    EXPECT_EQ(*meta->Read(), "old-1");
    meta.reset();

    // The writer, reopened, treats the damaged slot as the free one.
    auto reopened = OpenMeta();
    EXPECT_EQ(reopened->sequence(), 1u);
    ASSERT_TRUE(reopened->Write("new-3").ok());
    EXPECT_EQ(SlotSequence(0), 2u);
    EXPECT_EQ(*reopened->Read(), "new-3");
    FlipByte(1 * MetaFile::kSlotBytes + offset);  // the older slot
    EXPECT_EQ(*reopened->Read(), "new-3");
  }
}

TEST_F(MetaFilePosixTest, BothSlotsDamagedIsDataLoss) {
  {
    auto meta = OpenMeta();
    ASSERT_TRUE(meta->Write("a").ok());
    ASSERT_TRUE(meta->Write("b").ok());
  }
  FlipByte(20);                        // slot 0's payload
  FlipByte(MetaFile::kSlotBytes + 3);  // slot 1's magic
  auto meta = OpenMeta();              // opens, so that the damage can be reported
  const auto read = meta->Read();
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(read.status(), path_)) << read.status();
  const absl::Status write = meta->Write("c");
  EXPECT_EQ(write.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(write, "refusing")) << write;
}

TEST_F(MetaFilePosixTest, ForeignContentIsDataLoss) {
  {
    auto file = fs_.Open(path_, OpenMode::kCreateExclusive);
    ASSERT_TRUE((*file)->WriteAt(0, "this is not a meta file").ok());
  }
  auto meta = OpenMeta();
  EXPECT_EQ(meta->Read().status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(MetaFilePosixTest, OversizedLengthFieldIsAnInvalidSlot) {
  {
    auto meta = OpenMeta();
    ASSERT_TRUE(meta->Write("a").ok());  // slot 1
    ASSERT_TRUE(meta->Write("b").ok());  // slot 0
  }
  char length[4];
  EncodeFixed32(length, 0xfffffff0u);
  Overwrite(16, std::string_view(length, 4));
  auto meta = OpenMeta();
  EXPECT_EQ(*meta->Read(), "a");
}

TEST_F(MetaFilePosixTest, EmptyExistingFileIsInitialized) {
  { ASSERT_TRUE(fs_.Open(path_, OpenMode::kCreateExclusive).ok()); }
  auto meta = OpenMeta();
  EXPECT_EQ(meta->Read().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RawBytes().size(), MetaFile::kFileBytes);
  ASSERT_TRUE(meta->Write("x").ok());
  EXPECT_EQ(*meta->Read(), "x");
}

TEST_F(MetaFilePosixTest, EmptiedFileReadsNotFound) {
  auto meta = OpenMeta();
  ASSERT_TRUE(meta->Write("x").ok());
  {
    auto file = fs_.Open(path_, OpenMode::kReadWrite);
    ASSERT_TRUE((*file)->Truncate(0).ok());
  }
  EXPECT_EQ(meta->Read().status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MetaFilePosixTest, NewerFormatVersionIsRefused) {
  { auto meta = OpenMeta(); }
  // A valid slot 1 of version 2 with sequence 5.
  std::string slot(20, '\0');
  EncodeFixed32(&slot[0], MetaFile::kMagic);
  EncodeFixed32(&slot[4], 2);
  EncodeFixed64(&slot[8], 5);
  EncodeFixed32(&slot[16], 0);
  PutFixed32(&slot, Crc32c(slot));
  Overwrite(MetaFile::kSlotBytes, slot);
  const auto meta = MetaFile::Open(fs_, path_);
  EXPECT_EQ(meta.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(meta.status(), "version 2")) << meta.status();
}

TEST_F(MetaFilePosixTest, MissingDirectoryIsAnError) {
  const auto meta = MetaFile::Open(fs_, JoinPath(dir_.path(), "no/such/meta"));
  EXPECT_EQ(meta.status().code(), absl::StatusCode::kNotFound);
}

TEST(MetaFileSimTest, FailedSyncKeepsThePreviousStateAndMayBeRetried) {
  SimFilesystem fs;
  ASSERT_TRUE(fs.CreateDirs("/d").ok());
  ASSERT_TRUE(fs.SyncDir("/").ok());
  auto meta = *MetaFile::Open(fs, "/d/meta");
  ASSERT_TRUE(meta->Write("one").ok());
  fs.FailNextSyncs("/d/meta", 1);
  EXPECT_EQ(meta->Write("two").code(), absl::StatusCode::kInternal);
  EXPECT_EQ(meta->sequence(), 1u);
  ASSERT_TRUE(meta->Write("three").ok());
  EXPECT_EQ(meta->sequence(), 2u);
  Prng prng(7);
  fs.Crash(prng);
  EXPECT_EQ(*(*MetaFile::Open(fs, "/d/meta"))->Read(), "three");
}

TEST(MetaFileSimTest, FailedSyncThenCrashKeepsThePreviousState) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    SimFilesystem fs;
    ASSERT_TRUE(fs.CreateDirs("/d").ok());
    ASSERT_TRUE(fs.SyncDir("/").ok());
    ASSERT_TRUE(fs.SyncDir("/").ok());
    auto meta = *MetaFile::Open(fs, "/d/meta");
    ASSERT_TRUE(meta->Write("one").ok());
    fs.FailNextSyncs("/d/meta", 1);
    EXPECT_FALSE(meta->Write("two").ok());
    Prng prng(seed);
    fs.Crash(prng);
    const auto read = (*MetaFile::Open(fs, "/d/meta"))->Read();
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_TRUE(*read == "one" || *read == "two") << *read;
  }
}

std::string RandomPayload(Prng& prng) {
  std::string payload(prng.Uniform(MetaFile::kPayloadBytesMax + 1), '\0');
  for (char& c : payload) c = static_cast<char>(prng.Uniform(256));
  return payload;
}

// Writes cut off after any step, crashes, reopens: Read always returns the newest completed
// payload or the one whose write was cut off, never garbage, never an older state, never
// DataLoss (a torn slot loses nothing).
TEST(MetaFileSimTest, CrashesNeverLoseACompletedWrite) {
  const uint64_t base = CrashSeedBase();
  const uint64_t seeds = CrashSeedCount(300);
  for (uint64_t seed = base; seed < base + seeds; ++seed) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    Prng prng(seed);
    SimFilesystem sim;
    CutoffFilesystem fs(sim);
    ASSERT_TRUE(sim.CreateDirs("/raft").ok());
    ASSERT_TRUE(sim.SyncDir("/").ok());
    std::optional<std::string> durable;  // nullopt: nothing written yet
    for (int life = 0; life < 8; ++life) {
      // Open may itself be cut off while it creates the file.
      fs.SetBudget(prng.Chance(1, 4) ? static_cast<int64_t>(prng.Uniform(7)) : -1);
      auto opened = MetaFile::Open(fs, "/raft/meta");
      std::optional<std::string> in_flight;
      bool cut = !opened.ok();
      ASSERT_TRUE(opened.ok() || fs.cut_off()) << opened.status();
      if (opened.ok()) {
        auto& meta = *opened;
        const auto read = meta->Read();
        if (durable.has_value()) {
          ASSERT_TRUE(read.ok()) << read.status();
          ASSERT_TRUE(*read == *durable)
              << "read " << read->size() << " bytes, expected " << durable->size();
        } else {
          ASSERT_EQ(read.status().code(), absl::StatusCode::kNotFound) << read.status();
        }
        for (int i = 0, writes = static_cast<int>(prng.Uniform(5)); i < writes && !cut; ++i) {
          const std::string payload = RandomPayload(prng);
          fs.SetBudget(prng.Chance(1, 3) ? static_cast<int64_t>(prng.Uniform(2)) : -1);
          const absl::Status status = meta->Write(payload);
          if (status.ok()) {
            durable = payload;
          } else {
            ASSERT_TRUE(fs.cut_off()) << status;
            in_flight = payload;
            cut = true;
          }
        }
      }
      fs.SetBudget(-1);
      // A cut-off is the process dying; the machine may or may not crash as well.
      if (prng.Chance(1, 2)) sim.Crash(prng);
      // What survived decides the model: the cut-off write may or may not have landed.
      auto reopened = MetaFile::Open(fs, "/raft/meta");
      ASSERT_TRUE(reopened.ok()) << reopened.status();
      const auto read = (*reopened)->Read();
      if (read.ok()) {
        const bool is_durable = durable.has_value() && *read == *durable;
        const bool is_in_flight = in_flight.has_value() && *read == *in_flight;
        ASSERT_TRUE(is_durable || is_in_flight) << "unexpected " << read->size() << " bytes";
        durable = *read;
      } else {
        ASSERT_EQ(read.status().code(), absl::StatusCode::kNotFound) << read.status();
        ASSERT_FALSE(durable.has_value()) << "a completed write was lost";
      }
    }
  }
}

}  // namespace
}  // namespace mq::storage
