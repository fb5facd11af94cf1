// The k-NN estimators on the device: one thread per query runs the sorted sweep of sweep.hpp, with up to
// kMaxNeighbors neighbours kept in its own memory. Spaces are sorted once with thrust; surrogates of a
// permutation test get their own copies of the spaces that hold Y, many per launch.
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <algorithm>
#include <cmath>

#include "core/cancel.hpp"
#include "core/local_values.hpp"
#include "core/rules.hpp"
#include "cuda/common.cuh"
#include "cuda/sweep.hpp"

namespace infoscope::cuda {

namespace {

// Samples sorted by one column: order[p] is the sample at position p, rank[i] the position of sample i, and
// coords the columns [first, first + cols) of the samples in that order.
struct Sorted {
  DeviceArray<std::uint32_t> order, rank;
  DeviceArray<double> coords;
  std::size_t cols = 0;
};

__global__ void column_kernel(const double* data, std::size_t n, std::size_t stride, std::size_t col, double* out) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = data[i * stride + col];
}

__global__ void rank_kernel(const std::uint32_t* order, std::size_t n, std::uint32_t* rank) {
  const std::size_t p = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (p < n) rank[order[p]] = static_cast<std::uint32_t>(p);
}

// out[p, c] = data[order[p], first + c].
__global__ void rows_kernel(const double* data, std::size_t n, std::size_t stride, const std::uint32_t* order,
                            std::size_t first, std::size_t cols, double* out) {
  const std::size_t at = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (at >= n * cols) return;
  const std::size_t p = at / cols, c = at % cols;
  out[at] = data[order[p] * stride + first + c];
}

Sorted sort_by_column(const double* data, std::size_t n, std::size_t stride, std::size_t key, std::size_t first,
                      std::size_t cols) {
  Sorted s{DeviceArray<std::uint32_t>(n), DeviceArray<std::uint32_t>(n), DeviceArray<double>(n * cols), cols};
  DeviceArray<double> keys(n);
  column_kernel<<<blocks_for(n), kThreads>>>(data, n, stride, key, keys.get());
  INFOSCOPE_CUDA_LAUNCHED("column_kernel");
  thrust::device_ptr<std::uint32_t> order(s.order.get());
  thrust::sequence(thrust::device, order, order + n);
  thrust::device_ptr<double> k(keys.get());
  thrust::stable_sort_by_key(thrust::device, k, k + n, order);
  rank_kernel<<<blocks_for(n), kThreads>>>(s.order.get(), n, s.rank.get());
  INFOSCOPE_CUDA_LAUNCHED("rank_kernel");
  rows_kernel<<<blocks_for(n * cols), kThreads>>>(data, n, stride, s.order.get(), first, cols, s.coords.get());
  INFOSCOPE_CUDA_LAUNCHED("rows_kernel");
  return s;
}

// Sum of each row of a count x n array, divided by n, by one block per row in a fixed order (deterministic).
__global__ void row_means_kernel(const double* values, std::size_t n, double* means) {
  const double* row = values + blockIdx.x * n;
  double sum = 0.0;
  for (std::size_t i = threadIdx.x; i < n; i += blockDim.x) sum += row[i];
  sum = block_sum(sum);
  if (threadIdx.x == 0) means[blockIdx.x] = sum / static_cast<double>(n);
}

// The spaces of one batch of (surrogate) estimates and what a thread needs to compute its local value.
struct CmiArgs {
  std::size_t n, dx, dz, dy, k, n_starts, theiler;
  const std::uint64_t* starts;
  const double* data;              // the unpermuted rows, original order
  const std::uint32_t* joint_row;  // the joint (and XZ) space's order, by column 0
  const double* joint;             // batch copies of the joint space, n * (dx + dz + dy) apart
  const std::uint32_t* zy_row;     // the ZY (and Z) space's order, by column dx
  const std::uint32_t* zy_rank;
  const double* zy;                // its copies, n * (dz + dy) apart; one shared copy when zy_copies is false
  bool zy_copies;
  const std::uint32_t* perms;      // batch x n, or null: Y as it is
  double psi_k, psi_n;
  double* local;                   // batch x n
  std::size_t first = 0;           // the launch's first query position
};

template <std::size_t Capacity>
__global__ void cmi_kernel(CmiArgs a) {
  const std::size_t t = a.first + blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (t >= a.n) return;
  const std::size_t s = blockIdx.y;
  const std::size_t stride = a.dx + a.dz + a.dy, zy_stride = a.dz + a.dy;
  const std::size_t i = a.joint_row[t];
  const sweep::Excluded excluded = sweep::excluded_rows(a.starts, a.n_starts, a.theiler, i);
  const sweep::Space joint{a.joint + s * a.n * stride, a.joint_row, a.n, stride, stride};
  Neighbor nb[Capacity];
  KBest best(a.k, Ties::Any, nb);
  sweep::knn<Metric::Chebyshev>(joint, t, excluded, best);
  const double eps = best.worst();
  const sweep::Space xz{joint.coords, a.joint_row, a.n, a.dx + a.dz, stride};
  const std::size_t n_xz = sweep::count(xz, t, eps, true, excluded);
  const sweep::Space zy{a.zy + (a.zy_copies ? s * a.n * zy_stride : 0), a.zy_row, a.n, zy_stride, zy_stride};
  double value;
  if (a.dz > 0) {
    const std::size_t p = a.zy_rank[i];
    const std::size_t n_zy = sweep::count(zy, p, eps, true, excluded);
    const sweep::Space z{zy.coords, a.zy_row, a.n, a.dz, zy_stride};
    value = frenzel_pompe_local(a.psi_k, n_xz, n_zy, sweep::count(z, p, eps, true, excluded));
  } else {
    const std::uint32_t* perm = a.perms ? a.perms + s * a.n : nullptr;
    value = ksg1_local(a.psi_k, a.psi_n, n_xz,
                       sweep::count_y(zy, a.zy_rank, a.data, stride, a.dx, perm, i, excluded, eps));
  }
  a.local[s * a.n + i] = value;
}

// Batch copies of the joint and ZY spaces with Y replaced: sample j takes the Y of sample perms[s, j].
__global__ void permute_kernel(const double* data, std::size_t n, std::size_t dx, std::size_t dz, std::size_t dy,
                               const std::uint32_t* perms, const std::uint32_t* joint_row, const double* joint,
                               const std::uint32_t* zy_row, const double* zy, double* joint_out, double* zy_out) {
  const std::size_t p = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (p >= n) return;
  const std::size_t s = blockIdx.y;
  const std::size_t stride = dx + dz + dy, zy_stride = dz + dy, y0 = dx + dz;
  const std::uint32_t* perm = perms + s * n;
  double* jo = joint_out + (s * n + p) * stride;
  const double* src = data + perm[joint_row[p]] * stride + y0;
  for (std::size_t c = 0; c < y0; ++c) jo[c] = joint[p * stride + c];
  for (std::size_t c = 0; c < dy; ++c) jo[y0 + c] = src[c];
  if (!zy_out) return;
  double* zo = zy_out + (s * n + p) * zy_stride;
  const double* zsrc = data + perm[zy_row[p]] * stride + y0;
  for (std::size_t c = 0; c < dz; ++c) zo[c] = zy[p * zy_stride + c];
  for (std::size_t c = 0; c < dy; ++c) zo[dz + c] = zsrc[c];
}

// Queries per launch. Kernels over all queries run as launches of this many (a full wave of an H100-class GPU)
// with Ctrl-C checked between them (core/cancel.hpp), so that a long call stops within one launch.
constexpr std::size_t kQueriesPerLaunch = std::size_t{1} << 18;

// Calls launch(first, count) for consecutive ranges of at most `per_launch` of the n query positions, waiting
// for each launch and checking for cancellation before the next.
template <class Launch>
void in_launches(std::size_t n, Launch&& launch, std::size_t per_launch = kQueriesPerLaunch) {
  for (std::size_t first = 0; first < n; first += per_launch) {
    check_cancelled();
    launch(first, std::min(per_launch, n - first));
    if (first + per_launch < n) INFOSCOPE_CUDA_CHECK(cudaDeviceSynchronize());
  }
}

// The kernels index samples with 32-bit positions.
void check_size(std::size_t n) {
  if (n >= (std::size_t{1} << 32)) throw std::invalid_argument("the CUDA kernels take fewer than 2^32 samples");
}

// The rules of every estimate (core/rules.hpp), then this backend's own limit.
void check_k(std::size_t n, std::size_t k) {
  check_size(n);
  rules::check_k(n, k);
  if (k > kMaxNeighbors) {
    throw std::invalid_argument("the CUDA kernels keep at most " + std::to_string(kMaxNeighbors) +
                                " neighbours per sample; got k=" + std::to_string(k) + " (use device='cpu')");
  }
}

// Runs launch(capacity tag) with the smallest per-thread neighbour capacity that holds k.
template <class Launch>
void with_capacity(std::size_t k, Launch&& launch) {
  if (k <= 16) {
    launch(std::integral_constant<std::size_t, 16>{});
  } else {
    launch(std::integral_constant<std::size_t, kMaxNeighbors>{});
  }
}

std::size_t free_memory() {
  std::size_t free = 0, total = 0;
  INFOSCOPE_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return free;
}

}  // namespace

