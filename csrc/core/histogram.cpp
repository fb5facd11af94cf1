#include "core/histogram.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/binning_codes.hpp"
#include "core/parallel.hpp"
#include "core/rules.hpp"
#include "core/special.hpp"

namespace infoscope {

namespace {

// Rows are cheap (a few columns) or streamed (a wide layer); chunks of rows keep threads busy either way.
constexpr std::size_t kRowChunk = 1024;

}  // namespace

KeyMultipliers key_multipliers(const std::vector<std::uint64_t>& count) {
  KeyMultipliers m;
  m.lo.resize(count.size());
  m.hi.assign(count.size(), 0);
  for (std::size_t j = 0; j < count.size(); ++j) {
    m.lo[j] = m.space;
    const std::uint64_t c = std::max<std::uint64_t>(1, count[j]);
    if (m.space > std::numeric_limits<std::uint64_t>::max() / c) {
      m.exact = false;
      break;
    }
    m.space *= c;
  }
  if (!m.exact) {
    std::mt19937_64 rng(0x1f05c0de5eedULL);
    for (std::size_t j = 0; j < count.size(); ++j) {
      m.lo[j] = rng() | 1;
      m.hi[j] = rng() | 1;
    }
  }
  return m;
}

// Small exact key spaces index a table directly; others go through a hash map.
Symbols number_keys(const std::vector<Key>& keys, const KeyMultipliers& m) {
  Symbols s;
  s.ids.resize(keys.size());
  constexpr std::uint32_t kUnseen = std::numeric_limits<std::uint32_t>::max();
  if (m.exact && m.space <= std::max<std::uint64_t>(4 * keys.size(), 1 << 16)) {
    std::vector<std::uint32_t> table(m.space, kUnseen);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::uint32_t& id = table[keys[i].lo];
      if (id == kUnseen) id = static_cast<std::uint32_t>(s.n_symbols++);
      s.ids[i] = id;
    }
    return s;
  }
  // Open addressing with linear probing, at most half full.
  std::size_t capacity = 1;
  while (capacity < 2 * keys.size()) capacity *= 2;
  std::vector<Key> slot_key(capacity);
  std::vector<std::uint32_t> slot_id(capacity, kUnseen);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Key& key = keys[i];
    // Exact keys are structured (mixed radix): mix them before taking the low bits.
    std::uint64_t h = (key.lo ^ (key.hi * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
    std::size_t slot = static_cast<std::size_t>(h ^ (h >> 29)) & (capacity - 1);
    while (slot_id[slot] != kUnseen && !(slot_key[slot] == key)) slot = (slot + 1) & (capacity - 1);
    if (slot_id[slot] == kUnseen) {
      slot_key[slot] = key;
      slot_id[slot] = static_cast<std::uint32_t>(s.n_symbols++);
    }
    s.ids[i] = slot_id[slot];
  }
  return s;
}

namespace {

// What a pass over the rows found wrong, reported after the pass.
struct Problems {
  std::atomic<bool> nonfinite{false}, outside{false};
};

// A Uniform binning's columns as its key loop reads them, codes computed in Int: int64 in general, int32 where the
// codes fit it before and after the shift (the usual case: tens of bins, no shift). Without AVX-512, double ->
// int64 conversions and 64-bit products do not vectorise, while double -> int32 conversions and 32 x 32 -> 64-bit
// products do; with int32 codes, c * m mod 2^64 is taken as c * m_low + (c * m_high mod 2^32) * 2^32.
template <class Int>
struct UniformColumns {
  std::vector<Int> shift, top;
  std::vector<std::uint32_t> lo_low, lo_high, hi_low, hi_high;  // the key multipliers' 32-bit halves (int32 codes)

