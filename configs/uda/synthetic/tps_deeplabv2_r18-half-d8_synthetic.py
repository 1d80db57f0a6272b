# TPS-style temporal pseudo supervision (Xing et al., ECCV 2022): source supervision
# plus, on target clips of frames t and t-1, the network's own prediction of t-1 warped
# to t by the benchmark's flow as the pseudo label (argmax) of a strongly augmented
# (colour jitter 0.8 w.p. 0.8, grayscale 0.2, blur 0.6) and rescaled (0.8-1.2) view of t.
#   python tools/train.py configs/uda/synthetic/tps_deeplabv2_r18-half-d8_synthetic.py
_base_ = ['../_base_/synthetic_uda.py']
frame_offsets = [0, -1]
model = dict(
    type='TPS', scale_range=(0.8, 1.2), jitter=0.8, jitter_prob=0.8,
    grayscale_prob=0.2, blur_prob=0.6, blur_sigma=(0.15, 1.15),
    pseudo_loss_weight=1.0, source_loss_weight=1.0)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
