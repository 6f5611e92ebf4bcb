#include "ncsn/imageio/model_session.hpp"

#include "ncsn/errors.hpp"
#include "ncsn/ncsn_score_net.hpp"
#include "ncsn/noise_schedule.hpp"

namespace ncsn {
namespace {

AnnealedLangevinSampler make_sampler(LoadedModel& loaded, torch::Device device) {
  const auto& c = loaded.meta.model;
  auto model = loaded.model;
  if (device.is_cpu()) use_channels_last_weights(*model);
  return AnnealedLangevinSampler(score_function(model), geometric_sigmas(c.sigma_begin, c.sigma_end, c.num_classes).to(device));
}

}  // namespace

ModelSession ModelSession::open(const std::string& path, torch::Device device) {
  auto loaded = load_model(path, device);
  auto sampler = make_sampler(loaded, device);
  return ModelSession{std::move(loaded), path, device, std::move(sampler)};
}

std::vector<int64_t> ModelSession::image_shape() const {
  const auto& c = loaded.meta.model;
  return {c.channels, c.image_size, c.image_size};
}

torch::Tensor ModelSession::read_model_image(const std::string& image_path) const {
  const auto& c = loaded.meta.model;
  auto image = read_image(image_path, c.channels);
  if (image.size(1) != c.image_size || image.size(2) != c.image_size)
    throw ConfigError(image_path + " is " + std::to_string(image.size(2)) + "x" + std::to_string(image.size(1)) +
                      " pixels but the model works on " + std::to_string(c.image_size) + "x" + std::to_string(c.image_size) +
                      " images; use an image of that size");
  return image;
}

PngText provenance(const ModelSession& session, const LangevinSettings& settings, const std::string& sampler_name,
                   const nlohmann::json& extra) {
  nlohmann::json j = {{"sampler", sampler_name},
                      {"seed", settings.seed},
                      {"eps", settings.step_lr},
                      {"steps_per_level", settings.steps_per_level},
                      {"denoise_last", settings.denoise_last},
                      {"step_convention", "reference: x + a*s + sqrt(2a)*z, a_i = eps*sigma_i^2/sigma_L^2"},
                      {"model", session.loaded.meta.model},
                      {"checkpoint", session.path},
                      {"checkpoint_step", session.loaded.meta.step}};
  j.update(extra);
  return {{"Software", std::string("NCSN Studio ") + NCSN_VERSION}, {"ncsn:settings", j.dump()}};
}

}  // namespace ncsn
