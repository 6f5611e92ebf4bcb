// The trainer on a tiny in-memory dataset: exact resume, EMA, divergence policies, write
// failures that keep the previous checkpoint, and pause/cancel.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <thread>

#include <ATen/CPUGeneratorImpl.h>

#include <QtTest/QtTest>

#include <optional>

#include "ncsn/atomic_file.hpp"
#include "ncsn/checkpoint.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/fault_injection.hpp"
#include "ncsn/foreach_adam.hpp"
#include "ncsn/trainer.hpp"
#include "ncsn/training_batch_loader.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

// Built with AddressSanitizer (GCC says so with a macro, clang with __has_feature).
#if defined(__SANITIZE_ADDRESS__)
#define NCSN_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NCSN_UNDER_ASAN 1
#endif
#endif

namespace {

ncsn::ModelConfig tiny_model() {
  ncsn::ModelConfig c;
  c.channels = 1;
  c.image_size = 8;
  c.ngf = 4;
  c.num_classes = 4;
  c.sigma_begin = 1.0;
  c.sigma_end = 0.05;
  return c;
}

ncsn::ImageDataset tiny_dataset(int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  ncsn::ImageDataset d;
  d.images = torch::randint(0, 256, {n, 1, 8, 8}, gen, torch::kUInt8);
  d.labels = torch::full({n}, -1, torch::kLong);
  d.name = "tiny";
  return d;
}

ncsn::TrainConfig train_config(const std::string& dir, int64_t iterations) {
  ncsn::TrainConfig t;
  t.batch_size = 24;  // 64 images: batches straddle epoch boundaries (new permutations)
  t.iterations = iterations;
  t.checkpoint_every = 1000;
  t.eval_every = 2;
  t.seed = 77;
  t.checkpoint_dir = dir;
  return t;
}

ncsn::Trainer make_trainer(const ncsn::TrainConfig& t) {
  return ncsn::Trainer(tiny_model(), t, tiny_dataset(64, 1), tiny_dataset(16, 2), torch::kCPU);
}

double max_weight_diff(const torch::nn::Module& a, const torch::nn::Module& b) {
  double worst = 0;
  const auto pb = b.named_parameters();
  for (const auto& item : a.named_parameters()) worst = std::max(worst, ncsn::test::max_abs_diff(item.value(), pb[item.key()]));
  return worst;
}

std::vector<torch::Tensor> snapshot(const torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
  return out;
}

struct Recorder {
  std::vector<double> losses, lrs;
  std::vector<int64_t> steps;
  std::vector<std::string> messages, checkpoints;
  ncsn::TrainerEvents events() {
    ncsn::TrainerEvents e;
    e.on_progress = [this](const ncsn::TrainProgress& p) {
      losses.push_back(p.loss);
      lrs.push_back(p.lr);
      steps.push_back(p.step);
    };
    e.on_message = [this](const std::string& m) { messages.push_back(m); };
    e.on_checkpoint = [this](int64_t, const std::string& path, double) { checkpoints.push_back(path); };
    return e;
  }
};

}  // namespace

