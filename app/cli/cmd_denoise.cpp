// ncsn denoise: the one-step denoiser x + sigma_i^2 s(x, i), optionally on a freshly noised image.
#include <cmath>
#include <iostream>

#include "cli_common.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/image_grid.hpp"

namespace ncsn::cli {
namespace {

struct DenoiseOptions {
  CommonOptions common;
  std::string checkpoint, image;
  std::string out = "denoised.png";
  int64_t level = -1;
  bool add_noise = false;
  uint64_t seed = 0;
};

void run_denoise(DenoiseOptions& o) {
  o.checkpoint = checkpoint_or_default(o.checkpoint);
  check_png_output(o.out);
  auto session = ModelSession::open(o.checkpoint, prepare_device(o.common));
  const auto& c = session.loaded.meta.model;
  if (o.level < 0) o.level = c.num_classes - 1;
  if (o.level >= c.num_classes) throw ConfigError("--level must be below L = " + std::to_string(c.num_classes));
  auto image = session.read_model_image(o.image).unsqueeze(0).to(session.device);
  const double sigma = session.sampler.sigmas()[o.level].item<double>();
  torch::manual_seed(o.seed);
  auto noisy = o.add_noise ? image + sigma * torch::randn_like(image) : image;
  auto clean = session.sampler.denoise(noisy, o.level);
  auto row = o.add_noise ? torch::cat({noisy, clean, image}) : torch::cat({noisy, clean});
  LangevinSettings settings;
  settings.seed = o.seed;
  write_png(o.out, make_grid(row, row.size(0)),
            provenance(session, settings, "denoise", {{"level", o.level}, {"sigma", sigma}, {"image", o.image}}));
  const double mse_in = (noisy - image).square().mean().item<double>();
  const double mse_out = (clean - image).square().mean().item<double>();
  if (o.common.json) print_json({{"out", o.out}, {"sigma", sigma}, {"mse_noisy", mse_in}, {"mse_denoised", mse_out}});
  else std::cerr << "wrote " << o.out << " (sigma " << sigma << ", MSE to the input " << mse_in << " -> " << mse_out << ")\n";
}

}  // namespace

void add_denoise_command(CLI::App& app) {
  auto o = std::make_shared<DenoiseOptions>();
  auto* cmd = app.add_subcommand("denoise", "One-step denoising x + sigma_i^2 s(x, i) of an image");
  cmd->add_option("-c,--checkpoint", o->checkpoint, "Model checkpoint (default: the shipped Fashion-MNIST model)");
  cmd->add_option("--image", o->image, "Input image of the model's size")->required();
  cmd->add_option("--level", o->level, "Noise level index i (0 = largest sigma; default: the smallest)");
  cmd->add_flag("--add-noise", o->add_noise, "Add N(0, sigma_i^2) noise first and show noisy | denoised | original");
  cmd->add_option("--seed", o->seed, "Seed for --add-noise")->capture_default_str();
  cmd->add_option("-o,--out", o->out, "Output PNG")->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_denoise(*o); });
}

}  // namespace ncsn::cli
