#include "engine_worker.hpp"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QRandomGenerator>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>

#include <torch/torch.h>

#include "frame_throttle.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/cpu_convolution_check.hpp"
#include "ncsn/device.hpp"
#include "ncsn/host_allocator.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/free_cpu_cores.hpp"
#include "ncsn/image_channels.hpp"
#include "ncsn/imageio/checkpoint_evaluator.hpp"
#include "ncsn/imageio/dataset_source.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/job_control.hpp"
#include "ncsn/nearest_neighbours.hpp"
#include "ncsn/score_record.hpp"
#include "ncsn/shipped_files.hpp"
#include "ncsn/toy2d.hpp"
#include "ncsn/trainer.hpp"
#include "tensor_image.hpp"

namespace ncsn {

QString DatasetChoice::label() const {
  if (kind == QLatin1String("fashion-mnist") && path.isEmpty()) return QStringLiteral("Fashion-MNIST (built in)");
  return kind + QStringLiteral(": ") + QFileInfo(path).fileName();
}

struct EngineWorker::State {
  torch::Device device{torch::kCPU};
  std::optional<ModelSession> session;
  DatasetChoice dataset;
  std::optional<ImageDataset> testSet, trainSet;  // loaded on first use, per dataset
  // The FD-cls classifier and the test set's features take seconds to prepare: kept per dataset
  // and device so that scoring again starts at once.
  std::optional<CheckpointEvaluator> evaluator;
  JobControl control;
  FrameThrottle throttle;
  ToyScoreMlp toyModel{nullptr};