struct KsgConditionalMI::Impl {
  Matrix data;
  std::size_t n, dx, dz, dy, k, theiler;
  DeviceArray<std::uint64_t> starts;
  Sorted joint, zy;

  CmiArgs args(const double* joint_coords, const double* zy_coords, bool zy_copies, const std::uint32_t* perms,
               double* local) const {
    return CmiArgs{n, dx, dz, dy, k, starts.n, theiler, starts.get(), data.data(), joint.order.get(), joint_coords,
                   zy.order.get(), zy.rank.get(), zy_coords, zy_copies, perms,
                   psi(k), psi(n), local};
  }

  void run(CmiArgs a, std::size_t batch) const {
    in_launches(n, [&](std::size_t first, std::size_t count) {
      a.first = first;
      const dim3 grid(blocks_for(count), static_cast<unsigned>(batch));
      with_capacity(k, [&](auto capacity) {
        cmi_kernel<decltype(capacity)::value><<<grid, kThreads>>>(a);
        INFOSCOPE_CUDA_LAUNCHED("cmi_kernel");
      });
    });
  }
};

KsgConditionalMI::KsgConditionalMI(Matrix data, std::size_t dx, std::size_t dz, std::size_t dy, std::size_t k,
                                   TimeWindow window) {
  const std::size_t n = data.rows;
  rules::check_columns(dx, dy);
  if (data.cols != dx + dz + dy) throw std::invalid_argument("dx, dz and dy must add up to the columns of data");
  check_k(n, k);
  rules::check_window(window, n, k);
  std::vector<std::uint64_t> trial_starts(window.trial_starts.begin(), window.trial_starts.end());
  if (trial_starts.empty()) trial_starts = {0, n};
  const std::size_t theiler = window.theiler;
  DeviceGuard guard(data.device);
  const double* d = data.data();
  const std::size_t stride = dx + dz + dy;
  impl_.reset(new Impl{std::move(data), n, dx, dz, dy, k, theiler, DeviceArray<std::uint64_t>(trial_starts),
                       sort_by_column(d, n, stride, 0, 0, stride), sort_by_column(d, n, stride, dx, dx, dz + dy)});
}

