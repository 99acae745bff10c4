#include "recs/factors.h"

namespace shinrai::recs {

Eigen::MatrixXf Gramian(const RowMatrix& factors) {
  Eigen::MatrixXf g = Eigen::MatrixXf::Zero(factors.cols(), factors.cols());
  g.selfadjointView<Eigen::Lower>().rankUpdate(factors.transpose());
  return g.selfadjointView<Eigen::Lower>();
}

}  // namespace shinrai::recs
