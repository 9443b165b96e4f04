// gbdt: gradient-boosted trees through XGBoost's C API (kept out of every
// header: this file is the only one that includes it). The number of rounds is
// chosen by early stopping on a purged validation tail of the training window;
// the model is then refit on the whole window with that many rounds, so the
// newest bars also shape the trees. Single-threaded and seeded: deterministic.
#include <xgboost/c_api.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "core/numeric.h"
#include "ml/internal/json_io.h"
#include "core/json_fields.h"
#include "ml/models/internal/factories.h"
#include "ml/models/internal/validation_split.h"

namespace rc::ml::internal {
namespace {

constexpr int kMaxRounds = 300;
constexpr int kPatience = 20;
constexpr int kDefaultRounds = 60;  // when the window is too small to hold out a tail

Status XgbCheck(int rc, const char* what) {
  if (rc == 0) return Ok();
  return Internal(std::string("xgboost ") + what + ": " + XGBGetLastError());
}

// Owns a DMatrix handle.
struct DMatrix {
  DMatrixHandle h = nullptr;
  ~DMatrix() {
    if (h) XGDMatrixFree(h);
  }
};

// Owns a Booster handle.
struct Booster {
  BoosterHandle h = nullptr;
  Booster() = default;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster() {
    if (h) XGBoosterFree(h);
  }
};

Status MakeDMatrix(const Eigen::MatrixXd& X, const Eigen::VectorXd* y, DMatrix& out) {
  std::vector<float> data(static_cast<size_t>(X.rows() * X.cols()));
  for (Eigen::Index row = 0; row < X.rows(); ++row)
    for (Eigen::Index col = 0; col < X.cols(); ++col)
      data[static_cast<size_t>(row * X.cols() + col)] = static_cast<float>(X(row, col));
  RC_RETURN_IF_ERROR(XgbCheck(XGDMatrixCreateFromMat(data.data(), static_cast<bst_ulong>(X.rows()),
                                                     static_cast<bst_ulong>(X.cols()),
                                                     std::numeric_limits<float>::quiet_NaN(), &out.h),
                              "creating DMatrix"));
  if (y) {
    std::vector<float> labels(static_cast<size_t>(y->size()));
    for (Eigen::Index row = 0; row < y->size(); ++row) labels[static_cast<size_t>(row)] = static_cast<float>((*y)[row]);
    RC_RETURN_IF_ERROR(XgbCheck(XGDMatrixSetFloatInfo(out.h, "label", labels.data(), labels.size()), "setting labels"));
  }
  return Ok();
}

class GbdtModel final : public Model {
 public:
  std::string family() const override { return "gbdt"; }

  Status Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const FitContext& ctx) override {
    if (X.rows() < 50) return InvalidArgument("rows", "gbdt needs at least 50 training rows");
    seed_ = ctx.seed;
    nthread_ = std::max(1, std::min(ctx.nthread, 2));
    n_features_ = static_cast<int>(X.cols());
    ValidationSplit split = SplitTail(static_cast<size_t>(X.rows()), static_cast<size_t>(ctx.horizon_bars));
    rounds_ = kDefaultRounds;
    validation_rmse_ = kNaN;
    if (split.ok) {
      auto head = static_cast<Eigen::Index>(split.train_end);
      auto vb = static_cast<Eigen::Index>(split.valid_begin);
      Eigen::MatrixXd Xh = X.topRows(head);
      Eigen::VectorXd yh = y.head(head);
      Eigen::MatrixXd Xv = X.bottomRows(X.rows() - vb);
      Eigen::VectorXd yv = y.tail(X.rows() - vb);
      DMatrix dtrain, dvalid;
      RC_RETURN_IF_ERROR(MakeDMatrix(Xh, &yh, dtrain));
      RC_RETURN_IF_ERROR(MakeDMatrix(Xv, &yv, dvalid));
      Booster b;
      RC_RETURN_IF_ERROR(NewBooster(dtrain.h, yh.mean(), b));
      double best = std::numeric_limits<double>::infinity();
      int best_round = 0;
      for (int iter = 0; iter < kMaxRounds; ++iter) {
        RC_RETURN_IF_ERROR(XgbCheck(XGBoosterUpdateOneIter(b.h, iter, dtrain.h), "boosting"));
        DMatrixHandle evals[] = {dvalid.h};
        const char* names[] = {"valid"};
        const char* result = nullptr;
        RC_RETURN_IF_ERROR(XgbCheck(XGBoosterEvalOneIter(b.h, iter, evals, names, 1, &result), "evaluating"));
        // result looks like "[12]\tvalid-rmse:0.00123"
        std::string text(result);
        double rmse = std::strtod(text.c_str() + text.rfind(':') + 1, nullptr);
        if (rmse < best) {
          best = rmse;
          best_round = iter;
        } else if (iter - best_round >= kPatience) {
          break;
        }
      }
      rounds_ = best_round + 1;
      validation_rmse_ = best;
    }
    DMatrix dall;
    RC_RETURN_IF_ERROR(MakeDMatrix(X, &y, dall));
    auto fresh = std::make_unique<Booster>();
    base_score_ = y.mean();
    RC_RETURN_IF_ERROR(NewBooster(dall.h, base_score_, *fresh));
    for (int iter = 0; iter < rounds_; ++iter) {
      RC_RETURN_IF_ERROR(XgbCheck(XGBoosterUpdateOneIter(fresh->h, iter, dall.h), "boosting"));
    }
    booster_ = std::move(fresh);
    return Ok();
  }

