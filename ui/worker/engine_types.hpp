#pragma once
// Plain Qt descriptions of what the engine worker is asked to do and what it reports back.
// No torch here: the widgets include this header and must stay cheap to build.
#include <QImage>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QVector>

#include <limits>

namespace ncsn {

struct ModelInfo {
  QString path, description, device, origin;
  qint64 step = 0;
  int channels = 1, imageSize = 28, levels = 10;
  QVector<double> sigmas;  // largest first
  double heldoutLoss = std::numeric_limits<double>::quiet_NaN();
};

struct SampleRequest {
  int count = 16;
  int columns = 4;
  double stepLr = 2e-5;    // ε, reference convention
  int stepsPerLevel = 100; // T
  quint64 seed = 0;
  bool denoiseLast = false;
  int frameEverySteps = 1; // live frames at most this often (and at most a few per second)
};

// Where a running chain is, for progress labels.
struct FrameInfo {
  int level = 0, levels = 0, step = 0, stepsPerLevel = 0;
  qint64 done = 0, total = 0;
  double sigma = 0, stepsPerSecond = 0, etaSeconds = -1;  // negative while the rate is unknown
};

struct DatasetChoice {
  QString kind = QStringLiteral("fashion-mnist");  // fashion-mnist, mnist, cifar10 or folder
  QString path;                                    // empty for the embedded Fashion-MNIST
  QString label() const;
};

// The end of a sampling or inpainting job.
struct JobOutcome {
  QString kind;             // "sample" or "inpaint"
  bool completed = false;   // false when stopped early; images then hold the last state
  qint64 stepsDone = 0;
  QList<QImage> images;
  QString settingsJson;     // the provenance stored in exported PNGs
};

struct TrainPoint {
  qint64 step = 0, total = 0;
  double loss = 0, lr = 0;
  double heldout = std::numeric_limits<double>::quiet_NaN();
  double itPerSec = 0, elapsedS = 0, remainingS = -1;  // negative while the rate is unknown
  qint64 skippedSteps = 0;  // fp16 overflows, since this run started
  QVector<double> levelLosses;
};

enum class StopMode { Now, FinishLevel };

}  // namespace ncsn

Q_DECLARE_METATYPE(ncsn::ModelInfo)
Q_DECLARE_METATYPE(ncsn::SampleRequest)
Q_DECLARE_METATYPE(ncsn::FrameInfo)
Q_DECLARE_METATYPE(ncsn::DatasetChoice)
Q_DECLARE_METATYPE(ncsn::JobOutcome)
Q_DECLARE_METATYPE(ncsn::TrainPoint)
