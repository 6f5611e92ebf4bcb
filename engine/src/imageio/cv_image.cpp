#include "cv_image.hpp"

#include <climits>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "image_header.hpp"
#include "ncsn/errors.hpp"
#include "ncsn/image_dataset.hpp"

namespace ncsn::detail {

cv::Mat decode_image(const std::string& path, int64_t channels) {
  if (channels != 0 && channels != 1 && channels != 3)
    throw ConfigError("images must have 1 or 3 channels, not " + std::to_string(channels));
  // Reading the bytes ourselves gives precise messages for missing files and folders.
  const std::string bytes = read_data_file(path);
  if (bytes.empty()) throw DataError(path + ": the file is empty");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) throw DataError(path + ": the image file is too large (over 2 GiB)");
  check_image_header(bytes, path);
  const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
  cv::Mat image;
  try {
    image = cv::imdecode(buffer, channels == 0 ? cv::IMREAD_ANYCOLOR : channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw DataError(path + ": cannot decode the image (" + e.err + ")");
  }
  if (image.empty()) throw DataError(path + ": cannot decode the image (corrupt or not a supported format)");
  if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);  // alpha plays no part
  if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  return image;
}

torch::Tensor mat_to_chw(const cv::Mat& image) {
  const cv::Mat m = image.isContinuous() ? image : image.clone();
  return torch::from_blob(m.data, {m.rows, m.cols, m.channels()}, torch::kUInt8).permute({2, 0, 1}).clone();
}

}  // namespace ncsn::detail
