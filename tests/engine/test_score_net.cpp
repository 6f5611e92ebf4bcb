// The NCSN score network: the reference's exact size and parameter names (so reference
// checkpoints import), shape preservation, and clear errors for inputs it cannot take.
#include <cmath>
#include <set>
#include <string>

#include <QtTest/QtTest>

#include "ncsn/errors.hpp"
#include "ncsn/conv2d.hpp"
#include "ncsn/cpu_convolution_check.hpp"
#include "ncsn/ncsn_score_net.hpp"
#include "ncsn/onednn_convolution.hpp"
#include "test_support.hpp"

namespace {

ncsn::ModelConfig config(int64_t channels, int64_t size, int64_t ngf, int64_t levels = 10) {
  ncsn::ModelConfig c;
  c.channels = channels;
  c.image_size = size;
  c.ngf = ngf;
  c.num_classes = levels;
  return c;
}

torch::Tensor labels(int64_t n, int64_t level = 0) { return torch::full({n}, level, torch::kLong); }

}  // namespace

class TestScoreNet : public QObject {
  Q_OBJECT
 private slots:
  // Tiny tensors gain nothing from threads, and OpenMP spin-waits badly on a busy 2-core machine.
  void initTestCase() { torch::set_num_threads(1); }
  void parameterCountsEqualTheReference() {
    // The figures of the authors' CondRefineNetDilated for MNIST and CIFAR-10.
    ncsn::NcsnScoreNet mnist(config(1, 28, 64));
    QCOMPARE(ncsn::count_parameters(*mnist), int64_t{7638657});
    ncsn::NcsnScoreNet cifar(config(3, 32, 128));
    QCOMPARE(ncsn::count_parameters(*cifar), int64_t{30117635});
  }

  void parameterNamesFollowTheReference() {
    ncsn::NcsnScoreNet net(config(1, 28, 64));
    const auto params = net->named_parameters();
    // Keys (less DataParallel's "module.") of the reference state_dict, with their shapes.
    const std::vector<std::pair<std::string, std::vector<int64_t>>> expected = {
        {"begin_conv.weight", {64, 1, 3, 3}},
        {"begin_conv.bias", {64}},
        {"normalizer.embed.weight", {10, 192}},
        {"end_conv.weight", {1, 64, 3, 3}},
        {"end_conv.bias", {1}},
        {"res1.0.normalize1.embed.weight", {10, 192}},
        {"res1.0.conv1.weight", {64, 64, 3, 3}},
        {"res1.1.normalize2.embed.weight", {10, 192}},
        {"res2.0.conv2.conv.weight", {128, 64, 3, 3}},   // ConvMeanPool wraps its conv
        {"res2.0.shortcut.conv.weight", {128, 64, 1, 1}},
        {"res2.0.shortcut.conv.bias", {128}},
        {"res3.0.conv1.weight", {128, 128, 3, 3}},
        {"res3.0.shortcut.weight", {128, 128, 3, 3}},    // dilated: a plain conv, no pooling
        {"res4.1.conv2.bias", {128}},
        {"refine1.adapt_convs.0.1_1_norm.embed.weight", {10, 384}},
        {"refine1.adapt_convs.0.2_2_conv.weight", {128, 128, 3, 3}},
        {"refine1.output_convs.1_2_conv.weight", {128, 128, 3, 3}},
        {"refine1.crp.convs.1.weight", {128, 128, 3, 3}},
        {"refine1.crp.norms.0.embed.weight", {10, 384}},
        {"refine2.msf.convs.1.weight", {128, 128, 3, 3}},
        {"refine2.msf.convs.1.bias", {128}},
        {"refine2.msf.norms.0.embed.weight", {10, 384}},
        {"refine3.msf.convs.0.weight", {64, 128, 3, 3}},
        {"refine4.adapt_convs.1.2_1_conv.weight", {64, 64, 3, 3}},
        {"refine4.output_convs.3_2_conv.weight", {64, 64, 3, 3}},  // the end block has 3 RCUs
        {"refine4.output_convs.3_2_norm.embed.weight", {10, 192}},
    };
    for (const auto& [key, shape] : expected) {
      const auto* p = params.find(key);
      QVERIFY2(p != nullptr, qPrintable(QString::fromStdString("missing parameter " + key)));
      QVERIFY2(p->sizes() == c10::IntArrayRef(shape), qPrintable(QString::fromStdString("wrong shape of " + key)));
    }
    // Parameters the reference does not have.
    for (const char* absent : {"refine1.msf.convs.0.weight", "res1.0.shortcut.weight", "refine1.output_convs.2_1_conv.weight",
                               "refine1.crp.convs.0.bias", "res2.0.conv1.conv.weight"})
      QVERIFY2(params.find(absent) == nullptr, absent);
    // The reference's CondInstanceNorm++ has no running statistics: the state is the parameters.
    QCOMPARE(net->named_buffers().size(), size_t{0});
  }