  DatasetSource source() const { return DatasetSource::parse(dataset.kind.toStdString(), dataset.path.toStdString()); }
  const ImageDataset& split(Split which) {
    auto& slot = which == Split::Test ? testSet : trainSet;
    if (!slot) slot = load_dataset(source(), which);
    return *slot;
  }
  CheckpointEvaluator& checkpointEvaluator() {
    if (!evaluator)
      evaluator.emplace(split(Split::Train), split(Split::Test), load_classifier(classifier_for(dataset.kind.toStdString()), device),
                        device);
    return *evaluator;
  }
  ModelSession& model() {
    if (!session) throw ConfigError("No model is loaded: open a checkpoint (Ctrl+O) or train one first.");
    return *session;
  }
};

namespace {

ModelInfo describeModel(const ModelSession& session) {
  const auto& meta = session.loaded.meta;
  ModelInfo info;
  info.path = QString::fromStdString(session.path);
  info.description = QString::fromStdString(meta.model.describe());
  info.device = QString::fromStdString(describe_device(session.device));
  info.origin = QString::fromStdString(meta.origin);
  info.step = meta.step;
  info.channels = static_cast<int>(meta.model.channels);
  info.imageSize = static_cast<int>(meta.model.image_size);
  info.levels = static_cast<int>(meta.model.num_classes);
  info.heldoutLoss = meta.heldout_loss;
  auto sigmas = session.sampler.sigmas().cpu();
  for (int64_t i = 0; i < sigmas.size(0); ++i) info.sigmas.append(sigmas[i].item<double>());
  return info;
}

// Seconds until `left` more units at `perSecond`; negative while the rate is unknown.
double secondsLeft(double left, double perSecond) { return perSecond > 0 ? left / perSecond : -1; }

FrameInfo frameInfo(const LangevinPosition& at, double elapsedS) {
  FrameInfo info;
  info.level = static_cast<int>(at.level);
  info.levels = static_cast<int>(at.levels);
  info.step = static_cast<int>(at.step);
  info.stepsPerLevel = static_cast<int>(at.steps_per_level);
  info.done = at.done;
  info.total = at.total;
  info.sigma = at.sigma;
  info.stepsPerSecond = elapsedS > 0 ? at.done / elapsedS : 0;
  info.etaSeconds = secondsLeft(at.total - at.done, info.stepsPerSecond);
  return info;
}

constexpr double kToyRange = 8.0;

GridExtent toyExtent(int cells) { return {cells, cells, -kToyRange, kToyRange, -kToyRange, kToyRange}; }

torch::Tensor gridCentres(const GridExtent& extent) {
  auto xs = torch::empty({extent.cellCount(), 2}, torch::kDouble);
  auto acc = xs.accessor<double, 2>();
  for (int r = 0; r < extent.rows; ++r)
    for (int c = 0; c < extent.columns; ++c) {
      const QPointF p = extent.cellCenter(c, r);
      acc[extent.index(c, r)][0] = p.x();
      acc[extent.index(c, r)][1] = p.y();
    }
  return xs;
}

VectorGrid vectorGrid(const GridExtent& extent, const torch::Tensor& vectors) {
  VectorGrid grid{extent, {}};
  auto v = vectors.to(torch::kDouble).contiguous();
  auto acc = v.accessor<double, 2>();
  for (int64_t i = 0; i < v.size(0); ++i) grid.vectors.append(QPointF(acc[i][0], acc[i][1]));
  return grid;
}

QVector<QPointF> points(const torch::Tensor& xy) {
  QVector<QPointF> out;
  auto v = xy.to(torch::kDouble).contiguous();
  auto acc = v.accessor<double, 2>();
  for (int64_t i = 0; i < v.size(0); ++i) out.append(QPointF(acc[i][0], acc[i][1]));
  return out;
}

VectorGrid learnedField(ToyScoreMlp& model) {
  torch::NoGradGuard no_grad;
  const auto extent = toyExtent(21);
  return vectorGrid(extent, model->forward(gridCentres(extent).to(torch::kFloat)));
}

}  // namespace

EngineWorker::EngineWorker(QObject* parent) : QObject(parent), state_(std::make_unique<State>()) {
  qRegisterMetaType<ModelInfo>();
  qRegisterMetaType<SampleRequest>();
  qRegisterMetaType<FrameInfo>();
  qRegisterMetaType<DatasetChoice>();
  qRegisterMetaType<JobOutcome>();
  qRegisterMetaType<TrainPoint>();
  qRegisterMetaType<TrainSettings>();
  qRegisterMetaType<InpaintSettings>();
  qRegisterMetaType<ScalarGrid>();
  qRegisterMetaType<VectorGrid>();
  configure_host_allocator();  // the studio's engine is set up here, before its first session
}

EngineWorker::~EngineWorker() = default;

void EngineWorker::requestStop(StopMode mode) {
  state_->control.request_stop(mode == StopMode::Now ? StopRequest::Now : StopRequest::AfterLevel);
}
void EngineWorker::pause() { state_->control.pause(); }
void EngineWorker::resume() { state_->control.resume(); }
bool EngineWorker::cudaAvailable() { return torch::cuda::is_available(); }
QString EngineWorker::shippedModelPath(ShippedModel model) {
  const auto path = find_shipped_file(model == ShippedModel::Small ? kDefaultModel : kReferenceSizeModel);
  return path ? QString::fromStdString(*path) : QString();
}
void EngineWorker::frameConsumed() { state_->throttle.consumed(); }
void EngineWorker::setFrameIntervalMs(int ms) { state_->throttle.setMinInterval(ms); }

template <typename Job>
void EngineWorker::guarded(const QString& kind, Job&& job) {
  try {
    job();
  } catch (const std::exception& e) {
    emit failed(kind + QStringLiteral(": ") + QString::fromStdString(describe_error(e)));
  }
}

// Each job takes the cores that are free at its start: it then neither fights another busy
// program for a core (ncsn/free_cpu_cores.hpp) nor leaves cores idle once that program is done.
void EngineWorker::beginJob(const QString& kind) {
  if (state_->device.is_cpu()) {
    use_free_cpu_cores();
    emit deviceChanged(QString::fromStdString(describe_device(state_->device)));
  }
  emit jobStarted(kind);
}

void EngineWorker::setDevice(const QString& name) {
  guarded(tr("Device"), [&] {
    state_->device = select_device(name.toStdString());
    state_->evaluator.reset();
    if (state_->device.is_cpu()) use_free_cpu_cores();
    emit deviceChanged(QString::fromStdString(describe_device(state_->device)));
    if (state_->session) loadModel(QString::fromStdString(state_->session->path));
  });
}

void EngineWorker::loadModel(const QString& path) {
  guarded(tr("Opening %1").arg(QFileInfo(path).fileName()), [&] {
    state_->session = ModelSession::open(path.toStdString(), state_->device);
    emit modelLoaded(describeModel(*state_->session));
  });
}

void EngineWorker::setDataset(const DatasetChoice& dataset) {
  state_->dataset = dataset;
  state_->testSet.reset();
  state_->trainSet.reset();
  state_->evaluator.reset();
}

void EngineWorker::sample(const SampleRequest& request) {
  guarded(tr("Sampling"), [&] { runSampling(QStringLiteral("sample"), request, nullptr, nullptr); });
}

void EngineWorker::inpaint(const QImage& image, const QImage& mask, const InpaintSettings& settings) {
  SampleRequest request;
  request.count = settings.candidates;
  request.columns = settings.candidates;
  request.stepLr = settings.stepLr;
  request.stepsPerLevel = settings.stepsPerLevel;
  request.seed = settings.seed;
  request.denoiseLast = settings.denoiseLast;
  guarded(tr("Inpainting"), [&] { runSampling(QStringLiteral("inpaint"), request, &image, &mask); });
}

void EngineWorker::runSampling(const QString& kind, const SampleRequest& request, const QImage* image,
                               const QImage* mask) {
  auto& s = *state_;
  auto& session = s.model();
  if (request.count < 1) throw ConfigError("Ask for at least one sample.");
  LangevinSettings settings;
  settings.step_lr = request.stepLr;
  settings.steps_per_level = request.stepsPerLevel;
  settings.denoise_last = request.denoiseLast;
  settings.seed = request.seed;
  settings.frame_every = 1;
  s.control.reset();
  s.throttle.start(request.frameEverySteps);
  beginJob(kind);

  QElapsedTimer clock, sinceProgress;
  clock.start();
  sinceProgress.start();
  auto observer = [&](const LangevinPosition& at, const torch::Tensor& x) {
    const auto info = frameInfo(at, clock.elapsed() / 1000.0);
    if (sinceProgress.elapsed() >= 100) {
      sinceProgress.restart();
      emit progress(info);
    }
    if (at.step + 1 == at.steps_per_level) emit levelFinished(static_cast<int>(at.level), batchToImages(x, request.columns));
    if (s.throttle.admit(at.done)) emit frameReady(info, batchToImages(x));
  };

  SampleResult result;
  nlohmann::json extra = {{"count", request.count}, {"columns", request.columns}};
  if (image) {
    const auto& c = session.loaded.meta.model;
    if (image->width() != c.image_size || image->height() != c.image_size)
      throw ConfigError(QStringLiteral("The image is %1×%2 pixels but the model works on %3×%3; pick an image of that size.")
                            .arg(image->width()).arg(image->height()).arg(c.image_size).toStdString());
    if (mask->size() != image->size()) throw ConfigError("The mask and the image differ in size.");
    const bool storedGrey = image->format() == QImage::Format_Grayscale8 || image->format() == QImage::Format_Grayscale16;
    auto x = to_model_channels(imageToTensor(*image, storedGrey ? 1 : 3), c.channels, "The image")
                 .unsqueeze(0)
                 .repeat({request.count, 1, 1, 1});
    auto known = maskToTensor(*mask).unsqueeze(0);
    result = session.sampler.inpaint(x.to(session.device), known.to(session.device), settings, observer, &s.control);
  } else {
    result = session.sampler.sample(request.count, session.image_shape(), settings, observer, &s.control);
  }
  JobOutcome outcome;
  outcome.kind = kind;
  outcome.completed = result.completed;
  outcome.stepsDone = result.steps_done;
  outcome.images = batchToImages(result.samples);
  const auto text = provenance(session, settings, kind == QLatin1String("sample") ? "annealed-langevin" : "inpaint", extra);
  outcome.settingsJson = QString::fromStdString(text.at("ncsn:settings"));
  emit jobFinished(outcome);
}

void EngineWorker::train(const TrainSettings& t, const QString& resumeFrom) {
  guarded(tr("Training"), [&] {
    auto& s = *state_;
    const auto source = s.source();
    const auto& trainSet = s.split(Split::Train);
    const auto& testSet = s.split(Split::Test);
    ModelConfig model;
    model.channels = trainSet.channels();
    model.image_size = trainSet.height();
    model.ngf = t.ngf;
    model.num_classes = t.numLevels;
    model.sigma_begin = t.sigmaBegin;
    model.sigma_end = t.sigmaEnd;
    model.validate();
    TrainConfig config;
    config.batch_size = t.batchSize;
    config.accumulate = t.accumulateParts;
    config.mixed_precision = parse_mixed_precision(t.mixedPrecision.toStdString());
    config.lr = t.learningRate;
    config.iterations = t.iterations;
    config.checkpoint_every = t.checkpointInterval;
    config.ema_rate = t.emaEnabled ? t.emaRate : 0.0;
    config.seed = t.seed;
    config.checkpoint_dir = t.checkpointFolder.toStdString();
    config.random_flip = source.random_flip_by_default();
    config.on_non_finite = t.rollbackOnNan ? NonFinitePolicy::Rollback : NonFinitePolicy::Stop;
    config.on_write_error = t.continueOnWriteError ? WriteFailurePolicy::Continue : WriteFailurePolicy::Stop;
    config.validate();
    // A new run may start from a model, whose architecture it takes; a folder with checkpoints
    // resumes from them instead, with theirs.
    std::optional<LoadedModel> init;
    if (!t.initialModel.isEmpty() && resumeFrom.isEmpty())
      init = load_initial_model(t.initialModel.toStdString(), config.checkpoint_dir, model);

    s.control.reset();
    Trainer trainer(model, config, trainSet, testSet, s.device);
    trainer.claim_run_folder();  // another training in the folder is refused before this one starts
    std::optional<std::string> resumed;
    if (init) trainer.start_from(*init);
    else if (!resumeFrom.isEmpty()) {
      trainer.resume_from(resumeFrom.toStdString());
      resumed = resumeFrom.toStdString();
    } else {
      resumed = trainer.resume_latest();
    }
    beginJob(QStringLiteral("train"));
    listRunFolder(config.checkpoint_dir);
    emit message(tr("Training %1 on %2").arg(QString::fromStdString(model.describe()), s.dataset.label()) +
                 (resumed ? tr(", resumed from %1").arg(QString::fromStdString(*resumed)) : QString()) +
                 (init ? tr(", starting from %1 (step %2)").arg(t.initialModel).arg(init->meta.step) : QString()));

    TrainerEvents events;
    events.on_progress = [&](const TrainProgress& p) {
      TrainPoint point;
      point.step = p.step;
      point.total = p.total;
      point.loss = p.loss;
      point.lr = p.lr;
      if (p.heldout_loss) point.heldout = *p.heldout_loss;
      point.itPerSec = p.iters_per_s;
      point.elapsedS = p.elapsed_s;
      point.remainingS = secondsLeft(p.total - p.step, p.iters_per_s);
      point.skippedSteps = p.skipped_steps;
      point.levelLosses = QVector<double>(p.level_loss.begin(), p.level_loss.end());
      emit trainPoint(point);
    };
    events.on_checkpoint = [&](int64_t step, const std::string& path, double heldout) {
      emit checkpointWritten(step, QString::fromStdString(path), heldout);
      // A short, cheap anneal shows what the model can do at this checkpoint.
      AnnealedLangevinSampler preview(score_function(trainer.model()), trainer.sigmas());
      LangevinSettings quick;
      quick.steps_per_level = 3;
      quick.seed = static_cast<uint64_t>(step);
      const auto r = preview.sample(8, {model.channels, model.image_size, model.image_size}, quick);
      emit trainPreview(step, batchToGrid(r.samples, 4));
    };
    events.on_message = [&](const std::string& text) { emit message(QString::fromStdString(text)); };
    if (const auto notice = cpu_convolution_notice(s.device); !notice.empty()) events.on_message(notice);
    const auto result = trainer.run(events, &s.control);
    emit trainFinished(result.completed, result.step, QString::fromStdString(result.last_checkpoint));
  });
}

void EngineWorker::datasetImage(int index) {
  guarded(tr("Dataset"), [&] {
    const auto& test = state_->split(Split::Test);
    const int64_t i = index >= 0 ? index : QRandomGenerator::global()->bounded(static_cast<int>(test.size()));
    if (i >= test.size()) throw ConfigError(QStringLiteral("The test set has %1 images.").arg(test.size()).toStdString());
    const auto picked = test.batch(torch::tensor({i}, torch::kLong));
    emit datasetImageReady(tensorToImage(picked[0]), tr("%1, test image %2").arg(state_->dataset.label()).arg(i));
  });
}

void EngineWorker::nearestNeighbours(const QList<QImage>& images) {
  guarded(tr("Nearest neighbours"), [&] {
    const auto& train = state_->split(Split::Train);
    std::vector<torch::Tensor> queries;
    for (const auto& image : images) {
      if (image.width() != train.width() || image.height() != train.height())
        throw ConfigError("The samples and the training images differ in size.");
      queries.push_back(imageToTensor(image, static_cast<int>(train.channels())));
    }
    const auto nearest = nearest_training_images(torch::stack(queries), train);
    QVector<double> distances;
    for (int64_t i = 0; i < nearest.distances.size(0); ++i) distances.append(nearest.distances[i].item<double>());
    emit neighboursReady(batchToImages(train.batch(nearest.indices)), distances);
  });
}

namespace {

// Also for reports read back from a score record, which may lack a figure.
QString describeScore(const nlohmann::json& j) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return QObject::tr("step %1: FD-cls %2 on %3 samples, %4 of %5 classes, nearest training image %6 (mean L2), held-out loss %7")
      .arg(j.value("step", qint64{-1}))
      .arg(j.value("fd_cls", nan), 0, 'f', 2)
      .arg(j.value("samples", qint64{0}))
      .arg(j.value("classes_covered", qint64{0}))
      .arg(j.value("class_counts", nlohmann::json::array()).size())
      .arg(j.value("nn_distance_mean", nan), 0, 'f', 3)
      .arg(j.value("heldout_dsm_loss", nan), 0, 'g', 5);
}

}  // namespace

