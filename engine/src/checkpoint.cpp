#include "ncsn/checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <torch/serialize.h>

#include "adam_state.hpp"
#include "archive_check.hpp"
#include "studio_archive.hpp"
#include "ncsn/atomic_file.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/torch_save_reader.hpp"

namespace fs = std::filesystem;

namespace ncsn {

void to_json(nlohmann::json& j, const CheckpointMeta& m) {
  j = {{"model", m.model},          {"step", m.step},        {"training", m.training},
       {"origin", m.origin},        {"has_optimizer", m.has_optimizer}, {"has_ema", m.has_ema}};
  if (m.weights_dtype != "float32") j["weights_dtype"] = m.weights_dtype;
  if (std::isfinite(m.heldout_loss)) j["heldout_loss"] = m.heldout_loss;
}

void from_json(const nlohmann::json& j, CheckpointMeta& m) {
  m.model = j.at("model").get<ModelConfig>();
  m.step = j.value("step", int64_t{0});
  m.training = j.value("training", nlohmann::json::object());
  m.origin = j.value("origin", std::string("ncsn-studio"));
  m.has_optimizer = j.value("has_optimizer", false);
  m.has_ema = j.value("has_ema", false);
  m.weights_dtype = j.value("weights_dtype", std::string("float32"));
  if (m.weights_dtype != "float32" && m.weights_dtype != "float16")
    throw ConfigError("unknown weights_dtype '" + m.weights_dtype + "'");
  m.heldout_loss = j.value("heldout_loss", std::numeric_limits<double>::quiet_NaN());
}

namespace {

// Our archive with our format tag; a reference PyTorch file gets a hint to import it instead.
torch::serialize::InputArchive open_archive(const std::string& path, torch::Device device) {
  detail::require_regular_file(path, "checkpoint");
  if (looks_like_reference_checkpoint(path))
    throw DataError("checkpoint " + path +
                    " is not an NCSN Studio checkpoint (it looks like a reference PyTorch checkpoint: use `ncsn import`)");
  return detail::open_studio_archive(path, device, kCheckpointFormat, "checkpoint");
}

CheckpointMeta read_meta(torch::serialize::InputArchive& archive, const std::string& path) {
  c10::IValue version, meta;
  if (!archive.try_read("version", version) || !version.isInt() || version.toInt() > kCheckpointVersion)
    throw DataError("checkpoint " + path + " was written by a newer NCSN Studio; please upgrade");
  if (!archive.try_read("meta", meta) || !meta.isString()) throw DataError("checkpoint " + path + " has no metadata");
  try {
    auto m = nlohmann::json::parse(meta.toStringRef()).get<CheckpointMeta>();
    m.model.validate();
    return m;
  } catch (const std::exception& e) {
    throw DataError("checkpoint " + path + " has unreadable metadata (" + e.what() + ")");
  }
}

// Module::save with floating-point tensors converted to half precision, leaving `module` as it is.
void save_half(const torch::nn::Module& module, torch::serialize::OutputArchive& archive) {
  const auto half = [](const torch::Tensor& t) { return t.is_floating_point() ? t.detach().to(torch::kHalf) : t.detach(); };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) archive.write(p.key(), half(p.value()));
  for (const auto& b : module.named_buffers(/*recurse=*/false)) archive.write(b.key(), half(b.value()), /*is_buffer=*/true);
  for (const auto& child : module.named_children()) {
    if (!child.value()->is_serializable()) continue;
    torch::serialize::OutputArchive child_archive(archive.compilation_unit());
    save_half(*child.value(), child_archive);
    archive.write(child.key(), child_archive);
  }
}

bool is_half(const CheckpointMeta& m) { return m.weights_dtype == "float16"; }

}  // namespace

