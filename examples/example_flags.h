#pragma once

// A tiny --name=value / --name value flag reader shared by the client examples.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

namespace mq::examples {

class Flags {
 public:
  // `usage` is printed for --help (exit 0) and for an unknown flag (exit 2).
  Flags(int argc, char** argv, std::map<std::string, std::string> defaults, const char* usage)
      : values_(std::move(defaults)) {
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::printf("%s", usage);
        std::exit(0);
      }
      if (arg.substr(0, 2) != "--") Fail(usage, arg);
      arg.remove_prefix(2);
      std::string name, value;
      if (size_t eq = arg.find('='); eq != std::string_view::npos) {
        name = std::string(arg.substr(0, eq));
        value = std::string(arg.substr(eq + 1));
      } else if (i + 1 < argc) {
        name = std::string(arg);
        value = argv[++i];
      } else {
        Fail(usage, arg);
      }
      if (!values_.contains(name)) Fail(usage, arg);
      values_[name] = value;
    }
  }

  const std::string& Get(const std::string& name) const { return values_.at(name); }
  long Int(const std::string& name) const { return std::strtol(Get(name).c_str(), nullptr, 10); }

 private:
  [[noreturn]] static void Fail(const char* usage, std::string_view arg) {
    std::fprintf(stderr, "unknown or incomplete flag: %.*s\n%s", static_cast<int>(arg.size()),
                 arg.data(), usage);
    std::exit(2);
  }
  std::map<std::string, std::string> values_;
};

}  // namespace mq::examples
