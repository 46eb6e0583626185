//===- AdeDialect.h - The ade dialect ---------------------------*- C++ -*-===//
#ifndef ADE_DIALECT_ADE_IR_ADEDIALECT_H
#define ADE_DIALECT_ADE_IR_ADEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "ade/Dialect/Ade/IR/AdeOpsDialect.h.inc"

#endif // ADE_DIALECT_ADE_IR_ADEDIALECT_H
