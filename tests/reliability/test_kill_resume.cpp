// Kill test: `ncsn train` is SIGKILLed at random moments (seeded, logged) while it writes a
// checkpoint every iteration. After every kill nothing half-written may be picked up, every
// listed checkpoint must load, and the next run must resume at exactly the newest one. Also
// `ncsn eval --run-folder`, killed mid-checkpoint and after a score: the next pass goes on.
#include <QtTest/QtTest>

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>

#include "ncsn/atomic_file.hpp"
#include "ncsn/checkpoint.hpp"
#include "cli_run.hpp"
#include "test_support.hpp"

namespace {

constexpr int kKills = 20;
enum class Moment { FromExec, IntoTraining, MidWrite };
constexpr const char* kMomentNames[] = {"from exec", "into training", "mid-write"};

// What one run printed before it ended: the resume message and the checkpoint steps.
struct RunLog {
  bool started = false;          // the "training ..." message came out
  QString resumed_from;          // empty when it started from scratch
  QList<int> checkpoint_steps;   // in order
  QStringList messages;
  QJsonObject finished;
};

RunLog parse_events(const QByteArray& stdout_bytes) {
  RunLog log;
  for (const auto& line : stdout_bytes.split('\n')) {
    const auto event = QJsonDocument::fromJson(line).object();  // a line cut by the kill parses as empty
    const QString kind = event["event"].toString();
    if (kind == "message") log.messages.append(event["text"].toString());
    if (kind == "message" && event["text"].toString().startsWith("training ")) {
      log.started = true;
      const QString text = event["text"].toString();
      const int at = text.indexOf(", resumed from ");
      if (at >= 0) log.resumed_from = text.mid(at + QString(", resumed from ").size());
    } else if (kind == "checkpoint") {
      log.checkpoint_steps.append(event["step"].toInt());
    } else if (kind == "finished") {
      log.finished = event;
    }
  }
  return log;
}

int64_t step_in_name(const std::string& path) {
  const auto name = std::filesystem::path(path).filename().string();  // checkpoint_<step>.ncsn
  return std::stoll(name.substr(11, name.size() - 11 - 5));
}

}  // namespace

