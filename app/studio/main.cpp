// ncsn-studio: the desktop studio. Arguments: an optional checkpoint to open, and options that
// script a window for documentation screenshots.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QScreen>
#include <QSettings>
#include <QTimer>

#include "main_window.hpp"

namespace {

struct ScreenshotPlan {
  QString path;
  int afterMs = 0;
  bool sample = false;
};

void scheduleScreenshot(ncsn::MainWindow& window, const ScreenshotPlan& plan) {
  if (plan.sample) {
    QObject::connect(&window, &ncsn::MainWindow::modelReady, &window, [&window] { window.startSampling(); },
                     Qt::SingleShotConnection);
  }
  QTimer::singleShot(plan.afterMs, &window, [&window, plan] {
    window.grab().save(plan.path);
    window.close();
  });
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("NCSN Studio"));
  QApplication::setApplicationName(QStringLiteral("ncsn-studio"));
  QApplication::setApplicationVersion(QStringLiteral(NCSN_VERSION));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Score-based generative modelling studio (NCSN, Song & Ermon 2019)"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A checkpoint (.ncsn or reference .pth), an exported PNG or an image"));
  QCommandLineOption page(QStringLiteral("page"), QStringLiteral("Open on this page: sample, inpaint, train or toy"), QStringLiteral("page"));
  QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("Save a picture of the window to this file, then quit"), QStringLiteral("png"));
  QCommandLineOption after(QStringLiteral("after"), QStringLiteral("Milliseconds before the screenshot"), QStringLiteral("ms"), QStringLiteral("3000"));
  QCommandLineOption sample(QStringLiteral("sample"), QStringLiteral("Start sampling as soon as the model is loaded"));
  parser.addOptions({page, shot, after, sample});
  parser.process(app);

  ncsn::MainWindow window;
  window.resize(QGuiApplication::primaryScreen()->availableSize() * 0.85);
  const QStringList pages = {QStringLiteral("sample"), QStringLiteral("inpaint"), QStringLiteral("train"), QStringLiteral("toy")};
  if (parser.isSet(page)) window.showPage(static_cast<ncsn::MainWindow::Page>(std::max<qsizetype>(0, pages.indexOf(parser.value(page)))));
  if (parser.isSet(shot)) scheduleScreenshot(window, {parser.value(shot), parser.value(after).toInt(), parser.isSet(sample)});
  window.show();
  for (const QString& file : parser.positionalArguments()) window.openFile(QFileInfo(file).absoluteFilePath());
  if (parser.isSet(sample) && !parser.isSet(shot))
    QObject::connect(&window, &ncsn::MainWindow::modelReady, &window, [&window] { window.startSampling(); }, Qt::SingleShotConnection);
  return app.exec();
}
