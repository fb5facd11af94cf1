// Histogram (plug-in) estimators of discrete and binned data: rows of values become symbols, symbols become
// counts, counts become local entropies.
//
// A row of d columns is binned per column and its symbol is the tuple of its d bin codes. Tuples are never
// enumerated over all bins^d cells: each row's tuple is folded into a key, keys are numbered in order of first
// appearance, and only the distinct symbols that occur are counted. The key is exact (a mixed-radix number)
// whenever the product of the columns' code counts fits in 64 bits; wider rows (a layer of hundreds of units)
// get a 128-bit key from two independent random linear hashes, for which two distinct rows collide with
// probability about 2^-128 per pair (N = 1e7 rows: below 1e-24 overall).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/hd.hpp"
#include "core/problem.hpp"

namespace infoscope {

// How the columns of one array become integer codes in [0, count_j).
struct Binning {
  enum class Rule {
    Uniform,  // code = floor((v' - origin_j) * scale_j) - shift_j, clamped into [0, count_j), v' = v clipped to
              // [lo_j, hi_j]; a value outside [lo_j, hi_j] is an error unless clip is set
    Edges,    // code = number of edges_j <= v (sorted edges, count_j = edges + 1)
    Symbols,  // integer input: code = v - shift_j (mod 2^64)
  };
  Rule rule = Rule::Uniform;
  bool clip = false;
  std::vector<double> lo, hi, origin, scale;  // Uniform
  std::vector<std::vector<double>> edges;     // Edges
  std::vector<std::int64_t> shift;            // Uniform, Symbols
  std::vector<std::uint64_t> count;           // all rules: codes per column (an upper bound suffices;
                                              // Symbols: 2^64 - 1 stands for all 2^64 values)
};

// Dense symbols: ids[i] in [0, n_symbols), numbered by first appearance.
struct Symbols {
  std::vector<std::uint32_t> ids;
  std::size_t n_symbols = 0;
};

// What row_symbols does in steps, for callers that fold rows into keys elsewhere (the CUDA backend): the key of
// a row is sum_j code_j * lo[j] (and sum_j code_j * hi[j] when hashed), modulo 2^64.
struct Key {
  std::uint64_t lo, hi;
  bool operator==(const Key& o) const { return lo == o.lo && hi == o.hi; }
};

// Multipliers of the per-column codes: the mixed radix (exact) when the code space fits in 64 bits, else two
// sets of random odd 64-bit numbers (a 128-bit universal linear hash), drawn from a fixed seed.
struct KeyMultipliers {
  bool exact = true;
  std::uint64_t space = 1;  // number of possible exact keys
  std::vector<std::uint64_t> lo, hi;
};

KeyMultipliers key_multipliers(const std::vector<std::uint64_t>& count);

// Throws std::invalid_argument unless binning describes d columns consistently.
void check_binning(const Binning& binning, std::size_t d);

// Throws the error row_symbols reports for non-finite values or values outside the binning, if any.
void check_key_problems(const Binning& binning, bool nonfinite, bool outside);

// Numbers keys by first appearance.
Symbols number_keys(const std::vector<Key>& keys, const KeyMultipliers& m);

// Symbols of the n rows of a row-major n x d array (T = float, double or int64_t). Throws std::invalid_argument
// for non-finite values, and for values outside a Uniform range unless binning.clip.
template <class T>
Symbols row_symbols(const T* data, std::size_t n, std::size_t d, const Binning& binning, int workers);

// The symbols of the pairs (a_i, b_i).
Symbols pair_symbols(const Symbols& a, const Symbols& b);

// Bias corrections of the plug-in entropy (all in nats).
enum class Correction {
  PlugIn,       // -sum p log p
  MillerMadow,  // + (K - 1) / (2N), K occupied symbols (Miller 1955)
  Jackknife,    // N H - (N - 1) mean_i H_{-i}, leave-one-out (Zahl 1977; Efron & Stein 1981)
  Grassberger,  // log N - (1/N) sum_i G(n_i), G(n) = psi(n) + (-1)^n (psi((n+1)/2) - psi(n/2)) / 2 (Grassberger 2003)
};

Correction correction_from_name(const std::string& name);

// Local entropies of the symbols: values whose mean is the (corrected) entropy estimate. For the plug-in,
// -log(n_i / N) with n_i the count of sample i's symbol; Miller-Madow adds its constant to each; the jackknife
// gives its pseudo-values N H - (N - 1) H_{-i}; Grassberger gives log N - G(n_i).
// Writes s.ids.size() values to local.
void symbol_entropy(const Symbols& s, Correction correction, double* local);

// I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) of symbols, each entropy corrected, or I(X;Y) = H(X) + H(Y) -
// H(X,Y) without Z; prepared to be repeated with Y permuted, as a permutation test does: the X-Z and Z terms
// are computed once. Transfer entropy is this CMI on a delay embedding, with Y the source's past.
class BinnedConditionalMI final : public CmiProblem {
 public:
  // `workers` threads run the surrogates of later calls.
  BinnedConditionalMI(Symbols x, std::optional<Symbols> z, Symbols y, Correction correction, int workers);