  double PredictRow(const Eigen::RowVectorXd& x) const override {
    float row[256];
    std::vector<float> big;
    float* data = row;
    if (x.size() > 256) {
      big.resize(static_cast<size_t>(x.size()));
      data = big.data();
    }
    for (Eigen::Index col = 0; col < x.size(); ++col) data[col] = static_cast<float>(x[col]);
    return PredictRaw(data, 1, static_cast<size_t>(x.size()))[0];
  }

  Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const override {
    std::vector<float> data(static_cast<size_t>(X.rows() * X.cols()));
    for (Eigen::Index row = 0; row < X.rows(); ++row)
      for (Eigen::Index col = 0; col < X.cols(); ++col)
        data[static_cast<size_t>(row * X.cols() + col)] = static_cast<float>(X(row, col));
    std::vector<double> p = PredictRaw(data.data(), static_cast<size_t>(X.rows()), static_cast<size_t>(X.cols()));
    Eigen::VectorXd out(X.rows());
    for (Eigen::Index row = 0; row < X.rows(); ++row) out[row] = p[static_cast<size_t>(row)];
    return out;
  }

  Status Save(const std::filesystem::path& dir) const override {
    if (!booster_) return Internal("gbdt: save before fit");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return IoError("creating " + dir.string() + ": " + ec.message());
    std::string path = (dir / "model.json").string();
    {
      std::lock_guard<std::mutex> lock(mu_);
      RC_RETURN_IF_ERROR(XgbCheck(XGBoosterSaveModel(booster_->h, path.c_str()), "saving model"));
    }
    boost::json::object o{{"family", "gbdt"}, {"rounds", rounds_}, {"n_features", n_features_},
                          {"base_score", base_score_}, {"seed", seed_}};
    return WriteJsonFile(dir / "params.json", o);
  }

  Status Load(const std::filesystem::path& dir) override {
    RC_ASSIGN_OR_RETURN(auto v, ReadJsonFile(dir / "params.json"));
    if (!v.is_object()) return DataCorrupt("gbdt params.json is not an object", "params.json");
    const auto& o = v.as_object();
    const JsonFields params = JsonFields::Stored(o, "params");
    RC_ASSIGN_OR_RETURN(int64_t rounds, params.RequiredInt("rounds"));
    RC_ASSIGN_OR_RETURN(int64_t nf, params.RequiredInt("n_features"));
    RC_ASSIGN_OR_RETURN(base_score_, params.RequiredNumber("base_score"));
    rounds_ = static_cast<int>(rounds);
    n_features_ = static_cast<int>(nf);
    std::string path = (dir / "model.json").string();
    if (!std::filesystem::exists(path)) return DataCorrupt("gbdt: missing " + path, "model.json");
    auto b = std::make_unique<Booster>();
    RC_RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(nullptr, 0, &b->h), "creating booster"));
    RC_RETURN_IF_ERROR(XgbCheck(XGBoosterLoadModel(b->h, path.c_str()), "loading model"));
    RC_RETURN_IF_ERROR(XgbCheck(XGBoosterSetParam(b->h, "nthread", "1"), "setting nthread"));
    booster_ = std::move(b);
    return Ok();
  }

  boost::json::object Describe() const override {
    return {{"family", "gbdt"},   {"rounds", rounds_},         {"max_depth", 3},
            {"eta", 0.05},        {"early_stopping_rounds", kPatience},
            {"validation_rmse", NumberOrNull(validation_rmse_)}, {"seed", seed_}};
  }

 private:
  Status NewBooster(DMatrixHandle train, double base_score, Booster& b) const {
    RC_RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(&train, 1, &b.h), "creating booster"));
    const std::string seed = std::to_string(seed_ % 2147483647);
    const std::string nthread = std::to_string(nthread_);
    const std::string base = std::to_string(base_score);
    const std::pair<const char*, const char*> params[] = {
        {"objective", "reg:squarederror"}, {"eval_metric", "rmse"}, {"tree_method", "hist"},
        {"max_depth", "3"},                {"eta", "0.05"},         {"subsample", "0.8"},
        {"colsample_bytree", "0.8"},       {"min_child_weight", "20"}, {"verbosity", "0"},
        {"seed", seed.c_str()},            {"nthread", nthread.c_str()}, {"base_score", base.c_str()},
    };
    for (const auto& [k, v] : params) RC_RETURN_IF_ERROR(XgbCheck(XGBoosterSetParam(b.h, k, v), k));
    return Ok();
  }

  std::vector<double> PredictRaw(const float* data, size_t rows, size_t cols) const {
    std::vector<double> out(rows, 0.0);
    if (!booster_) return out;
    DMatrixHandle dm = nullptr;
    if (XGDMatrixCreateFromMat(data, rows, cols, std::numeric_limits<float>::quiet_NaN(), &dm) != 0) return out;
    {
      // XGBoosterPredict mutates the booster's prediction cache: serialise.
      std::lock_guard<std::mutex> lock(mu_);
      bst_ulong len = 0;
      const float* res = nullptr;
      if (XGBoosterPredict(booster_->h, dm, 0, 0, 0, &len, &res) == 0) {
        for (size_t idx = 0; idx < rows && idx < len; ++idx) out[idx] = res[idx];
      }
    }
    XGDMatrixFree(dm);
    return out;
  }

  std::unique_ptr<Booster> booster_;
  mutable std::mutex mu_;
  int rounds_ = 0;
  int n_features_ = 0;
  int nthread_ = 1;
  uint64_t seed_ = 42;
  double base_score_ = 0;
  double validation_rmse_ = kNaN;
};

}  // namespace

std::unique_ptr<Model> MakeGbdtModel() { return std::make_unique<GbdtModel>(); }

}  // namespace rc::ml::internal
