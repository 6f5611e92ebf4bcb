// Shows the training dashboard and the toy view filled with synthetic data, or, with
// --screenshots DIR, writes train-dashboard.png and toy-view.png there (for docs/).
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QHBoxLayout>
#include <QPushButton>
#include <QTabWidget>
#include <cmath>

#include "gaussian_mixture_toy.hpp"
#include "synthetic_training_run.hpp"
#include "toy_view.hpp"
#include "train_dashboard.hpp"
#include "train_settings_form.hpp"

namespace {

QWidget* makeTrainPage() {
  auto* page = new QWidget;
  auto* layout = new QHBoxLayout(page);
  auto* form = new TrainSettingsForm(page);
  form->setRunState(TrainSettingsForm::RunState::Running);
  auto* dashboard = new TrainDashboard(page);
  dashboard->setSmoothingWeight(0.95);  // 20,000 noisy points read best strongly smoothed
  layout->addWidget(form);
  layout->addWidget(dashboard, 1);
  feedSyntheticTrainingRun(*dashboard, 20000, 200000);
  dashboard->flushPending();
  return page;
}

void showSamples(ToyView* view, quint64 seed) {
  const GaussianMixtureToy toy;
  QRandomGenerator rng(seed);
  const int count = 1280;  // as in the paper
  const QVector<QPointF> exact = toy.sampleExactly(count, rng);
  const QVector<QPointF> langevin = toy.sampleLangevin(count, 1000, 0.1, rng);
  const QVector<QPointF> annealed =
      toy.sampleAnnealedLangevin(count, GaussianMixtureToy::geometricSigmas(20.0, 1.0, 10), 100, 0.1, rng);
  view->setSamples(ToyView::Sampler::Exact, exact, GaussianMixtureToy::upperModeWeight(exact));
  view->setSamples(ToyView::Sampler::Langevin, langevin, GaussianMixtureToy::upperModeWeight(langevin));
  view->setSamples(ToyView::Sampler::AnnealedLangevin, annealed, GaussianMixtureToy::upperModeWeight(annealed));
}

// Stands in for the engine's sliced-score-matching MLP: a made-up loss curve, then a learned
// field that is right near the data and wrong elsewhere, as in Fig. 2.
void imitateTraining(ToyView* view, int iterations, const GridExtent& arrows) {
  for (int it = 100; it <= iterations; it += 100) view->setTrainingProgress(it, -1.9 + 2.5 * std::exp(-it / 1500.0));
  view->setLearnedScoreField(GaussianMixtureToy().imitatedLearnedScoreGrid(arrows));
  view->trainingFinished();
}

ToyView* makeToyView() {
  auto* view = new ToyView;
  const GaussianMixtureToy toy;
  const GridExtent arrows{21, 21, -8, 8, -8, 8};
  view->setDensity(toy.densityGrid({200, 200, -8, 8, -8, 8}));
  view->setTrueScoreField(toy.scoreGrid(arrows));
  QObject::connect(view, &ToyView::trainRequested, view,
                   [view, arrows](int iterations) { imitateTraining(view, iterations, arrows); });
  QObject::connect(view, &ToyView::sampleRequested, view, [view](quint64 seed) { showSamples(view, seed); });
  view->findChild<QPushButton*>("trainButton")->click();
  view->findChild<QPushButton*>("sampleButton")->click();
  return view;
}

bool grabTo(QWidget* widget, const QString& path) {
  widget->resize(1400, 900);
  widget->show();
  QApplication::processEvents();
  QApplication::sendPostedEvents();
  QApplication::processEvents();  // queued QCustomPlot replots
  return widget->grab().save(path);
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("ncsn-studio-demo");
  QApplication::setApplicationName("ncsn-charts-demo");
  QCommandLineParser parser;
  parser.setApplicationDescription("Training dashboard and toy view with synthetic data");
  parser.addHelpOption();
  const QCommandLineOption screenshots("screenshots", "Write the screenshots into <dir> and exit.", "dir");
  parser.addOption(screenshots);
  parser.process(app);

  if (parser.isSet(screenshots)) {
    const QDir dir(parser.value(screenshots));
    const bool ok = grabTo(makeTrainPage(), dir.filePath("train-dashboard.png")) &&
                    grabTo(makeToyView(), dir.filePath("toy-view.png"));
    return ok ? 0 : 1;
  }
  QTabWidget tabs;
  tabs.addTab(makeTrainPage(), "Train");
  tabs.addTab(makeToyView(), "Toy 2-D");
  tabs.resize(1400, 900);
  tabs.show();
  return app.exec();
}
