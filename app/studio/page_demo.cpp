#include "page_demo.hpp"

#include <QMetaObject>
#include <QPushButton>

#include "engine_worker.hpp"
#include "inpaint/candidate_strip.hpp"
#include "inpaint/inpaint_view.hpp"
#include "inpaint/mask_editor.hpp"
#include "inpaint/mask_presets.hpp"
#include "train_settings_form.hpp"

namespace ncsn {
namespace {

void inpaintDemo(MainWindow& window) {
  auto* view = window.inpaintView();
  // The first dataset image that arrives gets the paper's occlusion (bottom half) and runs; the
  // first candidate is selected as soon as it appears, so the canvas shows it annealing.
  QObject::connect(window.worker(), &EngineWorker::datasetImageReady, view, [&window, view] {
    view->editor()->applyPreset(MaskPreset::BottomHalf);
    QObject::connect(window.worker(), &EngineWorker::frameReady, view,
                     [view] { view->candidateStrip()->setCurrentRow(0); }, Qt::SingleShotConnection);
    view->requestInpaint();
  }, Qt::SingleShotConnection);
  QMetaObject::invokeMethod(window.worker(), "datasetImage", Qt::QueuedConnection, Q_ARG(int, 17));
}

void trainDemo(MainWindow& window, const QString& runFolder) {
  auto* form = window.trainForm();
  TrainSettings s = form->settings();
  s.ngf = 8;
  s.batchSize = 32;
  s.iterations = 2000;
  s.checkpointInterval = 50;
  s.checkpointFolder = runFolder;
  form->setSettings(s);
  for (auto* button : form->findChildren<QPushButton*>())
    if (button->text().remove(QLatin1Char('&')) == QLatin1String("Start")) button->click();
}

void toyDemo(MainWindow& window) {
  QMetaObject::invokeMethod(window.worker(), "toyCompare", Qt::QueuedConnection, Q_ARG(quint64, 0));
  QMetaObject::invokeMethod(window.worker(), "toyTrain", Qt::QueuedConnection, Q_ARG(int, 4000));
}

}  // namespace

void startPageDemo(MainWindow& window, MainWindow::Page page, const QString& runFolder) {
  switch (page) {
    case MainWindow::SamplePage:
      QObject::connect(&window, &MainWindow::modelReady, &window, [&window] { window.startSampling(); }, Qt::SingleShotConnection);
      break;
    case MainWindow::InpaintPage:
      QObject::connect(&window, &MainWindow::modelReady, &window, [&window] { inpaintDemo(window); }, Qt::SingleShotConnection);
      break;
    case MainWindow::TrainPage:
      trainDemo(window, runFolder);
      break;
    case MainWindow::ToyPage:
      toyDemo(window);
      break;
  }
}

}  // namespace ncsn