  void normEmbeddingsAreInitialisedLikeTheReference() {
    torch::manual_seed(0);
    ncsn::NcsnScoreNet net(config(1, 28, 64));
    const auto w = net->named_parameters()["res1.0.normalize1.embed.weight"];
    const auto gamma_alpha = w.narrow(1, 0, 128), beta = w.narrow(1, 128, 64);
    QVERIFY(std::abs(gamma_alpha.mean().item<double>() - 1.0) < 0.005);
    QVERIFY(std::abs(gamma_alpha.std().item<double>() - 0.02) < 0.003);
    QCOMPARE(beta.abs().max().item<double>(), 0.0);
  }

  void outputShapeEqualsInputShape() {
    torch::manual_seed(1);
    for (auto c : {config(1, 28, 4), config(3, 32, 4), config(1, 12, 6, 3)}) {
      ncsn::NcsnScoreNet net(c);
      const auto x = torch::rand({3, c.channels, c.image_size, c.image_size});
      const auto y = torch::tensor(std::vector<int64_t>{0, c.num_classes - 1, 1}, torch::kLong);
      const auto out = net->forward(x, y);
      QVERIFY(out.sizes() == x.sizes());
      QVERIFY(torch::isfinite(out).all().item<bool>());
    }
  }

  void theNoiseLevelChangesTheOutput() {
    // Conditioning must reach the output: different levels, different embeddings, different scores.
    torch::manual_seed(2);
    ncsn::NcsnScoreNet net(config(1, 12, 4, 3));
    const auto x = torch::rand({2, 1, 12, 12});
    const auto a = net->forward(x, labels(2, 0)), b = net->forward(x, labels(2, 2));
    QVERIFY(ncsn::test::max_abs_diff(a, b) > 1e-6);
    // ...and each example is scored on its own (no mixing across the batch).
    const auto mixed = net->forward(x, torch::tensor({0, 2}, torch::kLong));
    QVERIFY(ncsn::test::max_abs_diff(mixed[0], a[0]) < 1e-5);
    QVERIFY(ncsn::test::max_abs_diff(mixed[1], b[1]) < 1e-5);
  }

  void inferenceTakesTheSameValuesAsTraining() {
    // CPU inference runs its convolutions on oneDNN directly (ncsn::Conv2d); with autograd on,
    // LibTorch picks the kernel. One small image takes LibTorch's other path, so both are compared.
    torch::manual_seed(3);
    ncsn::NcsnScoreNet net(config(1, 28, 8));
    const auto x = torch::rand({1, 1, 28, 28});
    const auto trained = net->forward(x, labels(1, 4)).detach();
    torch::Tensor inferred;
    {
      c10::InferenceMode inference;
      inferred = net->forward(x, labels(1, 4));
    }
    QVERIFY(torch::allclose(inferred, trained, 1e-4, 1e-4));
    ncsn::use_channels_last_weights(*net);  // as the sampling sessions do on CPU
    {
      c10::InferenceMode inference;
      inferred = net->forward(x, labels(1, 4));
    }
    QVERIFY(torch::allclose(inferred, trained, 1e-4, 1e-4));
  }

