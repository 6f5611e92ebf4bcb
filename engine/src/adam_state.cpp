#include "adam_state.hpp"

namespace ncsn::detail {
namespace {

int64_t read_size(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor size;
  archive.read(key, size);
  return size.item<int64_t>();
}

}  // namespace

void load_adam_state(torch::serialize::InputArchive& archive, torch::optim::Optimizer& adam) {
  torch::serialize::InputArchive states, groups;
  archive.read("state", states);
  archive.read("param_groups", groups);
  const int64_t group_count = read_size(groups, "param_groups/size");
  TORCH_CHECK(group_count == static_cast<int64_t>(adam.param_groups().size()), "the number of parameter groups differs");
  for (int64_t g = 0; g < group_count; ++g) {
    torch::serialize::InputArchive group;
    groups.read("param_groups/" + std::to_string(g), group);
    const auto& params = adam.param_groups()[static_cast<size_t>(g)].params();
    TORCH_CHECK(read_size(group, "params/size") == static_cast<int64_t>(params.size()), "the number of parameters differs");
    for (size_t i = 0; i < params.size(); ++i) {
      c10::IValue saved_key;
      group.read("params/" + std::to_string(i), saved_key);
      torch::serialize::InputArchive saved;
      if (!states.try_read(saved_key.toStringRef(), saved)) continue;  // never stepped
      auto state = std::make_unique<torch::optim::AdamParamState>();
      state->serialize(saved);
      TORCH_CHECK(state->exp_avg().sizes() == params[i].sizes(), "a moment does not fit its parameter");
      adam.state()[state_key<AdamStateKey>(params[i])] = std::move(state);
    }
  }
}

}  // namespace ncsn::detail