void EngineWorker::scoreCheckpoints(const QStringList& paths, int samples, int stepsPerLevel) {
  auto& s = *state_;
  guarded(tr("Scoring checkpoints"), [&] {
    if (paths.isEmpty()) throw ConfigError("There are no checkpoints to score.");
    EvaluationSettings settings;
    settings.count = samples;
    settings.batch = std::min(samples, 250);
    settings.langevin.steps_per_level = stepsPerLevel;
    std::vector<std::string> list;
    for (const auto& p : paths) list.push_back(p.toStdString());

    s.control.reset();
    beginJob(QStringLiteral("score"));
    QElapsedTimer clock, sinceProgress;
    clock.start();
    sinceProgress.start();
    const auto reportProgress = [&](int64_t done, int64_t total) {
      if (sinceProgress.elapsed() < 100) return;
      sinceProgress.restart();
      FrameInfo info;
      info.done = done;
      info.total = total;
      info.stepsPerSecond = done / std::max(clock.elapsed() / 1000.0, 1e-3);
      info.etaSeconds = secondsLeft(total - done, info.stepsPerSecond);
      emit progress(info);
    };
    const auto scored = [&](const nlohmann::json& j, bool) {
      emit checkpointScored(QString::fromStdString(j["checkpoint"].get<std::string>()), j["fd_cls"].get<double>(), describeScore(j));
    };
    // Scores are kept beside the checkpoints as they come: a cancelled or crashed pass resumes.
    ScoreRecord record(score_record_path(std::filesystem::path(list.front()).parent_path().string()));
    nlohmann::json summary;
    try {
      summary = s.checkpointEvaluator().score(list, settings, record, scored, reportProgress, &s.control);
    } catch (const std::runtime_error&) {
      if (s.control.stop_request() == StopRequest::None) throw;
      emit jobFinished(JobOutcome{QStringLiteral("score"), false, 0, {}, {}});  // cancelled: what was scored stays shown and kept
      return;
    }
    emit scoringFinished(QString::fromStdString(summary.value("best", std::string())), QString::fromStdString(record.path()));
    emit jobFinished(JobOutcome{QStringLiteral("score"), true, 0, {}, {}});
  });
}