void save_checkpoint(const std::string& path, NcsnScoreNet& model, const CheckpointMeta& meta,
                     torch::optim::Optimizer* optimizer, NcsnScoreNet* ema) {
  CheckpointMeta m = meta;
  m.has_optimizer = optimizer != nullptr;
  m.has_ema = ema != nullptr && !ema->is_empty();
  if (is_half(m) && (m.has_optimizer || m.has_ema))
    throw ConfigError("float16 weights are for exported models: a training checkpoint keeps float32 weights");
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kCheckpointFormat)));
  archive.write("version", c10::IValue(kCheckpointVersion));
  archive.write("meta", c10::IValue(nlohmann::json(m).dump()));
  torch::serialize::OutputArchive weights;
  if (is_half(m)) save_half(*model, weights);
  else model->save(weights);
  archive.write("model", weights);
  if (optimizer) {
    torch::serialize::OutputArchive opt;
    optimizer->save(opt);
    archive.write("optimizer", opt);
  }
  if (m.has_ema) {
    torch::serialize::OutputArchive ema_weights;
    (*ema)->save(ema_weights);
    archive.write("ema", ema_weights);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(path, bytes.str());
}

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  auto archive = open_archive(path, torch::kCPU);
  return read_meta(archive, path);
}

LoadedModel load_model(const std::string& path, torch::Device device, bool prefer_ema, const ModelConfig* reference_defaults) {
  detail::require_regular_file(path, "checkpoint");
  if (looks_like_reference_checkpoint(path)) return import_reference_checkpoint(path, device, reference_defaults);
  auto archive = open_archive(path, device);
  LoadedModel loaded;
  loaded.meta = read_meta(archive, path);
  loaded.model = NcsnScoreNet(loaded.meta.model);
  // LibTorch loads a tensor into a parameter of the same dtype only.
  if (is_half(loaded.meta)) loaded.model->to(torch::kHalf);
  detail::load_submodule(archive, prefer_ema && loaded.meta.has_ema ? "ema" : "model", *loaded.model, path, "checkpoint");
  loaded.model->to(device, torch::kFloat);
  loaded.model->eval();
  return loaded;
}

CheckpointMeta load_training_state(const std::string& path, NcsnScoreNet& model, torch::optim::Optimizer& optimizer,
                                   NcsnScoreNet* ema) {
  auto archive = open_archive(path, model->parameters().front().device());
  auto meta = read_meta(archive, path);
  if (is_half(meta))
    throw ConfigError("checkpoint " + path + " is an exported float16 model: training resumes only from a training checkpoint");
  const auto& want = model->config;
  if (!meta.model.same_architecture(want))
    throw ConfigError("checkpoint " + path + " is for a " + meta.model.describe() + " model, not " + want.describe() +
                      " (another dataset or size needs its own run folder)");
  detail::load_submodule(archive, "model", *model, path, "checkpoint");
  if (meta.has_optimizer) {
    torch::serialize::InputArchive opt;
    archive.read("optimizer", opt);
    try {
      detail::load_adam_state(opt, optimizer);
    } catch (const c10::Error& e) {
      throw DataError("checkpoint " + path + ": the optimizer state does not fit (" + first_line(e.what_without_backtrace()) + ")");
    }
  }
  if (ema && !ema->is_empty()) detail::load_submodule(archive, meta.has_ema ? "ema" : "model", **ema, path, "checkpoint");
  return meta;
}

bool looks_like_reference_checkpoint(const std::string& path) {
  // Both formats are zips with a "<name>/data.pkl" member, but ours (a TorchScript archive)
  // also has "constants.pkl". Peek at the zip's central directory instead of unpickling.
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4) || std::string(magic, 2) != "PK") return false;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  const std::streamoff tail_len = std::min<std::streamoff>(size, 1 << 16);
  in.seekg(size - tail_len);
  std::string tail(static_cast<size_t>(tail_len), '\0');
  in.read(tail.data(), tail_len);
  return tail.find("/data.pkl") != std::string::npos && tail.find("/constants.pkl") == std::string::npos;
}

