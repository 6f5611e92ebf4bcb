// ncsn: the NCSN Studio engine on the command line.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_common.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/host_allocator.hpp"

int main(int argc, char** argv) {
  ncsn::configure_host_allocator();
  CLI::App app{"ncsn: train and sample Noise Conditional Score Networks (Song & Ermon, 2019)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("ncsn ") + NCSN_VERSION);
  ncsn::cli::add_train_command(app);
  ncsn::cli::add_sample_command(app);
  ncsn::cli::add_inpaint_command(app);
  ncsn::cli::add_denoise_command(app);
  ncsn::cli::add_toy_command(app);
  ncsn::cli::add_import_command(app);
  ncsn::cli::add_export_command(app);
  ncsn::cli::add_eval_command(app);
  ncsn::cli::add_info_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "ncsn: error: " << ncsn::describe_error(e) << std::endl;
    return 1;
  }
  return ncsn::cli::interrupted() ? 130 : 0;
}
