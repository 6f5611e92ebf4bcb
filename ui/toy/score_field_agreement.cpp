#include "score_field_agreement.hpp"

#include <cmath>
#include <limits>

namespace {

double cosineSimilarity(const QPointF& a, const QPointF& b) {
  const double norms = std::hypot(a.x(), a.y()) * std::hypot(b.x(), b.y());
  return norms > 0.0 ? QPointF::dotProduct(a, b) / norms : 0.0;
}

}  // namespace

ScoreFieldAgreement compareScoreFields(const VectorGrid& truth, const VectorGrid& learned, double minCosine) {
  if (!truth.isValid() || !learned.isValid() || !(truth.extent == learned.extent))
    return {{}, std::numeric_limits<double>::quiet_NaN()};
  ScoreFieldAgreement result;
  result.agrees.resize(truth.vectors.size());
  int agreeing = 0;
  for (int i = 0; i < truth.vectors.size(); ++i) {
    result.agrees[i] = cosineSimilarity(truth.vectors[i], learned.vectors[i]) > minCosine;
    agreeing += result.agrees[i] ? 1 : 0;
  }
  result.fraction = double(agreeing) / truth.vectors.size();
  return result;
}