KsgConditionalMI::~KsgConditionalMI() = default;

std::size_t KsgConditionalMI::size() const { return impl_->n; }

void KsgConditionalMI::locals(double* host_local) const {
  const Impl& m = *impl_;
  DeviceGuard guard(m.data.device);
  DeviceArray<double> local(m.n);
  m.run(m.args(m.joint.coords.get(), m.zy.coords.get(), false, nullptr, local.get()), 1);
  local.to_host(host_local);
}

std::size_t KsgConditionalMI::surrogate_batch() const { return 256; }

void KsgConditionalMI::surrogates(const std::uint32_t* host_perms, std::size_t count, double* host_estimates) const {
  const Impl& m = *impl_;
  const std::size_t n = m.n;
  rules::check_permutations(host_perms, count, n);
  DeviceGuard guard(m.data.device);
  const std::size_t stride = m.dx + m.dz + m.dy, zy_stride = m.dz > 0 ? m.dz + m.dy : 0;
  // Per surrogate: its joint and ZY copies, its permutation and its local values. A batch takes at most half
  // the free memory, so that large problems run in several launches instead of failing.
  const std::size_t per_surrogate = n * ((stride + zy_stride + 1) * sizeof(double) + sizeof(std::uint32_t));
  const std::size_t batch = std::max<std::size_t>(1, std::min<std::size_t>({count, 65535, free_memory() / 2 / per_surrogate}));
  DeviceArray<double> joint(batch * n * stride), zy(batch * n * zy_stride), local(batch * n), means(batch);
  DeviceArray<std::uint32_t> perms(batch * n);
  for (std::size_t begin = 0; begin < count; begin += batch) {
    const std::size_t b = std::min(batch, count - begin);
    INFOSCOPE_CUDA_CHECK(cudaMemcpy(perms.get(), host_perms + begin * n, b * n * sizeof(std::uint32_t),
                                    cudaMemcpyHostToDevice));
    const dim3 grid(blocks_for(n), static_cast<unsigned>(b));
    permute_kernel<<<grid, kThreads>>>(m.data.data(), n, m.dx, m.dz, m.dy, perms.get(), m.joint.order.get(),
                                       m.joint.coords.get(), m.zy.order.get(), m.zy.coords.get(), joint.get(),
                                       m.dz > 0 ? zy.get() : nullptr);
    INFOSCOPE_CUDA_LAUNCHED("permute_kernel");
    const bool zy_copies = m.dz > 0;
    m.run(m.args(joint.get(), zy_copies ? zy.get() : m.zy.coords.get(), zy_copies, perms.get(), local.get()), b);
    row_means_kernel<<<static_cast<unsigned>(b), kThreads>>>(local.get(), n, means.get());
    INFOSCOPE_CUDA_LAUNCHED("row_means_kernel");
    INFOSCOPE_CUDA_CHECK(cudaMemcpy(host_estimates + begin, means.get(), b * sizeof(double), cudaMemcpyDeviceToHost));
  }
}

