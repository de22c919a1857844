#include "tools/mqadmin/table.h"

#include <algorithm>

#include "storage/base/status_macros.h"

namespace mq::tools::mqadmin {

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {
  MQ_CHECK(!columns_.empty());
}

void Table::AddRow(std::vector<std::string> cells) {
  MQ_CHECK_MSG(cells.size() <= columns_.size(), "Table: more cells than columns");
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

std::string Table::Render() const {
  std::vector<size_t> widths(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = DisplayWidth(columns_[c].header);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  std::string out;
  const auto append_line = [&](const auto& cell_at) {
    std::string line;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = cell_at(c);
      const std::string pad(widths[c] - DisplayWidth(cell), ' ');
      if (c > 0) line += "  ";
      if (columns_[c].align == Align::kRight) {
        line += pad + cell;
      } else {
        line += cell + pad;
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  append_line([&](size_t c) -> const std::string& { return columns_[c].header; });
  for (const auto& row : rows_) {
    append_line([&](size_t c) -> const std::string& { return row[c]; });
  }
  return out;
}

}  // namespace mq::tools::mqadmin
