//===- Error.h - Errors of the ADE runtime ----------------------*- C++ -*-===//
//
// Every failure the runtime can explain to a user (bad data, a file it cannot
// write, a model of another ABI) is an ade::Error whose message is complete:
// aderun prints it as "error: <message>" and exits with a nonzero status.
//
//===----------------------------------------------------------------------===//
#ifndef ADE_RUNTIME_ERROR_H
#define ADE_RUNTIME_ERROR_H

#include <stdexcept>
#include <string>

namespace ade {

class Error : public std::runtime_error {
public:
  explicit Error(const std::string &message) : std::runtime_error(message) {}
};

} // namespace ade

#endif // ADE_RUNTIME_ERROR_H