namespace {

using StateDict = std::map<std::string, torch::Tensor>;

ModelConfig infer_reference_config(const StateDict& state, const ModelConfig* defaults, const std::string& path) {
  auto tensor_at = [&](const std::string& key) -> const torch::Tensor& {
    auto it = state.find(key);
    if (it == state.end())
      throw DataError("checkpoint " + path + " has no '" + key + "': it is not an NCSN (CondRefineNetDilated) model");
    return it->second;
  };
  ModelConfig c = defaults ? *defaults : ModelConfig{};
  const auto& begin = tensor_at("begin_conv.weight");       // [ngf, C, 3, 3]
  const auto& embed = tensor_at("normalizer.embed.weight");  // [L, 3 ngf]
  if (begin.dim() != 4 || embed.dim() != 2) throw DataError("checkpoint " + path + " has malformed NCSN weights");
  c.ngf = begin.size(0);
  c.channels = begin.size(1);
  c.num_classes = embed.size(0);
  if (!defaults) c.image_size = c.channels == 1 ? 28 : 32;  // the reference's MNIST / CIFAR / CelebA sizes
  try {
    c.validate();  // before a network of that size is allocated
  } catch (const ConfigError& e) {
    throw DataError("checkpoint " + path + " has NCSN weights of an unusable shape (" + e.what() + ")");
  }
  return c;
}

// The model's weights from [model_state, optimizer_state] (the reference's layout) or a bare
// state dict, with DataParallel's "module." prefix removed.
StateDict reference_state_dict(const std::string& path) {
  auto root = read_torch_save(path);
  const PickleValue* dict = &root;
  if ((root.is(PickleValue::Kind::List) || root.is(PickleValue::Kind::Tuple)) && !root.items->empty())
    dict = &root.items->front();
  if (!dict->is(PickleValue::Kind::Dict))
    throw DataError("checkpoint " + path + " holds neither [state_dict, optimizer_state] nor a state dict");
  StateDict state;
  for (const auto& [key, value] : *dict->entries) {
    if (!key.is(PickleValue::Kind::String) || !value.is(PickleValue::Kind::Tensor)) continue;
    const bool prefixed = key.text.rfind("module.", 0) == 0;
    state[prefixed ? key.text.substr(7) : key.text] = value.tensor;
  }
  return state;
}

}  // namespace

LoadedModel import_reference_checkpoint(const std::string& path, torch::Device device, const ModelConfig* defaults) {
  detail::require_regular_file(path, "checkpoint");
  auto state = reference_state_dict(path);
  LoadedModel loaded;
  loaded.meta.model = infer_reference_config(state, defaults, path);
  loaded.meta.origin = "reference-import";
  loaded.model = NcsnScoreNet(loaded.meta.model);

  torch::NoGradGuard no_grad;
  auto params = loaded.model->named_parameters(/*recurse=*/true);
  size_t matched = 0;
  for (const auto& [key, value] : state) {
    auto* target = params.find(key);
    if (!target) throw DataError("checkpoint " + path + " has a weight '" + key + "' that this NCSN does not have");
    if (value.sizes() != target->sizes()) {
      std::ostringstream msg;
      msg << "checkpoint " << path << ": '" << key << "' has shape " << value.sizes() << " but the model expects "
          << target->sizes();
      throw DataError(msg.str());
    }
    target->copy_(value);
    ++matched;
  }
  if (matched != params.size())
    throw DataError("checkpoint " + path + " holds " + std::to_string(matched) + " of the model's " +
                    std::to_string(params.size()) + " weights");
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  return (fs::path(dir) / ("checkpoint_" + std::to_string(step) + ".ncsn")).string();
}

std::vector<CheckpointFile> list_checkpoint_files(const std::string& dir) {
  std::vector<CheckpointFile> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  // At most 18 digits, so every listed step fits an int64 (stoll would throw on longer names).
  static const std::regex name(R"(checkpoint_(\d{1,18})\.ncsn)");
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    std::smatch m;
    if (entry.is_regular_file(ec) && !is_temp_file_name(file) && std::regex_match(file, m, name))
      found.push_back({std::stoll(m[1]), entry.path().string()});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.step > b.step; });
  return found;
}

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<std::string> paths;
  for (auto& f : list_checkpoint_files(dir)) paths.push_back(std::move(f.path));
  return paths;
}

std::optional<LoadedModel> load_initial_model(const std::string& init, const std::string& run_folder, ModelConfig& model) {
  const auto checkpoints = run_folder.empty() ? std::vector<std::string>{} : list_checkpoints(run_folder);
  if (!checkpoints.empty()) {
    model = read_checkpoint_meta(checkpoints.front()).model;
    return std::nullopt;
  }
  auto loaded = load_model(init, torch::kCPU, /*prefer_ema=*/true, &model);
  model = loaded.meta.model;
  return loaded;
}

}  // namespace ncsn