  // None when Int is int32 and some column's codes do not fit it.
  static std::optional<UniformColumns> of(const BinningView& b, std::size_t d) {
    constexpr bool narrow = sizeof(Int) == 4;
    constexpr double kLimit = 1 << 30;  // scaled values and shifts well inside int32
    UniformColumns c;
    for (std::size_t j = 0; j < d; ++j) {
      const double low = (b.lo[j] - b.origin[j]) * b.scale[j], high = (b.hi[j] - b.origin[j]) * b.scale[j];
      if (narrow && !(std::abs(low) < kLimit && std::abs(high) < kLimit && std::abs(b.shift[j]) < (1 << 30) &&
                      b.count[j] <= (std::uint64_t{1} << 30))) {
        return std::nullopt;
      }
      c.shift.push_back(static_cast<Int>(b.shift[j]));
      c.top.push_back(static_cast<Int>(b.count[j] - 1));
      if (narrow) {
        c.lo_low.push_back(static_cast<std::uint32_t>(b.mul_lo[j]));
        c.lo_high.push_back(static_cast<std::uint32_t>(b.mul_lo[j] >> 32));
        c.hi_low.push_back(static_cast<std::uint32_t>(b.mul_hi[j]));
        c.hi_high.push_back(static_cast<std::uint32_t>(b.mul_hi[j] >> 32));
      }
    }
    return c;
  }
};

// Keys of rows [begin, end) under a Uniform binning: element_code's Uniform case, in a loop over columns written
// to vectorise: no branches, floor by truncation and a correction (std::floor followed by a conversion does not
// vectorise in GCC 12), and problems gathered in integer flags.
template <class T, bool Hashed, class Int>
void uniform_keys(const T* data, std::size_t d, std::size_t begin, std::size_t end, const BinningView& b,
                  const UniformColumns<Int>& columns, Key* keys, Problems& problems) {
  const std::uint64_t* mul_lo = b.mul_lo;
  const std::uint64_t* mul_hi = b.mul_hi;
  const double* lo = b.lo;
  const double* hi = b.hi;
  const double* origin = b.origin;
  const double* scale = b.scale;
  const Int* shift = columns.shift.data();
  const Int* top = columns.top.data();
  const std::uint32_t* lo_low = columns.lo_low.data();
  const std::uint32_t* lo_high = columns.lo_high.data();
  const std::uint32_t* hi_low = columns.hi_low.data();
  const std::uint32_t* hi_high = columns.hi_high.data();
  Int nonfinite = 0, outside = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const T* row = data + i * d;
    std::uint64_t key_lo = 0, key_hi = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const double v = static_cast<double>(row[j]);
      nonfinite |= static_cast<Int>(is_nonfinite(v));
      outside |= static_cast<Int>(is_outside(v, lo[j], hi[j]));
      const Int code = uniform_code(v, lo[j], hi[j], origin[j], scale[j], shift[j], top[j]);
      if constexpr (sizeof(Int) == 4) {
        const std::uint32_t c = static_cast<std::uint32_t>(code);
        key_lo += static_cast<std::uint64_t>(c) * lo_low[j] + (static_cast<std::uint64_t>(c * lo_high[j]) << 32);
        if constexpr (Hashed) {
          key_hi += static_cast<std::uint64_t>(c) * hi_low[j] + (static_cast<std::uint64_t>(c * hi_high[j]) << 32);
        }
      } else {
        key_lo += static_cast<std::uint64_t>(code) * mul_lo[j];
        if constexpr (Hashed) key_hi += static_cast<std::uint64_t>(code) * mul_hi[j];
      }
    }
    keys[i] = {key_lo, key_hi};
  }
  if (nonfinite) problems.nonfinite = true;
  if (outside) problems.outside = true;
}

