#pragma once
// The paper's toy data, p = 1/5 N((-5,-5), I) + 4/5 N((5,5), I), computed analytically for
// the demo: density, scores (also of the noise-perturbed mixtures), and the three samplers
// of Fig. 3 with the reference toy code's step x + (eps/2) s + sqrt(eps) z.
#include <QPointF>
#include <QRandomGenerator>
#include <QVector>

#include "grid2d.hpp"

class GaussianMixtureToy {
 public:
  // log p of the mixture convolved with N(0, sigma^2 I) (sigma 0: the data itself).
  double logDensity(QPointF x, double sigma = 0.0) const;
  QPointF score(QPointF x, double sigma = 0.0) const;

  ScalarGrid densityGrid(const GridExtent& extent) const;
  VectorGrid scoreGrid(const GridExtent& extent) const;
  // What an MLP trained by sliced score matching typically learns: the true score where there
  // is data, a smoothly wrong one in the empty regions between and around the modes.
  VectorGrid imitatedLearnedScoreGrid(const GridExtent& extent) const;

  QVector<QPointF> sampleExactly(int count, QRandomGenerator& rng) const;
  QVector<QPointF> sampleLangevin(int count, int steps, double eps, QRandomGenerator& rng) const;
  QVector<QPointF> sampleAnnealedLangevin(int count, const QVector<double>& sigmas, int stepsPerLevel, double eps,
                                          QRandomGenerator& rng) const;

  // Fraction of points nearer the (5, 5) mode than the (-5, -5) one.
  static double upperModeWeight(const QVector<QPointF>& points);
  static QVector<double> geometricSigmas(double first, double last, int count);
};
