// ncsn inpaint: annealed Langevin inpainting (Alg. 2) of an image under a painted mask.
#include <iostream>

#include "cli_common.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/image_grid.hpp"
#include "progress_bar.hpp"

namespace ncsn::cli {
namespace {

struct InpaintOptions {
  CommonOptions common;
  std::string checkpoint, image, mask;
  std::string out = "inpainted.png";
  int64_t candidates = 8;
  LangevinSettings settings;
};

void run_inpaint(InpaintOptions& o) {
  o.checkpoint = checkpoint_or_default(o.checkpoint);
  if (o.candidates < 1) throw ConfigError("--candidates must be at least 1");
  check_png_output(o.out);
  auto session = ModelSession::open(o.checkpoint, prepare_device(o.common));
  const auto& c = session.loaded.meta.model;
  auto image = session.read_model_image(o.image);
  auto mask = read_mask(o.mask, c.image_size, c.image_size);
  auto batch = image.unsqueeze(0).expand({o.candidates, -1, -1, -1}).contiguous().to(session.device);

  JobControl control;
  stop_on_interrupt(control);
  ProgressBar bar("inpaint", c.num_classes * o.settings.steps_per_level, std::cerr, show_progress(o.common));
  o.settings.frame_every = 1;
  auto result = session.sampler.inpaint(batch, mask.to(session.device), o.settings,
                                        [&](const LangevinPosition& at, const torch::Tensor&) { bar.update(at.done); }, &control);
  bar.finish();
  if (!result.completed) throw std::runtime_error("inpainting was interrupted; nothing written");
  // One row, as in the paper's figures: masked input | candidates... | original.
  auto masked = (image * mask).unsqueeze(0);
  auto row = torch::cat({masked, result.samples.cpu(), image.unsqueeze(0)});
  write_png(o.out, make_grid(row, row.size(0)),
            provenance(session, o.settings, "inpaint", {{"image", o.image}, {"mask", o.mask}, {"candidates", o.candidates}}));
  if (o.common.json) print_json({{"out", o.out}, {"candidates", o.candidates}});
  else std::cerr << "wrote " << o.out << " (masked | " << o.candidates << " candidates | original)\n";
}

}  // namespace

void add_inpaint_command(CLI::App& app) {
  auto o = std::make_shared<InpaintOptions>();
  o->settings.steps_per_level = 100;
  auto* cmd = app.add_subcommand("inpaint", "Fill the unknown region of an image (mask: white = keep, black = regenerate)");
  cmd->add_option("-c,--checkpoint", o->checkpoint, "Model checkpoint (default: the shipped Fashion-MNIST model)");
  cmd->add_option("--image", o->image, "Input image (PNG, JPEG, ...) of the model's size")->required();
  cmd->add_option("--mask", o->mask, "Mask image of the same size: white pixels are kept")->required();
  cmd->add_option("-o,--out", o->out, "Output PNG row")->capture_default_str();
  cmd->add_option("-k,--candidates", o->candidates, "Number of candidate completions")->capture_default_str();
  cmd->add_option("--eps", o->settings.step_lr, "Step size eps (reference convention)")->capture_default_str();
  cmd->add_option("-T,--steps", o->settings.steps_per_level, "Langevin steps per noise level")->capture_default_str();
  cmd->add_option("--seed", o->settings.seed, "Random seed")->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_inpaint(*o); });
}

}  // namespace ncsn::cli
