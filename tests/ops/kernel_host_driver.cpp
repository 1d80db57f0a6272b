// Runs the CUDA kernels' per-element bodies (uda_video/ops/csrc/
// kernels_impl.h) on the CPU, for test_kernel_host.py.
//   kernel_host_driver {warp|corr} IN.bin OUT.bin
// IN: int64 n, c, h, w, p1, p2 then float64 arrays:
//   warp (p1 = border): x, flow, grad_out  -> OUT: out, grad_x, grad_flow
//   corr (p1 = max_displacement, p2 = stride): f1, f2, grad_out
//                                          -> OUT: out, grad_f1, grad_f2
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernels_impl.h"

using uda_video::impl::correlation_backward_element;
using uda_video::impl::correlation_forward_element;
using uda_video::impl::flow_warp_backward_element;
using uda_video::impl::flow_warp_forward_element;

static std::vector<double> take(FILE *f, size_t count) {
  std::vector<double> v(count);
  if (std::fread(v.data(), sizeof(double), count, f) != count) v.clear();
  return v;
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  FILE *in = std::fopen(argv[2], "rb");
  if (!in) return 3;
  long long hdr[6];
  if (std::fread(hdr, sizeof(long long), 6, in) != 6) return 4;
  const int64_t n = hdr[0], c = hdr[1], h = hdr[2], w = hdr[3];
  std::vector<double> a, b, g, out, ga, gb;
  if (std::strcmp(argv[1], "warp") == 0) {
    const bool border = hdr[4] != 0;
    a = take(in, n * c * h * w);
    b = take(in, n * 2 * h * w);
    g = take(in, n * c * h * w);
    out.assign(n * c * h * w, 0.0);
    ga.assign(n * c * h * w, 0.0);
    gb.assign(n * 2 * h * w, 0.0);
    for (int64_t i = 0; i < n * h * w; ++i) {
      flow_warp_forward_element(a.data(), b.data(), out.data(), i, c, h, w,
                                border);
      flow_warp_backward_element(g.data(), a.data(), b.data(), ga.data(),
                                 gb.data(), i, c, h, w, border);
    }
  } else if (std::strcmp(argv[1], "corr") == 0) {
    const int max_disp = static_cast<int>(hdr[4]);
    const int stride = static_cast<int>(hdr[5]);
    const int radius = max_disp / stride;
    const int64_t k = (2 * radius + 1) * (2 * radius + 1);
    a = take(in, n * c * h * w);
    b = take(in, n * c * h * w);
    g = take(in, n * k * h * w);
    out.assign(n * k * h * w, 0.0);
    ga.assign(n * c * h * w, 0.0);
    gb.assign(n * c * h * w, 0.0);
    for (int64_t i = 0; i < n * k * h * w; ++i)
      correlation_forward_element(a.data(), b.data(), out.data(), i, c, h, w,
                                  radius, stride);
    for (int64_t i = 0; i < n * c * h * w; ++i)
      correlation_backward_element(g.data(), a.data(), b.data(), ga.data(),
                                   gb.data(), i, c, h, w, radius, stride);
  } else {
    return 5;
  }
  std::fclose(in);
  FILE *o = std::fopen(argv[3], "wb");
  if (!o) return 6;
  for (const auto *v : {&out, &ga, &gb})
    std::fwrite(v->data(), sizeof(double), v->size(), o);
  std::fclose(o);
  return 0;
}
