// ncsn-studio: the desktop studio. Arguments: an optional checkpoint to open, and options that
// script a window for documentation screenshots.
#include <cstdio>
#include <cstdlib>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QScreen>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>

#include "engine_worker.hpp"
#include "main_window.hpp"
#include "page_demo.hpp"

namespace {

// --help and --version open no window, so they answer on a machine without a display too
// (a server, an SSH session), where the default platform plugin would abort.
void answerWithoutDisplayIfAsked(int argc, char** argv) {
  const QByteArrayList noWindow = {"-h", "-?", "--help", "--help-all", "-v", "--version"};
  for (int i = 1; i < argc; ++i)
    if (noWindow.contains(QByteArray(argv[i]))) {
      qputenv("QT_QPA_PLATFORM", "minimal");
      return;
    }
}

// Mistakes in the options stop the start with a message, as QCommandLineParser's own do.
[[noreturn]] void exitWithUsageError(const QString& message) {
  std::fprintf(stderr, "%s: %s\n", qPrintable(QCoreApplication::applicationName()), qPrintable(message));
  std::exit(1);
}

void scheduleScreenshot(ncsn::MainWindow& window, const QString& path, int afterMs) {
  QTimer::singleShot(afterMs, &window, [&window, path] {
    if (!window.grab().save(path)) {
      std::fprintf(stderr, "%s: cannot write the screenshot %s (check the folder and the file type, such as .png)\n",
                   qPrintable(QCoreApplication::applicationName()), qPrintable(path));
      QCoreApplication::exit(1);
      return;
    }
    window.close();
  });
}

}  // namespace

int main(int argc, char** argv) {
  answerWithoutDisplayIfAsked(argc, argv);
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("NCSN Studio"));
  QApplication::setApplicationName(QStringLiteral("ncsn-studio"));
  QApplication::setApplicationVersion(QStringLiteral(NCSN_VERSION));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/ncsn-studio.svg")));
  QGuiApplication::setDesktopFileName(QStringLiteral("ncsn-studio"));  // Wayland matches the .desktop entry by it

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Score-based generative modelling studio (NCSN, Song & Ermon 2019)"));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A checkpoint (.ncsn or reference .pth), an exported PNG or an image"),
                               QStringLiteral("[file]"));
  QCommandLineOption page(QStringLiteral("page"), QStringLiteral("Open on this page: sample, inpaint, train or toy"), QStringLiteral("page"));
  QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("Save a picture of the window to this file, then quit"), QStringLiteral("png"));
  QCommandLineOption after(QStringLiteral("after"), QStringLiteral("Milliseconds before the screenshot"), QStringLiteral("ms"), QStringLiteral("3000"));
  QCommandLineOption run(QStringLiteral("run"), QStringLiteral("Start the page's main job (sample, inpaint a test image, train a small model, toy runs)"));
  QCommandLineOption runFolder(QStringLiteral("run-folder"), QStringLiteral("Run folder for --run on the train page"), QStringLiteral("dir"),
                               QDir::temp().filePath(QStringLiteral("ncsn-studio-run")));
  parser.addOptions({page, shot, after, run, runFolder});
  parser.process(app);
  const QStringList pages = {QStringLiteral("sample"), QStringLiteral("inpaint"), QStringLiteral("train"), QStringLiteral("toy")};
  if (parser.isSet(page) && !pages.contains(parser.value(page)))
    exitWithUsageError(QStringLiteral("--page must be one of %1, not \"%2\"").arg(pages.join(QStringLiteral(", ")), parser.value(page)));
  bool afterIsNumber = false;
  const int afterMs = parser.value(after).toInt(&afterIsNumber);
  if (!afterIsNumber || afterMs < 0)
    exitWithUsageError(QStringLiteral("--after takes milliseconds (a whole number, 0 or more), not \"%1\"").arg(parser.value(after)));

  // A scripted window (documentation screenshots, the package check) starts from the defaults
  // and leaves the user's saved settings alone.
  QTemporaryDir scriptedSettings;
  if (parser.isSet(run) || parser.isSet(shot))
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, scriptedSettings.path());

  ncsn::MainWindow window;
  window.resize(QGuiApplication::primaryScreen()->availableSize() * 0.85);
  const auto startPage = static_cast<ncsn::MainWindow::Page>(std::max<qsizetype>(0, pages.indexOf(parser.value(page))));
  if (parser.isSet(page)) window.showPage(startPage);
  if (parser.isSet(run)) ncsn::startPageDemo(window, startPage, parser.value(runFolder));
  if (parser.isSet(shot)) scheduleScreenshot(window, parser.value(shot), afterMs);
  window.show();
  for (const QString& file : parser.positionalArguments()) window.openFile(QFileInfo(file).absoluteFilePath());
  // First run, or any start without a file: straight into the model that ships with the studio.
  if (parser.positionalArguments().isEmpty())
    if (const QString shipped = ncsn::EngineWorker::shippedModelPath(); !shipped.isEmpty()) window.openCheckpoint(shipped);
  return app.exec();
}