  std::size_t size() const override { return y_.ids.size(); }

  // The local values (h_xz - h_z) + h_zy - h_xzy, whose mean is the estimate.
  void locals(double* local) const override { fill(y_, local); }

  // One surrogate per thread.
  void surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const override;
  std::size_t surrogate_batch() const override;

 private:
  void fill(const Symbols& y, double* local) const;

  Symbols xz_, y_;
  std::optional<Symbols> z_;
  Correction correction_;
  int workers_;
  std::vector<double> fixed_;  // h(x,z) - h(z) per sample
};

// Many estimates over the columns of one table of symbols (column c: symbols[c], already binned): estimate e is
// I(X;Y|Z) (I(X;Y) without Z columns) with X, Z, Y the columns columns[bounds[4e]..bounds[4e+1]),
// [bounds[4e+1]..bounds[4e+2]) and [bounds[4e+2]..bounds[4e+3]); a set of columns is one joint symbol. Each
// estimate equals that of a BinnedConditionalMI on the joint symbols; estimates are spread over the threads.
// Writes `count` estimates, and count x n local values when `local` is not null.
void binned_many(const std::vector<Symbols>& symbols, const std::size_t* columns, const std::size_t* bounds,
                 std::size_t count, Correction correction, int workers, double* estimates, double* local);

// Symbol series side by side: codes[t * count + u] in [0, levels) is series u at time t (row-major T x count, as
// a recorded layer's activations over consecutive samples are).
struct SymbolSeries {
  const std::int64_t* codes;
  std::size_t length, count;
  std::uint64_t levels;
};

// The code of every element of a row-major n x d array (T = float, double or int64_t) under binning, column j
// by column j's rule: the codes row_symbols folds into a row's key, for callers that need each column's own
// series of codes. Throws as row_symbols for non-finite values or values outside the binning.
template <class T>
void element_codes(const T* data, std::size_t n, std::size_t d, const Binning& binning, int workers,
                   std::int64_t* codes);

// Transfer entropy (Schreiber 2000) source -> target, as BinnedConditionalMI of the delay embedding, for many
// (source, target) series pairs and sliding windows at once. pairs[2p] indexes sources, pairs[2p + 1] targets.
// The embedding is given by its offsets, as the single estimator's (infoscope.estimators.transfer.DelayEmbedding)
// gives them: target_t is embedded with target_{t - o}, o in target_offsets, and source_{t - o}, o in
// source_offsets. Window w covers times [w * step, w * step + window) and is embedded on its own, exactly as
// the single-pair estimator run on that stretch: its samples are the times t with t - start >= the largest offset.
// Writes n_pairs x n_windows estimates (nats), n_windows = (length - window) / step + 1.
void windowed_transfer_entropy(const SymbolSeries& sources, const SymbolSeries& targets, const std::uint32_t* pairs,
                               std::size_t n_pairs, std::size_t window, std::size_t step,
                               const std::vector<std::size_t>& target_offsets,
                               const std::vector<std::size_t>& source_offsets, Correction correction, int workers,
                               double* te);

}  // namespace infoscope

// The per-element codes of a binning (uniform_code, ...), shared with the CUDA kernels; here, after Binning, which
// they read.
#include "core/binning_codes.hpp"
