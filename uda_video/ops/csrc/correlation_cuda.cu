// FlowNetC cost volume (mean over channels of f1(p) * f2(p + d)): forward
// and backward kernels (bodies in kernels_impl.h). Every kernel gathers,
// so no atomics are needed.
#include <cstdint>

#include <cuda_runtime.h>

#include "kernels_impl.h"
#include "launch.h"
#include "ops.h"

namespace uda_video {
namespace {

// One thread per output element (N x D*D x H x W), looping over channels.
template <typename T>
__global__ void correlation_forward_kernel(const T *__restrict__ f1,
                                           const T *__restrict__ f2,
                                           T *__restrict__ out, int64_t total,
                                           int64_t c, int64_t h, int64_t w,
                                           int radius, int stride) {
  UDA_VIDEO_KERNEL_LOOP(i, total)
    impl::correlation_forward_element(f1, f2, out, i, c, h, w, radius, stride);
}

// One thread per input element (N x C x H x W), looping over displacements.
template <typename T>
__global__ void correlation_backward_kernel(
    const T *__restrict__ grad_out, const T *__restrict__ f1,
    const T *__restrict__ f2, T *__restrict__ grad_f1,
    T *__restrict__ grad_f2, int64_t total, int64_t c, int64_t h, int64_t w,
    int radius, int stride) {
  UDA_VIDEO_KERNEL_LOOP(i, total)
    impl::correlation_backward_element(grad_out, f1, f2, grad_f1, grad_f2, i,
                                       c, h, w, radius, stride);
}

}  // namespace

template <typename T>
cudaError_t correlation_forward_launch(const T *f1, const T *f2, T *out,
                                       int64_t n, int64_t c, int64_t h,
                                       int64_t w, int max_displacement,
                                       int stride, cudaStream_t stream) {
  const int radius = max_displacement / stride;
  const int64_t d = 2 * radius + 1;
  const int64_t total = n * d * d * h * w;
  return launch::launch_1d(correlation_forward_kernel<T>, total, stream,
                           f1, f2, out, total, c, h, w, radius, stride);
}

template <typename T>
cudaError_t correlation_backward_launch(const T *grad_out, const T *f1,
                                        const T *f2, T *grad_f1, T *grad_f2,
                                        int64_t n, int64_t c, int64_t h,
                                        int64_t w, int max_displacement,
                                        int stride, cudaStream_t stream) {
  const int radius = max_displacement / stride;
  const int64_t total = n * c * h * w;
  return launch::launch_1d(correlation_backward_kernel<T>, total, stream,
                           grad_out, f1, f2, grad_f1, grad_f2, total, c, h, w,
                           radius, stride);
}

#define UDA_VIDEO_INSTANTIATE(T)                                             \
  template cudaError_t correlation_forward_launch<T>(                        \
      const T *, const T *, T *, int64_t, int64_t, int64_t, int64_t, int,    \
      int, cudaStream_t);                                                    \
  template cudaError_t correlation_backward_launch<T>(                       \
      const T *, const T *, const T *, T *, T *, int64_t, int64_t, int64_t,  \
      int64_t, int, int, cudaStream_t);
UDA_VIDEO_INSTANTIATE(float)
UDA_VIDEO_INSTANTIATE(double)
#undef UDA_VIDEO_INSTANTIATE

}  // namespace uda_video
