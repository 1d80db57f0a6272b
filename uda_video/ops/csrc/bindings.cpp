// Python bindings of uda_video.ops._ext: argument checks, allocation, device
// guard, stream and dtype dispatch around the launchers of ops.h. Called from
// the autograd functions in uda_video/ops/{flow_warp,correlation}.py.
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/extension.h>

#include "ops.h"

namespace uda_video {
namespace {

cudaStream_t current_stream() { return c10::cuda::getCurrentCUDAStream(); }

void check_launch(cudaError_t err, const char *op) {
  TORCH_CHECK(err == cudaSuccess, "uda_video ", op,
              " CUDA kernel failed: ", cudaGetErrorString(err));
}

void check_input(const at::Tensor &t, const char *name) {
  TORCH_CHECK(t.is_cuda(), name, " must be a CUDA tensor");
  TORCH_CHECK(t.dim() == 4, name, " must be 4-D (N x C x H x W), got ",
              t.sizes());
  TORCH_CHECK(t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble,
              name, " must be float32 or float64, got ", t.scalar_type());
}

at::Tensor flow_warp_forward(const at::Tensor &x, const at::Tensor &flow,
                             bool border) {
  check_input(x, "x");
  check_input(flow, "flow");
  TORCH_CHECK(flow.size(1) == 2, "flow must have 2 channels, got ",
              flow.sizes());
  TORCH_CHECK(x.size(0) == flow.size(0) && x.size(2) == flow.size(2) &&
                  x.size(3) == flow.size(3),
              "x ", x.sizes(), " and flow ", flow.sizes(),
              " must share N, H and W");
  TORCH_CHECK(x.scalar_type() == flow.scalar_type(),
              "x and flow must share a dtype");
  const c10::cuda::CUDAGuard guard(x.device());
  auto xc = x.contiguous();
  auto fc = flow.contiguous();
  auto out = at::empty_like(xc);
  AT_DISPATCH_FLOATING_TYPES(xc.scalar_type(), "flow_warp_forward", [&] {
    check_launch(flow_warp_forward_launch<scalar_t>(
                     xc.data_ptr<scalar_t>(), fc.data_ptr<scalar_t>(),
                     out.data_ptr<scalar_t>(), xc.size(0), xc.size(1),
                     xc.size(2), xc.size(3), border, current_stream()),
                 "flow_warp_forward");
  });
  return out;
}

std::vector<at::Tensor> flow_warp_backward(const at::Tensor &grad_out,
                                           const at::Tensor &x,
                                           const at::Tensor &flow,
                                           bool border) {
  const c10::cuda::CUDAGuard guard(x.device());
  auto gc = grad_out.contiguous().to(x.scalar_type());
  auto xc = x.contiguous();
  auto fc = flow.contiguous();
  auto grad_x = at::zeros_like(xc);
  auto grad_flow = at::empty_like(fc);
  AT_DISPATCH_FLOATING_TYPES(xc.scalar_type(), "flow_warp_backward", [&] {
    check_launch(flow_warp_backward_launch<scalar_t>(
                     gc.data_ptr<scalar_t>(), xc.data_ptr<scalar_t>(),
                     fc.data_ptr<scalar_t>(), grad_x.data_ptr<scalar_t>(),
                     grad_flow.data_ptr<scalar_t>(), xc.size(0), xc.size(1),
                     xc.size(2), xc.size(3), border, current_stream()),
                 "flow_warp_backward");
  });
  return {grad_x, grad_flow};
}

at::Tensor correlation_forward(const at::Tensor &f1, const at::Tensor &f2,
                               int64_t max_displacement, int64_t stride) {
  check_input(f1, "f1");
  check_input(f2, "f2");
  TORCH_CHECK(f1.sizes() == f2.sizes(), "f1 ", f1.sizes(), " and f2 ",
              f2.sizes(), " must have the same shape");
  TORCH_CHECK(f1.scalar_type() == f2.scalar_type(),
              "f1 and f2 must share a dtype");
  TORCH_CHECK(max_displacement >= 0 && stride >= 1,
              "need max_displacement >= 0 and stride >= 1, got ",
              max_displacement, ", ", stride);
  const c10::cuda::CUDAGuard guard(f1.device());
  const int64_t d = 2 * (max_displacement / stride) + 1;
  auto a = f1.contiguous();
  auto b = f2.contiguous();
  auto out = at::empty({a.size(0), d * d, a.size(2), a.size(3)}, a.options());
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "correlation_forward", [&] {
    check_launch(correlation_forward_launch<scalar_t>(
                     a.data_ptr<scalar_t>(), b.data_ptr<scalar_t>(),
                     out.data_ptr<scalar_t>(), a.size(0), a.size(1),
                     a.size(2), a.size(3), static_cast<int>(max_displacement),
                     static_cast<int>(stride), current_stream()),
                 "correlation_forward");
  });
  return out;
}

std::vector<at::Tensor> correlation_backward(const at::Tensor &grad_out,
                                             const at::Tensor &f1,
                                             const at::Tensor &f2,
                                             int64_t max_displacement,
                                             int64_t stride) {
  const c10::cuda::CUDAGuard guard(f1.device());
  auto g = grad_out.contiguous().to(f1.scalar_type());
  auto a = f1.contiguous();
  auto b = f2.contiguous();
  auto grad_f1 = at::empty_like(a);
  auto grad_f2 = at::empty_like(b);
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "correlation_backward", [&] {
    check_launch(correlation_backward_launch<scalar_t>(
                     g.data_ptr<scalar_t>(), a.data_ptr<scalar_t>(),
                     b.data_ptr<scalar_t>(), grad_f1.data_ptr<scalar_t>(),
                     grad_f2.data_ptr<scalar_t>(), a.size(0), a.size(1),
                     a.size(2), a.size(3), static_cast<int>(max_displacement),
                     static_cast<int>(stride), current_stream()),
                 "correlation_backward");
  });
  return {grad_f1, grad_f2};
}

}  // namespace
}  // namespace uda_video

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("flow_warp_forward", &uda_video::flow_warp_forward,
        "bilinear flow warp forward (CUDA)");
  m.def("flow_warp_backward", &uda_video::flow_warp_backward,
        "bilinear flow warp backward (CUDA)");
  m.def("correlation_forward", &uda_video::correlation_forward,
        "correlation cost volume forward (CUDA)");
  m.def("correlation_backward", &uda_video::correlation_backward,
        "correlation cost volume backward (CUDA)");
}
