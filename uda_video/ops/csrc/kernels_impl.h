// Per-element bodies of the uda_video kernels, shared by the CUDA kernels
// (flow_warp_cuda.cu, correlation_cuda.cu) and compilable as plain C++ so
// tests/ops can check the kernels' arithmetic on a CPU. Arrays are
// contiguous NCHW; ``i`` is the flat index of the element a thread handles.
#pragma once
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define UDA_HD __host__ __device__ __forceinline__
#else
#define UDA_HD inline
#endif

namespace uda_video {
namespace impl {

// Atomic on the device (several threads scatter into one pixel), plain on
// the host (the host check runs one element at a time).
template <typename T>
UDA_HD void scatter_add(T *p, T v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(p, v);
#else
  *p += v;
#endif
}

// Sampling position of one axis (grid_sample, align_corners=True);
// *grad_mult = d(position) / d(flow).
template <typename T>
UDA_HD T sample_coord(T base, T f, int64_t size, bool border, T *grad_mult) {
  *grad_mult = 1;
  if (size == 1) {  // grid_sample maps every coordinate of a size-1 axis to 0
    *grad_mult = 0;
    return 0;
  }
  const T p = base + f;
  if (!border) {
    // Every corner of a position beyond [-1, size] is outside (zero value and
    // gradient); bounding it keeps the integer casts defined (NaN too).
    const T lo = -2, hi = static_cast<T>(size + 1);
    return p > lo ? (p < hi ? p : hi) : lo;
  }
  const T hi = static_cast<T>(size - 1);
  if (!(p > 0)) {  // border: clamp (NaN -> 0); the clamped side has no grad
    *grad_mult = 0;
    return 0;
  }
  if (p >= hi) {
    *grad_mult = 0;
    return hi;
  }
  return p;
}

// The four bilinear taps of output pixel ``pix`` of image ``b``.
template <typename T>
struct Taps {
  int64_t x0, y0, x1, y1;
  T wx0, wx1, wy0, wy1, gmx, gmy;
  bool v00, v01, v10, v11;

