# TPS-style temporal pseudo supervision (Xing et al., ECCV 2022, xing0047/TPS) on the
# field's protocol: whole frames; the network's own prediction of Cityscapes frame t-1
# warped to t by the precomputed flow (tools/dataset_converters/compute_flow.py) is the pseudo label
# (argmax) of a strongly augmented (colour jitter 0.8 w.p. 0.8, grayscale 0.2, blur
# 0.6) and rescaled (0.8-1.2) view of frame t; TPS's LAMBDA_T = 1.
_base_ = ['../_base_/viper2cityscapes_uda.py']
frame_offsets = [0, -1]
model = dict(
    type='TPS', scale_range=(0.8, 1.2), jitter=0.8, jitter_prob=0.8,
    grayscale_prob=0.2, blur_prob=0.6, blur_sigma=(1.0, 4.0),
    pseudo_loss_weight=1.0, source_loss_weight=1.0)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
