// The k best neighbours found so far by a search, shared by the KD-tree and the grid.
#pragma once

#include <cstddef>
#include <limits>

#include "core/hd.hpp"

namespace infoscope {

struct Neighbor {
  double dist;
  std::size_t index;  // original row index
};

// How neighbours tied at the k-th distance are chosen. ByIndex keeps the lowest row indices (reproducible sets,
// needed where the identity of the neighbours matters); Any stops at the first k found, which is faster on data
// with many duplicates. The k-th distance is the same either way.
enum class Ties { ByIndex, Any };

INFOSCOPE_HD inline bool closer(const Neighbor& a, const Neighbor& b) {
  return a.dist < b.dist || (a.dist == b.dist && a.index < b.index);
}

// best[0..found) sorted by (dist, index); keeps at most k.
struct KBest {
  std::size_t k, found;
  bool by_index;
  Neighbor* best;

  INFOSCOPE_HD KBest(std::size_t k_, Ties ties, Neighbor* out) : k(k_), found(0), by_index(ties == Ties::ByIndex), best(out) {}

  INFOSCOPE_HD double worst() const { return found < k ? std::numeric_limits<double>::infinity() : best[k - 1].dist; }

  // Whether points at distance >= `bound` can no longer change the result. With ByIndex a point at exactly the
  // k-th distance can still displace a tie with a higher index.
  INFOSCOPE_HD bool settled(double bound) const { return found == k && (by_index ? bound > worst() : bound >= worst()); }

  INFOSCOPE_HD void offer(double dist, std::size_t index) {
    const Neighbor cand{dist, index};
    std::size_t pos;
    if (found < k) {
      pos = found++;
    } else if (cand.dist < best[k - 1].dist || (by_index && closer(cand, best[k - 1]))) {
      pos = k - 1;
    } else {
      return;
    }
    while (pos > 0 && closer(cand, best[pos - 1])) {
      best[pos] = best[pos - 1];
      --pos;
    }
    best[pos] = cand;
  }
};

}  // namespace infoscope
