// ncsn sample: annealed Langevin dynamics (or the single-level baseline) to a PNG grid.
#include <iostream>
#include <optional>

#include "cli_common.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/image_grid.hpp"
#include "ncsn/imageio/mp4_video_writer.hpp"
#include "progress_bar.hpp"

namespace ncsn::cli {
namespace {

struct SampleOptions {
  CommonOptions common;
  std::string checkpoint;
  std::string out = "samples.png";
  std::string filmstrip;
  std::string video;
  int64_t video_frames = 200;
  double fps = 25;
  int64_t count = 64;
  int64_t columns = 8;
  bool baseline = false;
  LangevinSettings settings;
};

void run_sample(SampleOptions& o, const CLI::App& cmd) {
  o.checkpoint = checkpoint_or_default(o.checkpoint);
  if (o.count < 1) throw ConfigError("--count must be at least 1");
  check_png_output(o.out);
  if (!o.filmstrip.empty()) check_png_output(o.filmstrip);
  auto session = ModelSession::open(o.checkpoint, prepare_device(o.common));
  // The paper's baseline runs 1000 steps at one level unless told otherwise.
  if (o.baseline && cmd.count("--steps") == 0) o.settings.steps_per_level = 1000;
  const int64_t levels = o.baseline ? 1 : session.loaded.meta.model.num_classes;
  const int64_t total = levels * o.settings.steps_per_level;
  // Opened before sampling, so that a wrong file name fails at once rather than after the run.
  std::optional<Mp4VideoWriter> video;
  if (!o.video.empty()) {
    if (o.video_frames < 1) throw ConfigError("--video-frames must be at least 1");
    video.emplace(o.video, o.fps);
  }
  const int64_t video_every = std::max<int64_t>(1, total / o.video_frames);

  JobControl control;
  stop_on_interrupt(control);
  ProgressBar bar(o.baseline ? "langevin" : "anneal", total, std::cerr, show_progress(o.common));
  std::vector<torch::Tensor> strip;  // the first row of samples at the end of each level
  o.settings.frame_every = 1;
  auto observer = [&](const LangevinPosition& at, const torch::Tensor& x) {
    bar.update(at.done, "level " + std::to_string(at.level + 1) + "/" + std::to_string(at.levels));
    if (!o.filmstrip.empty() && at.step + 1 == at.steps_per_level) strip.push_back(x.narrow(0, 0, std::min(o.columns, x.size(0))).cpu());
    if (video && (at.done % video_every == 0 || at.done == at.total)) video->add_frame(make_grid(x.cpu(), o.columns));
  };
  SampleResult result;
  if (o.baseline) {
    torch::manual_seed(o.settings.seed);
    auto shape = session.image_shape();
    shape.insert(shape.begin(), o.count);
    auto init = torch::rand(shape, torch::TensorOptions().device(session.device));
    result = session.sampler.plain_langevin(init, -1, o.settings, observer, &control);
  } else {
    result = session.sampler.sample(o.count, session.image_shape(), o.settings, observer, &control);
  }
  bar.finish();
  if (!result.completed) throw std::runtime_error("sampling was interrupted after " + std::to_string(result.steps_done) + " steps; nothing written");

  const auto text = provenance(session, o.settings, o.baseline ? "plain-langevin" : "annealed-langevin",
                               {{"count", o.count}, {"columns", o.columns}});
  write_png(o.out, make_grid(result.samples, o.columns), text);
  if (!o.filmstrip.empty()) write_png(o.filmstrip, make_grid(torch::cat(strip), o.columns), text);
  const int64_t video_frames = video ? video->frames() : 0;
  if (video) video->finish();
  if (o.common.json) {
    print_json({{"out", o.out}, {"count", o.count}, {"steps", result.steps_done}, {"filmstrip", o.filmstrip}, {"video", o.video},
                {"video_frames", video_frames}});
  } else {
    std::cerr << "wrote " << o.out << (o.filmstrip.empty() ? "" : " and " + o.filmstrip)
              << (video ? " and " + o.video + " (" + std::to_string(video_frames) + " frames)" : "") << "\n";
  }
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto o = std::make_shared<SampleOptions>();
  auto* cmd = app.add_subcommand("sample", "Sample with annealed Langevin dynamics and write a PNG grid");
  cmd->add_option("-c,--checkpoint", o->checkpoint, "Model checkpoint (.ncsn, or a reference .pth; default: the shipped Fashion-MNIST model)");
  cmd->add_option("-o,--out", o->out, "Output PNG (settings are stored in its text chunks)")->capture_default_str();
  cmd->add_option("-n,--count", o->count, "Number of samples")->capture_default_str();
  cmd->add_option("--columns", o->columns, "Grid columns")->capture_default_str();
  cmd->add_option("--eps", o->settings.step_lr, "Step size eps (reference convention: a_i = eps*sigma_i^2/sigma_L^2, x += a*s + sqrt(2a)*z)")->capture_default_str();
  cmd->add_option("-T,--steps", o->settings.steps_per_level, "Langevin steps per noise level")->capture_default_str();
  cmd->add_option("--seed", o->settings.seed, "Random seed")->capture_default_str();
  cmd->add_flag("--denoise", o->settings.denoise_last, "Finish with one denoising step x + sigma_L^2 s(x, L)");
  cmd->add_flag("--baseline", o->baseline, "Plain Langevin at the smallest sigma only (the paper's failing baseline; T=1000)");
  cmd->add_option("--filmstrip", o->filmstrip, "Also write one row per noise level (the paper's Fig. 4)");
  cmd->add_option("--video", o->video, "Also write the annealing as an H.264 video (.mp4), the last frame held for a second");
  cmd->add_option("--video-frames", o->video_frames, "Frames of the video, spread evenly over the run (at most one per step)")->capture_default_str();
  cmd->add_option("--fps", o->fps, "Frames per second of the video")->capture_default_str();
  add_common_options(*cmd, o->common);
  cmd->callback([o, cmd] { run_sample(*o, *cmd); });
}

}  // namespace ncsn::cli
