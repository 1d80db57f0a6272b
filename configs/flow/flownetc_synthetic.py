# FlowNetC (width 16, cost volume radius 8 at stride 2 on the 1/8 grid) on the
# synthetic benchmark's ground-truth flow; everything else as FlowNetS.
#   python tools/train.py configs/flow/flownetc_synthetic.py
_base_ = ['./flownets_synthetic.py']
model = dict(flow_net=dict(
    _delete_=True, type='FlowNetC', base_channels=16, max_displacement=8,
    corr_stride=2))
