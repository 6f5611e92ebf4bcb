// sample-grid MODEL OUT.png: anneals four images from a checkpoint (paper Alg. 1 with the reference
// settings, T = 100 per noise level) and writes them as a 2x2 grid. The smallest useful program on
// the engine library.
#include <cstdio>
#include <exception>

#include "ncsn/errors.hpp"
#include "ncsn/image_grid.hpp"
#include "ncsn/imageio/model_session.hpp"
#include "ncsn/imageio/png_io.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: sample-grid MODEL OUT.png\n");
    return 2;
  }
  try {
    const auto session = ncsn::ModelSession::open(argv[1], torch::kCPU);
    ncsn::LangevinSettings settings;
    settings.seed = 7;
    const auto result = session.sampler.sample(4, session.image_shape(), settings);
    if (!result.completed || !result.samples.isfinite().all().item<bool>()) {
      std::fprintf(stderr, "sample-grid: the chain did not finish with finite samples\n");
      return 1;
    }
    ncsn::write_png(argv[2], ncsn::make_grid(result.samples, 2), ncsn::provenance(session, settings, "annealed"));
    std::printf("%lld steps over %lld noise levels, samples in [%.3f, %.3f], wrote %s\n",
                static_cast<long long>(result.steps_done), static_cast<long long>(session.sampler.sigmas().size(0)),
                result.samples.min().item<double>(), result.samples.max().item<double>(), argv[2]);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sample-grid: %s\n", ncsn::describe_error(e).c_str());
    return 1;
  }
}
