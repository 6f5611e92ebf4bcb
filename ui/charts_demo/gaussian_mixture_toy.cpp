#include "gaussian_mixture_toy.hpp"

#include <array>
#include <cmath>

namespace {

struct Mode {
  QPointF mean;
  double weight;
};
const Mode kModes[] = {{{-5.0, -5.0}, 0.2}, {{5.0, 5.0}, 0.8}};

double gaussian(QRandomGenerator& rng) {
  // Box–Muller; 1 - u keeps the logarithm finite.
  const double u = 1.0 - rng.generateDouble(), v = rng.generateDouble();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

QPointF gaussianPoint(QRandomGenerator& rng) { return {gaussian(rng), gaussian(rng)}; }

QVector<QPointF> uniformStart(int count, QRandomGenerator& rng) {
  QVector<QPointF> points(count);
  for (QPointF& p : points) p = {rng.bounded(16.0) - 8.0, rng.bounded(16.0) - 8.0};
  return points;
}

// Per-mode log terms log(pi_k N(x; mu_k, v I)) for the variance v = 1 + sigma^2.
std::array<double, 2> modeLogTerms(QPointF x, double variance) {
  std::array<double, 2> terms{};
  for (int k = 0; k < 2; ++k) {
    const QPointF d = x - kModes[k].mean;
    terms[k] = std::log(kModes[k].weight) - QPointF::dotProduct(d, d) / (2 * variance) -
               std::log(2 * M_PI * variance);
  }
  return terms;
}

}  // namespace

double GaussianMixtureToy::logDensity(QPointF x, double sigma) const {
  const auto t = modeLogTerms(x, 1.0 + sigma * sigma);
  const double top = std::max(t[0], t[1]);
  return top + std::log(std::exp(t[0] - top) + std::exp(t[1] - top));
}

QPointF GaussianMixtureToy::score(QPointF x, double sigma) const {
  const double variance = 1.0 + sigma * sigma;
  const auto t = modeLogTerms(x, variance);
  const double top = std::max(t[0], t[1]);
  const double r0 = std::exp(t[0] - top), r1 = std::exp(t[1] - top);
  // Responsibility-weighted pull towards each mean.
  return (r0 * (kModes[0].mean - x) + r1 * (kModes[1].mean - x)) / ((r0 + r1) * variance);
}

ScalarGrid GaussianMixtureToy::densityGrid(const GridExtent& extent) const {
  ScalarGrid grid{extent, QVector<double>(extent.cellCount())};
  for (int row = 0; row < extent.rows; ++row)
    for (int column = 0; column < extent.columns; ++column)
      grid.values[extent.index(column, row)] = std::exp(logDensity(extent.cellCenter(column, row)));
  return grid;
}

VectorGrid GaussianMixtureToy::scoreGrid(const GridExtent& extent) const {
  VectorGrid grid{extent, QVector<QPointF>(extent.cellCount())};
  for (int row = 0; row < extent.rows; ++row)
    for (int column = 0; column < extent.columns; ++column)
      grid.vectors[extent.index(column, row)] = score(extent.cellCenter(column, row));
  return grid;
}

VectorGrid GaussianMixtureToy::imitatedLearnedScoreGrid(const GridExtent& extent) const {
  VectorGrid grid = scoreGrid(extent);
  for (int row = 0; row < extent.rows; ++row) {
    for (int column = 0; column < extent.columns; ++column) {
      const QPointF x = extent.cellCenter(column, row);
      // Trust in the learned score fades with the density (log p below about -7).
      const double trust = 1.0 / (1.0 + std::exp(-(logDensity(x) + 7.0)));
      const QPointF wrong(std::sin(0.4 * x.y()) * 3.0 - 0.3 * x.x(), std::cos(0.35 * x.x()) * 3.0);
      QPointF& v = grid.vectors[extent.index(column, row)];
      v = trust * v + (1.0 - trust) * wrong;
    }
  }
  return grid;
}

QVector<QPointF> GaussianMixtureToy::sampleExactly(int count, QRandomGenerator& rng) const {
  QVector<QPointF> points(count);
  for (QPointF& p : points) p = (rng.generateDouble() < kModes[0].weight ? kModes[0].mean : kModes[1].mean) + gaussianPoint(rng);
  return points;
}

QVector<QPointF> GaussianMixtureToy::sampleLangevin(int count, int steps, double eps, QRandomGenerator& rng) const {
  QVector<QPointF> points = uniformStart(count, rng);
  for (QPointF& x : points)
    for (int t = 0; t < steps; ++t) x += eps / 2 * score(x) + std::sqrt(eps) * gaussianPoint(rng);
  return points;
}

QVector<QPointF> GaussianMixtureToy::sampleAnnealedLangevin(int count, const QVector<double>& sigmas,
                                                            int stepsPerLevel, double eps,
                                                            QRandomGenerator& rng) const {
  QVector<QPointF> points = uniformStart(count, rng);
  const double last = sigmas.last();
  for (double sigma : sigmas) {
    const double alpha = eps * sigma * sigma / (last * last);
    for (QPointF& x : points)
      for (int t = 0; t < stepsPerLevel; ++t) x += alpha / 2 * score(x, sigma) + std::sqrt(alpha) * gaussianPoint(rng);
  }
  return points;
}

double GaussianMixtureToy::upperModeWeight(const QVector<QPointF>& points) {
  int upper = 0;
  for (const QPointF& p : points) upper += (p.x() + p.y() > 0) ? 1 : 0;
  return points.isEmpty() ? 0.0 : double(upper) / points.size();
}

QVector<double> GaussianMixtureToy::geometricSigmas(double first, double last, int count) {
  QVector<double> sigmas(count);
  for (int i = 0; i < count; ++i) sigmas[i] = first * std::pow(last / first, count > 1 ? double(i) / (count - 1) : 0.0);
  return sigmas;
}