// Keys of rows [begin, end) from element_code, folded as the CUDA kernel folds them (mul_hi is zero for exact
// keys): the general loop, for the rules that do not vectorise (Edges, and Symbols with T = int64_t).
template <class T>
void element_keys(const T* data, std::size_t d, std::size_t begin, std::size_t end, const BinningView& b, Key* keys,
                  Problems& problems) {
  using Value = std::conditional_t<std::is_integral_v<T>, std::int64_t, double>;
  bool nonfinite = false, outside = false;
  for (std::size_t i = begin; i < end; ++i) {
    std::uint64_t key_lo = 0, key_hi = 0;
    for (std::size_t j = 0; j < d; ++j) {
      const ElementCode c = element_code(b, j, static_cast<Value>(data[i * d + j]));
      nonfinite |= c.nonfinite;
      outside |= c.outside;
      key_lo += c.code * b.mul_lo[j];
      key_hi += c.code * b.mul_hi[j];
    }
    keys[i] = {key_lo, key_hi};
  }
  if (nonfinite) problems.nonfinite = true;
  if (outside) problems.outside = true;  // Symbols: the caller's shift and count do not describe the data
}

// The keys of n rows under a checked binning (check_binning, its rule matching T), spread over the threads.
template <class T>
void fill_keys(const T* data, std::size_t n, std::size_t d, const Binning& binning, const KeyMultipliers& m,
               int workers, Key* keys, Problems& problems) {
  const FlatBinning flat = flat_binning(binning, m);
  const BinningView view = flat.view();
  // Uniform bins: the columns in int32 where their codes fit it, else in int64.
  std::optional<UniformColumns<std::int32_t>> narrow;
  std::optional<UniformColumns<std::int64_t>> wide;
  if (binning.rule == Binning::Rule::Uniform && !(narrow = UniformColumns<std::int32_t>::of(view, d))) {
    wide = UniformColumns<std::int64_t>::of(view, d);
  }
  parallel_for(n, workers, kRowChunk, kRowChunk * 8, [&](std::size_t begin, std::size_t end) {
    if constexpr (std::is_floating_point_v<T>) {
      auto run = [&](const auto& columns) {
        if (m.exact) {
          uniform_keys<T, false>(data, d, begin, end, view, columns, keys, problems);
        } else {
          uniform_keys<T, true>(data, d, begin, end, view, columns, keys, problems);
        }
      };
      if (narrow) return run(*narrow);
      if (wide) return run(*wide);
    }
    element_keys(data, d, begin, end, view, keys, problems);
  });
}

}  // namespace

void check_binning(const Binning& b, std::size_t d) {
  auto need = [&](std::size_t size, const char* what) {
    if (size != d) throw std::invalid_argument(std::string("binning: ") + what + " needs one entry per column");
  };
  need(b.count.size(), "count");
  for (std::uint64_t c : b.count) {
    if (c < 1) throw std::invalid_argument("binning: every column needs at least one code");
  }
  if (b.rule == Binning::Rule::Uniform) {
    need(b.lo.size(), "lo");
    need(b.hi.size(), "hi");
    need(b.origin.size(), "origin");
    need(b.scale.size(), "scale");
    need(b.shift.size(), "shift");
    constexpr double kMaxCode = 4.6e18;  // below 2^62: scaled values convert to int64 safely
    for (std::size_t j = 0; j < d; ++j) {
      const double low = (b.lo[j] - b.origin[j]) * b.scale[j], high = (b.hi[j] - b.origin[j]) * b.scale[j];
      if (!(b.lo[j] <= b.hi[j]) || !(std::abs(low) <= kMaxCode && std::abs(high) <= kMaxCode) ||
          b.count[j] > (std::uint64_t{1} << 62)) {
        throw std::invalid_argument("binning: bad uniform bins for column " + std::to_string(j));
      }
    }
  } else if (b.rule == Binning::Rule::Edges) {
    need(b.edges.size(), "edges");
    for (std::size_t j = 0; j < d; ++j) {
      if (!std::is_sorted(b.edges[j].begin(), b.edges[j].end()) || b.count[j] != b.edges[j].size() + 1) {
        throw std::invalid_argument("binning: edges of column " + std::to_string(j) + " must be sorted");
      }
    }
  } else {
    need(b.shift.size(), "shift");
  }
}


