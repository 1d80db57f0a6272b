// Bilinear backward warping by optical flow: forward and backward kernels
// (grid-stride loops over output pixels; bodies in kernels_impl.h).
// Matches torch's grid_sample(align_corners=True) on flow_to_grid's grid.
#include <cstdint>

#include <cuda_runtime.h>

#include "kernels_impl.h"
#include "launch.h"
#include "ops.h"

namespace uda_video {
namespace {

template <typename T>
__global__ void flow_warp_forward_kernel(const T *__restrict__ x,
                                         const T *__restrict__ flow,
                                         T *__restrict__ out, int64_t n,
                                         int64_t c, int64_t h, int64_t w,
                                         bool border) {
  const int64_t total = n * h * w;
  UDA_VIDEO_KERNEL_LOOP(i, total)
    impl::flow_warp_forward_element(x, flow, out, i, c, h, w, border);
}

template <typename T>
__global__ void flow_warp_backward_kernel(
    const T *__restrict__ grad_out, const T *__restrict__ x,
    const T *__restrict__ flow, T *__restrict__ grad_x,
    T *__restrict__ grad_flow, int64_t n, int64_t c, int64_t h, int64_t w,
    bool border) {
  const int64_t total = n * h * w;
  UDA_VIDEO_KERNEL_LOOP(i, total)
    impl::flow_warp_backward_element(grad_out, x, flow, grad_x, grad_flow, i,
                                     c, h, w, border);
}

}  // namespace

template <typename T>
cudaError_t flow_warp_forward_launch(const T *x, const T *flow, T *out,
                                     int64_t n, int64_t c, int64_t h,
                                     int64_t w, bool border,
                                     cudaStream_t stream) {
  const int64_t total = n * h * w;
  return launch::launch_1d(flow_warp_forward_kernel<T>, total, stream,
                           x, flow, out, n, c, h, w, border);
}

template <typename T>
cudaError_t flow_warp_backward_launch(const T *grad_out, const T *x,
                                      const T *flow, T *grad_x, T *grad_flow,
                                      int64_t n, int64_t c, int64_t h,
                                      int64_t w, bool border,
                                      cudaStream_t stream) {
  const int64_t total = n * h * w;
  return launch::launch_1d(flow_warp_backward_kernel<T>, total, stream,
                           grad_out, x, flow, grad_x, grad_flow, n, c, h, w,
                           border);
}

#define UDA_VIDEO_INSTANTIATE(T)                                             \
  template cudaError_t flow_warp_forward_launch<T>(                          \
      const T *, const T *, T *, int64_t, int64_t, int64_t, int64_t, bool,   \
      cudaStream_t);                                                         \
  template cudaError_t flow_warp_backward_launch<T>(                         \
      const T *, const T *, const T *, T *, T *, int64_t, int64_t, int64_t,  \
      int64_t, bool, cudaStream_t);
UDA_VIDEO_INSTANTIATE(float)
UDA_VIDEO_INSTANTIATE(double)
#undef UDA_VIDEO_INSTANTIATE

}  // namespace uda_video
