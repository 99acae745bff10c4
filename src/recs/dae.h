// Multinomial denoising autoencoder (Liang et al. 2018, "Mult-DAE"): a
// person's history, with items dropped at random while training, is encoded
// into a small tanh layer and decoded into a softmax over the catalogue. Unlike
// the linear models it learns non-additive tastes ("these two together mean
// that"), which is why blending it with EASE gains more than either alone.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "recs/csr.h"

namespace shinrai::recs {

struct DaeParams {
  int hidden = 300;
  int epochs = 60;
  float dropout = 0.5f;        // share of a history hidden from the encoder in each step
  float weight_decay = 0.01f;  // L2 on both weight matrices
  float learning_rate = 1e-3f; // Adam
  int batch = 128;             // people per step
  // Independently started nets whose scores add: one net's ranking varies
  // with its random start more than the settings' effects on small data.
  int members = 3;
  uint64_t seed = 1;
  int max_items = 6000;        // the decoder is dense: items × hidden per step and per request
};

struct DaeNet {
  Eigen::MatrixXf encoder;  // hidden × items: column j is what history item j adds to the code
  Eigen::VectorXf encoder_bias;
  Eigen::MatrixXf decoder;  // items × hidden
  Eigen::VectorXf decoder_bias;
};

struct DaeModel {
  DaeParams params;
  std::vector<DaeNet> nets;

  // The members' unnormalized log-probabilities of every item for this history, summed.
  void Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const;
};

Result<DaeModel> FitDae(const Csr& user_items, const DaeParams& params);

}  // namespace shinrai::recs
