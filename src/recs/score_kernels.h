// The two loops that run over the whole catalogue on every request, compiled
// for the widest vector instructions the CPU offers (chosen once, at load):
// the project builds for portable x86-64, where Eigen would use SSE2 only.
#pragma once

#include <span>

#include "recs/factors.h"

namespace shinrai::recs {

// scores[i] = factors.row(i) · vector, for every row.
void ScoreAllRows(const RowMatrix& factors, const Vector& vector, std::span<float> scores);

}  // namespace shinrai::recs