template <class T>
Symbols row_symbols(const T* data, std::size_t n, std::size_t d, const Binning& binning, int workers) {
  if (n == 0 || d == 0) throw std::invalid_argument("row_symbols: no data");
  if (n >= std::numeric_limits<std::uint32_t>::max()) throw std::invalid_argument("row_symbols: too many rows");
  check_binning(binning, d);
  if constexpr (std::is_integral_v<T>) {
    if (binning.rule != Binning::Rule::Symbols) throw std::invalid_argument("row_symbols: integer data are symbols");
  } else {
    if (binning.rule == Binning::Rule::Symbols) throw std::invalid_argument("row_symbols: float data must be binned");
  }
  const KeyMultipliers m = key_multipliers(binning.count);
  std::vector<Key> keys(n);
  Problems problems;
  fill_keys(data, n, d, binning, m, workers, keys.data(), problems);
  check_key_problems(binning, problems.nonfinite, problems.outside);
  return number_keys(keys, m);
}

template <class T>
void row_keys(const T* data, std::size_t n, std::size_t d, const Binning& binning, const KeyMultipliers& m,
              int workers, Key* keys, bool* nonfinite, bool* outside) {
  check_binning(binning, d);
  if ((binning.rule == Binning::Rule::Symbols) != std::is_integral_v<T>) {
    throw std::invalid_argument("row_keys: integer data are symbols, float data are binned");
  }
  Problems problems;
  fill_keys(data, n, d, binning, m, workers, keys, problems);
  *nonfinite = problems.nonfinite;
  *outside = problems.outside;
}

void check_key_problems(const Binning& binning, bool nonfinite, bool outside) {
  if (nonfinite) throw std::invalid_argument("must be finite; check for nan or inf values");
  if (outside && binning.rule == Binning::Rule::Symbols) {
    throw std::invalid_argument("has symbols outside [shift, shift + count) of the binning");
  }
  if (outside && !binning.clip) {
    throw std::invalid_argument("has values outside the binning range; widen range= or pass out_of_range=\"clip\"");
  }
}

template <class T>
void element_codes(const T* data, std::size_t n, std::size_t d, const Binning& binning, int workers,
                   std::int64_t* codes) {
  check_binning(binning, d);
  if ((binning.rule == Binning::Rule::Symbols) != std::is_integral_v<T>) {
    throw std::invalid_argument("integer data are symbols, float data are binned");
  }
  const FlatBinning flat = flat_binning(binning, key_multipliers(binning.count));
  const BinningView view = flat.view();
  Problems problems;
  parallel_for(n, workers, 4096, 16384, [&](std::size_t begin, std::size_t end) {
    bool nonfinite = false, outside = false;
    for (std::size_t i = begin; i < end; ++i) {
      for (std::size_t j = 0; j < d; ++j) {
        using Value = std::conditional_t<std::is_integral_v<T>, std::int64_t, double>;
        const ElementCode c = element_code(view, j, static_cast<Value>(data[i * d + j]));
        codes[i * d + j] = static_cast<std::int64_t>(c.code);
        nonfinite |= c.nonfinite;
        outside |= c.outside;
      }
    }
    if (nonfinite) problems.nonfinite = true;
    if (outside) problems.outside = true;
  });
  check_key_problems(binning, problems.nonfinite, problems.outside);
}

template void element_codes<float>(const float*, std::size_t, std::size_t, const Binning&, int, std::int64_t*);
template void element_codes<double>(const double*, std::size_t, std::size_t, const Binning&, int, std::int64_t*);
template void element_codes<std::int64_t>(const std::int64_t*, std::size_t, std::size_t, const Binning&, int,
                                          std::int64_t*);
template Symbols row_symbols<float>(const float*, std::size_t, std::size_t, const Binning&, int);
template Symbols row_symbols<double>(const double*, std::size_t, std::size_t, const Binning&, int);
template Symbols row_symbols<std::int64_t>(const std::int64_t*, std::size_t, std::size_t, const Binning&, int);
template void row_keys<float>(const float*, std::size_t, std::size_t, const Binning&, const KeyMultipliers&, int,
                              Key*, bool*, bool*);
