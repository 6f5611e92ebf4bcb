// ncsn-studio's command line, run as a separate process: what a user typing it sees.
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

namespace {

struct StudioRun {
  int code = -1;  // -1 when it crashed or had to be killed
  QString out, err;
};

// `removeDisplay`: no X11, no Wayland and no platform override, as over SSH on a server.
StudioRun runStudio(const QStringList& args, bool removeDisplay = false) {
  QProcess p;
  auto env = QProcessEnvironment::systemEnvironment();
  if (removeDisplay)
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(QString::fromLatin1(name));
  p.setProcessEnvironment(env);
  p.start(QStringLiteral(NCSN_STUDIO_PATH), args);
  if (!p.waitForFinished(120000)) p.kill();
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestStudioCli : public QObject {
  Q_OBJECT

 private slots:
  void helpAndVersionNeedNoDisplay() {
    const auto help = runStudio({QStringLiteral("--help")}, true);
    QCOMPARE(help.code, 0);
    QVERIFY2(help.out.contains(QStringLiteral("--page <page>")) && help.out.contains(QStringLiteral("--screenshot <png>")), qPrintable(help.out));
    const auto version = runStudio({QStringLiteral("--version")}, true);
    QCOMPARE(version.code, 0);
    QVERIFY2(version.out.startsWith(QStringLiteral("ncsn-studio ")), qPrintable(version.out));
  }

  void optionMistakesStopWithAMessage() {
    const auto page = runStudio({QStringLiteral("--page"), QStringLiteral("samples")});
    QCOMPARE(page.code, 1);
    QVERIFY2(page.err.contains(QStringLiteral("--page must be one of sample, inpaint, train, toy, not \"samples\"")), qPrintable(page.err));
    const auto after = runStudio({QStringLiteral("--screenshot"), QStringLiteral("x.png"), QStringLiteral("--after"), QStringLiteral("soon")});
    QCOMPARE(after.code, 1);
    QVERIFY2(after.err.contains(QStringLiteral("--after takes milliseconds")), qPrintable(after.err));
    const auto unknown = runStudio({QStringLiteral("--pages"), QStringLiteral("train")});
    QCOMPARE(unknown.code, 1);
    QVERIFY2(unknown.err.contains(QStringLiteral("Unknown option 'pages'")), qPrintable(unknown.err));
  }

  void screenshotIsWrittenOrItsFailureReported() {
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("train.png"));
    const auto shot = runStudio({QStringLiteral("--page"), QStringLiteral("train"), QStringLiteral("--screenshot"), png, QStringLiteral("--after"), QStringLiteral("200")});
    QVERIFY2(shot.code == 0, qPrintable(shot.err));
    const QImage image(png);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 200 && image.height() > 200);

    const QString missingFolder = dir.filePath(QStringLiteral("no-such-folder/train.png"));
    const auto failed = runStudio({QStringLiteral("--screenshot"), missingFolder, QStringLiteral("--after"), QStringLiteral("200")});
    QCOMPARE(failed.code, 1);
    QVERIFY2(failed.err.contains(QStringLiteral("cannot write the screenshot ") + missingFolder), qPrintable(failed.err));
  }
};

QTEST_GUILESS_MAIN(TestStudioCli)
#include "test_studio_cli.moc"