class TestTrainer : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string dir(const char* name) const { return ncsn::test::str(tmp_.filePath(name)); }

 private slots:
  // Tiny tensors gain nothing from threads, and OpenMP spin-waits badly on a busy 2-core machine.
  void initTestCase() { torch::set_num_threads(1); }
  void resumeIsExact() {
    const int64_t n = 3, m = 4;
    for (double ema_rate : {0.0, 0.9}) {
      // One run of N+M iterations...
      auto whole_cfg = train_config(dir(ema_rate > 0 ? "whole-ema" : "whole"), n + m);
      whole_cfg.ema_rate = ema_rate;
      auto whole = make_trainer(whole_cfg);
      Recorder whole_log;
      const auto whole_result = whole.run(whole_log.events());
      QVERIFY(whole_result.completed);
      QCOMPARE(whole_result.step, n + m);
      QCOMPARE(whole_log.losses.size(), size_t(n + m));

      // ...equals N iterations, a checkpoint, a new process-like trainer, and M more.
      auto split_cfg = train_config(dir(ema_rate > 0 ? "split-ema" : "split"), n);
      split_cfg.ema_rate = ema_rate;
      Recorder first_log, second_log;
      {
        auto first = make_trainer(split_cfg);
        const auto r = first.run(first_log.events());
        QVERIFY(fs::exists(r.last_checkpoint));
      }
      split_cfg.iterations = n + m;
      split_cfg.seed = 77;
      auto second = make_trainer(split_cfg);
      const auto resumed = second.resume_latest();
      QVERIFY(resumed.has_value());
      QCOMPARE(second.step(), n);
      const auto result = second.run(second_log.events());
      QVERIFY(result.completed);

      std::vector<double> split_losses = first_log.losses;
      split_losses.insert(split_losses.end(), second_log.losses.begin(), second_log.losses.end());
      QCOMPARE(split_losses.size(), whole_log.losses.size());
      for (size_t i = 0; i < split_losses.size(); ++i)
        QVERIFY2(std::abs(split_losses[i] - whole_log.losses[i]) <= 1e-5 * std::abs(whole_log.losses[i]),
                 qPrintable(QString("step %1: %2 vs %3").arg(i + 1).arg(split_losses[i]).arg(whole_log.losses[i])));
      const double diff = max_weight_diff(*second.model(), *whole.model());
      QVERIFY2(diff < 1e-5, qPrintable(QString("weights differ by %1").arg(diff)));
      QVERIFY(max_weight_diff(*second.model(), *make_trainer(whole_cfg).model()) > 1e-4);  // it did train
      const double heldout_whole = whole.heldout_loss(), heldout_split = second.heldout_loss();
      QVERIFY(std::abs(heldout_whole - heldout_split) <= 1e-5 * std::abs(heldout_whole));
      if (ema_rate > 0) {
        auto ema_whole = ncsn::load_model(whole_result.last_checkpoint, torch::kCPU, true);
        auto ema_split = ncsn::load_model(result.last_checkpoint, torch::kCPU, true);
        QVERIFY(max_weight_diff(*ema_whole.model, *ema_split.model) < 1e-5);
      }
    }
  }

  void emaIsTheRunningAverageAndIsSaved() {
    auto cfg = train_config(dir("ema"), 5);
    cfg.ema_rate = 0.7;
    auto trainer = make_trainer(cfg);
    // e_0 = w_0; e_t = r e_{t-1} + (1 - r) w_t after every optimiser step.
    auto expected = snapshot(*trainer.model());
    ncsn::TrainerEvents events;
    events.on_progress = [&](const ncsn::TrainProgress&) {
      const auto w = snapshot(*trainer.model());
      for (size_t i = 0; i < w.size(); ++i) expected[i] = 0.7 * expected[i] + 0.3 * w[i];
    };
    const auto result = trainer.run(events);
    const auto meta = ncsn::read_checkpoint_meta(result.last_checkpoint);
    QVERIFY(meta.has_ema);
    auto ema = ncsn::load_model(result.last_checkpoint, torch::kCPU, /*prefer_ema=*/true);
    auto raw = ncsn::load_model(result.last_checkpoint, torch::kCPU, /*prefer_ema=*/false);
    QVERIFY(max_weight_diff(*raw.model, *trainer.model()) == 0.0);
    QVERIFY(max_weight_diff(*ema.model, *raw.model) > 1e-4);
    const auto got = ema.model->parameters();
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, ncsn::test::max_abs_diff(got[i], expected[i]));
    QVERIFY2(worst < 1e-6, qPrintable(QString("EMA off by %1").arg(worst)));
    // Without EMA, nothing is stored and prefer_ema falls back to the raw weights.
    auto plain = make_trainer(train_config(dir("no-ema"), 2));
    const auto plain_result = plain.run();
    QVERIFY(!ncsn::read_checkpoint_meta(plain_result.last_checkpoint).has_ema);
  }

  // --init: a new run takes another model's weights and step; its EMA starts at those weights.
  void startingFromAModelKeepsItsWeightsAndStep() {
    auto source_cfg = train_config(dir("init-source"), 3);
    source_cfg.ema_rate = 0.9;
    const auto source = make_trainer(source_cfg).run();
    const auto init = ncsn::load_model(source.last_checkpoint, torch::kCPU, /*prefer_ema=*/true);

    auto cfg = train_config(dir("init-tuned"), 5);
    cfg.ema_rate = 0.5;
    auto tuned = make_trainer(cfg);
    tuned.start_from(init);
    QCOMPARE(tuned.step(), int64_t{3});
    QCOMPARE(max_weight_diff(*tuned.model(), *init.model), 0.0);
    auto expected = snapshot(*init.model);
    Recorder log;
    auto events = log.events();
    events.on_progress = [&](const ncsn::TrainProgress& p) {
      log.steps.push_back(p.step);
      const auto w = snapshot(*tuned.model());
      for (size_t i = 0; i < w.size(); ++i) expected[i] = 0.5 * expected[i] + 0.5 * w[i];
    };
    const auto result = tuned.run(events);
    QVERIFY(result.completed);
    QCOMPARE(log.steps, (std::vector<int64_t>{4, 5}));
    QVERIFY(max_weight_diff(*tuned.model(), *init.model) > 1e-5);  // it trained on
    const auto ema = ncsn::load_model(result.last_checkpoint, torch::kCPU, /*prefer_ema=*/true).model->parameters();
    double worst = 0;
    for (size_t i = 0; i < ema.size(); ++i) worst = std::max(worst, ncsn::test::max_abs_diff(ema[i], expected[i]));
    QVERIFY2(worst < 1e-6, qPrintable(QString("EMA off by %1").arg(worst)));

    // Another architecture is refused, naming both.
    auto wider = tiny_model();
    wider.ngf = 8;
    ncsn::LoadedModel other{ncsn::NcsnScoreNet(wider), {}};
    other.meta.model = wider;
    try {
      make_trainer(cfg).start_from(other);
      QFAIL("a wider model was accepted");
    } catch (const ncsn::ConfigError& e) {
      QVERIFY2(QString(e.what()).contains("ngf 8") && QString(e.what()).contains("ngf 4"), e.what());
    }
  }

  void progressReportsLevelsHeldoutAndCheckpoints() {
    auto cfg = train_config(dir("progress"), 4);
    cfg.checkpoint_every = 2;
    auto trainer = make_trainer(cfg);
    std::vector<ncsn::TrainProgress> seen;
    std::vector<int64_t> checkpoint_steps;
    ncsn::TrainerEvents events;
    events.on_progress = [&](const ncsn::TrainProgress& p) { seen.push_back(p); };
    events.on_checkpoint = [&](int64_t step, const std::string& path, double) {
      checkpoint_steps.push_back(step);
      QVERIFY(fs::exists(path));
    };
    trainer.run(events);
    QCOMPARE(seen.size(), size_t{4});
    QVERIFY(checkpoint_steps == (std::vector<int64_t>{2, 4}));
    for (const auto& p : seen) {
      QCOMPARE(p.total, int64_t{4});
      QCOMPARE(p.level_loss.size(), size_t{4});
      QVERIFY(std::isfinite(p.loss) && p.loss > 0);
      QCOMPARE(p.heldout_loss.has_value(), p.step % 2 == 0);
    }
    QVERIFY(ncsn::list_checkpoints(cfg.checkpoint_dir).size() == 2);
    QCOMPARE(ncsn::read_checkpoint_meta(ncsn::checkpoint_path(cfg.checkpoint_dir, 4)).step, int64_t{4});
    QVERIFY(std::isfinite(ncsn::read_checkpoint_meta(ncsn::checkpoint_path(cfg.checkpoint_dir, 4)).heldout_loss));
  }

  // Checkpoints between evaluations carry their own held-out loss, not the last one measured.
  void everyCheckpointRecordsItsOwnHeldoutLoss() {
    auto cfg = train_config(dir("heldout-per-checkpoint"), 6);
    cfg.checkpoint_every = 3;
    cfg.eval_every = 2;
    auto trainer = make_trainer(cfg);
    std::map<int64_t, double> evaluated, reported;
    ncsn::TrainerEvents events;
    events.on_progress = [&](const ncsn::TrainProgress& p) {
      if (p.heldout_loss) evaluated[p.step] = *p.heldout_loss;
    };
    events.on_checkpoint = [&](int64_t step, const std::string&, double heldout) { reported[step] = heldout; };
    trainer.run(events);
    const auto at3 = ncsn::read_checkpoint_meta(ncsn::checkpoint_path(cfg.checkpoint_dir, 3)).heldout_loss;
    const auto at6 = ncsn::read_checkpoint_meta(ncsn::checkpoint_path(cfg.checkpoint_dir, 6)).heldout_loss;
    QVERIFY(std::isfinite(at3));
    QVERIFY2(at3 != evaluated.at(2), "checkpoint 3 repeats the loss measured at step 2");
    QCOMPARE(at6, evaluated.at(6));  // measured on an evaluation step: the same figure
    QCOMPARE(reported.at(3), at3);   // what the studio's checkpoint table shows
    QCOMPARE(reported.at(6), at6);

    // The extra evaluation does not change training: the same run without it ends with the same weights.
    auto quiet = train_config(dir("heldout-quiet"), 6);
    quiet.checkpoint_every = 6;
    quiet.eval_every = 2;
    auto reference = make_trainer(quiet);
    reference.run({});
    QVERIFY(ncsn::test::same_weights(*ncsn::load_model(ncsn::checkpoint_path(cfg.checkpoint_dir, 6), torch::kCPU, false).model,
                         *ncsn::load_model(ncsn::checkpoint_path(quiet.checkpoint_dir, 6), torch::kCPU, false).model));
  }

  // A batch in parts (gradient accumulation) takes the whole batch's step: the same loss and the
  // same gradient, because the parts share the batch's draws and the network has no batch statistics.
  void gradientPartsTakeTheWholeBatchStep() {
    auto whole_cfg = train_config(dir("parts-whole"), 1);
    whole_cfg.eval_every = 0;
    auto parts_cfg = whole_cfg;
    parts_cfg.checkpoint_dir = dir("parts-4");
    parts_cfg.accumulate = 4;
    auto whole = make_trainer(whole_cfg);
    auto parts = make_trainer(parts_cfg);
    Recorder whole_log, parts_log;
    whole.run(whole_log.events());
    parts.run(parts_log.events());
    QCOMPARE(parts_log.losses.size(), size_t{1});
    QVERIFY2(std::abs(parts_log.losses[0] - whole_log.losses[0]) <= 1e-5 * whole_log.losses[0],
             qPrintable(QString("%1 vs %2").arg(parts_log.losses[0]).arg(whole_log.losses[0])));
    double worst = 0, largest = 0;
    const auto g_parts = parts.model()->named_parameters();
    for (const auto& item : whole.model()->named_parameters()) {
      worst = std::max(worst, ncsn::test::max_abs_diff(item.value().grad(), g_parts[item.key()].grad()));
      largest = std::max(largest, item.value().grad().abs().max().item<double>());
    }
    QVERIFY(largest > 0);
    // Float32 sums in another order: ~1e-5 of the largest here. Other draws or weights per part: O(1).
    QVERIFY2(worst <= 1e-4 * largest, qPrintable(QString("gradients differ by %1 of %2").arg(worst).arg(largest)));
  }

  // bfloat16 autocast (the CPU's mixed precision) trains like float32: after the same 100 steps the
  // held-out loss (measured in float32) has fallen as far, within a tenth of the fall (measured:
  // 7 % for this seed, 0.1-3 % for seeds 1-5). The first
  // batch's loss differs, so autocast was in force. (Single gradients are no yardstick: a batch's
  // gradient is a small sum of large per-example terms, and bfloat16's 8-bit mantissa moves it.)
  void bfloat16MixedPrecisionTrainsLikeFloat32() {
#ifdef NCSN_UNDER_ASAN
    // LibTorch's CPU bfloat16 kernels under the sanitizers take over 5 minutes for these 200
    // steps, and the code of ours they exercise (autocast on, casts) the other tests cover there.
    QSKIP("bf16 training runs in the regular build only");
#endif
    auto fp32_cfg = train_config(dir("amp-off"), 100);
    fp32_cfg.eval_every = 0;
    fp32_cfg.checkpoint_every = 100;
    auto bf16_cfg = fp32_cfg;
    bf16_cfg.checkpoint_dir = dir("amp-bf16");
    bf16_cfg.mixed_precision = ncsn::MixedPrecision::BFloat16;
    auto fp32 = make_trainer(fp32_cfg);
    auto bf16 = make_trainer(bf16_cfg);
    const double initial = fp32.heldout_loss(4);
    QCOMPARE(bf16.heldout_loss(4), initial);  // evaluation is float32 in both
    Recorder fp32_log, bf16_log;
    fp32.run(fp32_log.events());
    bf16.run(bf16_log.events());
    QVERIFY2(bf16_log.losses.at(0) != fp32_log.losses.at(0), "bf16 autocast changed nothing");
    const double a = bf16.heldout_loss(4), b = fp32.heldout_loss(4);
    QVERIFY2(initial - b > 0.2 * initial, qPrintable(QString("float32 training barely moved: %1 -> %2").arg(initial).arg(b)));
    QVERIFY2(std::abs(a - b) <= 0.1 * (initial - b),
             qPrintable(QString("held-out loss %1 -> bf16 %2, float32 %3").arg(initial).arg(a).arg(b)));
    // The weights stay float32 and the run records its precision.
    QCOMPARE(bf16.model()->parameters().front().scalar_type(), torch::kFloat);
    const auto meta = ncsn::load_model(ncsn::checkpoint_path(bf16_cfg.checkpoint_dir, 100), torch::kCPU, false).meta;
    QCOMPARE(meta.training["mixed_precision"].get<std::string>(), std::string("bf16"));
  }

  void float16MixedPrecisionNeedsCuda() {
    auto cfg = train_config(dir("amp-fp16"), 1);
    cfg.mixed_precision = ncsn::MixedPrecision::Float16;
    try {
      (void)make_trainer(cfg);
      QFAIL("fp16 training on the CPU was accepted");
    } catch (const ncsn::ConfigError& e) {
      QVERIFY2(QString(e.what()).contains("CUDA") && QString(e.what()).contains("bf16"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, ncsn::parse_mixed_precision("fp8"));
    for (auto p : {ncsn::MixedPrecision::Off, ncsn::MixedPrecision::BFloat16, ncsn::MixedPrecision::Float16})
      QCOMPARE(ncsn::parse_mixed_precision(ncsn::to_string(p)), p);
  }

  // Dynamic loss scaling (fp16 on CUDA), as GradScaler: gradients divided by the scale, an
  // overflow reported and the scale halved, doubled after growth_interval clean steps, and the
  // state kept for resume.
  void lossScalerUnscalesSkipsOverflowsAndGrows() {
    ncsn::LossScaler scaler(1024.0, 3);
    auto w = torch::ones({4}, torch::requires_grad());
    auto v = torch::ones({2}, torch::requires_grad());
    (w.sum() * 1024.0 * 2.0).backward();  // v gets no gradient: skipped, not an error
    QVERIFY(!scaler.unscale({w, v}));
    QVERIFY(torch::allclose(w.grad(), torch::full({4}, 2.0)));
    scaler.update(false);
    w.grad().fill_(std::numeric_limits<float>::infinity());
    QVERIFY(scaler.unscale({w, v}));
    scaler.update(true);
    QCOMPARE(scaler.scale(), 512.0);
    w.grad().fill_(std::numeric_limits<float>::quiet_NaN());
    QVERIFY(scaler.unscale({w}));
    for (int k = 0; k < 2; ++k) scaler.update(false);
    QCOMPARE(scaler.scale(), 512.0);  // the overflow restarted the count
    scaler.update(false);
    QCOMPARE(scaler.scale(), 1024.0);
    scaler.update(false);
    ncsn::LossScaler resumed(65536.0, 3);
    resumed.restore(scaler.state());
    QCOMPARE(resumed.scale(), 1024.0);
    resumed.update(false);
    resumed.update(false);
    QCOMPARE(resumed.scale(), 2048.0);  // it continued the count of clean steps, 1 + 2
  }

  // A step's batch depends on the step alone: a loader asked out of order, as resumes and
  // rollbacks ask, gives what one asked in order (prefetching the next step) gave, and each epoch
  // draws every image once, also when a batch spans two epochs. On the CPU only a loader told to
  // prefetches: there the step keeps every core busy, and a gather beside it only competes.
  void trainingBatchesDependOnTheStepOnly() {
    // Image k is all k, so a batch reads as the indices it drew.
    const auto images = torch::arange(10).to(torch::kUInt8).view({10, 1, 1, 1}).expand({10, 1, 2, 2}).contiguous();
    std::vector<torch::Tensor> batches;
    {
      ncsn::TrainingBatchLoader in_order(images, 4, 7, torch::kCPU, ncsn::TrainingBatchLoader::Prefetch::Always);
      QVERIFY(in_order.prefetches());
      for (int64_t step = 0; step < 10; ++step) batches.push_back(in_order.batch(step));
    }
    QCOMPARE(batches[3].sizes(), (torch::IntArrayRef{4, 1, 2, 2}));
    QCOMPARE(batches[3].scalar_type(), torch::kUInt8);

    const auto drawn = torch::cat(batches).select(3, 1).select(2, 0).flatten().to(torch::kLong);
    for (int64_t epoch = 0; epoch < 4; ++epoch)
      QVERIFY(torch::equal(std::get<0>(drawn.narrow(0, 10 * epoch, 10).sort()), torch::arange(10)));
    QVERIFY(!torch::equal(drawn.narrow(0, 0, 10), drawn.narrow(0, 10, 10)));  // a new order each epoch

    {
      ncsn::TrainingBatchLoader jumping(images, 4, 7, torch::kCPU);
      QVERIFY(!jumping.prefetches());  // gathered on the caller's thread, as the trainer's on the CPU
      for (int64_t step : {3, 4, 0, 9, 5, 6, 2, 1, 8, 7, 7}) QVERIFY(torch::equal(jumping.batch(step), batches[step]));
      ncsn::TrainingBatchLoader other_seed(images, 4, 8, torch::kCPU);
      QVERIFY(!torch::equal(other_seed.batch(0), batches[0]));
    }

    // A failure on the prefetch thread (the second gather: step 1's, while step 0 trains)
    // reaches the caller when it asks for that step; asked again, the step is gathered afresh.
    ncsn::TrainingBatchLoader failing(images, 4, 7, torch::kCPU, ncsn::TrainingBatchLoader::Prefetch::Always);
    ncsn::faults::arm_out_of_memory(ncsn::faults::kTrainerBatch, 2);
    auto disarm = qScopeGuard([] { ncsn::faults::disarm_all(); });
    QVERIFY(torch::equal(failing.batch(0), batches[0]));
    QVERIFY_THROWS_EXCEPTION(c10::OutOfMemoryError, failing.batch(1));
    QVERIFY(torch::equal(failing.batch(1), batches[1]));
    QVERIFY(torch::equal(failing.batch(2), batches[2]));
  }

  // The multi-tensor Adam takes LibTorch's Adam steps to the bit (weight decay on and off; one
  // parameter without a gradient), and each reads the state the other saved.
  // Run configs (config.json, checkpoints) keep every setting; keys left out take the defaults.
  void configsRoundTripThroughJson() {
    ncsn::TrainConfig c;
    c.batch_size = 12;
    c.accumulate = 3;
    c.mixed_precision = ncsn::MixedPrecision::BFloat16;
    c.lr = 2e-4;
    c.beta1 = 0.5;
    c.beta2 = 0.9;
    c.weight_decay = 1e-5;
    c.iterations = 77;
    c.checkpoint_every = 7;
    c.eval_every = 0;
    c.ema_rate = 0.99;
    c.random_flip = true;
    c.anneal_power = 1.5;
    c.seed = 99;
    c.checkpoint_dir = "elsewhere";
    c.on_non_finite = ncsn::NonFinitePolicy::Rollback;
    c.max_rollbacks = 5;
    c.on_write_error = ncsn::WriteFailurePolicy::Continue;
    const nlohmann::json j = c;
    QCOMPARE(j.size(), size_t{18});
    QCOMPARE(j["mixed_precision"].get<std::string>(), std::string("bf16"));
    QCOMPARE(j["on_non_finite"].get<std::string>(), std::string("rollback"));
    QCOMPARE(j["on_write_error"].get<std::string>(), std::string("continue"));
    QVERIFY(nlohmann::json(j.get<ncsn::TrainConfig>()) == j);

    const auto sparse = nlohmann::json{{"lr", 0.01}}.get<ncsn::TrainConfig>();
    QCOMPARE(sparse.lr, 0.01);
    QCOMPARE(sparse.batch_size, ncsn::TrainConfig{}.batch_size);
    const auto model = nlohmann::json{{"ngf", 32}}.get<ncsn::ModelConfig>();
    QCOMPARE(model.ngf, int64_t{32});
    QCOMPARE(model.image_size, ncsn::ModelConfig{}.image_size);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (nlohmann::json{{"mixed_precision", "fp8"}}.get<ncsn::TrainConfig>()));
    QVERIFY_THROWS_EXCEPTION(nlohmann::json::type_error, (nlohmann::json{{"batch_size", "many"}}.get<ncsn::TrainConfig>()));
  }

  void foreachAdamTakesLibTorchAdamSteps() {
    for (double decay : {0.0, 0.01}) {
      torch::manual_seed(8);
      torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3)), torch::nn::Flatten(),
                                torch::nn::Linear(12, 1), torch::nn::Linear(1, 1));
      torch::nn::Sequential twin(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3)), torch::nn::Flatten(),
                                 torch::nn::Linear(12, 1), torch::nn::Linear(1, 1));
      ncsn::copy_parameters(*net, *twin);
      const auto options = torch::optim::AdamOptions(0.01).weight_decay(decay);
      torch::optim::Adam plain(net->parameters(), options);
      ncsn::ForeachAdam foreach_adam(twin->parameters(), options);
      const auto x = torch::randn({5, 2, 4, 4});
      for (int step = 0; step < 4; ++step) {
        for (auto* pair : {&net, &twin}) {
          for (auto& p : (*pair)->parameters()) p.mutable_grad() = torch::Tensor();
          // The last layer never gets a gradient: both must skip it alike.
          (*pair)[2]->as<torch::nn::Linear>()->forward((*pair)[1]->as<torch::nn::Flatten>()->forward(
              (*pair)[0]->as<torch::nn::Conv2d>()->forward(x))).square().sum().backward();
        }
        plain.step();
        foreach_adam.step();
      }
      QVERIFY(ncsn::test::same_weights(*net, *twin));
      // Saved by one, loaded by the other: the next steps agree too.
      std::stringstream saved;
      torch::serialize::OutputArchive out;
      foreach_adam.save(out);
      out.save_to(saved);
      torch::serialize::InputArchive in;
      in.load_from(saved);
      torch::optim::Adam reloaded(twin->parameters(), options);
      reloaded.load(in);
      for (auto& p : twin->parameters()) p.mutable_grad() = torch::ones_like(p);
      for (auto& p : net->parameters()) p.mutable_grad() = torch::ones_like(p);
      reloaded.step();
      plain.step();
      QVERIFY2(ncsn::test::same_weights(*net, *twin), qPrintable(QString("weight decay %1").arg(decay)));
    }
  }

  void divergenceWithStopPolicyStopsWithAClearMessage() {
    auto cfg = train_config(dir("diverge-stop"), 20);
    cfg.lr = 1e30;  // Adam's first step moves every weight by ~lr: the next forward pass overflows
    cfg.eval_every = 0;
    auto trainer = make_trainer(cfg);
    Recorder log;
    try {
      trainer.run(log.events());
      QFAIL("training with lr 1e30 did not stop");
    } catch (const ncsn::NonFiniteError& e) {
      const QString what = e.what();
      QVERIFY2(what.contains("diverged") && what.contains("learning rate"), e.what());
    }
    QVERIFY(trainer.step() < 20);
    QVERIFY(ncsn::list_checkpoints(cfg.checkpoint_dir).empty());  // nothing diverged was saved
  }

  void divergenceWithRollbackRestoresTheLastGoodCheckpointAndHalvesTheLr() {
    auto cfg = train_config(dir("diverge-rollback"), 6);
    cfg.checkpoint_every = 2;
    cfg.on_non_finite = ncsn::NonFinitePolicy::Rollback;
    auto trainer = make_trainer(cfg);
    Recorder log;
    auto events = log.events();
    bool poisoned = false;
    bool restored_good_weights = false;
    events.on_progress = [&, record = events.on_progress](const ncsn::TrainProgress& p) {
      record(p);
      if (p.step == 3 && !poisoned) {  // after checkpoint 2: a NaN weight, as a bad update would leave
        poisoned = true;
        torch::NoGradGuard no_grad;
        trainer.model()->parameters().front().view(-1)[0] = std::numeric_limits<float>::quiet_NaN();
      }
    };
    events.on_message = [&, record = events.on_message](const std::string& m) {
      record(m);
      auto good = ncsn::load_model(ncsn::checkpoint_path(cfg.checkpoint_dir, 2), torch::kCPU, false);
      restored_good_weights = trainer.step() == 2 && max_weight_diff(*good.model, *trainer.model()) == 0.0;
    };
    const auto result = trainer.run(events);
    QVERIFY(result.completed);
    QCOMPARE(log.messages.size(), size_t{1});
    QVERIFY2(QString::fromStdString(log.messages[0]).contains("rolled back"), log.messages[0].c_str());
    QVERIFY(restored_good_weights);
    // Steps 1, 2, 3 (poisoned), then 3 again from checkpoint 2 at half the rate, 4, 5, 6.
    QVERIFY(log.steps == (std::vector<int64_t>{1, 2, 3, 3, 4, 5, 6}));
    QCOMPARE(log.lrs.front(), 1e-3);
    QCOMPARE(log.lrs.back(), 5e-4);
    for (const auto& p : trainer.model()->parameters()) QVERIFY(torch::isfinite(p).all().item<bool>());
    // A later resume continues with the halved rate stored in the checkpoint.
    auto cfg2 = cfg;
    cfg2.iterations = 7;
    auto next = make_trainer(cfg2);
    next.resume_latest();
    Recorder next_log;
    next.run(next_log.events());
    QCOMPARE(next_log.lrs.back(), 5e-4);
    // ...unless the user resumes with a rate of their own choosing.
    auto cfg3 = cfg;
    cfg3.iterations = 8;
    cfg3.lr = 2e-4;
    auto chosen = make_trainer(cfg3);
    chosen.resume_latest();
    Recorder chosen_log;
    chosen.run(chosen_log.events());
    QCOMPARE(chosen_log.lrs.back(), 2e-4);
  }

  void rollbackGivesUpAfterMaxRollbacks() {
    auto cfg = train_config(dir("diverge-give-up"), 20);
    cfg.lr = 1e30;
    cfg.eval_every = 0;
    cfg.checkpoint_every = 1;  // the checkpoint after the first (huge) step is no better
    cfg.on_non_finite = ncsn::NonFinitePolicy::Rollback;
    cfg.max_rollbacks = 2;
    auto trainer = make_trainer(cfg);
    Recorder log;
    QVERIFY_THROWS_EXCEPTION(ncsn::NonFiniteError, trainer.run(log.events()));
    QCOMPARE(log.messages.size(), size_t{2});
    QVERIFY2(QString::fromStdString(log.messages[1]).contains("halved"), log.messages[1].c_str());
  }

  void writeFailureKeepsThePreviousCheckpoint() {
    auto cfg = train_config(dir("write-fail"), 2);
    cfg.checkpoint_every = 2;
    auto trainer = make_trainer(cfg);
    const auto first = trainer.run();
    const auto good = ncsn::checkpoint_path(cfg.checkpoint_dir, 2);
    QCOMPARE(first.last_checkpoint, good);
    const auto before = ncsn::test::read_bytes(good);
    QVERIFY(before.size() > 20000);

    // The disk fills up (file size limit) when the next checkpoint is written.
    auto cfg4 = cfg;
    cfg4.iterations = 4;
    auto more = make_trainer(cfg4);
    QVERIFY(more.resume_latest().has_value());
    {
      ncsn::test::FileSizeLimit limit(8192);
      QVERIFY_THROWS_EXCEPTION(ncsn::WriteError, more.run());
    }
    QVERIFY(ncsn::test::read_bytes(good) == before);
    QVERIFY(ncsn::list_checkpoints(cfg.checkpoint_dir) == std::vector<std::string>{good});
    for (const auto& e : fs::directory_iterator(cfg.checkpoint_dir))
      QVERIFY2(!ncsn::is_temp_file_name(e.path().filename().string()), e.path().c_str());
    // A run can still resume from it afterwards.
    auto again = make_trainer(cfg4);
    QVERIFY(again.resume_latest() == good);
    QCOMPARE(again.step(), int64_t{2});

    // A checkpoint folder that cannot exist (its parent is a file) is a WriteError too.
    ncsn::test::write_bytes(dir("a-file"), "x");
    auto blocked = make_trainer(train_config(dir("a-file") + "/run", 1));
    try {
      blocked.run();
      QFAIL("no WriteError");
    } catch (const ncsn::WriteError& e) {
      QVERIFY2(QString(e.what()).contains("a-file"), e.what());
    }
  }

  void aSecondTrainingOfTheSameFolderIsRefusedUntilTheFirstEnds() {
    auto cfg = train_config(dir("shared-folder"), 2);
    auto first = make_trainer(cfg);
    first.claim_run_folder();
    auto second = make_trainer(cfg);
    try {
      second.resume_latest();
      QFAIL("no ConfigError");
    } catch (const ncsn::ConfigError& e) {
      const QString message = e.what();
      QVERIFY2(message.startsWith(QString::fromStdString("the run folder " + cfg.checkpoint_dir +
                                                         " is in use by another training (process ") +
                                  QString::number(::getpid()) + " on "),
               e.what());
      QVERIFY2(message.endsWith("train into another folder"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, second.run());
    QVERIFY(ncsn::list_checkpoints(cfg.checkpoint_dir).empty());  // the refused run wrote nothing

    first.run();  // trains, and frees the folder when it ends
    QCOMPARE(second.resume_latest(), std::optional<std::string>(ncsn::checkpoint_path(cfg.checkpoint_dir, 2)));
    QCOMPARE(second.step(), int64_t{2});
  }

  void writeFailureWithContinueTrainsOnAndRetries() {
    auto cfg = train_config(dir("write-continue"), 3);
    cfg.checkpoint_every = 1;
    cfg.on_write_error = ncsn::WriteFailurePolicy::Continue;
    auto trainer = make_trainer(cfg);
    std::optional<ncsn::test::FileSizeLimit> full_disk;
    full_disk.emplace(8192);
    Recorder log;
    auto events = log.events();
    events.on_progress = [&](const ncsn::TrainProgress& p) {
      if (p.step == 2) full_disk.reset();  // the user frees space during step 2
    };
    const auto result = trainer.run(events);
    QVERIFY(result.completed);
    QCOMPARE(log.messages.size(), size_t{1});
    QVERIFY2(QString::fromStdString(log.messages[0]).contains("training goes on and the next checkpoint tries again"),
             log.messages[0].c_str());
    QVERIFY(!fs::exists(ncsn::checkpoint_path(cfg.checkpoint_dir, 1)));
    QVERIFY((ncsn::list_checkpoints(cfg.checkpoint_dir) ==
             std::vector<std::string>{ncsn::checkpoint_path(cfg.checkpoint_dir, 3), ncsn::checkpoint_path(cfg.checkpoint_dir, 2)}));
    for (const auto& e : fs::directory_iterator(cfg.checkpoint_dir))
      QVERIFY2(!ncsn::is_temp_file_name(e.path().filename().string()), e.path().c_str());
  }

  void cancelStopsAfterTheCurrentIterationAndSaves() {
    auto cfg = train_config(dir("cancel"), 50);
    auto trainer = make_trainer(cfg);
    ncsn::JobControl control;
    ncsn::TrainerEvents events;
    events.on_progress = [&](const ncsn::TrainProgress& p) {
      if (p.step == 3) control.request_stop();
    };
    const auto result = trainer.run(events, &control);
    QVERIFY(!result.completed);
    QCOMPARE(result.step, int64_t{3});
    QCOMPARE(result.last_checkpoint, ncsn::checkpoint_path(cfg.checkpoint_dir, 3));
    QCOMPARE(ncsn::read_checkpoint_meta(result.last_checkpoint).step, int64_t{3});
  }

  void pauseHoldsTrainingUntilResumed() {
    auto cfg = train_config(dir("pause"), 3);
    auto trainer = make_trainer(cfg);
    ncsn::JobControl control;
    control.pause();
    std::atomic<int64_t> steps{0};
    ncsn::TrainerEvents events;
    events.on_progress = [&](const ncsn::TrainProgress&) { ++steps; };
    ncsn::TrainResult result;
    std::thread worker([&] { result = trainer.run(events, &control); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    QCOMPARE(steps.load(), int64_t{0});
    control.resume();
    worker.join();
    QVERIFY(result.completed);
    QCOMPARE(steps.load(), int64_t{3});
  }

  void rejectsMismatchedDataAndSettings() {
    auto cfg = train_config(dir("bad"), 2);
    auto wrong = tiny_dataset(8, 3);
    wrong.images = torch::zeros({8, 1, 12, 12}, torch::kUInt8);
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)ncsn::Trainer(tiny_model(), cfg, wrong, tiny_dataset(8, 4), torch::kCPU));
    auto bad = cfg;
    bad.lr = 0;
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)make_trainer(bad));
    for (int64_t parts : {0, 5, 25}) {  // 24 images per batch: 5 parts are uneven, 25 too many
      auto uneven = cfg;
      uneven.accumulate = parts;
      QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)make_trainer(uneven));
    }
  }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "test_trainer.moc"