  // OneDnnConvolution against LibTorch's convolution: Winograd where it is chosen (3x3, at least
  // 64 channels and 512 output pixels per call, where oneDNN has the kernel), direct elsewhere (dilated, narrow, the 1-channel
  // first layer, 1x1, one small image), never im2col + GEMM on AVX2, with and without bias, from
  // either input layout, and one prepared plan on several inputs.
  void onednnConvolutionAgreesWithLibTorch() {
    if (!ncsn::OneDnnConvolution::available()) QSKIP("built without oneDNN's headers");
    struct Case {
      int64_t in, out, kernel, padding, dilation, batch;
      bool winograd;
    };
    for (const Case& c : {Case{64, 64, 3, 1, 1, 2, true}, Case{64, 96, 3, 1, 1, 2, true}, Case{64, 64, 3, 1, 1, 1, false},
                          Case{64, 64, 3, 2, 2, 2, false}, Case{64, 64, 3, 4, 4, 2, false}, Case{32, 32, 3, 1, 1, 2, false},
                          Case{1, 16, 3, 1, 1, 2, false}, Case{64, 32, 1, 0, 1, 2, false}}) {
      torch::manual_seed(c.in + c.out + c.dilation);
      const auto weight = torch::randn({c.out, c.in, c.kernel, c.kernel}) / std::sqrt(double(c.in * c.kernel * c.kernel));
      const auto bias = torch::randn({c.out});
      ncsn::OneDnnConvolution conv(c.padding, c.dilation);
      const auto what = QString("%1->%2 k%3 d%4 batch %5").arg(c.in).arg(c.out).arg(c.kernel).arg(c.dilation).arg(c.batch);
      for (const bool channels_last : {false, true}) {
        auto x = torch::randn({c.batch, c.in, 16, 16});
        if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
        for (const auto& b : {bias, torch::Tensor()}) {
          const auto expected = torch::conv2d(x, weight, b, 1, c.padding, c.dilation);
          const auto got = conv.forward(x, weight, b);
          QCOMPARE(got.sizes(), expected.sizes());
          const auto error = ncsn::test::max_abs_diff(got, expected);
          QVERIFY2(error < 2e-5, qPrintable(what + QString(": %1").arg(error)));
          QVERIFY2(conv.winograd() == (c.winograd && ncsn::OneDnnConvolution::winograd_available()), qPrintable(what));
        }
      }
      // oneDNN's AVX2 kernel refuses a padding of 4 and falls back to im2col + GEMM, 3x slower:
      // such layers get their input padded by the plan instead.
      const auto implementation = QString::fromStdString(conv.implementation());
      if (__builtin_cpu_supports("avx2")) QVERIFY2(!implementation.contains("gemm"), qPrintable(what + ": " + implementation));
      // One plan, new inputs, in and out of inference mode (as the sampler and the studio's
      // previews call it): what it keeps between calls (the padded copy of the input) must not leak.
      for (int i = 0; i < 3; ++i) {
        const auto x = torch::randn({c.batch, c.in, 16, 16}) * (i + 1);
        const auto expected = torch::conv2d(x, weight, bias, 1, c.padding, c.dilation);
        c10::InferenceMode inference(i != 1);
        const auto error = ncsn::test::max_abs_diff(conv.forward(x, weight, bias), expected);
        QVERIFY2(error < 4e-5, qPrintable(what + QString(", input %1: %2").arg(i).arg(error)));
      }
    }
  }

  // A prepared convolution follows its weights: an in-place update (an optimizer step, new EMA
  // weights copied in), a new layout, and another batch size all give LibTorch's result again.
  void onednnConvolutionFollowsItsWeights() {
    torch::manual_seed(6);
    ncsn::Conv2d conv(64, 64, 3, /*padding=*/1);
    const auto x = torch::randn({4, 64, 12, 12});  // Winograd; one image runs direct
    const auto check = [&](const torch::Tensor& input) {
      const auto expected = torch::conv2d(input, conv->weight.detach(), conv->bias.detach(), 1, 1);
      c10::InferenceMode inference;
      const auto error = ncsn::test::max_abs_diff(conv->forward(input), expected);
      QVERIFY2(error < 2e-5, qPrintable(QString::number(error)));
    };
    check(x);
    {
      torch::NoGradGuard no_grad;
      conv->weight.mul_(-2.0);
      conv->bias.add_(1.0);
    }
    check(x);
    ncsn::use_channels_last_weights(*conv);
    check(x);
    {
      torch::NoGradGuard no_grad;
      conv->weight.copy_(torch::randn_like(conv->weight) * 0.05);
    }
    check(x);
    check(torch::randn({1, 64, 12, 12}));
  }

