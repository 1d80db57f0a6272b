// Launch helpers of the uda_video CUDA kernels (included by the .cu files
// only): one thread per element in grid-stride loops over 1-D grids of
// kThreads-thread blocks.
#pragma once
#include <cstdint>

#include <cuda_runtime.h>

namespace uda_video {
namespace launch {

constexpr int kThreads = 256;

inline int num_blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < (1 << 30) ? blocks : (1 << 30));
}

// Runs ``kernel(args...)`` on enough blocks for ``total`` elements (nothing
// when there are none); returns the launch's error.
template <typename... Params, typename... Args>
cudaError_t launch_1d(void (*kernel)(Params...), int64_t total,
                      cudaStream_t stream, Args... args) {
  if (total == 0) return cudaSuccess;
  kernel<<<num_blocks(total), kThreads, 0, stream>>>(args...);
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace uda_video

// The grid-stride loop of a kernel: element indices ``i`` < ``total`` of
// this thread.
#define UDA_VIDEO_KERNEL_LOOP(i, total)                                      \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) +           \
                   threadIdx.x;                                              \
       i < (total); i += static_cast<int64_t>(blockDim.x) * gridDim.x)