void EngineWorker::listRunFolder(const std::string& dir) {
  // Steps from the names, held-out losses unknown: reading back every checkpoint (hundreds of MB
  // each with the optimizer state) would hold training up for minutes on a long run.
  auto files = list_checkpoint_files(dir);
  std::reverse(files.begin(), files.end());
  std::vector<std::string> paths;
  for (const auto& f : files) {
    emit checkpointWritten(f.step, QString::fromStdString(f.path), std::numeric_limits<double>::quiet_NaN());
    paths.push_back(f.path);
  }
  try {
    const ScoreRecord record(score_record_path(dir));
    const auto scores = record.summary(paths, record.last_settings());
    for (const auto& j : scores["checkpoints"])
      emit checkpointScored(QString::fromStdString(j["checkpoint"].get<std::string>()), j["fd_cls"].get<double>(), describeScore(j));
    if (scores.contains("best"))
      emit scoringFinished(QString::fromStdString(scores["best"].get<std::string>()), QString::fromStdString(record.path()));
  } catch (const DataError& e) {  // the scores are shown, not needed: training goes on
    emit message(tr("Scores not shown: %1").arg(QString::fromStdString(describe_error(e))));
  }
}

void EngineWorker::toyCompare(quint64 seed) {
  guarded(tr("Toy sampling"), [&] {
    GaussianMixture2D mixture;
    const auto density = toyExtent(64);
    ScalarGrid grid{density, {}};
    const auto p = mixture.log_prob(gridCentres(density)).exp().contiguous();
    for (int64_t i = 0; i < p.size(0); ++i) grid.values.append(p[i].item<double>());
    emit toyDensity(grid);
    const auto fieldExtent = toyExtent(21);
    emit toyTrueField(vectorGrid(fieldExtent, mixture.score(gridCentres(fieldExtent))));
    const auto cmp = run_toy_comparison(seed);
    emit toySamples(0, points(cmp.exact), cmp.exact_weight);
    emit toySamples(1, points(cmp.langevin), cmp.langevin_weight);
    emit toySamples(2, points(cmp.annealed), cmp.annealed_weight);
  });
}

void EngineWorker::toyTrain(int iterations) {
  guarded(tr("Toy training"), [&] {
    auto& s = *state_;
    s.control.reset();
    s.toyModel = ToyScoreMlp();
    GaussianMixture2D mixture;
    ToyTrainOptions options;
    options.iterations = iterations;
    train_toy_score_mlp(s.toyModel, mixture, options, [&](int64_t step, double loss) {
      if (step % 100 == 0) emit toyTrainProgress(static_cast<int>(step), loss);
      if (step % 500 == 0) emit toyLearnedField(learnedField(s.toyModel));
      return !s.control.stop_now();
    });
    emit toyLearnedField(learnedField(s.toyModel));
  });
  emit toyTrainFinished();
}

}  // namespace ncsn
