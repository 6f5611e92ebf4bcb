#include "cli_run.hpp"

#include <csignal>
#include <stdexcept>

#include <QDir>
#include <QProcess>

#include "test_support.hpp"

namespace ncsn::test {

CliRun ncsn_cli(const QStringList& args, rlim_t max_file_bytes, const QString& faults) {
  QProcess p;
  if (!faults.isEmpty()) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("NCSN_FAULTS", faults);
    p.setProcessEnvironment(env);
  }
  if (max_file_bytes > 0) {
    p.setChildProcessModifier([max_file_bytes] {
      // Between fork and exec: only async-signal-safe calls. An ignored signal stays ignored across exec.
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{max_file_bytes, max_file_bytes};
      ::setrlimit(RLIMIT_FSIZE, &limit);
    });
  }
  p.start(QStringLiteral(NCSN_CLI_PATH), args);
  if (!p.waitForFinished(300000)) p.kill();
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

bool one_line_error(const CliRun& r) { return r.err.startsWith("ncsn: error: ") && r.err.trimmed().count('\n') == 0; }

TinyTrainingRun::TinyTrainingRun(const QString& parent)
    : data_dir(QDir(parent).filePath("idx")), run_dir(QDir(parent).filePath("run")) {
  if (!QDir().mkpath(data_dir)) throw std::runtime_error("cannot create " + str(data_dir));
  write_idx_folder(str(data_dir), 32, 8);
}

QStringList TinyTrainingRun::train_args(int iters, int checkpoint_every, int eval_every) const {
  return {"train", "--dataset", "mnist", "--data", data_dir, "--out", run_dir, "--ngf", "4", "--batch", "8",
          "--iters", QString::number(iters), "--checkpoint-every", QString::number(checkpoint_every),
          "--eval-every", QString::number(eval_every), "--json", "--threads", "1"};
}

QString TinyTrainingRun::checkpoint(int step) const {
  return run_dir + "/checkpoint_" + QString::number(step) + ".ncsn";
}

}  // namespace ncsn::test