template void row_keys<double>(const double*, std::size_t, std::size_t, const Binning&, const KeyMultipliers&, int,
                               Key*, bool*, bool*);
template void row_keys<std::int64_t>(const std::int64_t*, std::size_t, std::size_t, const Binning&,
                                     const KeyMultipliers&, int, Key*, bool*, bool*);

Symbols pair_symbols(const Symbols& a, const Symbols& b) {
  if (a.ids.size() != b.ids.size()) throw std::invalid_argument("pair_symbols: different numbers of samples");
  // All samples distinct on one side (a wide layer usually is): the pairs are numbered as that side is.
  if (a.n_symbols == a.ids.size()) return a;
  if (b.n_symbols == b.ids.size()) return b;
  const KeyMultipliers m = key_multipliers({a.n_symbols, b.n_symbols});
  std::vector<Key> keys(a.ids.size());
  for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = {a.ids[i] + b.ids[i] * m.lo[1], 0};
  return number_keys(keys, m);
}

Correction correction_from_name(const std::string& name) {
  if (name == "plugin") return Correction::PlugIn;
  if (name == "miller_madow") return Correction::MillerMadow;
  if (name == "jackknife") return Correction::Jackknife;
  if (name == "grassberger") return Correction::Grassberger;
  throw std::invalid_argument("unknown correction '" + name + "'");
}