  // Training gradients on the CPU equal a float64 computation even when freed memory holds NaN.
  // Debian 13's LibTorch 2.6 failed this (NaN in most layers' gradients) before
  // ensure_sound_cpu_convolutions() found its oneDNN convolutions wrong and set them aside.
  void cpuTrainingGradientsMatchFloat64WhateverTheHeapHolds() {
    torch::manual_seed(5);
    ncsn::NcsnScoreNet net(config(1, 12, 4)), exact(config(1, 12, 4));
    {
      torch::NoGradGuard no_grad;
      for (auto& p : exact->named_parameters()) p.value().copy_(net->named_parameters()[p.key()]);
    }
    exact->to(torch::kDouble);
    const auto x = torch::rand({4, 1, 12, 12});
    const auto levels = torch::tensor({0, 3, 6, 9}, torch::kLong);
    ncsn::leave_nan_in_freed_memory();
    net->forward(x, levels).pow(2).sum().backward();
    exact->forward(x.to(torch::kDouble), levels).pow(2).sum().backward();
    for (const auto& p : exact->named_parameters()) {
      const auto single = net->named_parameters()[p.key()].grad().to(torch::kDouble), reference = p.value().grad();
      const double error = ncsn::test::max_abs_diff(single, reference), scale = reference.abs().max().item<double>();
      QVERIFY2(error <= 1e-3 * scale, qPrintable(QString("%1: gradient off by %2 of %3")
                                                     .arg(QString::fromStdString(p.key()))
                                                     .arg(error)
                                                     .arg(scale)));
    }
  }

  // The score function that samplers and losses call: the network's own output in float32, and
  // under bf16 autocast a float32 score that differs from it by rounding only.
  void scoreFunctionRunsTheNetworkInTheAskedPrecision() {
    torch::manual_seed(4);
    ncsn::NcsnScoreNet net(config(1, 28, 8));
    const auto x = torch::rand({2, 1, 28, 28});
    torch::NoGradGuard no_grad;
    const auto direct = net->forward(x, labels(2, 3));
    QVERIFY(torch::equal(ncsn::score_function(net)(x, labels(2, 3)), direct));

    const auto bf16 = ncsn::score_function(net, ncsn::MixedPrecision::BFloat16, torch::kCPU)(x, labels(2, 3));
    QCOMPARE(bf16.scalar_type(), torch::kFloat);
    QVERIFY(!torch::equal(bf16, direct));  // autocast was in force
    QVERIFY(ncsn::test::max_abs_diff(bf16, direct) < 0.05 * direct.abs().max().item<double>());
    QVERIFY(!ncsn::autocast_enabled(torch::kCPU));  // and only inside the call
  }

  void rejectsBadInputsWithAClearMessage() {
    ncsn::NcsnScoreNet net(config(1, 12, 4, 3));
    auto message_of = [&](const torch::Tensor& x, const torch::Tensor& y) -> QString {
      try {
        net->forward(x, y);
      } catch (const ncsn::ConfigError& e) {
        return QString::fromUtf8(e.what());
      }
      return {};
    };
    const QString channels = message_of(torch::rand({2, 3, 12, 12}), labels(2));
    QVERIFY2(channels.contains("channel"), qPrintable(channels));
    const QString rank = message_of(torch::rand({2, 12, 12}), labels(2));
    QVERIFY2(!rank.isEmpty(), "a 3-D input must be rejected");
    const QString size = message_of(torch::rand({2, 1, 16, 16}), labels(2));
    QVERIFY2(size.contains("12x12") && size.contains("16x16"), qPrintable(size));
    const QString label_count = message_of(torch::rand({2, 1, 12, 12}), labels(3));
    QVERIFY2(!label_count.isEmpty(), "one label per example is required");
    // A good input still works after the rejections.
    QVERIFY(net->forward(torch::rand({2, 1, 12, 12}), labels(2)).sizes() == (std::vector<int64_t>{2, 1, 12, 12}));
  }

  void rejectsBadConfigs() {
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)ncsn::NcsnScoreNet(config(2, 28, 8)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)ncsn::NcsnScoreNet(config(1, 30, 8)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)ncsn::NcsnScoreNet(config(1, 28, 0)));
    QVERIFY_THROWS_EXCEPTION(ncsn::ConfigError, (void)ncsn::NcsnScoreNet(config(1, 28, 1)));  // NaN in CondInstanceNorm++
    (void)ncsn::NcsnScoreNet(config(1, 28, 2));                                                // the smallest that works
  }
};

QTEST_APPLESS_MAIN(TestScoreNet)
#include "test_score_net.moc"