namespace {

struct Ksg2Args {
  std::size_t n, dx, dy, k;
  const double* data;  // original order
  const std::uint32_t* joint_row;
  const double* joint;
  const std::uint32_t* y_row;
  const std::uint32_t* y_rank;
  const double* y;
  double psi_k2, psi_n;
  double* local;
  std::size_t first = 0;
};

template <std::size_t Capacity>
__global__ void ksg2_kernel(Ksg2Args a) {
  const std::size_t t = a.first + blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (t >= a.n) return;
  const std::size_t stride = a.dx + a.dy, i = a.joint_row[t];
  const sweep::Excluded self{i, i};
  const sweep::Space joint{a.joint, a.joint_row, a.n, stride, stride};
  Neighbor nb[Capacity];
  KBest best(a.k, Ties::ByIndex, nb);  // which points are the neighbours matters: lowest indices among ties
  sweep::knn<Metric::Chebyshev>(joint, t, self, best);
  const double* row = a.data + i * stride;
  double eps_x = 0.0, eps_y = 0.0;
  for (std::size_t j = 0; j < a.k; ++j) {
    const double* other = a.data + nb[j].index * stride;
    eps_x = fmax(eps_x, chebyshev(row, other, a.dx));
    eps_y = fmax(eps_y, chebyshev(row + a.dx, other + a.dx, a.dy));
  }
  const sweep::Space x{a.joint, a.joint_row, a.n, a.dx, stride};
  const sweep::Space y{a.y, a.y_row, a.n, a.dy, a.dy};
  a.local[i] = ksg2_local(a.psi_k2, a.psi_n, sweep::count(x, t, eps_x, false, self),
                          sweep::count(y, a.y_rank[i], eps_y, false, self));
}

struct KlArgs {
  std::size_t n, d, k;
  const std::uint32_t* row;
  const double* coords;
  const double* w;
  double constant;
  double* local;
  std::size_t first = 0;
};

template <std::size_t Capacity, Metric M>
__global__ void kl_kernel(KlArgs a) {
  const std::size_t t = a.first + blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (t >= a.n) return;
  const std::size_t i = a.row[t];
  const sweep::Space space{a.coords, a.row, a.n, a.d, a.d};
  Neighbor nb[Capacity];
  KBest best(a.k, Ties::Any, nb);
  sweep::knn<M>(space, t, sweep::Excluded{i, i}, best);
  if (M == Metric::Euclidean) {
    for (std::size_t j = 0; j < a.k; ++j) nb[j].dist = sqrt(nb[j].dist);
  }
  a.local[i] = kl_local(a.constant, a.w, a.k, static_cast<double>(a.d), nb);
}

__global__ void kernel_density_kernel(const double* x, std::size_t n, std::size_t d, double scale, double* out,
                                      std::size_t first) {
  const std::size_t i = first + blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = gaussian_kernel_log_mean_row(x, n, d, i, scale);
}

}  // namespace

