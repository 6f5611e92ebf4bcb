#pragma once
// End-to-end suites: runs of the `ncsn` executable (NCSN_CLI_PATH) and the tiny training run
// they share.
#include <sys/resource.h>

#include <QString>
#include <QStringList>

namespace ncsn::test {

struct CliRun {
  int code = -1;  // -1 when the process crashed or was killed
  QString out, err;
};

// Runs `ncsn` to completion (5 minutes at most). With `max_file_bytes` > 0 no file it writes may
// grow beyond that size (a full disk: writes fail with EFBIG); `faults` is an NCSN_FAULTS setting
// (ncsn/fault_injection.hpp).
CliRun ncsn_cli(const QStringList& args, rlim_t max_file_bytes = 0, const QString& faults = {});

// What the CLI promises for every failure: one line, starting "ncsn: error: ".
bool one_line_error(const CliRun& r);

// An MNIST-format data folder (32 training and 8 test images) and a run folder, inside `parent`,
// for training runs of a few seconds.
struct TinyTrainingRun {
  QString data_dir, run_dir;

  explicit TinyTrainingRun(const QString& parent);  // writes the data; throws if it cannot
  // `ncsn train` on that data with an ngf 4 network at batch 8, one thread, JSON progress.
  QStringList train_args(int iters, int checkpoint_every, int eval_every) const;
  QString checkpoint(int step) const;
};

}  // namespace ncsn::test
