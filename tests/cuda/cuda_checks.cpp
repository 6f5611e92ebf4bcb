// What the engine computes on a GPU agrees with the CPU, and sampling replayed from CUDA graphs
// agrees with sampling step by step:
//   - the score network: same weights, same inputs, same scores;
//   - the DSM loss: same data, levels and noise, same per-example loss;
//   - annealed Langevin sampling and inpainting, with and without CUDA graphs: same samples;
//   - mixed precision: bf16 and fp16 autocast give the float32 loss to their rounding, and fp16
//     training with loss scaling trains like float32;
//   - training batches gathered on the GPU and prefetched from the host (pinned) are the same.
// Prints one line per check; exit 0 when all pass, 1 when one fails, 77 without CUDA.
#include <cmath>
#include <filesystem>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "ncsn/annealed_langevin_sampler.hpp"
#include "ncsn/device.hpp"
#include "ncsn/dsm_loss.hpp"
#include "ncsn/image_dataset.hpp"
#include "ncsn/mixed_precision.hpp"
#include "ncsn/ncsn_score_net.hpp"
#include "ncsn/noise_schedule.hpp"
#include "ncsn/trainer.hpp"
#include "ncsn/training_batch_loader.hpp"

namespace {

int failures = 0;

// |a - b| relative to b's largest magnitude: float noise is ~1e-6, a wrong computation O(1).
void expect_close(const std::string& what, const torch::Tensor& a, const torch::Tensor& b, double tolerance) {
  const auto expected = b.to(torch::kCPU, torch::kDouble), got = a.to(torch::kCPU, torch::kDouble);
  const double scale = std::max(expected.abs().max().item<double>(), 1e-12);
  const double error = (got - expected).abs().max().item<double>() / scale;
  const bool ok = std::isfinite(error) && error <= tolerance && torch::isfinite(got).all().item<bool>();
  std::cout << (ok ? "ok    " : "FAIL  ") << what << ": relative difference " << error << " (at most " << tolerance << ")\n";
  if (!ok) ++failures;
}

ncsn::ModelConfig small_model() {
  ncsn::ModelConfig m;
  m.ngf = 16;
  return m;
}

// The same random weights on both devices.
std::pair<ncsn::NcsnScoreNet, ncsn::NcsnScoreNet> twin_models(const torch::Device& gpu) {
  torch::manual_seed(0);
  ncsn::NcsnScoreNet cpu(small_model()), cuda(small_model());
  ncsn::copy_parameters(*cpu, *cuda);
  cpu->eval();
  cuda->eval();
  cuda->to(gpu);
  return {cpu, cuda};
}

void scores_and_loss_match_the_cpu(const torch::Device& gpu) {
  auto [cpu, cuda] = twin_models(gpu);
  torch::manual_seed(1);
  const auto x = torch::rand({8, 1, 28, 28});
  const auto labels = torch::arange(8, torch::kLong);
  const auto z = torch::randn_like(x);
  const auto sigmas = ncsn::geometric_sigmas(1.0, 0.01, 10);
  torch::NoGradGuard no_grad;
  expect_close("scores, CUDA vs CPU", cuda->forward(x.to(gpu), labels.to(gpu)), cpu->forward(x, labels), 1e-4);
  expect_close("DSM loss per example, CUDA vs CPU",
               ncsn::dsm_loss_per_example(ncsn::score_function(cuda), x.to(gpu), labels.to(gpu), z.to(gpu), sigmas.to(gpu), 2.0),
               ncsn::dsm_loss_per_example(ncsn::score_function(cpu), x, labels, z, sigmas, 2.0), 1e-4);
}

void graphs_match_step_by_step(const torch::Device& gpu) {
  auto cuda = twin_models(gpu).second;
  const ncsn::AnnealedLangevinSampler sampler(ncsn::score_function(cuda), ncsn::geometric_sigmas(1.0, 0.01, 10).to(gpu));
  ncsn::LangevinSettings s;
  s.steps_per_level = 5;
  s.seed = 3;
  auto run = [&](bool graph, const std::function<ncsn::SampleResult(const ncsn::LangevinSettings&)>& job) {
    auto settings = s;
    settings.cuda_graph = graph;
    return job(settings).samples;
  };
  auto sample = [&](const ncsn::LangevinSettings& settings) { return sampler.sample(4, {1, 28, 28}, settings); };
  expect_close("annealed Langevin, CUDA graphs vs step by step", run(true, sample), run(false, sample), 1e-4);

  torch::manual_seed(4);
  const auto image = torch::rand({4, 1, 28, 28}, torch::TensorOptions().device(gpu));
  auto known = torch::zeros({1, 1, 28, 28}, torch::TensorOptions().device(gpu));
  known.narrow(3, 0, 14).fill_(1);
  auto inpaint = [&](const ncsn::LangevinSettings& settings) { return sampler.inpaint(image, known, settings); };
  expect_close("inpainting, CUDA graphs vs step by step", run(true, inpaint), run(false, inpaint), 1e-4);
}

void mixed_precision_tracks_float32(const torch::Device& gpu) {
  auto cuda = twin_models(gpu).second;
  torch::manual_seed(5);
  const auto x = torch::rand({64, 1, 28, 28}, torch::TensorOptions().device(gpu));
  const auto labels = torch::randint(10, {64}, torch::TensorOptions().dtype(torch::kLong).device(gpu));
  const auto z = torch::randn_like(x);
  const auto sigmas = ncsn::geometric_sigmas(1.0, 0.01, 10).to(gpu);
  torch::NoGradGuard no_grad;
  const auto fp32 = ncsn::dsm_loss_per_example(ncsn::score_function(cuda), x, labels, z, sigmas, 2.0);
  for (auto p : {ncsn::MixedPrecision::BFloat16, ncsn::MixedPrecision::Float16}) {
    const auto autocast_score = ncsn::score_function(cuda, p, gpu);
    // bf16 rounds to 8 bits, fp16 to 11 (bf16 on the CPU: 4e-4 of the largest loss).
    expect_close("DSM loss per example, " + ncsn::to_string(p) + " autocast vs float32",
                 ncsn::dsm_loss_per_example(autocast_score, x, labels, z, sigmas, 2.0), fp32, 1e-2);
  }
}

// 200 steps of the small network on random images, float32 and fp16 with loss scaling, from the
// same seed: the held-out loss (float32 in both) falls as far, within a tenth of the fall.
void fp16_training_tracks_float32(const torch::Device& gpu) {
  ncsn::ImageDataset data;
  torch::manual_seed(6);
  data.images = torch::randint(0, 256, {512, 1, 28, 28}, torch::kUInt8);
  data.labels = torch::full({512}, -1, torch::kLong);
  data.name = "random";
  struct Outcome {
    double before, after;
    int64_t skipped;
  };
  auto train = [&](ncsn::MixedPrecision p) {
    ncsn::TrainConfig t;
    t.batch_size = 64;
    t.iterations = 200;
    t.checkpoint_every = 200;
    t.eval_every = 0;
    t.mixed_precision = p;
    t.checkpoint_dir = (std::filesystem::temp_directory_path() / ("ncsn-cuda-checks-" + ncsn::to_string(p))).string();
    ncsn::Trainer trainer(small_model(), t, data, data, gpu);
    const double before = trainer.heldout_loss(8);
    int64_t skipped = 0;
    ncsn::TrainerEvents events;
    events.on_progress = [&](const ncsn::TrainProgress& progress) { skipped = progress.skipped_steps; };
    trainer.run(events);
    std::filesystem::remove_all(t.checkpoint_dir);
    return Outcome{before, trainer.heldout_loss(8), skipped};
  };
  const auto fp32 = train(ncsn::MixedPrecision::Off), fp16 = train(ncsn::MixedPrecision::Float16);
  const double fall = fp32.before - fp32.after;
  const bool ok = fall > 0.2 * fp32.before && std::abs(fp16.after - fp32.after) <= 0.1 * fall && fp16.skipped < 20;
  std::cout << (ok ? "ok    " : "FAIL  ") << "fp16 training with loss scaling: held-out loss " << fp16.before << " -> "
            << fp16.after << " (float32 " << fp32.before << " -> " << fp32.after << "), " << fp16.skipped
            << " of 200 steps skipped for overflow\n";
  if (!ok) ++failures;
}

// Images small enough live on the GPU; larger ones are prefetched from the host into pinned
// memory. Both give every step the same batch, also across an epoch boundary and a jump back.
void prefetched_batches_match_device_batches(const torch::Device& gpu) {
  torch::manual_seed(6);
  const auto images = torch::randint(256, {100, 1, 28, 28}, torch::kLong).to(torch::kUInt8);
  ncsn::TrainingBatchLoader on_device(images.to(gpu), 32, 9, gpu), from_host(images, 32, 9, gpu);
  if (!from_host.prefetches() || on_device.prefetches()) throw std::logic_error("the loaders chose the wrong paths");
  bool same = true;
  for (int64_t step : {0, 1, 2, 3, 4, 5, 2, 3}) {
    const auto b = from_host.batch(step);
    same = same && b.device() == gpu && torch::equal(b, on_device.batch(step));
  }
  std::cout << (same ? "ok    " : "FAIL  ") << "training batches, prefetched from pinned host memory vs gathered on the GPU\n";
  if (!same) ++failures;
}

// Held-out and classifier batches cross to the GPU as bytes and become the same floats there.
void dataset_batches_on_the_gpu_match_the_host(const torch::Device& gpu) {
  torch::manual_seed(7);
  ncsn::ImageDataset data;
  data.images = torch::randint(256, {20, 3, 8, 8}, torch::kLong).to(torch::kUInt8);
  const auto picks = torch::tensor({19, 0, 7, 7}, torch::kLong);
  const auto on_gpu = data.batch(picks, gpu);
  if (on_gpu.device() != gpu) throw std::logic_error("the batch is not on the GPU");
  expect_close("dataset batch gathered on the host, made floats on the GPU", on_gpu, data.batch(picks), 0.0);
}

}  // namespace

int main() try {
  if (!torch::cuda::is_available()) {
    std::cout << "no CUDA device: skipped\n";
    return 77;
  }
  const auto gpu = ncsn::select_device("cuda");
  // TF32 convolutions (LibTorch's default on recent GPUs) round to 10 mantissa bits; the checks
  // compare float32 arithmetic.
  at::globalContext().setAllowTF32CuDNN(false);
  at::globalContext().setAllowTF32CuBLAS(false);
  scores_and_loss_match_the_cpu(gpu);
  graphs_match_step_by_step(gpu);
  mixed_precision_tracks_float32(gpu);
  fp16_training_tracks_float32(gpu);
  prefetched_batches_match_device_batches(gpu);
  dataset_batches_on_the_gpu_match_the_host(gpu);
  std::cout << (failures == 0 ? "all CUDA checks passed\n" : std::to_string(failures) + " CUDA check(s) failed\n");
  return failures == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "ncsn-cuda-checks: " << e.what() << "\n";
  return 1;
}
