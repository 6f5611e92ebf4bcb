#pragma once
// The toy 2-D experiments of the paper, fed with plain data by the engine worker:
//  - Fig. 2: true score and learned score side by side over the data density, with the
//    cells where they agree shaded and their fraction shown;
//  - Fig. 3: exact sampling, Langevin and annealed Langevin samples side by side, each
//    titled with the weight it gives the (5, 5) mode (the data's is 0.8);
//  - buttons to train the score MLP (with progress) and to draw new samples.
#include <QPointF>
#include <QVector>
#include <QWidget>
#include <array>

#include "grid2d.hpp"
#include "score_field_agreement.hpp"

class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class ScoreFieldPlot;
class SquarePlot;

class ToyView : public QWidget {
  Q_OBJECT
 public:
  enum class Sampler { Exact, Langevin, AnnealedLangevin };
  Q_ENUM(Sampler)

  explicit ToyView(QWidget* parent = nullptr);

  // Fraction of grid cells where the learned score agrees with the true one; NaN until both
  // fields (on the same grid) are set.
  double agreementFraction() const { return agreement_.fraction; }
  const ScoreFieldAgreement& agreement() const { return agreement_; }

 public slots:
  void setDensity(const ScalarGrid& density);
  void setTrueScoreField(const VectorGrid& field);
  void setLearnedScoreField(const VectorGrid& field);
  // `modeWeight`: the fraction of samples that landed in the (5, 5) mode.
  void setSamples(ToyView::Sampler sampler, const QVector<QPointF>& samples, double modeWeight);
  void setTrainingProgress(int iteration, double loss);
  // Re-enables the train button (the worker finished, failed or was cancelled).
  void trainingFinished();

 signals:
  void trainRequested(int iterations);
  void sampleRequested(quint64 seed);

 private:
  QWidget* buildFieldPanels();
  QWidget* buildSamplePanels();
  QWidget* buildControls();
  void updateAgreement();
  void requestTraining();

  VectorGrid trueField_, learnedField_;
  ScoreFieldAgreement agreement_;
  ScoreFieldPlot* truePlot_;
  ScoreFieldPlot* learnedPlot_;
  QLabel* agreementLabel_;
  std::array<SquarePlot*, 3> samplePlots_{};
  QSpinBox* trainIterations_;
  QPushButton* trainButton_;
  QProgressBar* trainProgress_;
  QLabel* trainLoss_;
  QSpinBox* seed_;
  QPushButton* sampleButton_;
};
