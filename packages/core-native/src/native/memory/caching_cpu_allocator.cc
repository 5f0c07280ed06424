#include "memory/caching_cpu_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

namespace audiomap::memory {
namespace {

constexpr size_t kPage = 4096;
// Blocks this large ask for transparent huge pages: 512x fewer faults on first touch.
constexpr size_t kHugePageHint = size_t{4} << 20;
// Without AUDIOMAP_CPU_CACHE_MB the cache may hold as much as the most ever allocated at once
// (one batch's working set): enough to serve the next batch, and independent of how many
// batches a run has. This floor keeps small models from thrashing.
constexpr size_t kMinAutoCache = size_t{64} << 20;

// The C library keeps serving the small blocks. By default glibc trims its heap top after
// each call (and maps 128 KiB-32 MiB blocks on its own while its adaptive threshold settles),
// so the small tensors' pages are faulted in again on every forward too. These two settings
// keep up to 64 MiB of free heap top and serve blocks below 4 MiB from the heap; they are not
// applied when the user set any MALLOC_*_ variable.
constexpr int kGlibcMmapThreshold = 4 << 20;
constexpr int kGlibcTrimThreshold = 64 << 20;

void TuneCLibrary() {
  for (const char *name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                           "MALLOC_MMAP_MAX_"}) {
    if (std::getenv(name) != nullptr) return;
  }
  mallopt(M_MMAP_THRESHOLD, kGlibcMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kGlibcTrimThreshold);
}

CachingCpuAllocator *gInstalled = nullptr;
thread_local bool tUncached = false;

[[noreturn]] void ThrowOutOfMemory(size_t bytes) {
  C10_THROW_ERROR(OutOfMemoryError, "audiomap CPU allocator: could not map " +
                                        std::to_string(bytes) + " bytes: " +
                                        std::strerror(errno));
}

void *MapBlock(size_t bytes) {
  void *ptr = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ptr == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
  if (bytes >= kHugePageHint) madvise(ptr, bytes, MADV_HUGEPAGE);
#endif
  return ptr;
}

}  // namespace

ScopedUncached::ScopedUncached() : previous_(tUncached) { tUncached = true; }
ScopedUncached::~ScopedUncached() { tUncached = previous_; }

CachingCpuAllocator::CachingCpuAllocator(size_t cacheLimit) : fixedLimit_(cacheLimit) {}

size_t CachingCpuAllocator::Limit() const {
  if (fixedLimit_ != kAutoLimit) return fixedLimit_;
  return std::max(kMinAutoCache, static_cast<size_t>(highWater_));
}