class TestKillResume : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  std::optional<ncsn::test::TinyTrainingRun> tiny_;
  std::set<std::string> verified_;  // checkpoints already loaded once

  QStringList train_args(int iters) const { return tiny_->train_args(iters, 1, 0); }

  // Every listed checkpoint is complete: its metadata reads and its step matches its name.
  // Returns the newest (empty if none). The newest also loads as a model.
  std::string check_run_folder() {
    const auto listed = ncsn::list_checkpoints(ncsn::test::str(tiny_->run_dir));
    for (const auto& path : listed) {
      if (ncsn::is_temp_file_name(path)) throw std::runtime_error("a temp file was listed: " + path);
      if (verified_.count(path)) continue;
      const auto meta = ncsn::read_checkpoint_meta(path);
      if (meta.step != step_in_name(path)) throw std::runtime_error(path + " holds step " + std::to_string(meta.step));
      verified_.insert(path);
    }
    if (listed.empty()) return {};
    const auto loaded = ncsn::load_model(listed.front(), torch::kCPU);
    if (loaded.meta.step != step_in_name(listed.front())) throw std::runtime_error("newest checkpoint has the wrong step");
    // A kill while the run folder's config is written must not leave it unreadable for the next resume.
    const auto config = ncsn::test::read_bytes(ncsn::test::str(tiny_->run_dir + "/config.json"));
    if (QJsonDocument::fromJson(QByteArray::fromStdString(config)).isNull())
      throw std::runtime_error("config.json is not valid JSON after a kill");
    return listed.front();
  }

  QStringList temp_files() const { return QDir(tiny_->run_dir).entryList({"*.tmp-*"}, QDir::Files); }
  bool new_temp_file_since(const QStringList& before) const {
    const QStringList now = temp_files();
    return std::any_of(now.begin(), now.end(), [&](const QString& f) { return !before.contains(f); });
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    tiny_.emplace(dir_.path());
  }

  void sigkillAtRandomMomentsLosesNothing() {
    const quint32 seed = qEnvironmentVariableIsSet("NCSN_KILL_SEED") ? qEnvironmentVariableIntValue("NCSN_KILL_SEED") : 20190712u;
    qInfo("kill seed %u (rerun with NCSN_KILL_SEED=%u)", seed, seed);
    QRandomGenerator rng(seed);
    std::string newest;  // before the current run
    int mid_write = 0;
    for (int trial = 0; trial < kKills; ++trial) {
      // Three kinds of moment, in turn: any time from exec (start-up, resume, config write),
      // a random time into training, and the instant a new checkpoint temp file appears (mid-write).
      const Moment moment = static_cast<Moment>(trial % 3);
      const int delay_ms = moment == Moment::FromExec ? rng.bounded(0, 2000) : rng.bounded(0, 800);
      const QStringList old_temps = temp_files();
      QProcess p;
      p.start(QStringLiteral(NCSN_CLI_PATH), train_args(1000000));
      QVERIFY(p.waitForStarted());
      QElapsedTimer clock;
      clock.start();
      QByteArray out;
      qint64 training_at = -1;
      while (p.state() == QProcess::Running && clock.elapsed() < 30000) {
        p.waitForReadyRead(1);
        out += p.readAllStandardOutput();
        if (training_at < 0 && out.contains("\"text\":\"training ")) training_at = clock.elapsed();
        if (moment == Moment::FromExec && clock.elapsed() >= delay_ms) break;
        if (moment == Moment::IntoTraining && training_at >= 0 && clock.elapsed() - training_at >= delay_ms) break;
        if (moment == Moment::MidWrite && training_at >= 0 && new_temp_file_since(old_temps)) break;
      }
      const bool was_running = p.state() == QProcess::Running;
      p.kill();  // SIGKILL
      QVERIFY(p.waitForFinished(30000));
      out += p.readAllStandardOutput();
      const RunLog log = parse_events(out);
      QVERIFY2(was_running, qPrintable("run ended on its own: " + QString::fromUtf8(p.readAllStandardError())));

      // Resumed exactly from the newest checkpoint the previous kill left.
      if (log.started) QCOMPARE(log.resumed_from.toStdString(), newest);
      if (!log.checkpoint_steps.isEmpty()) {
        const int expected = newest.empty() ? 1 : static_cast<int>(step_in_name(newest)) + 1;
        QCOMPARE(log.checkpoint_steps.first(), expected);
      }
      const int temps = static_cast<int>(temp_files().size());
      mid_write += new_temp_file_since(old_temps) ? 1 : 0;
      // A run that got as far as training removed what earlier kills left behind.
      if (training_at >= 0)
        for (const auto& old : old_temps) QVERIFY2(!temp_files().contains(old), qPrintable("stale temp file kept: " + old));
      std::string after;
      try {
        after = check_run_folder();
      } catch (const std::exception& e) {
        QFAIL(e.what());
      }
      // Nothing written before the kill is lost.
      if (!newest.empty()) QVERIFY(!after.empty() && step_in_name(after) >= step_in_name(newest));
      if (!log.checkpoint_steps.isEmpty()) QVERIFY(step_in_name(after) >= log.checkpoint_steps.last());
      qInfo("kill %2d (%s, %4d ms after exec): newest checkpoint %s, %d temp file(s) left by kills", trial + 1,
            kMomentNames[static_cast<int>(moment)], static_cast<int>(clock.elapsed()),
            after.empty() ? "(none)" : std::filesystem::path(after).filename().c_str(), temps);
      newest = after;
    }
    qInfo("%d of %d kills left a new temp file behind (landed while a file was written)", mid_write, kKills);
    // Make sure the final run has a stale temp file to clean up, whatever the kills left.
    const QString planted = tiny_->run_dir + "/checkpoint_999.ncsn.tmp-999999999-0";
    ncsn::test::write_bytes(ncsn::test::str(planted), "half a checkpoint");
    QVERIFY2(!newest.empty(), "no checkpoint was ever written: kills came too early to test anything");

    // A final undisturbed run resumes at the newest checkpoint and reaches the target.
    const int start = static_cast<int>(step_in_name(newest));
    const int target = start + 5;
    QProcess p;
    p.start(QStringLiteral(NCSN_CLI_PATH), train_args(target));
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
    const RunLog log = parse_events(p.readAllStandardOutput());
    QCOMPARE(log.resumed_from.toStdString(), newest);
    QCOMPARE(log.checkpoint_steps, QList<int>({start + 1, start + 2, start + 3, start + 4, start + 5}));
    QCOMPARE(log.finished["step"].toInt(), target);
    QVERIFY(log.finished["completed"].toBool());
    QVERIFY2(temp_files().isEmpty(), qPrintable(temp_files().join(", ")));
    QVERIFY(log.messages.filter("unfinished temp file(s) left by an interrupted run").size() == 1);
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::checkpoint_path(ncsn::test::str(tiny_->run_dir), target)).step, int64_t{target});
  }

  // Two trainings in one run folder would interleave their checkpoints: the second is refused
  // without touching the folder, and a SIGKILLed holder blocks nobody.
  void aSecondTrainingOfTheSameRunFolderIsRefused() {
    ncsn::test::TinyTrainingRun run(dir_.filePath("shared"));
    QProcess first;
    first.start(QStringLiteral(NCSN_CLI_PATH), run.train_args(1000000, 1, 0));
    QVERIFY(first.waitForStarted());
    QByteArray out;
    QElapsedTimer clock;
    clock.start();
    while (!out.contains("\"event\":\"checkpoint\"") && first.state() == QProcess::Running && clock.elapsed() < 60000) {
      first.waitForReadyRead(50);
      out += first.readAllStandardOutput();
    }
    QVERIFY2(out.contains("\"event\":\"checkpoint\""), out.constData());
    const std::string config = ncsn::test::read_bytes(ncsn::test::str(run.run_dir + "/config.json"));

    QStringList other = run.train_args(5, 1, 0);
    other << "--lr" << "0.5";
    const auto refused = ncsn::test::ncsn_cli(other);
    QCOMPARE(refused.code, 1);
    QVERIFY2(ncsn::test::one_line_error(refused), qPrintable(refused.err));
    QVERIFY2(refused.err.contains("is in use by another training (process " + QString::number(first.processId()) + " on "),
             qPrintable(refused.err));
    QVERIFY(ncsn::test::read_bytes(ncsn::test::str(run.run_dir + "/config.json")) == config);  // still the first run's

    first.kill();  // SIGKILL: the kernel drops the lock with the process
    QVERIFY(first.waitForFinished(30000));
    const auto newest = ncsn::list_checkpoints(ncsn::test::str(run.run_dir)).front();
    const int target = static_cast<int>(step_in_name(newest)) + 1;
    const auto next = ncsn::test::ncsn_cli(run.train_args(target, 1, 0));
    QVERIFY2(next.code == 0, qPrintable(next.err));
    QCOMPARE(parse_events(next.out.toUtf8()).resumed_from.toStdString(), newest);
  }

  // Checkpoint selection takes hours on a CPU. A pass killed inside its first checkpoint keeps
  // that checkpoint's finished batch; killed again after its first score, it keeps the score; the
  // pass that ends gives exactly the figures of a pass never interrupted.
  void evalKilledMidPassLosesAtMostOneBatch() {
    ncsn::test::TinyTrainingRun run(dir_.filePath("eval"));
    auto r = ncsn::test::ncsn_cli(run.train_args(3, 1, 0));
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QString classifier = dir_.filePath("eval/classifier.pt"), record = run.run_dir + "/scores.json";
    r = ncsn::test::ncsn_cli({"eval", "--train-classifier", "--dataset", "mnist", "--data", run.data_dir, "--classifier-iters", "10",
                              "--out", classifier, "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    // Two batches of 4 per checkpoint at T = 20: about half a second a batch here, time enough to
    // land a kill after the first batch and after the first score.
    const QStringList eval = {"eval", "--run-folder", run.run_dir, "--dataset", "mnist", "--data", run.data_dir, "--classifier",
                              classifier, "-n", "8", "--batch", "4", "-T", "20", "--heldout-images", "8", "--threads", "1", "--quiet"};
    r = ncsn::test::ncsn_cli(eval + QStringList{"--out", dir_.filePath("eval/uninterrupted.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto uninterrupted = ncsn::test::read_json_file(dir_.filePath("eval/uninterrupted.json"));

    const auto killWhen = [&](const std::function<bool()>& moment, const char* what) {
      QProcess p;
      p.start(QStringLiteral(NCSN_CLI_PATH), eval);
      QElapsedTimer clock;
      clock.start();
      while (p.state() != QProcess::NotRunning && !moment() && clock.elapsed() < 60000) p.waitForFinished(5);
      const bool running = p.state() == QProcess::Running;
      p.kill();  // SIGKILL
      p.waitForFinished(30000);
      qInfo("eval killed %d ms after exec, %s", static_cast<int>(clock.elapsed()), what);
      return running;
    };
    // The samples are written before the record notes them: wait for the note.
    const QString samples = record + ".samples";
    QVERIFY2(killWhen([&] { return QFile::exists(record) && ncsn::test::read_json_file(record).contains("partial"); }, "after the first batch"),
             "the pass ended before the kill");
    auto kept = ncsn::test::read_json_file(record);
    QCOMPARE(kept["checkpoints"].toArray().size(), qsizetype{0});
    QCOMPARE(kept["partial"].toObject()["checkpoint"].toString(), run.checkpoint(1));
    QCOMPARE(kept["partial"].toObject()["shape"].toArray().first().toInt(), 4);

    QVERIFY2(killWhen([&] { return QFile::exists(record) && !ncsn::test::read_json_file(record)["checkpoints"].toArray().isEmpty(); }, "after the first score"),
             "the pass ended before the kill");
    kept = ncsn::test::read_json_file(record);
    const int scored = static_cast<int>(kept["checkpoints"].toArray().size());
    QVERIFY2(scored >= 1 && scored < 3, qPrintable(QString::number(scored)));

    r = ncsn::test::ncsn_cli(eval);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(static_cast<int>(r.out.count("(scored before, from the record)")), scored);
    const auto done = ncsn::test::read_json_file(record);
    QCOMPARE(done["checkpoints"].toArray().size(), qsizetype{3});
    for (int i = 0; i < 3; ++i)
      QCOMPARE(done["checkpoints"].toArray()[i].toObject()["fd_cls"].toDouble(),
               uninterrupted["checkpoints"].toArray()[i].toObject()["fd_cls"].toDouble());
    QCOMPARE(done["best"], uninterrupted["best"]);
    QVERIFY(!done.contains("partial"));
    QVERIFY(!QFile::exists(samples));
  }
};

QTEST_GUILESS_MAIN(TestKillResume)
#include "test_kill_resume.moc"