  UDA_HD Taps(const T *flow, int64_t b, int64_t pix, int64_t h, int64_t w,
              bool border) {
    const int64_t hw = h * w;
    const T *fl = flow + b * 2 * hw;
    const T sx = sample_coord<T>(static_cast<T>(pix % w), fl[pix], w, border,
                                 &gmx);
    const T sy = sample_coord<T>(static_cast<T>(pix / w), fl[hw + pix], h,
                                 border, &gmy);
    const T fx = floor(sx), fy = floor(sy);
    x0 = static_cast<int64_t>(fx);
    y0 = static_cast<int64_t>(fy);
    x1 = x0 + 1;
    y1 = y0 + 1;
    wx1 = sx - fx;
    wy1 = sy - fy;
    wx0 = 1 - wx1;
    wy0 = 1 - wy1;
    v00 = y0 >= 0 && y0 < h && x0 >= 0 && x0 < w;
    v01 = y0 >= 0 && y0 < h && x1 >= 0 && x1 < w;
    v10 = y1 >= 0 && y1 < h && x0 >= 0 && x0 < w;
    v11 = y1 >= 0 && y1 < h && x1 >= 0 && x1 < w;
  }
};

// Output pixel i (of N*H*W), all channels: out(p) = x(p + flow(p)).
template <typename T>
UDA_HD void flow_warp_forward_element(const T *x, const T *flow, T *out,
                                      int64_t i, int64_t c, int64_t h,
                                      int64_t w, bool border) {
  const int64_t hw = h * w;
  const int64_t b = i / hw, pix = i % hw;
  const Taps<T> t(flow, b, pix, h, w, border);
  const T *xb = x + b * c * hw;
  T *ob = out + b * c * hw;
  for (int64_t ch = 0; ch < c; ++ch) {
    const T *xc = xb + ch * hw;
    T acc = 0;
    if (t.v00) acc += t.wy0 * t.wx0 * xc[t.y0 * w + t.x0];
    if (t.v01) acc += t.wy0 * t.wx1 * xc[t.y0 * w + t.x1];
    if (t.v10) acc += t.wy1 * t.wx0 * xc[t.y1 * w + t.x0];
    if (t.v11) acc += t.wy1 * t.wx1 * xc[t.y1 * w + t.x1];
    ob[ch * hw + pix] = acc;
  }
}

// Output pixel i: gathers the flow gradient over channels, scatters the
// image gradient to the four taps (grad_x must start at zero).
template <typename T>
UDA_HD void flow_warp_backward_element(const T *grad_out, const T *x,
                                       const T *flow, T *grad_x, T *grad_flow,
                                       int64_t i, int64_t c, int64_t h,
                                       int64_t w, bool border) {
  const int64_t hw = h * w;
  const int64_t b = i / hw, pix = i % hw;
  const Taps<T> t(flow, b, pix, h, w, border);
  const T *xb = x + b * c * hw;
  const T *gb = grad_out + b * c * hw;
  T *gxb = grad_x + b * c * hw;
  T gsx = 0, gsy = 0;
  for (int64_t ch = 0; ch < c; ++ch) {
    const T g = gb[ch * hw + pix];
    const T *xc = xb + ch * hw;
    T *gxc = gxb + ch * hw;
    const T a00 = t.v00 ? xc[t.y0 * w + t.x0] : T(0);
    const T a01 = t.v01 ? xc[t.y0 * w + t.x1] : T(0);
    const T a10 = t.v10 ? xc[t.y1 * w + t.x0] : T(0);
    const T a11 = t.v11 ? xc[t.y1 * w + t.x1] : T(0);
    gsx += g * (t.wy0 * (a01 - a00) + t.wy1 * (a11 - a10));
    gsy += g * (t.wx0 * (a10 - a00) + t.wx1 * (a11 - a01));
    if (t.v00) scatter_add(gxc + t.y0 * w + t.x0, g * t.wy0 * t.wx0);
    if (t.v01) scatter_add(gxc + t.y0 * w + t.x1, g * t.wy0 * t.wx1);
    if (t.v10) scatter_add(gxc + t.y1 * w + t.x0, g * t.wy1 * t.wx0);
    if (t.v11) scatter_add(gxc + t.y1 * w + t.x1, g * t.wy1 * t.wx1);
  }
  T *gfl = grad_flow + b * 2 * hw;
  gfl[pix] = gsx * t.gmx;
  gfl[hw + pix] = gsy * t.gmy;
}

// Output element i of N x D*D x H x W (D = 2 radius + 1):
// mean_c f1[n, c, p] * f2[n, c, p + d_k], zero outside f2.
template <typename T>
UDA_HD void correlation_forward_element(const T *f1, const T *f2, T *out,
                                        int64_t i, int64_t c, int64_t h,
                                        int64_t w, int radius, int stride) {
  const int64_t d = 2 * radius + 1;
  const int64_t k_total = d * d;
  const int64_t hw = h * w;
  const int64_t pix = i % hw;
  const int64_t k = (i / hw) % k_total;
  const int64_t b = i / (hw * k_total);
  const int64_t y2 = pix / w + (k / d - radius) * stride;
  const int64_t x2 = pix % w + (k % d - radius) * stride;
  T acc = 0;
  if (y2 >= 0 && y2 < h && x2 >= 0 && x2 < w) {
    const T *a = f1 + b * c * hw + pix;
    const T *bb = f2 + b * c * hw + y2 * w + x2;
    for (int64_t ch = 0; ch < c; ++ch) acc += a[ch * hw] * bb[ch * hw];
  }
  out[i] = acc / static_cast<T>(c);
}

// Input element i of N x C x H x W, both gradients by gathering:
// grad_f1[p] = sum_k g[k, p] f2[p + d_k] / C,
// grad_f2[q] = sum_k g[k, q - d_k] f1[q - d_k] / C.
template <typename T>
UDA_HD void correlation_backward_element(const T *grad_out, const T *f1,
                                         const T *f2, T *grad_f1, T *grad_f2,
                                         int64_t i, int64_t c, int64_t h,
                                         int64_t w, int radius, int stride) {
  const int64_t d = 2 * radius + 1;
  const int64_t k_total = d * d;
  const int64_t hw = h * w;
  const int64_t pix = i % hw;
  const int64_t b = i / (c * hw);
  const int64_t y = pix / w, x = pix % w;
  const T *g = grad_out + b * k_total * hw;
  const int64_t chan_off = i - pix;  // (b * c + ch) * hw
  T acc1 = 0, acc2 = 0;
  for (int64_t k = 0; k < k_total; ++k) {
    const int64_t dy = (k / d - radius) * stride;
    const int64_t dx = (k % d - radius) * stride;
    const int64_t y2 = y + dy, x2 = x + dx;
    if (y2 >= 0 && y2 < h && x2 >= 0 && x2 < w)
      acc1 += g[k * hw + pix] * f2[chan_off + y2 * w + x2];
    const int64_t y1 = y - dy, x1 = x - dx;
    if (y1 >= 0 && y1 < h && x1 >= 0 && x1 < w)
      acc2 += g[k * hw + y1 * w + x1] * f1[chan_off + y1 * w + x1];
  }
  grad_f1[i] = acc1 / static_cast<T>(c);
  grad_f2[i] = acc2 / static_cast<T>(c);
}

}  // namespace impl
}  // namespace uda_video