size_t CachingCpuAllocator::SizeClass(size_t bytes) {
  // Four classes per power of two (at most 25% rounding), each a whole number of pages, so a
  // block freed by one batch fits the next batch's slightly different shape.
  size_t top = size_t{1} << (63 - __builtin_clzll(static_cast<unsigned long long>(bytes)));
  size_t step = std::max(top / 4, kPage);
  return (bytes + step - 1) / step * step;
}

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
c10::DataPtr CachingCpuAllocator::allocate(size_t bytes) {
#else
c10::DataPtr CachingCpuAllocator::allocate(size_t bytes) const {
#endif
  auto *self = const_cast<CachingCpuAllocator *>(this);
  void *ptr = nullptr;
  const bool pooled = bytes >= kLargeBlock && !tUncached;
  if (pooled) {
    ptr = self->AllocateLarge(bytes);
  } else if (posix_memalign(&ptr, kAlignment, std::max<size_t>(bytes, 1)) != 0) {
    ThrowOutOfMemory(bytes);
  }
  // Context == data, so LibTorch's raw_allocate()/raw_deleter() work too. Blocks from the C
  // library get its free() directly: most tensors are small, and their release need not take
  // the pool's lock to find out they are not in it.
  return {ptr, ptr, pooled ? &Free : &FreeUnpooled, c10::Device(c10::DeviceType::CPU)};
}

void *CachingCpuAllocator::AllocateLarge(size_t bytes) {
  const size_t size = SizeClass(bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The smallest cached size that fits, if it is not more than twice the request; of the
    // blocks of that size the most recently freed, whose pages are most likely still in cache.
    auto it = freeBySize_.lower_bound(size);
    if (it != freeBySize_.end() && it->first <= 2 * size) {
      it = std::prev(freeBySize_.upper_bound(it->first));
      Block block = *it->second;
      freeOrder_.erase(it->second);
      freeBySize_.erase(it);
      stats_.cached -= static_cast<int64_t>(block.size);
      stats_.allocated += static_cast<int64_t>(block.size);
      NoteAllocatedLocked();
      stats_.hits++;
      live_.emplace(block.ptr, block.size);
      return block.ptr;
    }
  }
  void *ptr = MapBlock(size);
  if (ptr == nullptr) {
    // Give the cache back and try once more before reporting out-of-memory.
    EmptyCache();
    ptr = MapBlock(size);
    if (ptr == nullptr) ThrowOutOfMemory(size);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  live_.emplace(ptr, size);
  stats_.misses++;
  stats_.allocated += static_cast<int64_t>(size);
  NoteAllocatedLocked();
  return ptr;
}

void CachingCpuAllocator::NoteAllocatedLocked() {
  stats_.peakAllocated = std::max(stats_.peakAllocated, stats_.allocated);
  stats_.peakMapped = std::max(stats_.peakMapped, stats_.allocated + stats_.cached);
  highWater_ = std::max(highWater_, stats_.allocated);
}

void CachingCpuAllocator::FreeUnpooled(void *ptr) { std::free(ptr); }

void CachingCpuAllocator::Free(void *ptr) {
  if (ptr == nullptr) return;
  if (gInstalled != nullptr && gInstalled->Release(ptr)) return;
  std::free(ptr);
}

bool CachingCpuAllocator::Release(void *ptr) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(ptr);
  if (it == live_.end()) return false;
  const size_t size = it->second;
  live_.erase(it);
  stats_.allocated -= static_cast<int64_t>(size);
  const size_t limit = Limit();
  if (size > limit) {
    munmap(ptr, size);
    return true;
  }
  freeOrder_.push_back(Block{ptr, size});
  freeBySize_.emplace(size, std::prev(freeOrder_.end()));
  stats_.cached += static_cast<int64_t>(size);
  TrimLocked(limit);
  return true;
}

void CachingCpuAllocator::TrimLocked(size_t limit) {
  // Oldest first: blocks that recent batches have not reused are the least likely to be needed.
  while (static_cast<size_t>(stats_.cached) > limit && !freeOrder_.empty()) {
    auto oldest = freeOrder_.begin();
    auto [first, last] = freeBySize_.equal_range(oldest->size);
    for (auto it = first; it != last; ++it) {
      if (it->second == oldest) {
        freeBySize_.erase(it);
        break;
      }
    }
    munmap(oldest->ptr, oldest->size);
    stats_.cached -= static_cast<int64_t>(oldest->size);
    freeOrder_.erase(oldest);
  }
}

CpuMemoryStats CachingCpuAllocator::Stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  CpuMemoryStats out = stats_;
  out.cacheLimit = static_cast<int64_t>(Limit());
  return out;
}

void CachingCpuAllocator::ResetPeak() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.peakAllocated = stats_.allocated;
  stats_.peakMapped = stats_.allocated + stats_.cached;
}

void CachingCpuAllocator::EmptyCache() {
  std::lock_guard<std::mutex> lock(mutex_);
  TrimLocked(0);
}

CachingCpuAllocator *CachingCpuAllocator::Installed() { return gInstalled; }

void CachingCpuAllocator::Install() {
  if (gInstalled != nullptr) return;
  const char *mode = std::getenv("AUDIOMAP_CPU_ALLOCATOR");
  if (mode != nullptr && std::string(mode) == "system") return;
  size_t limit = kAutoLimit;
  if (const char *value = std::getenv("AUDIOMAP_CPU_CACHE_MB")) {
    char *end = nullptr;
    unsigned long long parsed = std::strtoull(value, &end, 10);
    if (end != value && *end == '\0') limit = static_cast<size_t>(parsed) << 20;
  }
  TuneCLibrary();
  // Never freed: tensors allocated here may outlive every JavaScript object.
  gInstalled = new CachingCpuAllocator(limit);
  c10::SetCPUAllocator(gInstalled, /*priority=*/1);
  if (c10::GetCPUAllocator() != gInstalled) gInstalled = nullptr;
}

}  // namespace audiomap::memory
