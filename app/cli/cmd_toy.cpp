// ncsn toy: the paper's 2-D mixture experiments (Figs. 2 and 3) with their mode weights.
#include <iomanip>
#include <iostream>

#include "cli_common.hpp"
#include "ncsn/device.hpp"
#include "ncsn/toy2d.hpp"

namespace ncsn::cli {
namespace {

struct ToyOptions {
  CommonOptions common;
  uint64_t seed = 0;
  int64_t samples = 1280;
  int64_t train_iters = 0;
};

// Mean cosine between learned and true scores on a grid over [-8, 8]^2, the field comparison of Fig. 2.
double field_agreement(ToyScoreMlp& model, const GaussianMixture2D& data) {
  torch::NoGradGuard no_grad;
  auto axis = torch::linspace(-8, 8, 21);
  auto grid = torch::stack(torch::meshgrid({axis, axis}, "ij"), -1).reshape({-1, 2});
  auto learned = model->forward(grid);
  auto truth = data.score(grid).to(torch::kFloat);
  return torch::cosine_similarity(learned, truth, 1).mean().item<double>();
}

void run_toy(ToyOptions& o) {
  apply_threads(o.common);
  const auto cmp = run_toy_comparison(o.seed, o.samples);
  nlohmann::json out = {{"samples", o.samples},
                        {"seed", o.seed},
                        {"true_weight", 0.8},
                        {"exact", cmp.exact_weight},
                        {"langevin", cmp.langevin_weight},
                        {"annealed_langevin", cmp.annealed_weight}};
  if (o.train_iters > 0) {
    GaussianMixture2D data;
    ToyScoreMlp model;
    ToyTrainOptions options;
    options.iterations = o.train_iters;
    options.seed = o.seed;
    out["ssm_final_loss"] = train_toy_score_mlp(model, data, options);
    out["score_field_cosine"] = field_agreement(model, data);
  }
  if (o.common.json) {
    print_json(out);
    return;
  }
  std::cout << "weight of the (5,5) mode over " << o.samples << " samples (true: 0.80)\n" << std::fixed << std::setprecision(3)
            << "  exact sampling            " << cmp.exact_weight << "\n"
            << "  Langevin (exact scores)   " << cmp.langevin_weight << "\n"
            << "  annealed Langevin         " << cmp.annealed_weight << "\n";
  if (out.contains("score_field_cosine"))
    std::cout << "sliced score matching MLP: final loss " << out["ssm_final_loss"].get<double>()
              << ", mean cosine to the true score field " << out["score_field_cosine"].get<double>() << "\n";
}

}  // namespace

void add_toy_command(CLI::App& app) {
  auto o = std::make_shared<ToyOptions>();
  auto* cmd = app.add_subcommand("toy", "The paper's toy 2-D experiments: mode weights of three samplers");
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--samples", o->samples, "Samples per sampler")->capture_default_str();
  cmd->add_option("--train-mlp", o->train_iters, "Also train the score MLP with sliced score matching for N iterations");
  add_common_options(*cmd, o->common);
  cmd->callback([o] { run_toy(*o); });
}

}  // namespace ncsn::cli
