#pragma once
// Where a learned score field points the same way as the true one (paper Fig. 2's red boxes):
// the cosine similarity of the two vectors in each cell above a threshold.
#include <QVector>
#include <limits>

#include "grid2d.hpp"

struct ScoreFieldAgreement {
  QVector<bool> agrees;  // per cell, same layout as the fields
  double fraction = std::numeric_limits<double>::quiet_NaN();  // agreeing / all cells; NaN: not compared
};

inline constexpr double kDefaultAgreementCosine = 0.9;

// The fields must share one extent (else the result is empty with fraction NaN). A cell where
// either vector is zero has no direction and does not agree.
ScoreFieldAgreement compareScoreFields(const VectorGrid& truth, const VectorGrid& learned,
                                       double minCosine = kDefaultAgreementCosine);