void symbol_entropy(const Symbols& s, Correction correction, double* local) {
  const std::size_t n = s.ids.size();
  if (n == 0) throw std::invalid_argument("symbol_entropy: no samples");
  std::vector<std::size_t> counts(s.n_symbols, 0);
  for (std::uint32_t id : s.ids) ++counts[id];
  const double log_n = std::log(static_cast<double>(n));
  // The local value of a sample depends only on its symbol's count.
  std::vector<double> per_symbol(s.n_symbols);
  switch (correction) {
    case Correction::PlugIn:
    case Correction::MillerMadow: {
      const double mm = correction == Correction::MillerMadow
                            ? static_cast<double>(s.n_symbols - 1) / (2.0 * static_cast<double>(n))
                            : 0.0;
      for (std::size_t c = 0; c < s.n_symbols; ++c) per_symbol[c] = log_n - std::log(static_cast<double>(counts[c])) + mm;
      break;
    }
    case Correction::Jackknife: {
      // Leaving out one sample of a symbol with count c turns c log c into (c-1) log(c-1) in
      // H = log N - (1/N) sum_c c log c.
      if (n < 2) throw std::invalid_argument("the jackknife needs at least 2 samples");
      auto xlogx = [](double v) { return v > 0 ? v * std::log(v) : 0.0; };
      double sum = 0.0;
      for (std::size_t c : counts) sum += xlogx(static_cast<double>(c));
      const double nd = static_cast<double>(n);
      const double h = log_n - sum / nd;
      for (std::size_t c = 0; c < s.n_symbols; ++c) {
        const double cd = static_cast<double>(counts[c]);
        const double h_minus = std::log(nd - 1.0) - (sum - xlogx(cd) + xlogx(cd - 1.0)) / (nd - 1.0);
        per_symbol[c] = nd * h - (nd - 1.0) * h_minus;  // the pseudo-value
      }
      break;
    }
    case Correction::Grassberger: {
      for (std::size_t c = 0; c < s.n_symbols; ++c) {
        const double cd = static_cast<double>(counts[c]);
        const double sign = counts[c] % 2 == 0 ? 1.0 : -1.0;
        const double g = digamma(cd) + 0.5 * sign * (digamma((cd + 1.0) / 2.0) - digamma(cd / 2.0));
        per_symbol[c] = log_n - g;
      }
      break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) local[i] = per_symbol[s.ids[i]];
}

BinnedConditionalMI::BinnedConditionalMI(Symbols x, std::optional<Symbols> z, Symbols y, Correction correction,
                                         int workers)
    : y_(std::move(y)), z_(std::move(z)), correction_(correction), workers_(workers) {
  const std::size_t n = y_.ids.size();
  if (x.ids.size() != n || (z_ && z_->ids.size() != n)) {
    throw std::invalid_argument("x, y and z must have the same number of samples");
  }
  xz_ = z_ ? pair_symbols(x, *z_) : std::move(x);
  fixed_.resize(n);
  symbol_entropy(xz_, correction_, fixed_.data());
  if (z_) {
    std::vector<double> h_z(n);
    symbol_entropy(*z_, correction_, h_z.data());
    for (std::size_t i = 0; i < n; ++i) fixed_[i] -= h_z[i];
  }
}

void BinnedConditionalMI::fill(const Symbols& y, double* local) const {
  const std::size_t n = size();
  std::vector<double> h_xzy(n);
  symbol_entropy(pair_symbols(xz_, y), correction_, h_xzy.data());
  symbol_entropy(z_ ? pair_symbols(y, *z_) : y, correction_, local);  // h(y, z)
  for (std::size_t i = 0; i < n; ++i) local[i] = fixed_[i] + local[i] - h_xzy[i];
}

std::size_t BinnedConditionalMI::surrogate_batch() const {
  return std::max<std::size_t>(16, 4 * static_cast<std::size_t>(resolve_workers(workers_, ~std::size_t{0}, 1)));
}

void BinnedConditionalMI::surrogates(const std::uint32_t* perms, std::size_t count, double* estimates) const {
  const std::size_t n = size();
  rules::check_permutations(perms, count, n);
  parallel_for(count, workers_, 1, 1, [&](std::size_t begin, std::size_t end) {
    Symbols y;
    y.n_symbols = y_.n_symbols;
    y.ids.resize(n);
    std::vector<double> local(n);
    for (std::size_t s = begin; s < end; ++s) {
      for (std::size_t i = 0; i < n; ++i) y.ids[i] = y_.ids[perms[s * n + i]];
      fill(y, local.data());
      double sum = 0.0;
      for (double v : local) sum += v;
      estimates[s] = sum / static_cast<double>(n);
    }
  });
}

void binned_many(const std::vector<Symbols>& symbols, const std::size_t* columns, const std::size_t* bounds,
                 std::size_t count, Correction correction, int workers, double* estimates, double* local) {
  if (symbols.empty()) throw std::invalid_argument("binned_many: no columns");
  const std::size_t n = symbols.front().ids.size();
  for (const Symbols& s : symbols) {
    if (s.ids.size() != n) throw std::invalid_argument("binned_many: columns of different lengths");
  }
  rules::check_selections(columns, bounds, count, symbols.size());
  // The joint symbol of columns [first, last): only the partition of the samples matters, not the numbering.
  auto joint = [&](std::size_t first, std::size_t last) {
    Symbols s = symbols[columns[first]];
    for (std::size_t c = first + 1; c < last; ++c) s = pair_symbols(s, symbols[columns[c]]);
    return s;
  };
  parallel_for(count, workers, 1, 1, [&](std::size_t begin, std::size_t end) {
    std::vector<double> values(n);
    for (std::size_t e = begin; e < end; ++e) {
      const std::size_t* b = bounds + 4 * e;
      std::optional<Symbols> z;
      if (b[2] > b[1]) z = joint(b[1], b[2]);
      const BinnedConditionalMI problem(joint(b[0], b[1]), std::move(z), joint(b[2], b[3]), correction, 1);
      double* out = local ? local + e * n : values.data();
      problem.locals(out);
      double sum = 0.0;
      for (std::size_t i = 0; i < n; ++i) sum += out[i];
      estimates[e] = sum / static_cast<double>(n);
    }
  });
}

namespace {

void check_series(const SymbolSeries& s, const char* what) {
  if (s.count == 0 || s.levels == 0) throw std::invalid_argument(std::string(what) + ": no series or no levels");
  for (std::size_t i = 0; i < s.length * s.count; ++i) {
    if (s.codes[i] < 0 || static_cast<std::uint64_t>(s.codes[i]) >= s.levels) {
      throw std::invalid_argument(std::string(what) + ": codes must lie in [0, levels)");
    }
  }
}

}  // namespace

void windowed_transfer_entropy(const SymbolSeries& sources, const SymbolSeries& targets, const std::uint32_t* pairs,
                               std::size_t n_pairs, std::size_t window, std::size_t step,
                               const std::vector<std::size_t>& target_offsets,
                               const std::vector<std::size_t>& source_offsets, Correction correction, int workers,
                               double* te) {
  if (target_offsets.empty() || source_offsets.empty()) throw std::invalid_argument("the embedding has no past");
  for (std::size_t o : target_offsets) {
    if (o < 1) throw std::invalid_argument("the target's past lies before t: offsets must be at least 1");
  }
  for (std::size_t o : source_offsets) {
    if (o < 1) throw std::invalid_argument("the source's past lies before t: offsets must be at least 1");
  }
  if (sources.length != targets.length) throw std::invalid_argument("sources and targets must have equal lengths");
  const std::size_t first = std::max(*std::max_element(target_offsets.begin(), target_offsets.end()),
                                     *std::max_element(source_offsets.begin(), source_offsets.end()));
  if (step < 1 || window <= first + 1 || window > sources.length) {
    throw std::invalid_argument("window must exceed the embedding's history by 2 and fit in the series; step >= 1");
  }
  check_series(sources, "sources");
  check_series(targets, "targets");
  for (std::size_t p = 0; p < n_pairs; ++p) {
    if (pairs[2 * p] >= sources.count || pairs[2 * p + 1] >= targets.count) {
      throw std::invalid_argument("pairs: series index out of range");
    }
  }
  const std::size_t n_windows = (sources.length - window) / step + 1, m = window - first;
  auto binning = [&](std::size_t columns) {
    Binning b;
    b.rule = Binning::Rule::Symbols;
    b.shift.assign(columns, 0);
    b.count.assign(columns, std::max(sources.levels, targets.levels));
    return b;
  };
  const std::size_t k_hist = target_offsets.size(), l_hist = source_offsets.size();
  const Binning bx = binning(1), bz = binning(k_hist), by = binning(l_hist);
  parallel_for(n_pairs * n_windows, workers, 4, 16, [&](std::size_t begin, std::size_t end) {
    std::vector<std::int64_t> x(m), z(m * k_hist), y(m * l_hist);
    std::vector<double> local(m);
    for (std::size_t q = begin; q < end; ++q) {
      const std::size_t p = q / n_windows, start = (q % n_windows) * step;
      const std::size_t src = pairs[2 * p], tgt = pairs[2 * p + 1];
      auto target_at = [&](std::size_t t) { return targets.codes[t * targets.count + tgt]; };
      auto source_at = [&](std::size_t t) { return sources.codes[t * sources.count + src]; };
      for (std::size_t i = 0; i < m; ++i) {
        const std::size_t t = start + first + i;
        x[i] = target_at(t);
        for (std::size_t j = 0; j < k_hist; ++j) z[i * k_hist + j] = target_at(t - target_offsets[j]);
        for (std::size_t j = 0; j < l_hist; ++j) y[i * l_hist + j] = source_at(t - source_offsets[j]);
      }
      const BinnedConditionalMI cmi(row_symbols(x.data(), m, 1, bx, 1), row_symbols(z.data(), m, k_hist, bz, 1),
                                    row_symbols(y.data(), m, l_hist, by, 1), correction, 1);
      cmi.locals(local.data());
      double sum = 0.0;
      for (double v : local) sum += v;
      te[q] = sum / static_cast<double>(m);
    }
  });
}

}  // namespace infoscope