void ksg2_locals(const Matrix& data, std::size_t dx, std::size_t k, double* host_local) {
  const std::size_t n = data.rows, dy = data.cols - dx;
  rules::check_columns(dx, dx < data.cols ? dy : 0);
  check_k(n, k);
  DeviceGuard guard(data.device);
  const Sorted joint = sort_by_column(data.data(), n, data.cols, 0, 0, data.cols);
  const Sorted y = sort_by_column(data.data(), n, data.cols, dx, dx, dy);
  DeviceArray<double> local(n);
  Ksg2Args a{n, dx, dy, k, data.data(), joint.order.get(), joint.coords.get(), y.order.get(), y.rank.get(),
             y.coords.get(), psi(k) - 1.0 / static_cast<double>(k), psi(n), local.get()};
  in_launches(n, [&](std::size_t first, std::size_t count) {
    a.first = first;
    with_capacity(k, [&](auto capacity) {
      ksg2_kernel<decltype(capacity)::value><<<blocks_for(count), kThreads>>>(a);
      INFOSCOPE_CUDA_LAUNCHED("ksg2_kernel");
    });
  });
  local.to_host(host_local);
}

void kl_locals(const Matrix& data, std::size_t k, Metric metric, const std::vector<double>& w, double* host_local) {
  const std::size_t n = data.rows;
  check_k(n, k);
  const std::vector<double> weights = kl_weights(w, k);
  DeviceGuard guard(data.device);
  const Sorted space = sort_by_column(data.data(), n, data.cols, 0, 0, data.cols);
  const DeviceArray<double> d_w(weights);
  DeviceArray<double> local(n);
  KlArgs a{n, data.cols, k, space.order.get(), space.coords.get(), d_w.get(),
           kl_constant(weights, n, data.cols, metric), local.get()};
  in_launches(n, [&](std::size_t first, std::size_t count) {
    a.first = first;
    with_capacity(k, [&](auto capacity) {
      constexpr std::size_t c = decltype(capacity)::value;
      if (metric == Metric::Chebyshev) {
        kl_kernel<c, Metric::Chebyshev><<<blocks_for(count), kThreads>>>(a);
      } else {
        kl_kernel<c, Metric::Euclidean><<<blocks_for(count), kThreads>>>(a);
      }
      INFOSCOPE_CUDA_LAUNCHED("kl_kernel");
    });
  });
  local.to_host(host_local);
}

void gaussian_kernel_log_mean(const Matrix& x, double h, double* host_out) {
  rules::check_kernel_variance(h);
  check_size(x.rows);
  DeviceGuard guard(x.device);
  DeviceArray<double> out(x.rows);
  // A query costs n d kernel terms: about 2^36 of them per launch (well under a second on an H100).
  const std::size_t per_launch = std::max<std::size_t>(kThreads, (std::size_t{1} << 36) / std::max<std::size_t>(1, x.rows * x.cols));
  in_launches(x.rows, [&](std::size_t first, std::size_t count) {
    kernel_density_kernel<<<blocks_for(count), kThreads>>>(x.data(), x.rows, x.cols, -0.5 / h, out.get(), first);
    INFOSCOPE_CUDA_LAUNCHED("kernel_density_kernel");
  }, per_launch);
  out.to_host(host_out);
}

}  // namespace infoscope::cuda
