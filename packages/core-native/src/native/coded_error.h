// The exception every native module throws for its own checks: a message plus a stable code
// that JavaScript sees as `error.code`.
#pragma once

#include <stdexcept>
#include <string>

namespace audiomap {

class CodedError : public std::runtime_error {
 public:
  CodedError(const char *code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  const char *code() const { return code_; }

 private:
  const char *code_;
};

}  // namespace audiomap
