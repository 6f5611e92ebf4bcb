#pragma once
// Matching a user's image to a model's channels. A grey model is never fed a colour picture,
// nor a colour model a greyscale file, by silent conversion: the user is told and decides.
#include <torch/torch.h>

#include <string>

namespace ncsn {

// True when every pixel of a [3, H, W] image has equal R, G and B.
bool is_greyscale(const torch::Tensor& rgb);

// An image as stored, [1, H, W] (a greyscale file) or [3, H, W] (RGB), -> [channels, H, W] for a
// model with `channels` (1 or 3). An RGB image whose pixels are all grey suits a grey model.
// Throws ConfigError, naming `source`, when a grey model gets colour or a colour model a
// greyscale file.
torch::Tensor to_model_channels(const torch::Tensor& image, int64_t channels, const std::string& source);

}  // namespace ncsn
