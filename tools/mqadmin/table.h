#pragma once

// Table: the human-readable output of mqadmin subcommands, columns aligned.
//
// A header row in upper case, then the rows; each column as wide as its widest cell (counted in
// UTF-8 code points), columns separated by two spaces, numbers right-aligned when the column
// says so, no trailing spaces, one '\n' per line. Cells are printed as given: callers pass
// untrusted text through DisplayText (tools/mqadmin/text.h) first.
//
//   TOPIC   QUEUE  MAX
//   orders      0   12
//   orders      1  240

#include <string>
#include <vector>

namespace mq::tools::mqadmin {

enum class Align : uint8_t { kLeft, kRight };

struct Column {
  std::string header{};
  Align align = Align::kLeft;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns);

  // Missing cells print empty; extra cells are a programmer error (MQ_CHECK).
  void AddRow(std::vector<std::string> cells);
  size_t row_count() const { return rows_.size(); }

  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// Code points in `text` (bytes that are not UTF-8 continuation bytes).
size_t DisplayWidth(const std::string& text);

}  // namespace mq::tools::mqadmin
