// Launchers of the uda_video CUDA kernels (defined in the .cu files, which
// need only the CUDA runtime; bindings.cpp does the tensor work: checks,
// allocation, device guard, stream, dtype dispatch). Arrays are contiguous
// NCHW on one device; instantiated for float and double. Each launcher
// returns the launch's cudaError_t.
#pragma once
#include <cstdint>

#include <cuda_runtime_api.h>

namespace uda_video {

// x: N x C x H x W, flow: N x 2 x H x W (pixels, backward), out like x:
// out(p) = x(p + flow(p)), bilinear; border=false: zeros outside, true: clamp
// (grid_sample with align_corners=True).
template <typename T>
cudaError_t flow_warp_forward_launch(const T *x, const T *flow, T *out,
                                     int64_t n, int64_t c, int64_t h,
                                     int64_t w, bool border,
                                     cudaStream_t stream);
// grad_x must be zero-filled (it is accumulated with atomics).
template <typename T>
cudaError_t flow_warp_backward_launch(const T *grad_out, const T *x,
                                      const T *flow, T *grad_x, T *grad_flow,
                                      int64_t n, int64_t c, int64_t h,
                                      int64_t w, bool border,
                                      cudaStream_t stream);

// f1, f2: N x C x H x W; out: N x D*D x H x W, D = 2 * (max_disp / stride) + 1:
// out[n, iy * D + ix, y, x] = mean_c f1[n, c, y, x] * f2[n, c, y + dy, x + dx],
// dy = (iy - r) * stride, dx = (ix - r) * stride, zero outside f2.
template <typename T>
cudaError_t correlation_forward_launch(const T *f1, const T *f2, T *out,
                                       int64_t n, int64_t c, int64_t h,
                                       int64_t w, int max_displacement,
                                       int stride, cudaStream_t stream);
template <typename T>
cudaError_t correlation_backward_launch(const T *grad_out, const T *f1,
                                        const T *f2, T *grad_f1, T *grad_f2,
                                        int64_t n, int64_t c, int64_t h,
                                        int64_t w, int max_displacement,
                                        int stride, cudaStream_t stream);

}  // namespace uda_video
