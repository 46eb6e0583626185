//===- Builtins.cpp - Names the language predefines -----------------------===//

#include "ade/Sema/Builtins.h"

#include "llvm/ADT/StringMap.h"

using namespace ade;

namespace {
struct Info {
  const char *name;
  BuiltinKind kind;
};
const Info kBuiltins[] = {
#define ADE_BUILTIN(NAME, SPELLING, KIND) {SPELLING, BuiltinKind::KIND},
#include "ade/Sema/Builtins.def"
};
} // namespace

std::optional<Builtin> ade::lookupBuiltin(llvm::StringRef name) {
  static const llvm::StringMap<Builtin> table = [] {
    llvm::StringMap<Builtin> t;
    for (unsigned i = 0; i < std::size(kBuiltins); ++i)
      t[kBuiltins[i].name] = static_cast<Builtin>(i);
    return t;
  }();
  auto it = table.find(name);
  if (it == table.end())
    return std::nullopt;
  return it->second;
}

llvm::StringRef ade::getBuiltinName(Builtin b) {
  return kBuiltins[static_cast<unsigned>(b)].name;
}

BuiltinKind ade::getBuiltinKind(Builtin b) {
  return kBuiltins[static_cast<unsigned>(b)].kind;
}

std::vector<llvm::StringRef> ade::getAllBuiltinNames() {
  std::vector<llvm::StringRef> names;
  for (const Info &info : kBuiltins)
    names.push_back(info.name);
  return names;
}
