// A caching allocator for LibTorch's CPU tensors, installed process-wide when the addon loads.
//
// Why: a forward pass allocates and frees the same large activation buffers on every call.
// Under glibc's defaults those buffers are either mmap'd and unmapped per call (every page is
// faulted in again: a 2x32 model at batch 16 measured 4-7x slower than with warm pages) or
// come from a heap that fragments as clip lengths vary, so peak RSS grows with the number of
// batches. This allocator keeps freed large blocks mapped and reuses them, like LibTorch's
// CUDA caching allocator does for device memory, and unmaps the oldest cached blocks once the
// cache passes a byte limit, so memory stays bounded by the largest batch plus that limit.
//
// Small requests (< kLargeBlock) go to the C library, with two glibc settings that stop it
// from trimming its heap after every call (see TuneCLibrary).
// AUDIOMAP_CPU_ALLOCATOR=system keeps LibTorch's own allocator; AUDIOMAP_CPU_CACHE_MB fixes the
// cache limit (default: the largest number of bytes ever allocated at once, at least 64 MiB).
#pragma once

#include <c10/core/Allocator.h>
#include <torch/version.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace audiomap::memory {

/// Counters of the large-block pool, in bytes (blocks below kLargeBlock are not counted).
struct CpuMemoryStats {
  int64_t allocated = 0;      // in live tensors
  int64_t cached = 0;         // mapped, free, kept for reuse
  int64_t peakAllocated = 0;  // highest `allocated` since the last ResetPeak
  int64_t peakMapped = 0;     // highest allocated + cached since the last ResetPeak
  int64_t hits = 0;           // large requests served from the cache
  int64_t misses = 0;         // large requests that mapped new memory
  int64_t cacheLimit = 0;     // bytes the cache may hold now (filled in by Stats())
};

/// While alive, large blocks allocated on this thread bypass the cache: for long-lived memory
/// such as model weights, which would otherwise count towards the cache's high-water mark.
class ScopedUncached {
 public:
  ScopedUncached();
  ~ScopedUncached();
  ScopedUncached(const ScopedUncached &) = delete;
  ScopedUncached &operator=(const ScopedUncached &) = delete;

 private:
  bool previous_;
};

class CachingCpuAllocator final : public c10::Allocator {
 public:
  static constexpr size_t kLargeBlock = size_t{256} << 10;
  static constexpr size_t kAlignment = 64;  // LibTorch's CPU alignment
  /// Cache limit that follows the high-water mark of allocated bytes.
  static constexpr size_t kAutoLimit = ~size_t{0};

  explicit CachingCpuAllocator(size_t cacheLimit);

  // LibTorch 2.3 made allocate() non-const and added the pure virtual copy_data().
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
  c10::DataPtr allocate(size_t bytes) override;
  void copy_data(void *dest, const void *src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
#else
  c10::DataPtr allocate(size_t bytes) const override;
#endif
  c10::DeleterFnPtr raw_deleter() const override { return &Free; }

  CpuMemoryStats Stats() const;
  void ResetPeak();
  /// Unmaps every cached block; blocks in use are untouched.
  void EmptyCache();

  /// The installed instance, or null when the system allocator is in use.
  static CachingCpuAllocator *Installed();
  /// Installs the allocator unless AUDIOMAP_CPU_ALLOCATOR=system; idempotent.
  static void Install();

 private:
  struct Block {
    void *ptr;
    size_t size;  // mapped bytes (the size class)
  };

  /// Releases any block of this allocator (the raw deleter): pooled blocks back to the cache,
  /// others to the C library.
  static void Free(void *ptr);
  static void FreeUnpooled(void *ptr);
  void *AllocateLarge(size_t bytes);
  /// Returns false when `ptr` is not one of this allocator's large blocks.
  bool Release(void *ptr);
  void TrimLocked(size_t limit);
  void NoteAllocatedLocked();
  size_t Limit() const;
  static size_t SizeClass(size_t bytes);

  const size_t fixedLimit_;
  int64_t highWater_ = 0;  // most bytes ever allocated at once (never reset)
  mutable std::mutex mutex_;
  std::unordered_map<void *, size_t> live_;  // ptr -> mapped size
  // Free blocks by size, and in the order they were freed (oldest first) for trimming.
  std::list<Block> freeOrder_;
  std::multimap<size_t, std::list<Block>::iterator> freeBySize_;
  CpuMemoryStats stats_;
};

}  // namespace audiomap::memory
