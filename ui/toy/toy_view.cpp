#include "toy_view.hpp"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>
#include <limits>
#include <qcustomplot.h>

#include "score_field_plot.hpp"
#include "square_plot.hpp"

namespace {

constexpr int kDefaultTrainIterations = 10000;
constexpr double kSampleViewHalfWidth = 9.0;  // samples start uniform in [-8, 8]^2
const QColor kSampleColor(31, 119, 180, 110);

QString samplerTitle(ToyView::Sampler sampler) {
  switch (sampler) {
    case ToyView::Sampler::Exact: return ToyView::tr("Exact sampling");
    case ToyView::Sampler::Langevin: return ToyView::tr("Langevin dynamics");
    case ToyView::Sampler::AnnealedLangevin: return ToyView::tr("Annealed Langevin dynamics");
  }
  return {};
}

SquarePlot* makeSamplePlot(QWidget* parent, const QString& title) {
  const QCPRange region(-kSampleViewHalfWidth, kSampleViewHalfWidth);
  auto* plot = new SquarePlot(title, region, region, parent);
  QCPGraph* samples = plot->addGraph();
  samples->setLineStyle(QCPGraph::lsNone);
  samples->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kSampleColor, kSampleColor, 3));
  samples->setAdaptiveSampling(false);  // a scatter of independent points, not a curve
  return plot;
}

}  // namespace

ToyView::ToyView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(buildFieldPanels(), 3);
  layout->addWidget(buildSamplePanels(), 2);
  layout->addWidget(buildControls());
}

QWidget* ToyView::buildFieldPanels() {
  auto* panel = new QWidget(this);
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* plots = new QHBoxLayout;
  truePlot_ = new ScoreFieldPlot(tr("True score ∇ₓ log p(x)"), panel);
  learnedPlot_ = new ScoreFieldPlot(tr("Learned score s_θ(x)"), panel);
  truePlot_->setObjectName("trueScorePlot");
  learnedPlot_->setObjectName("learnedScorePlot");
  plots->addWidget(truePlot_);
  plots->addWidget(learnedPlot_);
  layout->addLayout(plots, 1);
  agreementLabel_ = new QLabel(panel);
  agreementLabel_->setObjectName("agreementLabel");
  agreementLabel_->setAlignment(Qt::AlignCenter);
  agreementLabel_->setWordWrap(true);
  layout->addWidget(agreementLabel_);
  updateAgreement();
  return panel;
}

QWidget* ToyView::buildSamplePanels() {
  auto* panel = new QWidget(this);
  auto* layout = new QHBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);
  for (Sampler sampler : {Sampler::Exact, Sampler::Langevin, Sampler::AnnealedLangevin}) {
    const int i = int(sampler);
    samplePlots_[i] = makeSamplePlot(panel, samplerTitle(sampler));
    layout->addWidget(samplePlots_[i]);
  }
  samplePlots_[0]->setObjectName("exactSamplesPlot");
  samplePlots_[1]->setObjectName("langevinSamplesPlot");
  samplePlots_[2]->setObjectName("annealedSamplesPlot");
  return panel;
}

QWidget* ToyView::buildControls() {
  auto* controls = new QWidget(this);
  auto* layout = new QHBoxLayout(controls);
  layout->setContentsMargins(0, 0, 0, 0);
  trainIterations_ = new QSpinBox(controls);
  trainIterations_->setObjectName("trainIterations");
  trainIterations_->setRange(100, 1000000);
  trainIterations_->setSingleStep(1000);
  trainIterations_->setValue(kDefaultTrainIterations);
  trainIterations_->setGroupSeparatorShown(true);
  trainButton_ = new QPushButton(tr("Train score MLP"), controls);
  trainButton_->setObjectName("trainButton");
  trainButton_->setToolTip(tr("Train the 3-layer softplus MLP with sliced score matching"));
  trainProgress_ = new QProgressBar(controls);
  trainProgress_->setObjectName("trainProgress");
  trainProgress_->setValue(0);
  trainLoss_ = new QLabel(controls);
  trainLoss_->setObjectName("trainLoss");
  seed_ = new QSpinBox(controls);
  seed_->setObjectName("seed");
  seed_->setRange(0, std::numeric_limits<int>::max());
  seed_->setValue(1234);
  sampleButton_ = new QPushButton(tr("Sample"), controls);
  sampleButton_->setObjectName("sampleButton");
  sampleButton_->setToolTip(tr("Draw 1280 samples with each method"));

  layout->addWidget(new QLabel(tr("Iterations"), controls));
  layout->addWidget(trainIterations_);
  layout->addWidget(trainButton_);
  layout->addWidget(trainProgress_, 1);
  layout->addWidget(trainLoss_);
  layout->addSpacing(controls->fontMetrics().averageCharWidth() * 4);
  layout->addWidget(new QLabel(tr("Seed"), controls));
  layout->addWidget(seed_);
  layout->addWidget(sampleButton_);

  connect(trainButton_, &QPushButton::clicked, this, &ToyView::requestTraining);
  connect(sampleButton_, &QPushButton::clicked, this, [this] { emit sampleRequested(quint64(seed_->value())); });
  return controls;
}

void ToyView::setDensity(const ScalarGrid& density) {
  truePlot_->setDensity(density);
  learnedPlot_->setDensity(density);
}

void ToyView::setTrueScoreField(const VectorGrid& field) {
  trueField_ = field;
  truePlot_->setField(field);
  updateAgreement();
}

void ToyView::setLearnedScoreField(const VectorGrid& field) {
  learnedField_ = field;
  learnedPlot_->setField(field);
  updateAgreement();
}

void ToyView::updateAgreement() {
  agreement_ = compareScoreFields(trueField_, learnedField_);
  const bool compared = !std::isnan(agreement_.fraction);
  for (ScoreFieldPlot* plot : {truePlot_, learnedPlot_}) plot->setAgreement(trueField_.extent, agreement_.agrees);
  if (compared)
    agreementLabel_->setText(tr("The learned score agrees with the true score (cosine > %1) on %2 % of the grid "
                                "(shaded green).")
                                 .arg(kDefaultAgreementCosine)
                                 .arg(agreement_.fraction * 100.0, 0, 'f', 1));
  else
    agreementLabel_->setText(tr("Train the score MLP to compare its score field with the true one."));
}

void ToyView::setSamples(Sampler sampler, const QVector<QPointF>& samples, double modeWeight) {
  const int i = int(sampler);
  QVector<double> xs, ys;
  xs.reserve(samples.size());
  ys.reserve(samples.size());
  for (const QPointF& p : samples) {
    xs.append(p.x());
    ys.append(p.y());
  }
  samplePlots_[i]->graph(0)->setData(xs, ys);
  samplePlots_[i]->titleElement()->setText(tr("%1\nweight of the (5, 5) mode: %2 (true 0.80)")
                                .arg(samplerTitle(sampler))
                                .arg(modeWeight, 0, 'f', 2));
  samplePlots_[i]->replot(QCustomPlot::rpQueuedReplot);
}

void ToyView::requestTraining() {
  trainProgress_->setRange(0, trainIterations_->value());
  trainProgress_->setValue(0);
  trainLoss_->clear();
  trainButton_->setEnabled(false);
  emit trainRequested(trainIterations_->value());
}

void ToyView::setTrainingProgress(int iteration, double loss) {
  trainProgress_->setValue(iteration);
  trainLoss_->setText(tr("loss %1").arg(loss, 0, 'g', 4));
}

void ToyView::trainingFinished() {
  trainButton_->setEnabled(true);
}
